/**
 * Outbound calls placed from an agent's own phone: the agent's softphone (JsSIP over WebSocket, or
 * a phone-bar phone) sends INVITE sip:+E164@domain. The gateway authenticates it with the agent's
 * SIP credentials (407 digest challenge), asks the core to place the call (the agent is reserved:
 * one call per agent), and dials the trunk with the configured caller id. The far end's ringing and
 * early media (183 with SDP) reach the agent; its answer connects the call in the core; its refusal
 * is passed to the agent with the trunk's own status. A BYE on either side hangs up.
 *
 * One session per call, run one step at a time like CallSession: SIP callbacks and core events are
 * queued, and core events are handled level-triggered (a call the core has ended ends both legs).
 */
import { randomUUID } from 'node:crypto';
import {
  type CallState,
  type CommandContext,
  type ContactCenter,
  type CoreLogger,
  isDomainError,
  type OutboundFailure,
  type RecordedEvent,
  streamCategory,
  streamEntityId,
  streams,
} from '@cc/core';
import { CallMedia, NoAnchoredMedia } from '../media/call-media.ts';
import type { MediaPort } from '../media/media-port.ts';
import type { InboundCall, InboundCallListener, LegEnd, OutboundLeg, OutboundLegListener, SignallingPort } from '../signalling/signalling-port.ts';
import { ReofferRefused } from '../signalling/signalling-port.ts';
import type { AgentCallAuthentication } from './agent-call-authentication.ts';
import { describesMedia, isHoldOffer } from './session-description.ts';
import type { TrustedPeers } from './trusted-peers.ts';

const E164 = /^\+[1-9]\d{1,14}$/;
/** The media leg id of the trunk side (one per outbound call). */
const TRUNK_LEG = 'trunk';
/** The actor prefix of calls an agent's own phone placed: placed-call-session.ts leaves those alone. */
export const AGENT_PHONE_COMPONENT = 'gateway:agent-phone:';

/** A dialled user part as E.164: softphones often send it without the '+'. */
export const dialledNumber = (user: string | null): string | null => {
  if (user === null) return null;
  const compact = user.replace(/[\s().-]/g, '');
  const withPlus = compact.startsWith('+') ? compact : `+${compact}`;
  return E164.test(withPlus) ? withPlus : null;
};

/** The trunk's request URI for a number: the number as user part at the trunk's host. */
export const trunkTarget = (trunkUri: string | null, number: string): string | null => {
  if (trunkUri === null) return null;
  const trunk = trunkUri.trim().replace(/^sips?:/, '');
  const host = trunk.includes('@') ? trunk.slice(trunk.indexOf('@') + 1) : trunk;
  return host === '' ? null : `sip:${number}@${host}`;
};

/** What a trunk's final refusal means for the contact center. */
export const failureFor = (status: number): OutboundFailure => {
  if (status === 486 || status === 600) return 'busy';
  if (status === 408 || status === 480) return 'no-answer';
  if (status === 487) return 'cancelled';
  if (status === 403 || status === 603) return 'rejected';
  if (status === 404 || status === 410 || status === 484 || status === 604) return 'unreachable';
  return 'failed';
};

/** The SIP status an agent's INVITE gets when the core refuses to place the call. */
const statusForRefusal = (code: string): [number, string] => {
  switch (code) {
    case 'AgentNotAvailable':
    case 'AgentBusy':
      return [486, 'agent already on a call'];
    case 'InvalidPhoneNumber':
    case 'InvalidCallee':
      return [484, 'not an E.164 number'];
    case 'QueueNotFound':
      return [404, 'queue not found'];
    default:
      return [403, 'call not allowed'];
  }
};

export interface OutboundCallDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  media: MediaPort | null;
  trunkUri: string | null;
  /** SIP_OUTBOUND_FROM: the caller id presented on every outbound call; null = the queue's number or anonymous. */
  outboundFrom: string | null;
  finished(session: OutboundCallSession): void;
}

type SessionState = 'authenticating' | 'placing' | 'dialling' | 'connected' | 'ended';

export class OutboundCallSession {
  readonly callId = randomUUID();
  readonly agentLeg: InboundCall;
  readonly #deps: OutboundCallDependencies;
  readonly #media: CallMedia;
  #trunk: OutboundLeg | null = null;
  #trunkEnding = false;
  #state: SessionState = 'authenticating';
  #agentId: string | null = null;
  #context: CommandContext | null = null;
  #earlyMedia = false;
  #steps: Promise<void> = Promise.resolve();
  #finished = false;
  readonly #holding = { agent: false, callee: false };

