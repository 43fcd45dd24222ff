/**
 * The gateway: the embedded SIP edge (UDP/TCP, and WebSocket on the API's HTTP server), the
 * registrar for WebRTC agents, and the call handling on top of it, started inside the platform's
 * process next to the core.
 */
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import { DrachtioSignalling } from './drachtio/drachtio-signalling.ts';
import type { SrfLike } from './drachtio/srf-types.ts';
import { type ContactCenter, type CoreLogger, jsonLogger } from '@cc/core';
import type { SipCredentials } from './registrar/sip-credentials.ts';
import { attachSipWebSocket, type WebSocketEndpoint } from './sip/websocket-endpoint.ts';
import { SipGateway } from './session/sip-gateway.ts';
import { TrustedPeers } from './session/trusted-peers.ts';
import { EmbeddedSipEdge } from './sip/embedded-sip-edge.ts';
import { TrunkAuthentication, type TrunkLogin } from './sip/trunk-authentication.ts';
import { type SipTlsSettings, sipTlsSettingsFrom, trunkUriKeepingTls } from './sip/tls-settings.ts';
import type { TimerSettings } from './sip/transactions.ts';
import { SipCredentials as SipCredentialsClass } from './registrar/sip-credentials.ts';
import { type RunningMedia, startMedia } from './media/media-setup.ts';
import { CallRecordings, recordingSpoolOf } from './recording/call-recordings.ts';
import { parseRecordingPolicy, type RecordingPolicy } from './recording/recording-policy.ts';
import { freeSwitchSettingsFrom, startFreeSwitchMedia } from './fsmrf/fsmrf-setup.ts';

export type { SignallingPort, InboundCall, OutboundLeg } from './signalling/signalling-port.ts';
export { TrustedPeers } from './session/trusted-peers.ts';
export { SipCredentials, type SipCredential, type SipCredentialsOptions } from './registrar/sip-credentials.ts';
export type { MediaPort, MediaLeg, MediaSide, MediaEndpointKind, MediaStats, MediaPartyStats } from './media/media-port.ts';
export { NgClient, NgErrorResult, NgTimeoutError, NgProtocolError, type NgCommand, type NgResponse } from './media/ng-client.ts';
export { RtpengineDaemon, RtpengineStartError, rtpengineMissing } from './media/rtpengine-daemon.ts';
export { RtpengineMedia, partyTags } from './media/rtpengine-media.ts';
export { startMedia, parseMediaSetting, type RunningMedia, type MediaSetting } from './media/media-setup.ts';
export { CallRecordings, CallRecording, recordingsDirOf, type StoredRecording } from './recording/call-recordings.ts';
export { parseRecordingPolicy, type RecordingPolicy } from './recording/recording-policy.ts';
export { renderRecording, type RenderedRecording } from './recording/pcap-to-wav.ts';
export { CallNotHere } from './session/sip-gateway.ts';
export { FsmrfMedia } from './fsmrf/fsmrf-media.ts';
export { freeSwitchSettingsFrom, startFreeSwitchMedia, FreeSwitchSettingError, type FreeSwitchSettings } from './fsmrf/fsmrf-setup.ts';
export { BrowserOfferNotAnchored, FreeSwitchCommandError, FreeSwitchEndpointError, FreeSwitchUnreachable, InvalidDigits, NoFreeSwitchChannel } from './fsmrf/fsmrf-errors.ts';
export { NoAnchoredMedia } from './media/call-media.ts';
export { SipTlsSettingError, sipTlsSettingsFrom, type SipTlsSettings } from './sip/tls-settings.ts';

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
  /**
   * The calling number an external transfer destination sees (E.164, e.g. the contact center's main
   * number). Default: SIP_TRANSFER_FROM, else the caller's own number.
   */
  transferFrom?: string | null;
  /** Caller id on agents' outbound calls (E.164). Default: SIP_OUTBOUND_FROM, else the queue's number, else anonymous. */
  outboundFrom?: string | null;
  /** Digest login for the trunk's 401/407 challenges. Default: SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD, else none. */
  trunkLogin?: TrunkLogin | null;
  /** SIP over TLS (listener, peer certificate checks); null: none. Default: SIP_TLS_PORT, SIP_TLS_CERT, SIP_TLS_KEY, SIP_TLS_VERIFY, SIP_TLS_CA. */
  sipTls?: SipTlsSettings | null;
  logger?: CoreLogger;
  /** SIP timer values (ms); tests shorten them. */
  sipTimers?: Partial<TimerSettings>;
  /** Agents' SIP credentials: with them REGISTER is served (digest); without, it gets 501. */
  credentials?: SipCredentials;
  /** The HTTP(S) server to serve SIP over WebSocket on (path `webSocketPath`, default /sip); on HTTPS it is WSS. */
  httpServer?: Server | HttpsServer;
  webSocketPath?: string;
  /** drachtio-server's host: when set (or DRACHTIO_HOST), signalling goes through drachtio-server instead of the embedded edge. */
  drachtio?: string;
  /**
   * Media (rtpengine) between SIP and WebRTC parties: 'off', 'embedded' (spawn a local daemon) or
   * the host:port of a running rtpengine's ng socket. Default: RTPENGINE, else embedded when
   * /usr/bin/rtpengine exists, else off with a warning.
   */
  media?: string;
  /** The embedded rtpengine's RTP port range. Default: RTPENGINE_PORTS or 16384-32767. */
  rtpPorts?: { min: number; max: number };
  /**
   * SIP callers' media anchored once per call (183 with ringback or the queue's announcement, music
   * on hold, RFC 4733 DTMF both ways). Default: SIP_EARLY_MEDIA ('off' disables), else on when media is.
   */
  earlyMedia?: boolean;
  /** How long an agent's own phone rings for a call placed from the platform (placeCall, click-to-dial) before it fails. Default 30 s. */
  placedCallRingSeconds?: number;
  /** Folder for the generated tones and the queues' announcement / hold music files. Default: DATA_DIR/media. */
  mediaDir?: string;
  /**
   * The platform's data directory: with it (and the embedded rtpengine) calls can be recorded, to
   * `<dataDir>/recordings/<organisationId>/<callId>.wav`. Absent: no recording.
   */
  dataDir?: string;
  /** Which calls are recorded: 'all', 'queue' (each queue's recordCalls) or 'off'. Default: RECORD_CALLS, else 'queue'. */
  recordCalls?: string;
  /** On stop, how long the core is given to record this gateway's calls ended before the legs go anyway. Default 5000 ms. */
  stopGraceMs?: number;
  /**
   * On stop, after the legs are ended, how long the SIP edge waits for the BYEs and CANCELs to be
   * answered and the refused callers' ACKs (UDP retransmissions included) before its sockets close.
   * Default 2000 ms. Embedded edge only: drachtio-server keeps its own transactions.
   */
  stopDrainMs?: number;
}

