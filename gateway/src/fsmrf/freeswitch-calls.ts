/**
 * The FreeSWITCH channels of each call, one per party: the caller's channel, created from the
 * caller's offer (its answer is what the caller gets), and agent channels that FreeSWITCH offers
 * first (3pcc: its offer goes to the agent phone, the phone's answer comes back with modify()).
 * The agent channel that answers is bridged to the caller's (uuid_bridge); the others are hung up.
 * Both media ports (FsmrfMedia per leg, FsmrfCallerAnchor per call) keep their channels here.
 */
import type { MediaEndpointKind, MediaSide } from '../media/media-port.ts';
import { BrowserOfferNotAnchored, FreeSwitchCommandError, FreeSwitchEndpointError, NoFreeSwitchChannel } from './fsmrf-errors.ts';
import type { FsEndpoint, FsMediaServer } from './fsmrf-types.ts';

/** A digit FreeSWITCH detected on a party's channel. */
export type DigitListener = (callId: string, side: MediaSide, digit: string) => void;

interface CallChannels {
  caller: Promise<FsEndpoint> | null;
  /** Agent channels offered and not answered yet, by key (a leg id, or an agent kind for the anchor). */
  offered: Map<string, Promise<FsEndpoint>>;
  /** The agent channel bridged to the caller's. */
  connected: { key: string; endpoint: FsEndpoint } | null;
  reoffers: ReofferState;
}

/** Re-offers in flight per side: FreeSWITCH's answer waiting for the other side's, and what each side was last re-offered. */
export interface ReofferState {
  pendingAnswer: Partial<Record<MediaSide, string>>;
  lastOffered: Partial<Record<MediaSide, string>>;
}

/** drachtio-fsmrf's createEndpoint asserts on an offer needing a DTLS handshake (any SAVP profile). */
const needsDtls = (sdp: string): boolean => /m=audio.*SAVP/.test(sdp);

/** A reply of an API command: '+OK ...' or it failed. */
export const expectOk = (command: string, reply: string): void => {
  if (!reply.trimStart().startsWith('+OK')) throw new FreeSwitchCommandError(command, reply);
};

export class FreeSwitchCalls {
  readonly #server: FsMediaServer;
  readonly #calls = new Map<string, CallChannels>();
  readonly #digitListeners = new Set<DigitListener>();

  constructor(server: FsMediaServer) {
    this.#server = server;
  }

  onDigit(listener: DigitListener): () => void {
    this.#digitListeners.add(listener);
    return () => this.#digitListeners.delete(listener);
  }

  /** Calls with at least one channel (or one being created). */
  get activeCalls(): number {
    return this.#calls.size;
  }

  /** The caller's channel, created once per call from the caller's offer; its local SDP is the caller's answer. */
  callerChannel(callId: string, callerOffer: string): Promise<FsEndpoint> {
    const call = this.#call(callId);
    if (call.caller !== null) return call.caller;
    if (needsDtls(callerOffer)) return Promise.reject(new BrowserOfferNotAnchored(callId));
    const created = this.#create(callId, call, 'caller', { remoteSdp: callerOffer });
    call.caller = created;
    // A failed creation is forgotten, so a later attempt (another leg) may try again.
    created.catch(() => {
      if (call.caller === created) call.caller = null;
    });
    return created;
  }

  /** An agent channel FreeSWITCH offers, kept under `key` until it is answered or released. */
  offerChannel(callId: string, key: string, agentKind: MediaEndpointKind): Promise<FsEndpoint> {
    const call = this.#call(callId);
    const existing = call.offered.get(key);
    if (existing !== undefined) return existing;
    // The mrf dialplan turns X-CC-Media: webrtc into media_webrtc (ICE, DTLS-SRTP, rtcp-mux) before FreeSWITCH writes its offer.
    const created = this.#create(callId, call, 'agent', { headers: { 'X-CC-Media': agentKind } });
    call.offered.set(key, created);
    created.catch(() => {
      if (call.offered.get(key) === created) call.offered.delete(key);
    });
    return created;
  }

  /** Whether an agent channel is offered under `key` and not answered yet. */
  isOffered(callId: string, key: string): boolean {
    return this.#calls.get(callId)?.offered.has(key) ?? false;
  }