  constructor(deps: OutboundCallDependencies, agentLeg: InboundCall) {
    this.#deps = deps;
    this.agentLeg = agentLeg;
    // Anchored so the agent's INFO digits can be played to the callee (rtpengine needs inject-DTMF from the first offer).
    this.#media = new CallMedia(deps.media, this.callId, agentLeg.source.transport === 'ws' ? 'webrtc' : 'sip', deps.logger, null, { injectDtmf: true });
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** What the edge tells about the agent's leg. */
  get agentListener(): InboundCallListener {
    return {
      ended: (why) => this.#agentLeft(why),
      reoffered: (sdp) => this.#relayReoffer('agent', sdp),
      dtmf: (digits) => this.#dtmf('agent', digits),
    };
  }

  /** Authenticates the agent's INVITE, places the call in the core and dials the trunk. */
  start(authentication: AgentCallAuthentication, number: string): void {
    this.#step(async () => {
      const agentLeg = this.agentLeg;
      const outcome = await authentication.authenticate(agentLeg.proxyAuthorization);
      if (agentLeg.ended) return;
      if (outcome.kind === 'challenge') {
        if (agentLeg.challenge === undefined) agentLeg.reject(403, 'authentication not supported here');
        else agentLeg.challenge(outcome.proxyAuthenticate);
        this.#state = 'ended';
        return;
      }
      if (outcome.kind === 'refused') {
        this.#deps.logger.info({ sipCallId: agentLeg.id, why: outcome.why }, 'outbound call refused: authentication failed');
        agentLeg.reject(403, outcome.why);
        this.#state = 'ended';
        return;
      }
      if (!describesMedia(agentLeg.offer)) {
        agentLeg.reject(488, 'SDP offer required');
        this.#state = 'ended';
        return;
      }
      this.#agentId = outcome.agentId;
      this.#context = { organisationId: outcome.organisationId, actor: { kind: 'system', component: `${AGENT_PHONE_COMPONENT}${outcome.agentId}` }, correlationId: randomUUID() };
      this.#state = 'placing';
      await this.#place(outcome.organisationId, outcome.agentId, number);
    });
  }

  /** A core event of this call: what to do follows from the call's state, not from the event. */
  observe(_event: RecordedEvent): void {
    this.#step(async () => {
      if (this.#state === 'authenticating' || this.#state === 'placing') return;
      const { state } = await this.#deps.cc.states.calls.load(streams.call(this.callId));
      this.#reconcile(state);
    });
  }

  /** The gateway is stopping. */
  endEverything(): void {
    this.#endTrunk();
    this.agentLeg.end(503, 'gateway stopping');
    this.#state = 'ended';
  }

  async #place(organisationId: string, agentId: string, number: string): Promise<void> {
    const { cc, logger } = this.#deps;
    const context = this.#context as CommandContext;
    let callerId: string | null;
    try {
      // The customer the agent called by id (the console's New call), kept on the call.
      const customerId = this.agentLeg.customerId?.trim() || null;
      ({ callerId } = await cc.placeOutboundCall({ callId: this.callId, organisationId, agentId, number, customerId, callerId: this.#deps.outboundFrom }, context));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      const [status, reason] = statusForRefusal(error.code);
      logger.info({ callId: this.callId, agentId, code: error.code }, 'outbound call refused by the core');
      this.agentLeg.reject(status, reason);
      this.#state = 'ended';
      return;
    }
    this.#state = 'dialling';
    logger.info({ callId: this.callId, agentId, number, callerId }, 'outbound call placed');
    const target = trunkTarget(this.#deps.trunkUri, number);
    if (target === null) {
      await this.#tolerate(cc.failOutboundCall(this.callId, 'failed', null, context));
      this.agentLeg.reject(503, 'no SIP trunk configured');
      this.#state = 'ended';
      return;
    }
    const offer = await this.#media.offerFor(TRUNK_LEG, 'sip', this.agentLeg.offer ?? '');
    this.#trunk = this.#deps.port.dial(
      target,
      { offer, callerUser: callerId, callerDisplayName: null, headers: [['X-CC-Call-Id', this.callId]] },
      this.#trunkListener(),
    );
  }

  #trunkListener(): OutboundLegListener {
    return {
      ringing: () =>
        this.#step(async () => {
          // With early media already relayed (the edge tells it first), the agent hears it and the core knows.
          if (this.#state !== 'dialling' || this.#earlyMedia) return;
          this.agentLeg.ring();
          await this.#tolerate(this.#deps.cc.reportOutboundRinging(this.callId, false, this.#ctx()));
        }),
      early: (sdp) =>
        this.#step(async () => {
          if (this.#state !== 'dialling' || this.#earlyMedia) return;
          const answer = await this.#media.answerFrom(TRUNK_LEG, sdp).catch((error: unknown) => {
            this.#deps.logger.warn({ callId: this.callId, err: (error as Error).message }, 'early media could not be anchored');
            return null;
          });
          if (answer === null) return;
          this.#earlyMedia = true;
          if (this.agentLeg.progress === undefined) this.agentLeg.ring();
          else this.agentLeg.progress(answer);
          await this.#tolerate(this.#deps.cc.reportOutboundRinging(this.callId, true, this.#ctx()));
        }),
      answered: (sdp) => this.#step(() => this.#calleeAnswered(sdp)),
      refused: (status) =>
        this.#step(async () => {
          if (this.#state === 'ended') return;
          this.#state = 'ended';
          this.#deps.logger.info({ callId: this.callId, status }, 'outbound call not answered');
          // The agent hears the trunk's own answer (busy, not found...); a CANCEL we sent already ended their leg.
          // A trunk's challenge the edge could not answer is the gateway's problem: relayed, it would ask the agent's phone for credentials.
          if (status === 401 || status === 407) this.agentLeg.reject(403, 'trunk authentication failed');
          else this.agentLeg.reject(status);
          await this.#tolerate(this.#deps.cc.failOutboundCall(this.callId, failureFor(status), status, this.#ctx()));
        }),
      ended: (why) =>
        this.#step(async () => {
          if (this.#state === 'ended') return;
          this.#state = 'ended';
          this.agentLeg.end();
          await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'caller', null, why === 'hung-up' ? 'callee hung up' : `callee leg ${why}`, this.#ctx()));
        }),
      reoffered: (sdp) => this.#relayReoffer('callee', sdp),
      dtmf: (digits) => this.#dtmf('caller', digits),
    };
  }

  async #calleeAnswered(sdp: string | null): Promise<void> {
    const trunk = this.#trunk;
    if (this.#state !== 'dialling' || trunk === null || this.agentLeg.ended) {
      this.#endTrunk();
      return;
    }
    const answer = sdp === null ? null : await this.#media.answerFrom(TRUNK_LEG, sdp).catch(() => null);
    if (answer === null) {
      // Nothing the agent's phone could use: the call cannot carry media.
      this.#endTrunk();
      this.agentLeg.reject(488, 'callee answered without usable media');
      this.#state = 'ended';
      await this.#tolerate(this.#deps.cc.failOutboundCall(this.callId, 'failed', 488, this.#ctx()));
      return;
    }
    this.agentLeg.answer(answer);
    this.#state = 'connected';
    await this.#tolerate(this.#deps.cc.answerOutboundCall(this.callId, this.#ctx()));
  }

  #agentLeft(why: LegEnd): void {
    this.#step(async () => {
      const state = this.#state;
      this.#state = 'ended';
      this.#endTrunk();
      if (state !== 'dialling' && state !== 'connected') return;
      const agentId = this.#agentId;
      const reason = why === 'cancelled' ? 'agent cancelled' : why === 'hung-up' ? 'agent hung up' : `agent leg ${why}`;
      await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', agentId, reason, this.#ctx()));
    });
  }

  /** Hold and resume from either side: relayed to the other, and told to the core. */
  async #relayReoffer(from: 'agent' | 'callee', sdp: string): Promise<string> {
    const trunk = this.#trunk;
    if (this.#state !== 'connected' || trunk === null) throw new ReofferRefused(491, 'the call is not connected');
    const answer =
      from === 'agent'
        ? await this.#media.reoffer(TRUNK_LEG, 'caller', sdp, (offer) => trunk.reoffer(offer))
        : await this.#media.reoffer(TRUNK_LEG, 'agent', sdp, (offer) => this.agentLeg.reoffer(offer));
    const before = this.#holding.agent || this.#holding.callee;
    this.#holding[from] = isHoldOffer(sdp);
    const held = this.#holding.agent || this.#holding.callee;
    const agentId = this.#agentId;
    if (held !== before && agentId !== null) {
      this.#step(async () => {
        const at = this.#deps.cc.now();
        await this.#tolerate(
          this.#deps.cc.execute('call', this.callId, held ? { type: 'HoldCall', data: { agentId, at } } : { type: 'ResumeCall', data: { agentId, at } }, this.#ctx()),
        );
      });
    }
    return answer;
  }

  /**
   * Digits sent as SIP INFO are recorded once; the agent's are also played to the callee as RFC 4733
   * events (an IVR the agent navigates), which is the media's 'agent' side here: the callee.
   */
  #dtmf(from: 'caller' | 'agent', digits: string): void {
    this.#step(async () => {
      if (this.#state !== 'connected') return;
      await this.#tolerate(this.#deps.cc.execute('call', this.callId, { type: 'ReceiveDtmf', data: { digits, from, at: this.#deps.cc.now() } }, this.#ctx()));
      if (from !== 'agent') return;
      await this.#media.playDtmfOnLeg(TRUNK_LEG, 'agent', digits).catch((error: unknown) => {
        if (error instanceof NoAnchoredMedia) this.#deps.logger.debug({ callId: this.callId, digits }, 'agent digits recorded only: the callee media is not anchored');
        else this.#deps.logger.warn({ callId: this.callId, digits, err: error instanceof Error ? error.message : String(error) }, 'agent digits could not be played to the callee');
      });
    });
  }

  /** A call the core has ended (a supervisor's force-end, an API hang-up) ends both legs. */
  #reconcile(call: CallState): void {
    if (call.status !== 'done' && call.status !== 'wrap-up') return;
    this.#state = 'ended';
    this.#endTrunk();
    this.agentLeg.end(480, 'call ended by the contact center');
  }

  /** Ends the trunk leg once: a second CANCEL for the same INVITE is a protocol error to the far end. */
  #endTrunk(): void {
    if (this.#trunkEnding) return;
    this.#trunkEnding = true;
    this.#trunk?.end();
  }

  #ctx(): CommandContext {
    return this.#context ?? { organisationId: '', actor: { kind: 'system', component: 'gateway' } };
  }

  #step(work: () => Promise<void> | void): void {
    this.#steps = this.#steps
      .then(work)
      .catch((error: unknown) => {
        this.#deps.logger.error({ callId: this.callId, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'outbound call step failed');
      })
      .finally(() => this.#finishIfDone());
  }

  #finishIfDone(): void {
    if (this.#finished || !this.agentLeg.ended || (this.#trunk !== null && !this.#trunk.ended)) return;
    this.#finished = true;
    this.#media.end();
    this.#deps.finished(this);
  }

  /** A refused follow-up means the call moved on meanwhile (another side ended it first). */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.callId, code: error.code }, 'outbound command refused: call moved on');
    }
  }
}

