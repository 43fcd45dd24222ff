/** Sign-in, sessions and the signed-in user. */
import { DomainError, streams, type UserRole } from '@cc/core';
import { requireViewer, type Viewer } from '../auth/viewer.ts';
import { apiError } from '../errors.ts';
import type { ApiContext } from './context.ts';
import { toEnum } from './context.ts';
import type { Resolvers } from './resolvers.ts';
import { agentView } from './agents-schema.ts';

export const authTypeDefs = /* GraphQL */ `
  enum Role { OWNER ADMIN SUPERVISOR AGENT ANALYST }

  type Organisation { id: ID! name: String! timeZone: String! }
  type Membership { organisation: Organisation! role: Role! agentId: ID }
  type User { id: ID! email: String! username: String! displayName: String! memberships: [Membership!]! }
  type Session { token: String! expiresAt: String! user: User! organisation: Organisation! role: Role! }
  type Me { user: User! organisation: Organisation! role: Role! agent: Agent }

  extend type Query {
    "The signed-in user in the selected organisation."
    me: Me!
  }

  extend type Mutation {
    "Sign in with email or username. Also sets an httpOnly session cookie."
    login(email: String!, password: String!): Session!
    "Ends the current session."
    logout: Boolean!
    "Switches the session to another organisation the user belongs to."
    selectOrganisation(organisationId: ID!): Me!
  }
`;

const organisation = async (context: ApiContext, organisationId: string) => {
  const { state } = await context.services.core.states.organisations.load(streams.organisation(organisationId));
  return { id: organisationId, name: state.name === '' ? organisationId : state.name, timeZone: state.timeZone };
};

const userOf = (viewer: Pick<Viewer, 'userId' | 'email' | 'username' | 'displayName' | 'memberships'>, context: ApiContext) => ({
  id: viewer.userId,
  email: viewer.email,
  username: viewer.username,
  displayName: viewer.displayName,
  memberships: () =>
    viewer.memberships.map((m) => ({ organisation: () => organisation(context, m.organisationId), role: toEnum(m.role), agentId: m.agentId })),
});

const me = async (viewer: Viewer, context: ApiContext) => ({
  user: userOf(viewer, context),
  organisation: await organisation(context, viewer.organisationId),
  role: toEnum(viewer.role),
  agent: viewer.agentId === null ? null : async () => agentView(await context.agents.agent(viewer.organisationId, viewer.agentId as string)),
});

export const authResolvers: Resolvers = {
  Query: {
    me: (_: unknown, __: unknown, context) => me(requireViewer(context.viewer), context),
  },
  Mutation: {
    login: async (_: unknown, args: { email: string; password: string }, context) => {
      const key = `${context.clientIp}|${args.email.trim().toLowerCase()}`;
      if (!context.loginLimiter.tryAttempt(key)) {
        throw apiError('RATE_LIMITED', `Too many sign-in attempts; wait ${context.loginLimiter.retryAfterSeconds(key)} seconds and try again.`);
      }
      const started = await context.services.users.login(args.email, args.password);
      context.setSessionCookie(started.token, started.expiresAt);
      const membership = started.user.memberships.find((m) => m.organisationId === started.organisationId);
      return {
        token: started.token,
        expiresAt: started.expiresAt,
        user: userOf(
          { userId: started.user.userId, email: started.user.email ?? '', username: started.user.username ?? '', displayName: started.user.displayName ?? '', memberships: started.user.memberships },
          context,
        ),
        organisation: await organisation(context, started.organisationId),
        role: toEnum(membership?.role ?? 'agent'),
      };
    },
    logout: async (_: unknown, __: unknown, context) => {
      const viewer = requireViewer(context.viewer);
      await context.services.users.logout(viewer.sessionId, viewer.userId, viewer.organisationId);
      context.clearSessionCookie();
      return true;
    },
    selectOrganisation: async (_: unknown, args: { organisationId: string }, context) => {
      const viewer = requireViewer(context.viewer);
      const membership = viewer.memberships.find((m) => m.organisationId === args.organisationId);
      if (membership === undefined) throw new DomainError('NotAMember', `You are not a member of organisation ${args.organisationId}.`);
      const user = await context.services.users.user(viewer.userId);
      if (user === null) throw new DomainError('UserNotFound', 'Your account no longer exists.');
      await context.services.users.selectOrganisation(viewer.sessionId, user, args.organisationId);
      return me({ ...viewer, organisationId: args.organisationId, role: membership.role as UserRole, agentId: membership.agentId }, context);
    },
  },
};
