/**
 * Calls placed from the platform (GraphQL `placeCall`, the console's "New call"): click-to-dial by
 * third-party call control (RFC 3725). No phone started these calls, so the gateway rings the
 * agent's own phone first (the registered softphone or phone bar, or the External agent's URI),
 * and once it answers dials the callee through the trunk and bridges the two.
 *
 * SDP: the agent's phone gets an INVITE without SDP (late offer) and offers in its 200.
 * - With the rtpengine anchor (the usual case) the agent's offer is anchored as the "caller" of the
 *   call and rtpengine's own answer goes back in the ACK at once, pointing at the discard port
 *   until the callee answers (caller-anchor.ts, as early media does for inbound callers). The
 *   trunk is offered the far side of that anchor; its 183/200 answers replace the placeholder on
 *   the same ports, so the agent is never re-INVITEd, hears ringback (or the far end's early media)
 *   while the callee rings, and no 200 is left unacknowledged however long the callee takes.
 *   That beats RFC 3725 flow I (ACK the agent only with the callee's answer), whose 200 would be
 *   retransmitted and dropped after 64*T1 (32 s) while the callee rings, and flow IV's re-INVITE.
 * - Without the anchor (media off, a browser agent: rtpengine cannot answer towards a browser
 *   without its far side) it is flow I: the agent's offer goes to the trunk (anchored per leg when
 *   there is a media port) and the callee's answer goes to the agent in the ACK. A callee that
 *   takes longer than the agent's 200 retransmissions (32 s) loses the agent's leg.
 *
 * Reporting is the softphone path's: ReportOutboundRinging, AnswerOutboundCall, FailOutboundCall
 * (`agent-no-answer` when the agent's own phone does not answer, the trunk's status otherwise),
 * hang-ups both ways; a call the core ends (force-end, the dial timeout) ends both legs.
 * One session per call, one step at a time, reacting level-triggered to core events.
 */
import {
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
import { CallMedia, endpointKindOf } from '../media/call-media.ts';
import type { CallerAnchor } from '../media/caller-anchor.ts';
import type { MediaPort } from '../media/media-port.ts';
import type { ToneFiles } from '../media/tone-files.ts';
import type { LegEnd, OutboundLeg, OutboundLegListener, SignallingPort } from '../signalling/signalling-port.ts';
import { ReofferRefused } from '../signalling/signalling-port.ts';
import { AGENT_PHONE_COMPONENT, failureFor, trunkTarget } from './outbound-call-session.ts';
import { describesMedia, isHoldOffer } from './session-description.ts';

/** The media leg id of the trunk side. */
const TRUNK_LEG = 'trunk';
const E164 = /^\+[1-9]\d{1,14}$/;
/** How long the agent's own phone rings by default before the call fails as `agent-no-answer`. */
export const DEFAULT_AGENT_RING_SECONDS = 30;

/** What OutboundCallPlaced carries (the core's event data), as far as dialling needs it. */
interface PlacedCall {
  callId: string;
  organisationId: string;
  agentId: string;
  callee: { number: string | null; customerId: string | null };
  callerId: string | null;
}

export interface PlacedCallDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  media: MediaPort | null;
  /** The caller anchor (rtpengine) with its tones: the agent's ACK is answered at once and hears ringback. */
  anchor: CallerAnchor | null;
  tones: ToneFiles | null;
  trunkUri: string | null;
  /** SIP_OUTBOUND_FROM: presented to the callee; null = the call's own caller id (the queue's number) or anonymous. */
  outboundFrom: string | null;
  agentRingSeconds: number;
  finished(session: PlacedCallSession): void;
}

type PlacedState = 'ringing-agent' | 'dialling' | 'connected' | 'ended';

