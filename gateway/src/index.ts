/**
 * The gateway: the embedded SIP edge (UDP/TCP) and the call handling on top of it, started inside
 * the platform's process next to the core.
 */
import { type ContactCenter, type CoreLogger, jsonLogger } from '@cc/core';
import { SipGateway } from './session/sip-gateway.ts';
import { TrustedPeers } from './session/trusted-peers.ts';
import { EmbeddedSipEdge } from './sip/embedded-sip-edge.ts';
import type { TimerSettings } from './sip/transactions.ts';

export type { SignallingPort, InboundCall, OutboundLeg } from './signalling/signalling-port.ts';
export { TrustedPeers } from './session/trusted-peers.ts';

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
}

export interface RunningGateway {
  udpPort: number;
  tcpPort: number;
  /** Live state counts (dialogs, transactions, calls), for health and leak checks. */
  stats(): Record<string, number>;
  stop(): Promise<void>;
}

export const startGateway = async (options: GatewayOptions): Promise<RunningGateway> => {
  const logger = options.logger ?? jsonLogger;
  const sipPort = options.sipPort ?? Number(process.env.SIP_PORT ?? 5060);
  if (!Number.isInteger(sipPort) || sipPort < 0 || sipPort > 65535) throw new Error(`SIP_PORT: '${sipPort}' is not a port number`);
  const trustedPeers =
    typeof options.trustedPeers === 'string' || options.trustedPeers === undefined
      ? TrustedPeers.parse(options.trustedPeers ?? process.env.SIP_TRUSTED_PEERS)
      : new TrustedPeers(options.trustedPeers);
  const trunk = options.trunkUri === undefined ? (process.env.SIP_TRUNK_URI ?? null) : options.trunkUri;
  const edge = new EmbeddedSipEdge({ host: options.host ?? '127.0.0.1', port: sipPort, logger, ...(options.sipTimers === undefined ? {} : { timers: options.sipTimers }) });
  const gateway = new SipGateway({ cc: options.cc, port: edge, trustedPeers, trunkUri: trunk === null || trunk.trim() === '' ? null : trunk.trim(), logger });
  await gateway.start();
  const { udpPort, tcpPort } = await edge.listen();
  logger.info({ udpPort, tcpPort, trustedPeers: trustedPeers.cidrs.join(','), trunk }, 'sip edge listening');
  let stopped = false;
  return {
    udpPort,
    tcpPort,
    stats: () => ({ ...edge.stats(), calls: gateway.activeCalls }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      gateway.stop();
      // Let the BYEs and final responses just sent leave before the sockets close.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await edge.close();
    },
  };
};
