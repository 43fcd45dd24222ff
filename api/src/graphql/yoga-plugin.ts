/**
 * /graphql as a fastify plugin: the session (bearer header or cookie) is turned into a Viewer here,
 * once per request, and handed to graphql-yoga as context. Resolvers never see headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createYoga } from 'graphql-yoga';
import type { Membership, UserRole } from '@cc/core';
import { AttemptLimiter } from '../auth/rate-limit.ts';
import type { Viewer } from '../auth/viewer.ts';
import { CallControl } from '../calls/call-control.ts';
import { toClientError } from '../errors.ts';
import { AgentAdmin } from '../management/agent-admin.ts';
import { QueueAdmin } from '../management/queue-admin.ts';
import { TeamAdmin } from '../management/team-admin.ts';
import type { Services } from '../services.ts';
import type { ApiContext } from './context.ts';
import { buildSchema } from './schema.ts';

export const SESSION_COOKIE = 'cc_session';

export interface GraphqlOptions {
  services: Services;
  /** Login attempts per IP + identifier per minute. */
  loginAttemptsPerMinute: number;
  secureCookies: boolean;
}

interface ServerContext {
  req: FastifyRequest;
  reply: FastifyReply;
}

export const tokenOf = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.toLowerCase().startsWith('bearer ')) return header.slice(7).trim();
  const cookie = request.cookies[SESSION_COOKIE];
  return typeof cookie === 'string' && cookie !== '' ? cookie : null;
};

export const viewerOf = async (services: Services, token: string | null): Promise<Viewer | null> => {
  if (token === null) return null;
  const authenticated = await services.users.authenticate(token);
  if (authenticated === null) return null;
  const { session, user } = authenticated;
  const membership: Membership | undefined = user.memberships.find((m) => m.organisationId === session.organisationId);
  // A user removed from the organisation loses the session's access to it at once.
  if (membership === undefined) return null;
  return {
    userId: user.userId,
    sessionId: session.sessionId,
    displayName: user.displayName ?? '',
    email: user.email ?? '',
    username: user.username ?? '',
    organisationId: session.organisationId,
    role: membership.role as UserRole,
    agentId: membership.agentId,
    memberships: user.memberships,
  };
};

export const graphqlPlugin = async (app: FastifyInstance, options: GraphqlOptions): Promise<void> => {
  const { services } = options;
  const agents = new AgentAdmin(services);
  const queues = new QueueAdmin(services);
  const teams = new TeamAdmin(services, agents);
  const calls = new CallControl(services);
  const loginLimiter = new AttemptLimiter(options.loginAttemptsPerMinute, 60_000);

  const yoga = createYoga<ServerContext, ApiContext>({
    // The schema's resolvers read only ApiContext; yoga's type also wants the server context mixed in.
    schema: buildSchema() as unknown as Parameters<typeof createYoga<ServerContext, ApiContext>>[0]['schema'],
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    logging: {
      debug: (...args: unknown[]) => app.log.debug(args.map(String).join(' ')),
      info: (...args: unknown[]) => app.log.info(args.map(String).join(' ')),
      warn: (...args: unknown[]) => app.log.warn(args.map(String).join(' ')),
      error: (...args: unknown[]) => app.log.error(args.map(String).join(' ')),
    },
    maskedErrors: {
      isDev: false,
      maskError: (error) => toClientError(error, (original) => app.log.error({ err: original }, 'resolver failed')),
    },
    context: async ({ req, reply }) => ({
      services,
      agents,
      queues,
      teams,
      calls,
      loginLimiter,
      viewer: await viewerOf(services, tokenOf(req)),
      clientIp: req.ip,
      setSessionCookie: (token: string, expiresAt: string) => {
        void reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: options.secureCookies, path: '/', expires: new Date(expiresAt) });
      },
      clearSessionCookie: () => {
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      },
    }),
  });

  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (req, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(req, reply, { req, reply });
      response.headers.forEach((value, key) => {
        // Yoga does not set cookies; keep the one a login resolver set on the fastify reply.
        if (key.toLowerCase() !== 'set-cookie') void reply.header(key, value);
      });
      void reply.status(response.status);
      return reply.send(response.body);
    },
  });
};
