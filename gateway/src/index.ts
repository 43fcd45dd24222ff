/**
 * The gateway: the embedded SIP edge (UDP/TCP, and WebSocket on the API's HTTP server), the
 * registrar for WebRTC agents, and the call handling on top of it, started inside the platform's
 * process next to the core.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { DrachtioSignalling } from './drachtio/drachtio-signalling.ts';
import type { SrfLike } from './drachtio/srf-types.ts';
import { type ContactCenter, type CoreLogger, jsonLogger } from '@cc/core';
import type { SipCredentials } from './registrar/sip-credentials.ts';
import { attachSipWebSocket, type WebSocketEndpoint } from './sip/websocket-endpoint.ts';
import { SipGateway } from './session/sip-gateway.ts';
import { TrustedPeers } from './session/trusted-peers.ts';
import { EmbeddedSipEdge } from './sip/embedded-sip-edge.ts';
import type { TimerSettings } from './sip/transactions.ts';
import { SipCredentials as SipCredentialsClass } from './registrar/sip-credentials.ts';

export type { SignallingPort, InboundCall, OutboundLeg } from './signalling/signalling-port.ts';
export { TrustedPeers } from './session/trusted-peers.ts';
export { SipCredentials, type SipCredential, type SipCredentialsOptions } from './registrar/sip-credentials.ts';

/** SIP credentials from the environment: SIP_DOMAIN, SIP_WS_URL (else from the public URL), SIP_CREDENTIAL_SECRET. */
export const sipCredentialsFromEnv = (
  options: { publicUrl: string; isSessionLive?: (sessionId: string) => Promise<boolean> },
  env: NodeJS.ProcessEnv = process.env,
): SipCredentials => {
  const publicUrl = new URL(options.publicUrl);
  const wsUrl = env.SIP_WS_URL ?? `${publicUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicUrl.host}/sip`;
  return new SipCredentialsClass({
    domain: env.SIP_DOMAIN ?? publicUrl.hostname,
    wsUrl,
    ...(env.SIP_CREDENTIAL_SECRET === undefined || env.SIP_CREDENTIAL_SECRET === '' ? {} : { secret: env.SIP_CREDENTIAL_SECRET }),
    ...(options.isSessionLive === undefined ? {} : { isSessionLive: options.isSessionLive }),
  });
};

export interface GatewayOptions {
  cc: ContactCenter;
  /** SIP port for UDP and TCP; 0 picks a free one. Default: SIP_PORT or 5060. */
  sipPort?: number;
  /** Address to bind and to put in Via/Contact. Default 127.0.0.1. */
  host?: string;
  /** CIDR blocks allowed to send calls in. Default: SIP_TRUSTED_PEERS or 127.0.0.0/8. */
  trustedPeers?: readonly string[] | string;
  /** Where External/Mobile agents' E.164 numbers are sent (e.g. sip:10.0.0.5:5060). Default: SIP_TRUNK_URI or none. */
  trunkUri?: string | null;
  logger?: CoreLogger;
  /** SIP timer values (ms); tests shorten them. */
  sipTimers?: Partial<TimerSettings>;
  /** Agents' SIP credentials: with them REGISTER is served (digest); without, it gets 501. */
  credentials?: SipCredentials;
  /** The HTTP server to serve SIP over WebSocket on (path `webSocketPath`, default /sip). */
  httpServer?: Server;
  webSocketPath?: string;
  /** drachtio-server's host: when set (or DRACHTIO_HOST), signalling goes through drachtio-server instead of the embedded edge. */
  drachtio?: string;
}

export interface RunningGateway {
  udpPort: number;
  tcpPort: number;
  /** The WebSocket endpoint's path, or null when there is none. */
  webSocketPath: string | null;
  /** Live state counts (dialogs, transactions, calls), for health and leak checks. */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

export const startGateway = async (options: GatewayOptions): Promise<RunningGateway> => {
  const logger = options.logger ?? jsonLogger;
  if ((options.drachtio ?? process.env.DRACHTIO_HOST ?? '') !== '') return startDrachtioGateway(options, logger);
  const sipPort = options.sipPort ?? Number(process.env.SIP_PORT ?? 5060);
  if (!Number.isInteger(sipPort) || sipPort < 0 || sipPort > 65535) throw new Error(`SIP_PORT: '${sipPort}' is not a port number`);
  const trustedPeers =
    typeof options.trustedPeers === 'string' || options.trustedPeers === undefined
      ? TrustedPeers.parse(options.trustedPeers ?? process.env.SIP_TRUSTED_PEERS)
      : new TrustedPeers(options.trustedPeers);
  const trunk = options.trunkUri === undefined ? (process.env.SIP_TRUNK_URI ?? null) : options.trunkUri;
  const edge = new EmbeddedSipEdge({
    host: options.host ?? '127.0.0.1',
    port: sipPort,
    logger,
    ...(options.sipTimers === undefined ? {} : { timers: options.sipTimers }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const gateway = new SipGateway({ cc: options.cc, port: edge, trustedPeers, trunkUri: trunk === null || trunk.trim() === '' ? null : trunk.trim(), logger });
  await gateway.start();
  const { udpPort, tcpPort } = await edge.listen();
  const webSocket: WebSocketEndpoint | null = options.httpServer === undefined ? null : attachSipWebSocket(options.httpServer, edge.transport, logger, options.webSocketPath ?? '/sip');
  logger.info({ udpPort, tcpPort, webSocketPath: webSocket?.path ?? null, registrar: options.credentials !== undefined, trustedPeers: trustedPeers.cidrs.join(','), trunk }, 'sip edge listening');
  let stopped = false;
  return {
    udpPort,
    tcpPort,
    webSocketPath: webSocket?.path ?? null,
    stats: () => ({ ...edge.stats(), calls: gateway.activeCalls }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      gateway.stop();
      // Let the BYEs and final responses just sent leave before the sockets close.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await webSocket?.close();
      await edge.close();
    },
  };
};

/** Production signalling: drachtio-server (DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET) through drachtio-srf. */
const startDrachtioGateway = async (options: GatewayOptions, logger: CoreLogger): Promise<RunningGateway> => {
  const require = createRequire(import.meta.url);
  const Srf = require('drachtio-srf') as new () => SrfLike;
  const srf = new Srf();
  const host = options.drachtio ?? process.env.DRACHTIO_HOST ?? '';
  await DrachtioSignalling.connect(srf, { host, port: Number(process.env.DRACHTIO_PORT ?? 9022), secret: process.env.DRACHTIO_SECRET ?? 'cymru' }, logger);
  const port = new DrachtioSignalling({ srf, logger, ...(options.credentials === undefined ? {} : { credentials: options.credentials }) });
  const trustedPeers =
    typeof options.trustedPeers === 'string' || options.trustedPeers === undefined ? TrustedPeers.parse(options.trustedPeers ?? process.env.SIP_TRUSTED_PEERS) : new TrustedPeers(options.trustedPeers);
  const trunk = options.trunkUri === undefined ? (process.env.SIP_TRUNK_URI ?? null) : options.trunkUri;
  const gateway = new SipGateway({ cc: options.cc, port, trustedPeers, trunkUri: trunk === null || trunk.trim() === '' ? null : trunk.trim(), logger });
  await gateway.start();
  return {
    udpPort: 0,
    tcpPort: 0,
    webSocketPath: null,
    stats: () => ({ ...port.stats(), calls: gateway.activeCalls }),
    stop: async () => {
      gateway.stop();
      await port.close();
    },
  };
};