export interface RunningGateway {
  udpPort: number;
  tcpPort: number;
  /** The SIP over TLS port, 0 when there is none. */
  tlsPort: number;
  /** The WebSocket endpoint's path, or null when there is none. */
  webSocketPath: string | null;
  /** The media anchor (rtpengine): its ng client and daemon, or a port of null when media is off. */
  media: RunningMedia;
  /** Live state counts (dialogs, transactions, calls), for health and leak checks. */
  stats(): Record<string, number>;
  /** RFC 4733 digits to a call's caller (the agent's dial pad): throws CallNotHere, or NoAnchoredMedia when the call's media is not anchored. */
  sendDtmf?(callId: string, digits: string): Promise<void>;
  /**
   * Ends every call in the core ('platform stopping', within stopGraceMs), then every SIP leg (BYE,
   * CANCEL, 503), and waits (at most stopDrainMs) for those transactions to finish before closing.
   */
  stop(): Promise<void>;
}

/** The calling number for external transfers: the option, else SIP_TRANSFER_FROM; blank means the caller's own. */
const transferFromOf = (options: GatewayOptions): string | null => {
  const from = (options.transferFrom === undefined ? (process.env.SIP_TRANSFER_FROM ?? null) : options.transferFrom)?.trim() ?? '';
  if (from === '') return null;
  if (!/^\+[1-9]\d{1,14}$/.test(from)) throw new Error(`SIP_TRANSFER_FROM: '${from}' is not an E.164 number such as +3225551234`);
  return from;
};

/** The caller id for agents' outbound calls: the option, else SIP_OUTBOUND_FROM; blank means none configured. */
const outboundFromOf = (options: GatewayOptions): string | null => {
  const from = (options.outboundFrom === undefined ? (process.env.SIP_OUTBOUND_FROM ?? null) : options.outboundFrom)?.trim() ?? '';
  if (from === '') return null;
  if (!/^\+[1-9]\d{1,14}$/.test(from)) throw new Error(`SIP_OUTBOUND_FROM: '${from}' is not an E.164 number such as +3225551234`);
  return from;
};

/**
 * Call recording needs the pcaps rtpengine writes: only the embedded daemon writes them where this
 * process can read them (a remote rtpengine records on its own machine).
 */
