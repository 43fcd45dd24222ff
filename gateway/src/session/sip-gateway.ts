/**
 * The gateway's call handling over a signalling port: admits calls (trusted peer, known number,
 * media offer), gives each a CallSession, and feeds the sessions the core's events. The number ->
 * queue directory follows the queue events. Website visitors call over WebSocket: they are not
 * trusted peers, so they may reach a queue (by number or id) and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { type ContactCenter, type CoreLogger, type RecordedEvent, streamCategory, streamEntityId } from '@cc/core';
import type { InboundCall, InboundCallListener, SignallingPort } from '../signalling/signalling-port.ts';
import type { MediaPort } from '../media/media-port.ts';
import type { CallRecorder } from '../recording/call-recorder.ts';
import type { CallerAnchor } from '../media/caller-anchor.ts';
import type { DigitReports } from '../media/dtmf-events.ts';
import type { ToneFiles } from '../media/tone-files.ts';
import { AgentDirectory } from './agent-directory.ts';
import type { SipCredentials } from '../registrar/sip-credentials.ts';
import { AgentCallAuthentication } from './agent-call-authentication.ts';
import { CallSession } from './call-session.ts';
import { OutboundCalls } from './outbound-call-session.ts';
import { endCallsForStop, PLATFORM_STOPPING } from './platform-stop.ts';
import { DEFAULT_AGENT_RING_SECONDS, PlacedCalls } from './placed-call-session.ts';
import { QueueDirectory } from './queue-directory.ts';
import { describesMedia } from './session-description.ts';
import type { TrustedPeers } from './trusted-peers.ts';

export interface SipGatewayOptions {
  cc: ContactCenter;
  port: SignallingPort;
  trustedPeers: TrustedPeers;
  trunkUri: string | null;
  logger: CoreLogger;
  /** Calling number shown on external transfers (SIP_TRANSFER_FROM); null or absent: the caller's own. */
  transferFrom?: string | null;
  /** Anchors media between SIP and WebRTC parties (rtpengine); null or absent: signalling only. */
  media?: MediaPort | null;
  /** Agents' SIP credentials: with them agents may dial out from their phones (digest on INVITE). */
  credentials?: SipCredentials | null;
  /** Call recording on the media anchor; null or absent: calls are not recorded. */
  recordings?: CallRecorder | null;
  /** Caller id on outbound calls (SIP_OUTBOUND_FROM); null: the queue's number, else anonymous. */
  outboundFrom?: string | null;
  /**
   * Anchoring SIP callers once per call (early media with ringback or the queue's announcement,
   * music on hold, DTMF both ways): the anchor and its tone files; absent: legs anchored per agent only.
   */
  callerMedia?: { anchor: CallerAnchor; tones: ToneFiles; dtmf: DigitReports | null } | null;
  /** How long an agent's own phone rings for a call placed from the platform (click-to-dial). Default 30 s. */
  placedCallRingSeconds?: number;
}

/** sendDtmf for a call this gateway does not carry (ended, or on another gateway). */
export class CallNotHere extends Error {
  readonly callId: string;

  constructor(callId: string) {
    super(`no call ${callId} on this gateway`);
    this.name = 'CallNotHere';
    this.callId = callId;
  }
}

const ignore: InboundCallListener = { ended: () => undefined };

export class SipGateway {
  readonly directory = new QueueDirectory();
  /** Agents by extension, for REFERs naming one. */
  readonly agents = new AgentDirectory();
  readonly #options: SipGatewayOptions;
  readonly #sessions = new Map<string, CallSession>();
  readonly #outbound: OutboundCalls;
  /** Calls placed from the platform (placeCall): the agent's phone is rung first, then the callee. */
  readonly #placed: PlacedCalls;
  #unsubscribe: (() => void) | null = null;
  /** The platform is stopping (endCallsInCore): a new call would be left live in the core, so it is refused 503. */
  #stopping = false;