export class PlacedCallSession {
  readonly callId: string;
  readonly #deps: PlacedCallDependencies;
  readonly #call: PlacedCall;
  readonly #context: CommandContext;
  #state: PlacedState = 'ringing-agent';
  #media: CallMedia | null = null;
  #agent: OutboundLeg | null = null;
  #trunk: OutboundLeg | null = null;
  #trunkTarget: string | null = null;
  #trunkEnding = false;
  #ringTimer: NodeJS.Timeout | null = null;
  /** Flow I only (no anchor): the agent's ACK waits for the callee's answer. */
  #pendingAck: { resolve(answer: string): void; reject(error: Error): void } | null = null;
  #ringback = false;
  #earlyMedia = false;
  #steps: Promise<void> = Promise.resolve();
  #finished = false;
  readonly #holding = { agent: false, callee: false };

  constructor(deps: PlacedCallDependencies, call: PlacedCall, correlationId: string) {
    this.#deps = deps;
    this.#call = call;
    this.callId = call.callId;
    this.#context = { organisationId: call.organisationId, actor: { kind: 'system', component: 'gateway' }, correlationId };
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Rings the agent's own phone with a late-offer INVITE. */
  start(): void {
    this.#step(async () => {
      const deps = this.#deps;
      const call = this.#call;
      const number = call.callee.number;
      if (number === null) return this.#fail('unreachable', null, 'no number to dial: the gateway cannot resolve a customer id to a number');
      this.#trunkTarget = trunkTarget(deps.trunkUri, number);
      if (this.#trunkTarget === null) return this.#fail('failed', null, 'no SIP trunk configured (SIP_TRUNK_URI)');
      const target = await this.#agentTarget();
      if (this.#state !== 'ringing-agent') return;
      if (target === null) return this.#fail('agent-no-answer', 480, 'the agent has no phone to ring (no live registration, or no reachable external URI)');
      this.#media = new CallMedia(deps.media, this.callId, endpointKindOf(target), deps.logger, deps.tones === null ? null : deps.anchor);
      deps.logger.info({ callId: this.callId, agentId: call.agentId, target, number }, 'placed call: ringing the agent phone first');
      this.#agent = deps.port.dial(
        target,
        {
          offer: null,
          // The agent's phone shows whom it is about to be connected to.
          callerUser: number,
          callerDisplayName: null,
          // The agent asked for this call: phones (and the console) may answer it at once.
          headers: [
            ['X-CC-Call-Id', this.callId],
            ['Call-Info', `<urn:uuid:${this.callId}>;answer-after=0`],
          ],
        },
        this.#agentListener(),
      );
      this.#ringTimer = setTimeout(() => this.#step(() => this.#agentDidNotAnswer()), deps.agentRingSeconds * 1000);
    });
  }

