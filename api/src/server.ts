/**
 * Starts the whole platform in one process: event store, core, read models, API on PORT with data
 * in DATA_DIR, and the SIP edge on SIP_PORT. Seeds an empty log on first start. `npm start` runs this.
 * With rtpengine installed the SIP edge spawns it for media (RTPENGINE: off | embedded | host:port,
 * see the gateway's media-setup.ts) and stops it with the gateway; no SIP edge (sipPort null), no rtpengine.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CoreLogger } from '@cc/core';
import { type RunningGateway, sipCredentialsFromEnv, startGateway } from '@cc/gateway';
import { streams } from '@cc/core';
import { buildApp } from './app.ts';
import { type HttpsFiles, httpsFilesFrom, readHttpsCertificate } from './https-settings.ts';
import { openPlatform, type Platform } from './platform.ts';
import { seedIfEmpty } from './seed.ts';
import type { GatewayControl } from './services.ts';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  eventStoreConnectionString?: string | undefined;
  adminEmail?: string | undefined;
  adminPassword?: string | undefined;
  publicUrl?: string | undefined;
  logLevel?: string;
  /** SIP edge port (UDP and TCP); null = no SIP edge (the API tests). */
  sipPort?: number | null;
  /** Address the SIP edge binds and advertises in Via/Contact. */
  sipHost?: string;
  /** HTTPS_CERT / HTTPS_KEY: serve HTTPS (and WSS on /sip) instead of plain HTTP. */
  https?: HttpsFiles | null;
}

export const configFromEnv = (env: NodeJS.ProcessEnv = process.env): ServerConfig => ({
  port: Number(env.PORT ?? 3000),
  host: env.HOST ?? '0.0.0.0',
  dataDir: env.DATA_DIR ?? './data',
  eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING,
  adminEmail: env.CC_ADMIN_EMAIL,
  adminPassword: env.CC_ADMIN_PASSWORD,
  publicUrl: env.PUBLIC_URL,
  logLevel: env.LOG_LEVEL ?? 'info',
  sipPort: env.SIP_PORT === 'off' ? null : Number(env.SIP_PORT ?? 5060),
  sipHost: env.SIP_HOST ?? '127.0.0.1',
  https: httpsFilesFrom(env),
});

export interface RunningServer {
  app: FastifyInstance;
  platform: Platform;
  url: string;
  /** The SIP edge, or null when it is off. */
  gateway: RunningGateway | null;
  stop(): Promise<void>;
}

export const startServer = async (config: ServerConfig, print: (text: string) => void = (text) => process.stdout.write(text + '\n')): Promise<RunningServer> => {
  const { default: Fastify } = await import('fastify');
  // Before anything starts: an unreadable certificate stops start-up with the variable and the path.
  const https = config.https === undefined || config.https === null ? null : readHttpsCertificate(config.https);
  // One pino logger for fastify and the core, so every line has the same shape.
  const log = Fastify({ logger: { level: config.logLevel ?? 'info' } }).log;
  const coreLogger: CoreLogger = {
    debug: (details, message) => log.debug(details, message),
    info: (details, message) => log.info(details, message),
    warn: (details, message) => log.warn(details, message),
    error: (details, message) => log.error(details, message),
  };
  const platform = await openPlatform({
    dataDir: config.dataDir,
    logger: coreLogger,
    ...(config.eventStoreConnectionString === undefined || config.eventStoreConnectionString === '' ? {} : { eventStoreConnectionString: config.eventStoreConnectionString }),
  });
  const seeded = await seedIfEmpty(platform, { adminEmail: config.adminEmail, adminPassword: config.adminPassword, print });
  if (seeded.kind !== 'none') log.info({ organisationId: seeded.organisationId, seed: seeded.kind }, 'first start: organisation created');
  const publicUrl = config.publicUrl ?? `${https === null ? 'http' : 'https'}://localhost:${config.port}`;
  const sipEnabled = config.sipPort !== undefined && config.sipPort !== null;
  // SIP credentials (issued to agents' sessions, checked by the registrar) are valid while the session is.
  const sip = sipEnabled
    ? sipCredentialsFromEnv({
        publicUrl,
        isSessionLive: async (sessionId) => {
          const { state } = await platform.users.sessions.load(streams.session(sessionId));
          return state.exists && !state.revoked && (state.expiresAt === null || state.expiresAt > platform.core.now());
        },
      })
    : null;
  const gatewayControl: GatewayControl = { sendDtmf: null };
  const app = await buildApp({
    services: { ...platform, now: () => platform.core.now(), publicUrl, sip, dataDir: config.dataDir, gateway: gatewayControl },
    logger: { level: config.logLevel ?? 'info' },
    // The gateway writes call recordings there (see startGateway's dataDir).
    recordingsDir: path.join(config.dataDir, 'recordings'),
    // Served over HTTPS, the session cookie is Secure whatever NODE_ENV says.
    ...(https === null ? {} : { https, secureCookies: true }),
  });
  const url = await app.listen({ port: config.port, host: config.host });
  // With no PUBLIC_URL (tests, port 0) the WebSocket URL handed to agents is the one actually bound (wss:// over HTTPS).
  if (sip !== null && config.publicUrl === undefined && process.env.SIP_WS_URL === undefined) sip.wsUrl = `${url.replace(/^http/, 'ws')}/sip`;
  app.log.info({ url, dataDir: config.dataDir, eventStore: config.eventStoreConnectionString ? 'eventstoredb' : 'embedded sqlite' }, 'contact-center API started');
  const gateway =
    config.sipPort === undefined || config.sipPort === null
      ? null
      : await startGateway({
          cc: platform.core,
          sipPort: config.sipPort,
          host: config.sipHost ?? '127.0.0.1',
          logger: coreLogger,
          // SIP over WebSocket for JsSIP (RFC 7118) on the API's own HTTP port, path /sip.
          httpServer: app.server,
          // Recordings go to <DATA_DIR>/recordings (RECORD_CALLS=all, or a queue's recordCalls).
          dataDir: config.dataDir,
          ...(sip === null ? {} : { credentials: sip }),
        });
  if (gateway !== null) app.log.info({ udpPort: gateway.udpPort, tcpPort: gateway.tcpPort, webSocketPath: gateway.webSocketPath }, 'SIP edge started');
  const sendDtmf = gateway?.sendDtmf;
  if (sendDtmf !== undefined) gatewayControl.sendDtmf = (callId, digits) => sendDtmf(callId, digits);
  return {
    app,
    platform,
    url,
    gateway,
    async stop() {
      await gateway?.stop();
      await app.close();
      await platform.close();
    },
  };
};