  constructor(options: SipGatewayOptions) {
    this.#options = options;
    const { cc, port, logger, trunkUri, credentials } = options;
    const authentication = credentials === undefined || credentials === null ? null : new AgentCallAuthentication(credentials);
    this.#outbound = new OutboundCalls({ cc, port, logger, trunkUri, media: options.media ?? null, outboundFrom: options.outboundFrom ?? null }, authentication, options.trustedPeers);
    this.#placed = new PlacedCalls({
      cc,
      port,
      logger,
      trunkUri,
      media: options.media ?? null,
      anchor: options.callerMedia?.anchor ?? null,
      tones: options.callerMedia?.tones ?? null,
      outboundFrom: options.outboundFrom ?? null,
      agentRingSeconds: options.placedCallRingSeconds ?? DEFAULT_AGENT_RING_SECONDS,
    });
  }

  /** Follows the core's events, catches up on the queues already known, then takes calls. */
  async start(): Promise<void> {
    const { cc, port } = this.#options;
    this.#unsubscribe = cc.onEvent((event) => this.#observe(event));
    const stopDigits = this.#options.callerMedia?.dtmf?.onDigit(({ callId, side, digit }) => this.#sessions.get(callId)?.dtmf(side, digit));
    if (stopDigits !== undefined) {
      const unsubscribe = this.#unsubscribe;
      this.#unsubscribe = () => {
        unsubscribe();
        stopDigits();
      };
    }
    await this.directory.catchUp(cc.store);
    await this.agents.catchUp(cc.store);
    port.onIncomingCall((call) => this.#admit(call));
  }

  get activeCalls(): number {
    return this.#sessions.size + this.#outbound.activeCalls + this.#placed.activeCalls;
  }

  /** Sends RFC 4733 digits to a call's caller (the connected agent's dial pad). Throws CallNotHere, or when the call has no anchored media. */
  async sendDtmf(callId: string, digits: string): Promise<void> {
    const session = this.#sessions.get(callId);
    if (session === undefined) throw new CallNotHere(callId);
    await session.sendDtmf(digits);
  }

  /**
   * The platform is stopping: every call this gateway carries is ended in the core (waiting and
   * ringing callers abandon, live calls end by 'system'), within `graceMs`. Run before stop(),
   * which then ends the legs; callers not yet answered get 503 rather than the outcome's status.
   */
  async endCallsInCore(graceMs?: number): Promise<void> {
    this.#stopping = true;
    for (const session of this.#sessions.values()) session.platformStopping();
    const callIds = [...this.#sessions.keys(), ...this.#outbound.callIds, ...this.#placed.callIds];
    await endCallsForStop(this.#options.cc, callIds, this.#options.logger, graceMs);
  }

  /** Ends every call leg the gateway holds. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const session of this.#sessions.values()) session.endEverything();
    this.#sessions.clear();
    this.#outbound.stop();
    this.#placed.stop();
  }

  #observe(event: RecordedEvent): void {
    // A signed-out session's SIP credentials die with it, and its registrations at once (any revocation, not only this process's logout).
    if (event.type === 'SessionRevoked') this.#options.credentials?.revoke(streamEntityId(event.streamId));
    this.directory.apply(event);
    this.agents.apply(event);
    this.#outbound.observe(event);
    this.#placed.observe(event);
    if (streamCategory(event.streamId) !== 'call') return;
    this.#sessions.get(streamEntityId(event.streamId))?.observe(event);
  }

  #admit(call: InboundCall): InboundCallListener {
    const { logger, trustedPeers } = this.#options;
    const details = { sipCallId: call.id, from: `${call.source.address}:${call.source.port}`, transport: call.source.transport, dialled: call.dialled };
    if (this.#stopping) {
      logger.info(details, 'call refused: platform stopping');
      call.reject(503, PLATFORM_STOPPING);
      return ignore;
    }
    const visitor = call.source.transport === 'ws';
    // An agent dialling a number from their own phone (authenticated there), not a caller.
    const outbound = this.#outbound.admit(call, (dialled) => this.directory.lookup(dialled) !== null);
    if (outbound !== null) return outbound;
    if (!visitor && !trustedPeers.allows(call.source.address)) {
      logger.warn(details, 'call from an untrusted peer refused');
      call.reject(403, 'untrusted peer');
      return ignore;
    }
    const queue = this.directory.lookup(call.dialled) ?? (visitor ? this.directory.byId(call.dialled) : null);
    if (queue === null) {
      logger.info(details, 'call to an unknown number refused');
      call.reject(404, 'number not assigned');
      return ignore;
    }
    // No SDP at all is a late offer: the answering agent's phone offers, when the port can carry that.
    const lateOffer = call.offer === null && call.answerWithOffer !== undefined;
    if (!lateOffer && !describesMedia(call.offer)) {
      logger.info(details, 'call without a usable SDP offer refused');
      call.reject(488, 'SDP offer required');
      return ignore;
    }
    const callId = randomUUID();
    const session = new CallSession(
      {
        cc: this.#options.cc,
        port: this.#options.port,
        logger,
        trunkUri: this.#options.trunkUri,
        transfer: { transferFrom: this.#options.transferFrom ?? null, queues: this.directory, agents: this.agents },
        media: this.#options.media ?? null,
        anchor: this.#options.callerMedia?.anchor ?? null,
        tones: this.#options.callerMedia?.tones ?? null,
        dtmfReports: this.#options.callerMedia?.dtmf ?? null,
        recordings: this.#options.recordings ?? null,
        finished: (done) => {
          if (this.#sessions.get(done.callId) === done) this.#sessions.delete(done.callId);
        },
      },
      callId,
      queue.organisationId,
      call,
      randomUUID(),
    );
    // Registered before the core hears of the call: its first offer may come before receiveCall returns.
    this.#sessions.set(callId, session);
    logger.info({ ...details, callId, queueId: queue.queueId }, 'call received from SIP');
    call.ring();
    session.receive(queue.queueId, visitor ? 'webrtc' : 'pstn');
    return {
      ended: (why) => session.callerLeft(why),
      reoffered: (sdp) => session.reofferFromCaller(sdp),
      reanswered: (sdp) => session.reanswerFromCaller(sdp),
      dtmf: (digits) => session.dtmf('caller', digits),
    };
  }
}