  /** A core event of this call: a call the core has ended (force-end, dial timeout, a hang-up elsewhere) ends both legs. */
  observe(_event: RecordedEvent): void {
    this.#step(async () => {
      if (this.#state === 'ended') return;
      const { state } = await this.#deps.cc.states.calls.load(streams.call(this.callId));
      if (state.status !== 'done' && state.status !== 'wrap-up') return;
      this.#endBothLegs('call ended by the contact center');
    });
  }

  /** The gateway is stopping. */
  endEverything(): void {
    this.#endBothLegs('gateway stopping');
  }

  async #agentTarget(): Promise<string | null> {
    const { state: agent } = await this.#deps.cc.states.agents.load(streams.agent(this.#call.agentId));
    const profile = agent.profile;
    if (profile === null) return null;
    if (profile.typology === 'webrtc' || profile.typology === 'phonebar') return this.#deps.port.registeredContact(this.#call.agentId);
    const uri = profile.externalUri?.trim() ?? '';
    if (uri.startsWith('sip:') || uri.startsWith('sips:')) return uri;
    return E164.test(uri) ? trunkTarget(this.#deps.trunkUri, uri) : null;
  }

  #agentListener(): OutboundLegListener {
    return {
      ringing: () => this.#deps.logger.debug({ callId: this.callId }, 'placed call: agent phone ringing'),
      answerOffer: (offer) => this.#agentOffered(offer),
      answered: () => this.#step(() => this.#agentAnswered()),
      refused: (status) => this.#step(() => this.#agentRefused(status)),
      ended: (why) => this.#step(() => this.#agentLeft(why)),
      reoffered: (sdp) => this.#relayReoffer('agent', sdp),
      dtmf: (digits) => this.#dtmf('agent', digits),
    };
  }

  /** The agent's phone answered with its offer: the answer for its ACK, now (anchored) or once the callee answers (flow I). */
  #agentOffered(offer: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.#step(async () => {
        const media = this.#media;
        if (this.#state !== 'ringing-agent' || media === null) {
          reject(new Error('the call no longer waits for the agent'));
          return;
        }
        if (!describesMedia(offer)) {
          reject(new Error('the agent phone offered no usable media'));
          return;
        }
        this.#clearRingTimer();
        this.#state = 'dialling';
        try {
          const early = await media.answerEarly(offer);
          if (early === null) this.#pendingAck = { resolve, reject };
          else resolve(early);
          await this.#dialTrunk(offer);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          throw error;
        }
      });
    });
  }

  async #dialTrunk(agentOffer: string): Promise<void> {
    const media = this.#media as CallMedia;
    const target = this.#trunkTarget as string;
    const offer = await media.offerFor(TRUNK_LEG, 'sip', agentOffer);
    if (this.#state !== 'dialling') return;
    const callerId = this.#deps.outboundFrom ?? this.#call.callerId;
    this.#deps.logger.info({ callId: this.callId, number: this.#call.callee.number, callerId }, 'placed call: agent answered, dialling the callee');
    this.#trunk = this.#deps.port.dial(target, { offer, callerUser: callerId, callerDisplayName: null, headers: [['X-CC-Call-Id', this.callId]] }, this.#trunkListener());
  }

  /** The agent's phone has its ACK (anchored: the callee still rings): it hears ringback until the callee's media comes. */
  async #agentAnswered(): Promise<void> {
    if (this.#state === 'ringing-agent') {
      // Answered without the late-offer exchange: a signalling port without answerOffer (the drachtio adapter).
      this.#agent?.end();
      await this.#fail('failed', null, 'the signalling port cannot answer a late offer in the ACK');
      return;
    }
    const media = this.#media;
    if (this.#state !== 'dialling' || media === null || !media.anchoredEarly || this.#earlyMedia || this.#deps.tones === null) return;
    this.#ringback = true;
    await media.play('caller', this.#deps.tones.ringback);
  }

  async #agentRefused(status: number): Promise<void> {
    if (this.#state !== 'ringing-agent') return;
    await this.#fail('agent-no-answer', status, `the agent's phone refused the call (${status})`);
  }

  async #agentDidNotAnswer(): Promise<void> {
    if (this.#state !== 'ringing-agent') return;
    this.#agent?.end();
    await this.#fail('agent-no-answer', 408, `the agent did not answer their phone within ${this.#deps.agentRingSeconds} s`);
  }

  async #agentLeft(why: LegEnd): Promise<void> {
    const was = this.#state;
    this.#state = 'ended';
    this.#clearRingTimer();
    this.#endTrunk();
    if (was !== 'dialling' && was !== 'connected') return;
    const reason = why === 'hung-up' ? 'agent hung up' : `agent leg ${why}`;
    await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', this.#call.agentId, reason, this.#context));
  }

  #trunkListener(): OutboundLegListener {
    return {
      ringing: () =>
        this.#step(async () => {
          if (this.#state !== 'dialling' || this.#earlyMedia) return;
          await this.#tolerate(this.#deps.cc.reportOutboundRinging(this.callId, false, this.#context));
        }),
      early: (sdp) => this.#step(() => this.#calleeEarlyMedia(sdp)),
      answered: (sdp) => this.#step(() => this.#calleeAnswered(sdp)),
      refused: (status) =>
        this.#step(async () => {
          if (this.#state === 'ended') return;
          this.#endAgent(`callee refused (${status})`);
          await this.#fail(failureFor(status), status, 'callee did not answer');
        }),
      ended: (why) =>
        this.#step(async () => {
          if (this.#state === 'ended') return;
          this.#endAgent('callee hung up');
          this.#state = 'ended';
          await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'caller', null, why === 'hung-up' ? 'callee hung up' : `callee leg ${why}`, this.#context));
        }),
      reoffered: (sdp) => this.#relayReoffer('callee', sdp),
      dtmf: (digits) => this.#dtmf('caller', digits),
    };
  }

  /** A 183 with SDP: with the agent anchored it hears the far end's ringback or announcement instead of ours. */
  async #calleeEarlyMedia(sdp: string): Promise<void> {
    const media = this.#media;
    if (this.#state !== 'dialling' || media === null || !media.anchoredEarly || this.#earlyMedia) return;
    await this.#stopRingback();
    const answered = await media.answerFrom(TRUNK_LEG, sdp).then(
      () => true,
      (error: unknown) => {
        this.#deps.logger.warn({ callId: this.callId, err: (error as Error).message }, 'early media could not be anchored');
        return false;
      },
    );
    if (!answered) return;
    this.#earlyMedia = true;
    await this.#tolerate(this.#deps.cc.reportOutboundRinging(this.callId, true, this.#context));
  }

  async #calleeAnswered(sdp: string | null): Promise<void> {
    const media = this.#media;
    if (this.#state !== 'dialling' || media === null) {
      this.#endTrunk();
      return;
    }
    await this.#stopRingback();
    const answer = sdp === null ? null : await media.answerFrom(TRUNK_LEG, sdp).catch(() => null);
    if (answer === null) {
      this.#endTrunk();
      this.#endAgent('callee answered without usable media');
      await this.#fail('failed', 488, 'callee answered without usable media');
      return;
    }
    // Flow I: the agent's ACK carries the callee's answer. Anchored: the agent already has its answer, on the same ports.
    this.#pendingAck?.resolve(answer);
    this.#pendingAck = null;
    this.#state = 'connected';
    this.#deps.logger.info({ callId: this.callId }, 'placed call connected');
    await this.#tolerate(this.#deps.cc.answerOutboundCall(this.callId, this.#context));
  }

  /** Hold and resume from either side: relayed to the other, and told to the core. The agent's phone is the anchor's "caller" side. */
  async #relayReoffer(from: 'agent' | 'callee', sdp: string): Promise<string> {
    const trunk = this.#trunk;
    const agent = this.#agent;
    const media = this.#media;
    if (this.#state !== 'connected' || trunk === null || agent === null || media === null) throw new ReofferRefused(491, 'the call is not connected');
    const answer =
      from === 'agent'
        ? await media.reoffer(TRUNK_LEG, 'caller', sdp, (offer) => trunk.reoffer(offer))
        : await media.reoffer(TRUNK_LEG, 'agent', sdp, (offer) => agent.reoffer(offer));
    const before = this.#holding.agent || this.#holding.callee;
    this.#holding[from] = isHoldOffer(sdp);
    const held = this.#holding.agent || this.#holding.callee;
    if (held !== before) {
      this.#step(async () => {
        const data = { agentId: this.#call.agentId, at: this.#deps.cc.now() };
        await this.#tolerate(this.#deps.cc.execute('call', this.callId, held ? { type: 'HoldCall', data } : { type: 'ResumeCall', data }, this.#context));
      });
    }
    return answer;
  }

  #dtmf(from: 'caller' | 'agent', digits: string): void {
    this.#step(async () => {
      if (this.#state !== 'connected') return;
      await this.#tolerate(this.#deps.cc.execute('call', this.callId, { type: 'ReceiveDtmf', data: { digits, from, at: this.#deps.cc.now() } }, this.#context));
    });
  }

  async #fail(reason: OutboundFailure, sipStatus: number | null, why: string): Promise<void> {
    this.#state = 'ended';
    this.#clearRingTimer();
    this.#deps.logger.info({ callId: this.callId, agentId: this.#call.agentId, reason, sipStatus, why }, 'placed call failed');
    await this.#tolerate(this.#deps.cc.failOutboundCall(this.callId, reason, sipStatus, this.#context));
  }

  async #stopRingback(): Promise<void> {
    if (!this.#ringback) return;
    this.#ringback = false;
    await this.#media?.stopPlaying('caller');
  }

  #endBothLegs(why: string): void {
    this.#state = 'ended';
    this.#clearRingTimer();
    this.#endTrunk();
    this.#endAgent(why);
  }

  /** Ends the agent's leg: a late offer still waiting for the callee is refused (the edge ACKs it, then BYE). */
  #endAgent(why: string): void {
    const pending = this.#pendingAck;
    this.#pendingAck = null;
    pending?.reject(new Error(why));
    this.#agent?.end();
  }

  /** Ends the trunk leg once: a second CANCEL for the same INVITE is a protocol error to the far end. */
  #endTrunk(): void {
    if (this.#trunkEnding) return;
    this.#trunkEnding = true;
    this.#trunk?.end();
  }

  #clearRingTimer(): void {
    if (this.#ringTimer !== null) clearTimeout(this.#ringTimer);
    this.#ringTimer = null;
  }

  #step(work: () => Promise<void> | void): void {
    this.#steps = this.#steps
      .then(work)
      .catch((error: unknown) => {
        this.#deps.logger.error({ callId: this.callId, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'placed call step failed');
      })
      .finally(() => this.#finishIfDone());
  }

  #finishIfDone(): void {
    if (this.#finished || this.#state !== 'ended') return;
    if ((this.#agent !== null && !this.#agent.ended) || (this.#trunk !== null && !this.#trunk.ended)) return;
    this.#finished = true;
    this.#clearRingTimer();
    this.#media?.end();
    this.#deps.finished(this);
  }

  /** A refused follow-up means the call moved on meanwhile (another side ended it first). */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.callId, code: error.code }, 'placed call command refused: call moved on');
    }
  }
}

