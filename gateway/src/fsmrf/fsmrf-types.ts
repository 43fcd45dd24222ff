/**
 * The slice of drachtio-fsmrf 4.1.x the FreeSWITCH media adapter uses, typed here because the
 * package ships no declarations (read from its lib/mrf.js, mediaserver.js and endpoint.js). Fakes in
 * the unit tests implement the same shapes.
 */
import type { SrfLike } from '../drachtio/srf-types.ts';

/** A drachtio-modesl event: an api/response, or a channel event. */
export interface EslEvent {
  getBody(): string;
  getHeader(name: string): string | undefined;
}

/** What an Endpoint emits on 'dtmf' (header values from FreeSWITCH's DTMF event, all strings). */
export interface FsDtmfEvent {
  dtmf: string;
  duration?: string;
  /** RTP, INBAND_AUDIO, ENDPOINT, APP or UNKNOWN. */
  source?: string;
}

/** One FreeSWITCH channel controlled over its outbound event socket, with the SIP dialog drachtio holds to it. */
export interface FsEndpoint {
  /** The channel's uuid: what FreeSWITCH's uuid_* commands name. */
  readonly uuid: string;
  /** FreeSWITCH's side of the dialog: its answer to a remote offer, or its own offer (3pcc). */
  readonly local: { sdp: string };
  readonly connected: boolean;
  /** Sends a re-INVITE with this SDP to FreeSWITCH; local.sdp is its answer afterwards. */
  modify(sdp: string): Promise<unknown>;
  /** An API command; resolves with FreeSWITCH's reply (`+OK ...` / `-ERR ...`) whatever it says. */
  api(command: string, args: string | string[]): Promise<EslEvent>;
  /** uuid_bridge with another channel; rejects with FreeSWITCH's reply when refused. */
  bridge(other: FsEndpoint | string): Promise<void>;
  /** Hangs the channel up (BYE on the dialog); a no-op when it is gone already. */
  destroy(): Promise<void>;
  /** Channel variables (uuid_dump); with includeMedia the RTP counters are refreshed first. */
  getChannelVariables(includeMedia: boolean): Promise<Record<string, string>>;
  on(event: 'dtmf', listener: (event: FsDtmfEvent) => void): unknown;
  on(event: 'destroy', listener: () => void): unknown;
}

export interface FsCreateEndpointOptions {
  /** The far end's offer: FreeSWITCH answers it (local.sdp). Absent: FreeSWITCH offers (3pcc). */
  remoteSdp?: string;
  codecs?: string[];
  /** Extra headers on the INVITE to FreeSWITCH (the mrf dialplan reads X-CC-Media). */
  headers?: Record<string, string>;
}

export interface FsMediaServer {
  /** FreeSWITCH's event-socket peer address. */
  readonly address: string;
  createEndpoint(options?: FsCreateEndpointOptions): Promise<FsEndpoint>;
  disconnect(): void;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export interface MrfConnectOptions {
  address: string;
  port: number;
  secret: string;
  /** Where FreeSWITCH connects back for each channel (the X-esl-outbound header); default: first public IPv4, any port. */
  listenAddress?: string;
  listenPort?: number;
  advertisedAddress?: string;
  advertisedPort?: number;
  /** The sofia profile endpoints are created on. Default drachtio_mrf. */
  profile?: string;
}

export interface MrfLike {
  connect(options: MrfConnectOptions): Promise<FsMediaServer>;
}

export type MrfConstructor = new (srf: SrfLike) => MrfLike;