  /**
   * The agent's answer on the channel offered under `key`: FreeSWITCH takes it (modify), the
   * caller stops hearing what was played to it, and the two channels are bridged. An agent that
   * was connected before (a transfer) is hung up.
   */
  async connect(callId: string, key: string, agentAnswer: string): Promise<void> {
    const call = this.#calls.get(callId);
    const offered = call?.offered.get(key);
    if (call === undefined || offered === undefined) throw new NoFreeSwitchChannel(callId, `an agent answer (nothing offered under ${key})`);
    if (call.caller === null) throw new NoFreeSwitchChannel(callId, 'the caller');
    const [caller, agent] = await Promise.all([call.caller, offered]);
    call.offered.delete(key);
    try {
      // 3pcc: FreeSWITCH offered, the phone answered; a re-INVITE with that answer points FreeSWITCH's RTP at the phone.
      await agent.modify(agentAnswer);
    } catch (error) {
      void agent.destroy().catch(() => undefined);
      throw new FreeSwitchEndpointError(callId, 'agent', 'take the agent phone answer', error);
    }
    // What the caller heard while waiting (ringback, announcement) ends; nothing playing is fine too.
    await caller.api('uuid_break', [caller.uuid, 'all']).catch(() => undefined);
    try {
      await agent.bridge(caller);
    } catch (error) {
      void agent.destroy().catch(() => undefined);
      throw new FreeSwitchCommandError(`uuid_bridge ${agent.uuid} ${caller.uuid}`, error instanceof Error ? error.message : String(error));
    }
    const before = call.connected;
    call.connected = { key, endpoint: agent };
    if (before !== null) await before.endpoint.destroy().catch(() => undefined);
  }

  /** Hangs up the agent channel offered or connected under `key` (the caller's stays: the mrf dialplan parks it after a bridge). */
  async release(callId: string, key: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    if (call.connected?.key === key) {
      const { endpoint } = call.connected;
      call.connected = null;
      await endpoint.destroy();
      return;
    }
    const offered = call.offered.get(key);
    if (offered === undefined) return;
    call.offered.delete(key);
    const endpoint = await offered.catch(() => null);
    await endpoint?.destroy();
  }

  /** The call's re-offer bookkeeping; throws when FreeSWITCH holds nothing for the call. */
  reofferState(callId: string): ReofferState {
    const call = this.#calls.get(callId);
    if (call === undefined) throw new NoFreeSwitchChannel(callId, 'a re-offer');
    return call.reoffers;
  }

  /** Hangs up every channel of the call; calling it again does nothing. */
  async releaseCall(callId: string): Promise<void> {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    this.#calls.delete(callId);
    const pending = [call.caller, ...call.offered.values(), call.connected === null ? null : Promise.resolve(call.connected.endpoint)].filter((channel): channel is Promise<FsEndpoint> => channel !== null);
    const endpoints = await Promise.all(pending.map((channel) => channel.catch(() => null)));
    const failures: unknown[] = [];
    for (const endpoint of endpoints) await endpoint?.destroy().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw new FreeSwitchEndpointError(callId, 'parties', 'hang up the channels', failures[0]);
  }

  /** The channel of one side: the caller's, or the connected agent's. */
  async channelOf(callId: string, side: MediaSide): Promise<FsEndpoint> {
    const call = this.#calls.get(callId);
    if (side === 'caller') {
      if (call?.caller == null) throw new NoFreeSwitchChannel(callId, 'the caller');
      return call.caller;
    }
    if (call?.connected == null) throw new NoFreeSwitchChannel(callId, 'a connected agent');
    return call.connected.endpoint;
  }

  /** Every channel of the call that exists now, with its side and key. */
  async channels(callId: string): Promise<Array<{ side: MediaSide; key: string; endpoint: FsEndpoint }>> {
    const call = this.#calls.get(callId);
    if (call === undefined) return [];
    const found: Array<{ side: MediaSide; key: string; endpoint: FsEndpoint }> = [];
    const caller = await call.caller?.catch(() => null);
    if (caller != null) found.push({ side: 'caller', key: callId, endpoint: caller });
    if (call.connected !== null) found.push({ side: 'agent', key: call.connected.key, endpoint: call.connected.endpoint });
    for (const [key, offered] of call.offered) {
      const endpoint = await offered.catch(() => null);
      if (endpoint !== null) found.push({ side: 'agent', key, endpoint });
    }
    return found;
  }

  /** Runs an API command on FreeSWITCH through a channel's connection; a reply other than +OK throws. */
  async command(endpoint: FsEndpoint, command: string, args: string[]): Promise<string> {
    const reply = (await endpoint.api(command, args)).getBody();
    expectOk(`${command} ${args.join(' ')}`, reply);
    return reply;
  }

  #call(callId: string): CallChannels {
    let call = this.#calls.get(callId);
    if (call === undefined) {
      call = { caller: null, offered: new Map(), connected: null, reoffers: { pendingAnswer: {}, lastOffered: {} } };
      this.#calls.set(callId, call);
    }
    return call;
  }

  async #create(callId: string, call: CallChannels, side: MediaSide, options: { remoteSdp?: string; headers?: Record<string, string> }): Promise<FsEndpoint> {
    let endpoint: FsEndpoint;
    try {
      endpoint = await this.#server.createEndpoint(options);
    } catch (error) {
      throw new FreeSwitchEndpointError(callId, side, 'create a channel', error);
    }
    if (this.#calls.get(callId) !== call) {
      // The call ended while FreeSWITCH was answering: nothing will release this channel but us.
      await endpoint.destroy().catch(() => undefined);
      throw new NoFreeSwitchChannel(callId, `the ${side} (the call ended while its channel was created)`);
    }
    endpoint.on('dtmf', ({ dtmf }) => {
      for (const listener of this.#digitListeners) listener(callId, side, dtmf);
    });
    return endpoint;
  }
}