/** True for a call an agent's own phone dialled (outbound-call-session.ts places those as this actor). */
const dialledFromAgentPhone = (event: RecordedEvent): boolean => {
  const actor = event.metadata.actor;
  return actor.kind === 'system' && actor.component.startsWith(AGENT_PHONE_COMPONENT);
};

/**
 * Which placed calls the gateway dials, and their sessions: an OutboundCallPlaced seen live that no
 * agent's phone started. Placements replayed while the core catches up (a restart) are not dialled:
 * nobody waits for a click made before it, and the core's dial timeout fails them.
 */
export class PlacedCalls {
  readonly #deps: Omit<PlacedCallDependencies, 'finished'>;
  readonly #sessions = new Map<string, PlacedCallSession>();

  constructor(deps: Omit<PlacedCallDependencies, 'finished'>) {
    this.#deps = deps;
  }

  get activeCalls(): number {
    return this.#sessions.size;
  }

  /** The core's ids of the calls in progress (ended in the core when the platform stops). */
  get callIds(): string[] {
    return [...this.#sessions.keys()];
  }

  observe(event: RecordedEvent): void {
    if (streamCategory(event.streamId) !== 'call') return;
    const callId = streamEntityId(event.streamId);
    const session = this.#sessions.get(callId);
    if (session !== undefined) {
      session.observe(event);
      return;
    }
    if (event.type !== 'OutboundCallPlaced' || !this.#deps.cc.caughtUp || dialledFromAgentPhone(event)) return;
    const data = event.data as PlacedCall;
    const placed = new PlacedCallSession(
      {
        ...this.#deps,
        finished: (done) => {
          if (this.#sessions.get(done.callId) === done) this.#sessions.delete(done.callId);
        },
      },
      { callId, organisationId: data.organisationId, agentId: data.agentId, callee: data.callee, callerId: data.callerId },
      event.metadata.correlationId,
    );
    this.#sessions.set(callId, placed);
    placed.start();
  }

  stop(): void {
    for (const session of this.#sessions.values()) session.endEverything();
    this.#sessions.clear();
  }
}
