/**
 * Builds the fastify app (no listening): /graphql, /healthz and /metrics over the given services.
 * `server.ts` starts it; tests build it and listen on 127.0.0.1 port 0.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { documentsRoutes } from './calls/documents-routes.ts';
import { consoleStatic } from './console-static.ts';
import { graphqlPlugin } from './graphql/yoga-plugin.ts';
import { readModelLag } from './observability/health.ts';
import { HttpMetrics, type Gauge } from './observability/metrics.ts';
import { recordingRoute } from './recordings/recording-route.ts';
import type { Services } from './services.ts';

export interface AppOptions {
  services: Services;
  logger?: FastifyServerOptions['logger'];
  loginAttemptsPerMinute?: number;
  /** Secure flag on the session cookie: on behind HTTPS (the default in production). */
  secureCookies?: boolean;
  /** `<DATA_DIR>/recordings`: served at /recordings/<callId>.wav. Absent: no recordings route. */
  recordingsDir?: string;
  /** Serve HTTPS with this certificate (the SIP WebSocket on the same server is then WSS). Absent: plain HTTP. */
  https?: { cert: Buffer; key: Buffer };
}

const waitingGauge = (services: Services): Gauge => {
  const samples: Gauge['samples'] = [];
  const now = services.now();
  for (const [, snapshot] of services.core.states.organisations.entries()) {
    const organisationId = snapshot.state.organisationId;
    if (organisationId === null) continue;
    const waiting = new Map<string, number>();
    for (const row of services.readSide.queueBoard(organisationId, { now, statuses: ['waiting'] }).rows) waiting.set(row.queueId, (waiting.get(row.queueId) ?? 0) + 1);
    for (const queue of services.readSide.queues(organisationId)) {
      if (!queue.removed) samples.push({ labels: { organisation: organisationId, queue: queue.queueId, queue_name: queue.settings.name }, value: waiting.get(queue.queueId) ?? 0 });
    }
  }
  return { name: 'cc_queue_waiting_calls', help: 'Calls waiting in each queue now.', samples };
};

export const buildApp = async (options: AppOptions): Promise<FastifyInstance> => {
  const { services } = options;
  // With `https` fastify's server is an https.Server; the routes and plugins are the same, so the app keeps the plain type.
  const app = (options.https === undefined
    ? Fastify({ logger: options.logger ?? false, trustProxy: process.env.TRUST_PROXY === 'true' })
    : Fastify({ logger: options.logger ?? false, trustProxy: process.env.TRUST_PROXY === 'true', https: options.https })) as unknown as FastifyInstance;
  const httpMetrics = new HttpMetrics();

  app.addHook('onResponse', async (request, reply) => {
    httpMetrics.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  await app.register(cookie);
  await app.register(graphqlPlugin, {
    services,
    loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 10,
    secureCookies: options.secureCookies ?? process.env.NODE_ENV === 'production',
  });

  app.get('/healthz', async (_request, reply) => {
    const lag = await readModelLag(services);
    return reply
      .status(lag.caughtUp ? 200 : 503)
      .send({ status: lag.caughtUp ? 'ok' : 'catching-up', readModelPosition: String(lag.readModelPosition), headPosition: String(lag.headPosition), lag: String(lag.lag) });
  });

  app.get('/metrics', async (request, reply) => {
    const lag = await readModelLag(services);
    let waiting: Gauge;
    try {
      waiting = waitingGauge(services);
    } catch (error) {
      // Read models that cannot answer (stopped, failing) must not take /metrics down: the lag gauges say what is wrong.
      request.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'read models could not answer for /metrics');
      waiting = { name: 'cc_queue_waiting_calls', help: 'Calls waiting in each queue now.', samples: [] };
    }
    const gauges: Gauge[] = [
      { name: 'cc_event_store_head_position', help: 'Last global position in the event log known to this process.', samples: [{ labels: {}, value: Number(lag.headPosition) }] },
      { name: 'cc_read_models_position', help: 'Last global position the read models include.', samples: [{ labels: {}, value: Number(lag.readModelPosition) }] },
      { name: 'cc_event_lag', help: 'Events the read models are behind the log (head position - read models position).', samples: [{ labels: {}, value: Number(lag.lag) }] },
      waiting,
    ];
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(httpMetrics.render(gauges));
  });

  if (options.recordingsDir !== undefined) await app.register(recordingRoute, { services, recordingsDir: options.recordingsDir });

  await app.register(documentsRoutes, { services });

  // The built console on the same port (the catch-all route loses to the routes above).
  await app.register(consoleStatic, {});

  return app;
};