const recordingsFor = (options: GatewayOptions, media: RunningMedia, policy: RecordingPolicy, logger: CoreLogger): CallRecordings | null => {
  if (options.dataDir === undefined || policy === 'off') return null;
  if (media.daemon === null || media.client === null) {
    logger.warn({ media: media.setting.kind }, 'call recording needs the embedded rtpengine: calls will not be recorded');
    return null;
  }
  const client = media.client;
  return new CallRecordings({ control: { request: (command, params) => client.request(command, params) }, dataDir: options.dataDir, cc: options.cc, logger, policy });
};

/** How long a stop waits for the SIP transactions it started (stopDrainMs). */
const DEFAULT_STOP_DRAIN_MS = 2000;

export const startGateway = async (options: GatewayOptions): Promise<RunningGateway> => {
  const logger = options.logger ?? jsonLogger;
  if ((options.drachtio ?? process.env.DRACHTIO_HOST ?? '') !== '') return startDrachtioGateway(options, logger);
  const sipPort = options.sipPort ?? Number(process.env.SIP_PORT ?? 5060);
  if (!Number.isInteger(sipPort) || sipPort < 0 || sipPort > 65535) throw new Error(`SIP_PORT: '${sipPort}' is not a port number`);
  // Read before anything starts: a wrong certificate path stops start-up with the variable's name.
  const sipTls = options.sipTls === undefined ? sipTlsSettingsFrom(process.env) : options.sipTls;
  const trustedPeers =
    typeof options.trustedPeers === 'string' || options.trustedPeers === undefined
      ? TrustedPeers.parse(options.trustedPeers ?? process.env.SIP_TRUSTED_PEERS)
      : new TrustedPeers(options.trustedPeers);
  const configuredTrunk = options.trunkUri === undefined ? (process.env.SIP_TRUNK_URI ?? null) : options.trunkUri;
  const trunk = configuredTrunk === null ? null : trunkUriKeepingTls(configuredTrunk);
  const trunkLogin = options.trunkLogin === undefined ? { username: process.env.SIP_TRUNK_USERNAME, password: process.env.SIP_TRUNK_PASSWORD } : (options.trunkLogin ?? {});
  const edge = new EmbeddedSipEdge({
    host: options.host ?? '127.0.0.1',
    port: sipPort,
    logger,
    trunkAuthentication: TrunkAuthentication.from(trunk, trunkLogin.username, trunkLogin.password),
    tls: sipTls,
    ...(options.sipTimers === undefined ? {} : { timers: options.sipTimers }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const recordingPolicy = parseRecordingPolicy(options.recordCalls ?? process.env.RECORD_CALLS);
  const recordingDir = options.dataDir === undefined || recordingPolicy === 'off' ? undefined : recordingSpoolOf(options.dataDir);
  const media = await startMedia({ setting: options.media, logger, host: options.host ?? '127.0.0.1', ...(options.mediaDir === undefined ? {} : { mediaDir: options.mediaDir }), ...(options.rtpPorts === undefined ? {} : { portMin: options.rtpPorts.min, portMax: options.rtpPorts.max }), ...(recordingDir === undefined ? {} : { recordingDir }) });
  const recordings = recordingsFor(options, media, recordingPolicy, logger);
  const earlyMedia = options.earlyMedia ?? process.env.SIP_EARLY_MEDIA?.trim().toLowerCase() !== 'off';
  const callerMedia = earlyMedia && media.anchor !== undefined && media.anchor !== null && media.tones !== undefined && media.tones !== null ? { anchor: media.anchor, tones: media.tones, dtmf: media.dtmf ?? null } : null;
  const gateway = new SipGateway({ cc: options.cc, port: edge, trustedPeers, trunkUri: trunk === null || trunk.trim() === '' ? null : trunk.trim(), transferFrom: transferFromOf(options), logger, media: media.port, recordings, credentials: options.credentials ?? null, outboundFrom: outboundFromOf(options), callerMedia, ...(options.placedCallRingSeconds === undefined ? {} : { placedCallRingSeconds: options.placedCallRingSeconds }) });
  await gateway.start();
  const { udpPort, tcpPort, tlsPort } = await edge.listen().catch(async (error: unknown) => {
    await media.stop();
    throw error;
  });
  const webSocket: WebSocketEndpoint | null = options.httpServer === undefined ? null : attachSipWebSocket(options.httpServer, edge.transport, logger, options.webSocketPath ?? '/sip');
  logger.info({ udpPort, tcpPort, tlsPort, webSocketPath: webSocket?.path ?? null, registrar: options.credentials !== undefined, trustedPeers: trustedPeers.cidrs.join(','), trunk, media: media.setting.kind }, 'sip edge listening');
  let stopped = false;
  return {
    udpPort,
    tcpPort,
    tlsPort,
    webSocketPath: webSocket?.path ?? null,
    media,
    stats: () => ({ ...edge.stats(), calls: gateway.activeCalls }),
    sendDtmf: (callId, digits) => gateway.sendDtmf(callId, digits),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // The core records every call ended first (bounded), so a restart does not find them live.
      await gateway.endCallsInCore(options.stopGraceMs);
      gateway.stop();
      // The BYEs, CANCELs and refusals just sent finish (retransmitted over UDP) before the sockets close.
      const drained = await edge.drain(options.stopDrainMs ?? DEFAULT_STOP_DRAIN_MS);
      if (!drained.settled) logger.warn({ awaitingResponse: drained.awaitingResponse, awaitingAck: drained.awaitingAck }, 'sip edge closing with transactions unfinished: those peers may keep retransmitting');
      await webSocket?.close();
      await edge.close();
      await media.stop();
    },
  };
};

/** Production signalling: drachtio-server (DRACHTIO_HOST, DRACHTIO_PORT, DRACHTIO_SECRET) through drachtio-srf; media on FreeSWITCH when FREESWITCH_HOST is set (gateway/src/fsmrf). */
const startDrachtioGateway = async (options: GatewayOptions, logger: CoreLogger): Promise<RunningGateway> => {
  const require = createRequire(import.meta.url);
  const Srf = require('drachtio-srf') as new () => SrfLike;
  const srf = new Srf();
  const host = options.drachtio ?? process.env.DRACHTIO_HOST ?? '';
  const trunk = options.trunkUri === undefined ? (process.env.SIP_TRUNK_URI ?? null) : options.trunkUri;
  const trunkLogin = options.trunkLogin === undefined ? { username: process.env.SIP_TRUNK_USERNAME, password: process.env.SIP_TRUNK_PASSWORD } : (options.trunkLogin ?? {});
  // Before connecting: a half-set login (IncompleteTrunkLogin) refuses to start, as on the embedded edge.
  const trunkAuthentication = TrunkAuthentication.from(trunk, trunkLogin.username, trunkLogin.password);
  await DrachtioSignalling.connect(srf, { host, port: Number(process.env.DRACHTIO_PORT ?? 9022), secret: process.env.DRACHTIO_SECRET ?? 'cymru' }, logger);
  const port = new DrachtioSignalling({ srf, logger, trunkAuthentication, ...(options.credentials === undefined ? {} : { credentials: options.credentials }) });
  const trustedPeers =
    typeof options.trustedPeers === 'string' || options.trustedPeers === undefined ? TrustedPeers.parse(options.trustedPeers ?? process.env.SIP_TRUSTED_PEERS) : new TrustedPeers(options.trustedPeers);
  // Media on FreeSWITCH through drachtio-fsmrf (FREESWITCH_HOST); without it the SDP goes through as it is.
  const freeswitch = freeSwitchSettingsFrom(process.env);
  const earlyMedia = options.earlyMedia ?? process.env.SIP_EARLY_MEDIA?.trim().toLowerCase() !== 'off';
  const recordingPolicy = parseRecordingPolicy(options.recordCalls ?? process.env.RECORD_CALLS);
  const fsMedia =
    freeswitch === null
      ? null
      : await startFreeSwitchMedia({ srf, settings: freeswitch, logger, cc: options.cc, recordingPolicy, ...(options.mediaDir === undefined ? {} : { mediaDir: options.mediaDir }), ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }) }).catch(async (error: unknown) => {
          await port.close();
          throw error;
        });
  const fsSession = fsMedia === null ? {} : { media: fsMedia.media, recordings: fsMedia.recordings, callerMedia: earlyMedia ? fsMedia.callerMedia : null };
  const gateway = new SipGateway({ cc: options.cc, port, trustedPeers, trunkUri: trunk === null || trunk.trim() === '' ? null : trunk.trim(), transferFrom: transferFromOf(options), logger, credentials: options.credentials ?? null, outboundFrom: outboundFromOf(options), ...fsSession });
  await gateway.start();
  return {
    udpPort: 0,
    tcpPort: 0,
    tlsPort: 0,
    webSocketPath: null,
    // FreeSWITCH's channels when FREESWITCH_HOST is set; otherwise no anchor (signalling only).
    media: fsMedia?.running ?? { setting: { kind: 'off' }, port: null, client: null, daemon: null, stop: () => Promise.resolve() },
    stats: () => ({ ...port.stats(), calls: gateway.activeCalls, ...(fsMedia === null ? {} : { mediaCalls: fsMedia.media.calls.activeCalls }) }),
    sendDtmf: (callId, digits) => gateway.sendDtmf(callId, digits),
    stop: async () => {
      await gateway.endCallsInCore(options.stopGraceMs);
      gateway.stop();
      await fsMedia?.running.stop();
      await port.close();
    },
  };
};