/**
 * Which incoming INVITEs are agents dialling out, and their sessions. An INVITE is one when it is
 * for an E.164 number that is no queue's, and it comes over WebSocket (a softphone), from outside
 * the trusted peers (a phone-bar phone elsewhere), or with digest credentials. A trusted trunk's
 * INVITE for an unknown number keeps its 404.
 */
export class OutboundCalls {
  readonly #deps: Omit<OutboundCallDependencies, 'finished'>;
  readonly #authentication: AgentCallAuthentication | null;
  readonly #trustedPeers: TrustedPeers;
  readonly #sessions = new Map<string, OutboundCallSession>();

  constructor(deps: Omit<OutboundCallDependencies, 'finished'>, authentication: AgentCallAuthentication | null, trustedPeers: TrustedPeers) {
    this.#deps = deps;
    this.#authentication = authentication;
    this.#trustedPeers = trustedPeers;
  }

  get activeCalls(): number {
    return this.#sessions.size;
  }

  /** The core's ids of the calls in progress (ended in the core when the platform stops). */
  get callIds(): string[] {
    return [...this.#sessions.keys()];
  }

  /** A listener when the call is an agent's outbound call (handled here), else null. */
  admit(call: InboundCall, isQueueNumber: (dialled: string | null) => boolean): InboundCallListener | null {
    const authentication = this.#authentication;
    if (authentication === null) return null;
    const number = dialledNumber(call.dialled);
    if (number === null || isQueueNumber(call.dialled)) return null;
    const fromAgent = call.source.transport === 'ws' || !this.#trustedPeers.allows(call.source.address) || (call.proxyAuthorization ?? null) !== null;
    if (!fromAgent) return null;
    const session = new OutboundCallSession(
      {
        ...this.#deps,
        finished: (done) => {
          if (this.#sessions.get(done.callId) === done) this.#sessions.delete(done.callId);
        },
      },
      call,
    );
    this.#sessions.set(session.callId, session);
    session.start(authentication, number);
    return session.agentListener;
  }

  observe(event: RecordedEvent): void {
    if (streamCategory(event.streamId) !== 'call') return;
    this.#sessions.get(streamEntityId(event.streamId))?.observe(event);
  }

  stop(): void {
    for (const session of this.#sessions.values()) session.endEverything();
    this.#sessions.clear();
  }
}
