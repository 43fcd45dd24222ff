/**
 * One caller's call through the edge: the caller's leg and the legs placed to agents' phones, kept
 * in line with what the core decided. The caller's SDP offer goes to each agent phone and the
 * answering phone's SDP goes back to the caller; with a media port (rtpengine) every offer and
 * answer is anchored on it on the way (CallMedia), except browser to browser, which stays direct.
 * Agents are reached at their external URI (External, Mobile) or at their live registration
 * (WebRTC, phone bar). Re-offers (hold, resume) are relayed to the other leg and turn into the
 * core's HoldCall / ResumeCall; DTMF becomes ReceiveDtmf, and an agent's SIP INFO digits are also
 * played to an anchored caller as RFC 4733 events (an IVR the agent navigates hears them).
 * A caller without an SDP offer (late offer) waits without early media; agents are rung without
 * SDP too, and the answering phone's offer (anchored from the agent's side) goes to the caller in
 * its 200, whose ACK answers it; that answer goes back to the phone in its ACK.
 *
 * Everything a session does runs one step at a time (SIP callbacks and core events alike), and its
 * reaction to core events is level-triggered: after each event the legs the call's state no longer
 * implies are ended, and an ended call ends the caller. A session never decides routing.
 */
import { type CallChannel, type CallState, type CommandContext, type ContactCenter, type CoreLogger, isDomainError, type RecordedEvent, streams } from '@cc/core';
import { CallerAnswerMissing, type InboundCall, type LegEnd, type OutboundLeg, ReofferRefused, type SignallingPort } from '../signalling/signalling-port.ts';
import { describesMedia, isHoldOffer } from './session-description.ts';
import { CallMedia, endpointKindOf, NoAnchoredMedia } from '../media/call-media.ts';
import type { MediaEndpointKind, MediaPort, MediaSide } from '../media/media-port.ts';
import type { CallerAnchor } from '../media/caller-anchor.ts';
import type { DigitReports } from '../media/dtmf-events.ts';
import { mediaFileFor, type ToneFiles } from '../media/tone-files.ts';
import { AgentDirectory } from './agent-directory.ts';
import { CallTransfers, ringingOfferIds, type TransferSettings } from './call-transfer.ts';
import { ConsultationAudio } from './consultation-audio.ts';
import { ExternalConsultation } from './external-consultation.ts';
import { QueueDirectory } from './queue-directory.ts';
import { visitorContactOf } from './visitor-contact.ts';
import type { CallRecorder, RecordingInProgress } from '../recording/call-recorder.ts';

export interface SessionDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  /** Where E.164 numbers of External/Mobile agents are sent (sip:host:port), or null. */
  trunkUri: string | null;
  /** Anchors SIP <-> WebRTC media (rtpengine); null or absent: signalling only. */
  media?: MediaPort | null;
  /** Anchors a SIP caller's media once per call: early media (ringback, announcement), music on hold, DTMF out. */
  anchor?: CallerAnchor | null;
  /** The ringback and hold music files and the folder of queues' own files. */
  tones?: ToneFiles | null;
  /** Digits rtpengine detects; told about digits the gateway injects so they are not taken for the party's. */
  dtmfReports?: DigitReports | null;
  /** Transfers: calling number for external ones, and the directories a REFER's target is looked up in. */
  transfer?: TransferSettings;
  /** Call recording (RECORD_CALLS, the queue's recordCalls); null or absent: no recording. */
  recordings?: CallRecorder | null;
  /** Called once the caller and every agent leg have ended. */
  finished(session: CallSession): void;
}

/** 'consulting': a consulted colleague's phone answered; it waits for the transfer to complete (the caller is on hold). */
type AgentLegState = 'ringing' | 'answering' | 'consulting' | 'connected' | 'ended';

interface AgentLeg {
  offerId: string;
  agentId: string;
  leg: OutboundLeg | null;
  state: AgentLegState;
  /** A consulted colleague's answer, as the caller is to get it once the transfer completes. */
  callerAnswer?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Whether the caller's own audio must reach no agent: on hold, during a consultation (the agents
 * talk about the caller) and while a transfer rings (the caller waits with ringback or music).
 */
const callerWithheld = (call: CallState): boolean => call.status === 'connected' && (call.onHold || call.transfer !== null);

/** A dialled number as E.164: trunks often send it without the '+'. */
const asE164 = (number: string | null): string | null => {
  if (number === null) return null;
  const withPlus = number.startsWith('+') ? number : `+${number}`;
  return E164.test(withPlus) ? withPlus : null;
};

export class CallSession {
  readonly callId: string;
  readonly organisationId: string;
  readonly caller: InboundCall;
  readonly #deps: SessionDependencies;
  readonly #context: CommandContext;
  readonly #legs = new Map<string, AgentLeg>();
  #steps: Promise<void> = Promise.resolve();
  #rejection: 'queue-closed' | 'queue-removed' | null = null;
  #received = false;
  #finished = false;
  /** The platform is stopping: the call ends in the core, and its caller hears 503 rather than the outcome's status. */
  #stopping = false;
  /** Which side's last offer put the other on hold; the call is on hold while either does. */
  readonly #holding = { caller: false, agent: false };
  /** The queue's music on hold setting (a file name, or null for the built-in melody). */
  #musicOnHold: string | null = null;
  readonly #media: CallMedia;
  readonly #transfers: CallTransfers;
  /** The consulting and consulted agents talking to each other (consultation-audio.ts). */
  readonly #consultation: ConsultationAudio;
  /** A consultation of an external number: its trunk leg and media (external-consultation.ts). */
  readonly #externalConsultation: ExternalConsultation;
  /** The call's recording, from its first connection; null when it is not recorded. */
  #recording: Promise<RecordingInProgress | null> | null = null;
  /** A late-offer caller's own description: its answer from the ACK, or null (it offered, or has not answered yet). */
  #callerAnswer: string | null = null;
  /** The caller's audio is blocked in the media server (callerWithheld). */
  #callerBlocked = false;

  constructor(deps: SessionDependencies, callId: string, organisationId: string, caller: InboundCall, correlationId: string) {
    this.#deps = deps;
    this.callId = callId;
    this.organisationId = organisationId;
    this.caller = caller;
    this.#context = { organisationId, actor: { kind: 'system', component: 'gateway' }, correlationId };
    this.#media = new CallMedia(deps.media ?? null, callId, caller.source.transport === 'ws' ? 'webrtc' : 'sip', deps.logger, deps.tones === null || deps.tones === undefined ? null : (deps.anchor ?? null));
    const transfer = deps.transfer ?? { transferFrom: null, queues: new QueueDirectory(), agents: new AgentDirectory() };
    this.#transfers = new CallTransfers(
      { cc: deps.cc, port: deps.port, logger: deps.logger, trunkUri: deps.trunkUri, settings: transfer, tones: deps.tones ?? null },
      {
        callId,
        organisationId,
        caller,
        context: this.#context,
        step: (work) => this.step(work),
        offerFor: (legId, target) => this.#transferOffer(legId, endpointKindOf(target)),
        answerFrom: (legId, sdp) => this.#media.answerFrom(legId, sdp),
        offerFromDestination: (legId, target, offer) => this.#media.offerFromAgent(legId, endpointKindOf(target), offer),
        answerFromCaller: (legId, answer) => this.#media.answerFromCaller(legId, answer),
        legEnded: (legId) => this.#media.endLeg(legId),
        playToCaller: (file) => this.#media.play('caller', file),
        stopPlayingToCaller: () => this.#media.stopPlaying('caller'),
      },
    );
    this.#consultation = new ConsultationAudio({
      callId,
      logger: deps.logger,
      offerToCaller: (legId, offer) => this.#media.reoffer(legId, 'agent', offer, (relayed) => caller.reoffer(relayed)),
      media: deps.media ?? null,
      backWithCaller: (legId) => this.#media.reconnectAgent(legId),
      connectAgentTo: (agentLegId, offer, partyLegId, send) => this.#media.connectAgentTo(agentLegId, offer, partyLegId, send),
    });
    this.#externalConsultation = new ExternalConsultation(
      { cc: deps.cc, port: deps.port, logger: deps.logger, trunkUri: deps.trunkUri, transferFrom: transfer.transferFrom, media: deps.media ?? null },
      {
        callId,
        caller,
        context: this.#context,
        step: (work) => this.step(work),
        consultingAgent: () => this.#connected(),
        offerToCaller: (legId, offer) => this.#media.reoffer(legId, 'agent', offer, (relayed) => caller.reoffer(relayed)),
        offerFor: async (legId, kind) => (caller.offer === null ? null : this.#media.offerFor(legId, kind, caller.offer)),
        answerFrom: (legId, sdp) => this.#media.answerFrom(legId, sdp),
        connectAgentTo: (agentLegId, offer, partyLegId, send) => this.#media.connectAgentTo(agentLegId, offer, partyLegId, send),
        reofferFromCaller: (legId, sdp, send) => this.#media.reoffer(legId, 'caller', sdp, send),
        legEnded: (legId) => this.#media.endLeg(legId),
        bridgeCaller: (sdp) => this.#transfers.bridgeCaller(sdp),
        stopPlayingToCaller: () => this.#media.stopPlaying('caller'),
      },
    );
  }

  /** Runs a step after the ones before it; a failing step is logged and the session goes on. */
  step(work: () => Promise<void> | void): void {
    this.#steps = this.#steps
      .then(work)
      .catch((error: unknown) => {
        this.#deps.logger.error({ callId: this.callId, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'gateway call step failed');
      })
      .finally(() => this.#finishIfDone());
  }

  /** The caller is ringing: the core receives the call (queued, or rejected when the queue is closed). */
  receive(queueId: string, channel: CallChannel = 'pstn'): void {
    this.step(async () => {
      const caller = this.caller;
      // Only browser visitors say how to reach them; a trunk's caller is who the network says.
      const visitor = caller.source.transport === 'ws' ? visitorContactOf(caller.visitorContact) : null;
      if (visitor?.ignored != null) this.#deps.logger.info({ callId: this.callId, why: visitor.ignored }, "visitor's contact ignored");
      try {
        const { result } = await this.#deps.cc.receiveCall(
          {
            callId: this.callId,
            organisationId: this.organisationId,
            queueId,
            channel,
            caller: {
              number: caller.callerUser !== null && E164.test(caller.callerUser) ? caller.callerUser : (visitor?.number ?? null),
              name: caller.callerDisplayName,
              customerId: visitor?.customerId ?? null,
            },
            dialedNumber: asE164(caller.dialled),
          },
          this.#context,
        );
        this.#received = true;
        // Only a queued call waits: a rejected one (queue closed) gets its final response, no 183 first.
        if (result.events.some((event) => event.type === 'CallQueued')) await this.#earlyMedia(queueId);
      } catch (error) {
        if (isDomainError(error) && error.code === 'QueueNotFound') caller.reject(404, 'queue not found');
        else {
          caller.reject(500);
          throw error;
        }
      }
    });
  }

  /**
   * A queued SIP caller gets 183 Session Progress with the anchor's answer and hears the queue's
   * announcement (its file, looped) or ringback until an agent is connected.
   */
  async #earlyMedia(queueId: string): Promise<void> {
    const tones = this.#deps.tones;
    if (tones === null || tones === undefined || this.caller.offer === null || this.caller.progress === undefined || this.caller.ended) return;
    const answer = await this.#media.answerEarly(this.caller.offer);
    if (answer === null || this.caller.ended) return;
    this.caller.progress(answer);
    const { state: queue } = await this.#deps.cc.states.queues.load(streams.queue(queueId));
    this.#musicOnHold = queue.settings?.musicOnHold ?? null;
    const file = mediaFileFor(tones, queue.settings?.announcement ?? null, 'ringback') ?? tones.ringback;
    if (this.#connected() === undefined) await this.#media.play('caller', file);
  }

  /** Music for the held party: the side that did not put the call on hold (the caller when the console did). */
  async #holdMusic(held: boolean): Promise<void> {
    const tones = this.#deps.tones;
    if (tones === null || tones === undefined || !this.#media.anchoredEarly) return;
    if (!held) {
      await this.#media.stopPlaying('caller');
      await this.#media.stopPlaying('agent');
      return;
    }
    const listener: MediaSide = this.#holding.caller && !this.#holding.agent ? 'agent' : 'caller';
    await this.#media.play(listener, mediaFileFor(tones, this.#musicOnHold, 'hold') ?? tones.hold);
  }

  /** Blocks or lets through the caller's audio towards the agents when that changes. */
  async #blockCaller(blocked: boolean): Promise<void> {
    if (blocked === this.#callerBlocked) return;
    this.#callerBlocked = blocked;
    await this.#media.withholdCaller(blocked);
  }

  /** RFC 4733 digits to the caller (an agent's dial pad); throws when the call has no anchored media. */
  async sendDtmf(digits: string): Promise<void> {
    // Injected digits are reported by rtpengine as coming from the agent's side: not the agent's own.
    this.#deps.dtmfReports?.expectInjected(this.callId, 'agent', digits);
    await this.#media.playDtmf('caller', digits);
  }

  /** The caller answered in an ACK the offer its re-INVITE without SDP asked for: media and hold state follow it. */
  reanswerFromCaller(sdp: string): void {
    const connected = this.#connected();
    if (connected !== undefined) this.#reanswered('caller', connected, sdp);
  }

  /** A re-offer from the caller (hold, resume): relayed to the connected agent's leg. */
  reofferFromCaller(sdp: string): Promise<string> {
    const connected = this.#connected();
    if (connected === undefined && this.#externalConsultation.connected) return this.#externalConsultation.reofferFromCaller(sdp);
    if (connected?.leg === null || connected === undefined) return this.#transfers.reofferFromCaller(sdp);
    return this.#relayReoffer('caller', connected, connected.leg as OutboundLeg, sdp);
  }

  /** DTMF from either side, as the media server detected it or as SIP INFO: recorded in the core. */
  dtmf(from: 'caller' | 'agent', digits: string): void {
    this.step(async () => {
      await this.#recordDtmf(from, digits);
    });
  }

  /**
   * Digits the agent's phone sent as SIP INFO: recorded, then played to the caller as RFC 4733
   * events, since INFO never reaches the caller's media. Digits the phone sends in its RTP need no
   * relay (the media server forwards them) and arrive through `dtmf`.
   */
  #agentInfoDtmf(digits: string): void {
    this.step(async () => {
      if (!(await this.#recordDtmf('agent', digits))) return;
      if (!this.#media.anchoredEarly) {
        this.#deps.logger.debug({ callId: this.callId, digits }, "agent DTMF not relayed: the caller's media is not anchored (browser to browser, or media off)");
        return;
      }
      try {
        await this.sendDtmf(digits);
      } catch (error) {
        // The media server refuses while the agent's phone has sent no audio yet (nothing to inject the events into).
        if (!(error instanceof NoAnchoredMedia)) this.#deps.logger.warn({ callId: this.callId, digits, err: (error as Error).message }, 'agent DTMF could not be played to the caller');
      }
    });
  }

  /** ReceiveDtmf; false when the core refused it (the call is not in a state that takes key presses). */
  async #recordDtmf(from: 'caller' | 'agent', digits: string): Promise<boolean> {
    this.#deps.logger.debug({ callId: this.callId, from, digits }, 'dtmf received');
    try {
      await this.#deps.cc.execute('call', this.callId, { type: 'ReceiveDtmf', data: { digits, from, at: this.#deps.cc.now() } }, this.#context);
      return true;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.callId, code: error.code }, 'dtmf refused: call moved on');
      return false;
    }
  }

  callerLeft(why: LegEnd): void {
    this.step(async () => {
      if (!this.#received) return;
      await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'caller', null, why === 'cancelled' ? 'caller cancelled' : why === 'no-ack' ? 'answer not acknowledged' : 'caller hung up', this.#context));
    });
  }

  /** A core event of this call, after the core applied it. */
  observe(event: RecordedEvent): void {
    this.step(async () => {
      if (event.type === 'CallHeld' || event.type === 'CallResumed') await this.#holdMusic(event.type === 'CallHeld');
      if (event.type === 'CallRejected') this.#rejection = (event.data as { reason: 'queue-closed' | 'queue-removed' }).reason;
      // A transfer to an agent rings their phone like any offer (call-transfer.ts tells the answers apart).
      if (event.type === 'CallOffered' || event.type === 'CallTransferOffered') {
        const { offerId, agentId } = event.data as { offerId: string; agentId: string };
        if (!this.#legs.has(offerId)) await this.#ringAgent(offerId, agentId);
      }
      // The core folds each event into its cache before telling listeners: read the store only when that cache lags this event.
      const cached = this.#deps.cc.states.calls.peek(event.streamId);
      const { state } = cached !== undefined && cached.revision !== null && cached.revision >= event.revision ? cached : await this.#deps.cc.states.calls.load(streams.call(this.callId));
      // Withheld at once; let through only once a hand-over below has connected the caller's new far side.
      const withheld = callerWithheld(state);
      if (withheld) await this.#blockCaller(true);
      if (event.type === 'CallTransferAccepted') await this.#consultedTakesOver((event.data as { toAgentId: string }).toAgentId);
      await this.#transfers.observe(event, state);
      await this.#externalConsultation.observe(event, state);
      if (!withheld && state.status !== 'done' && state.status !== 'wrap-up') await this.#blockCaller(false);
      // The recording covers the call up to a transfer: it stops once the call leaves the agent.
      if (event.type === 'CallTransferAccepted' || event.type === 'CallTransferredToQueue' || event.type === 'CallTransferredExternally') void this.#recording?.then((recording) => recording?.stop());
      this.#reconcile(state);
    });
  }

  /** The platform stops: its end in the core is coming (platform-stop.ts), not a caller or agent leaving. */
  platformStopping(): void {
    this.#stopping = true;
  }

  /** The edge is stopping: every leg ends. */
  endEverything(): void {
    for (const leg of this.#legs.values()) this.#endLeg(leg);
    this.#transfers.endEverything();
    this.#externalConsultation.endEverything();
    this.caller.end(503, 'gateway stopping');
  }

  get finished(): boolean {
    return this.#finished;
  }

  async #ringAgent(offerId: string, agentId: string): Promise<void> {
    const entry: AgentLeg = { offerId, agentId, leg: null, state: 'ringing' };
    this.#legs.set(offerId, entry);
    const { state: agent } = await this.#deps.cc.states.agents.load(streams.agent(agentId));
    const profile = agent.profile;
    if (profile === null) {
      entry.state = 'ended';
      return;
    }
    const registered = profile.typology === 'webrtc' || profile.typology === 'phonebar';
    const target = registered ? this.#deps.port.registeredContact(agentId) : this.#targetFor(profile.externalUri);
    if (target === null && registered) {
      // Declining would have the router offer the call to the same agent again at once (a loop
      // when they are the only one): the offer rings out on the queue's ring timeout instead.
      this.#deps.logger.warn({ callId: this.callId, agentId, typology: profile.typology }, 'agent has no live SIP registration: the offer will time out');
      entry.state = 'ended';
      return;
    }
    if (registered && target !== null && !this.#media.anchors(endpointKindOf(target))) this.#warnIfMediaNeedsRelay(agentId, target);
    if (target === null) {
      this.#deps.logger.warn({ callId: this.callId, agentId, externalUri: profile.externalUri }, 'agent phone cannot be reached: offer declined');
      entry.state = 'ended';
      await this.#decline(agentId);
      return;
    }
    const caller = this.caller;
    const kind = endpointKindOf(target);
    const offer = caller.offer === null ? null : await this.#media.offerFor(offerId, kind, caller.offer);
    // Late offer: the phone's 200 offers, and the caller's answer to it goes back in the phone's ACK.
    const lateOffer = caller.offer === null;
    if (entry.state === 'ended') {
      this.#media.endLeg(offerId);
      return;
    }
    // The agent's other registrations (forks) get an offer of their own kind, made once per kind.
    const offers = new Map<MediaEndpointKind, Promise<string | null>>([[kind, Promise.resolve(offer)]]);
    entry.leg = this.#deps.port.dial(
      target,
      {
        offer,
        callerUser: caller.callerUser,
        callerDisplayName: caller.callerDisplayName,
        headers: [
          ['X-CC-Call-Id', this.callId],
          ['X-CC-Offer-Id', offerId],
        ],
        forkOffer: (contact) => {
          const forkKind = endpointKindOf(contact);
          const made = offers.get(forkKind) ?? this.#forkOffer(entry, forkKind);
          offers.set(forkKind, made);
          return made;
        },
      },
      {
        ringing: () => this.#deps.logger.debug({ callId: this.callId, agentId }, 'agent phone ringing'),
        ...(lateOffer ? { answerOffer: (agentOffer: string, contact?: string) => this.#agentOffered(entry, endpointKindOf(contact ?? target), agentOffer) } : {}),
        // A late offer was connected in answerOffer, before the ACK: its 'answered' has nothing left to do.
        answered: (sdp) => (lateOffer ? undefined : this.step(() => this.#agentAnswered(entry, sdp))),
        refused: (status) => this.step(() => this.#agentRefused(entry, status)),
        ended: (why) => this.step(() => this.#agentHungUp(entry, why)),
        reoffered: (sdp) => this.#reofferFromAgent(entry, sdp),
        reanswered: (sdp) => this.#reanswered('agent', entry, sdp),
        dtmf: (digits) => this.#agentInfoDtmf(digits),
        referred: (referTo, progress) => this.#transfers.referred(entry.agentId, referTo, progress),
      },
    );
  }

  /**
   * The caller's offer anchored for a registration of another kind than the dialled one (a desk
   * phone next to a browser), made in turn with the session's other steps while the offer still
   * rings; rejects once it does not (the fork is then not rung).
   */
  #forkOffer(entry: AgentLeg, kind: MediaEndpointKind): Promise<string | null> {
    return new Promise<string | null>((resolve, reject) => {
      this.step(async () => {
        const callerOffer = this.caller.offer;
        if (entry.state !== 'ringing') {
          reject(new Error('the agent leg no longer rings'));
          return;
        }
        try {
          resolve(callerOffer === null ? null : await this.#media.offerFor(entry.offerId, kind, callerOffer));
        } catch (error) {
          reject(error as Error);
          throw error;
        }
      });
    });
  }

  /**
   * A browser (WebSocket contact) and a plain SIP caller cannot exchange media directly: WebRTC
   * needs ICE and DTLS-SRTP. Without a media port (RTPENGINE=off) the SDP goes through as it is.
   */
  #warnIfMediaNeedsRelay(agentId: string, target: string): void {
    const agentIsBrowser = /;transport=wss?\b/i.test(target);
    const callerIsBrowser = this.caller.source.transport === 'ws';
    if (agentIsBrowser !== callerIsBrowser) {
      this.#deps.logger.warn({ callId: this.callId, agentId, caller: this.caller.source.transport, agent: agentIsBrowser ? 'webrtc' : 'sip' }, 'needs rtpengine: offering the SDP as it is, media will not flow between SIP and WebRTC');
    }
  }

  #reofferFromAgent(entry: AgentLeg, sdp: string): Promise<string> {
    if (entry.state !== 'connected') return Promise.reject(new ReofferRefused(488, 'the agent is not connected to the caller'));
    return this.#relayReoffer('agent', entry, this.caller, sdp);
  }

  /** Sends a re-offer to the other leg and, once it is answered, tells the core about hold changes. */
  async #relayReoffer(from: 'caller' | 'agent', connected: AgentLeg, to: { reoffer(sdp: string): Promise<string> }, sdp: string): Promise<string> {
    const answer = await this.#media.reoffer(connected.offerId, from, sdp, (offer) => to.reoffer(offer));
    this.#holdChanged(from, connected, isHoldOffer(sdp));
    return answer;
  }

  /**
   * A side answered the offer its re-INVITE without SDP asked for: the anchored media takes the
   * answer, and an answer that only sends (or is inactive) holds the call as an offer would.
   */
  #reanswered(from: 'caller' | 'agent', connected: AgentLeg, sdp: string): void {
    this.step(async () => {
      if (connected.state !== 'connected') return;
      try {
        await this.#media.reanswerFrom(connected.offerId, from, sdp);
      } catch (error) {
        this.#deps.logger.warn({ callId: this.callId, from, err: (error as Error).message }, 'media server refused the answer to our repeated offer: media left as it was');
      }
      this.#holdChanged(from, connected, isHoldOffer(sdp));
    });
  }

  /** Records a side's hold state; when the call as a whole goes on or off hold the core hears HoldCall / ResumeCall. */
  #holdChanged(from: 'caller' | 'agent', connected: AgentLeg, holding: boolean): void {
    const wasHeld = this.#holding.caller || this.#holding.agent;
    this.#holding[from] = holding;
    const held = this.#holding.caller || this.#holding.agent;
    if (held !== wasHeld) {
      this.#deps.logger.info({ callId: this.callId, agentId: connected.agentId, by: from, held }, held ? 'call put on hold' : 'call resumed');
      this.step(async () => {
        const command = held ? ({ type: 'HoldCall', data: { agentId: connected.agentId, at: this.#deps.cc.now() } } as const) : ({ type: 'ResumeCall', data: { agentId: connected.agentId, at: this.#deps.cc.now() } } as const);
        await this.#tolerate(this.#deps.cc.execute('call', this.callId, command, this.#agentContext(connected.agentId)));
      });
    }
  }

  /**
   * The offer for a transfer destination's leg: the caller's own, anchored when media is. A
   * late-offer caller has none, but once its ACK answered, an anchor can offer from that answer
   * (where its media is and what it speaks); null when nothing anchors it: dial without SDP.
   */
  async #transferOffer(legId: string, kind: MediaEndpointKind): Promise<string | null> {
    if (this.caller.offer !== null) return this.#media.offerFor(legId, kind, this.caller.offer);
    if (this.#callerAnswer === null || !this.#media.anchors(kind)) return null;
    const offer = await this.#media.offerFor(legId, kind, this.#callerAnswer);
    // The media server failed (logged): the caller's answer is no offer to send as it is.
    return this.#media.isAnchored(legId) ? offer : null;
  }

  #connected(): AgentLeg | undefined {
    for (const entry of this.#legs.values()) if (entry.state === 'connected') return entry;
    return undefined;
  }

  #targetFor(externalUri: string | null): string | null {
    if (externalUri === null) return null;
    const uri = externalUri.trim();
    if (uri.startsWith('sip:') || uri.startsWith('sips:')) return uri;
    if (E164.test(uri) && this.#deps.trunkUri !== null) {
      const trunk = this.#deps.trunkUri.replace(/^sips?:/, '');
      const host = trunk.includes('@') ? trunk.slice(trunk.indexOf('@') + 1) : trunk;
      return `sip:${uri}@${host}`;
    }
    return null;
  }

  async #agentAnswered(entry: AgentLeg, sdp: string | null): Promise<void> {
    const leg = entry.leg;
    if (leg === null) return;
    if (entry.state !== 'ringing' || this.caller.ended) {
      this.#endLeg(entry);
      return;
    }
    if (!describesMedia(sdp)) {
      this.#deps.logger.warn({ callId: this.callId, agentId: entry.agentId }, 'agent phone answered without a usable SDP: hung up and declined');
      this.#endLeg(entry);
      await this.#decline(entry.agentId);
      return;
    }
    let callerAnswer: string;
    try {
      // A forked leg's target is the registration that answered: its kind picks the offer it was sent.
      callerAnswer = await this.#media.answerFrom(entry.offerId, sdp as string, endpointKindOf(leg.target));
    } catch (error) {
      this.#deps.logger.error({ callId: this.callId, agentId: entry.agentId, err: (error as Error).message }, 'media server refused the agent phone answer: hung up and declined');
      this.#endLeg(entry);
      await this.#decline(entry.agentId);
      return;
    }
    entry.state = 'answering';
    let answered: 'connected' | 'consulting';
    try {
      answered = await this.#transfers.answer(entry.offerId, entry.agentId, this.#agentContext(entry.agentId));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // The offer ended meanwhile (timed out, answered elsewhere, caller gone): this 200 lost.
      this.#deps.logger.info({ callId: this.callId, agentId: entry.agentId, code: error.code }, 'agent answered too late: hung up');
      this.#endLeg(entry);
      return;
    }
    if (answered === 'consulting') {
      // The caller stays on hold with its music; its move to this phone waits for the completed transfer.
      entry.state = 'consulting';
      entry.callerAnswer = callerAnswer;
      const first = this.#connected();
      if (first !== undefined) await this.#consultation.connect(first, entry);
      return;
    }
    entry.state = 'connected';
    await this.#media.stopPlaying('caller');
    await this.#transfers.bridgeCaller(callerAnswer);
    this.#startRecording(entry.offerId, callerAnswer);
  }

  /**
   * Late offer: the agent's phone answered with its offer. It is anchored from the agent's side,
   * the core hears AnswerCall, and the caller gets it in its 200; resolves with the answer for the
   * phone's ACK, made from the caller's ACK. A rejection ends the phone's leg (the edge ACKs it
   * without a body, then BYE) and is reported back as refused(488), which finds the leg ended.
   */
  #agentOffered(entry: AgentLeg, agentKind: MediaEndpointKind, agentOffer: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const refuse = (why: string): void => {
        entry.state = 'ended';
        this.#media.endLeg(entry.offerId);
        reject(new Error(why));
      };
      this.step(async () => {
        try {
          await this.#connectLateOffer(entry, agentKind, agentOffer, resolve, refuse);
        } catch (error) {
          // Never leave the phone's 200 waiting for an answer that will not come.
          if (entry.state !== 'ended') refuse('the gateway failed to connect the call');
          throw error;
        }
      });
    });
  }

  async #connectLateOffer(entry: AgentLeg, agentKind: MediaEndpointKind, agentOffer: string, resolve: (answer: string) => void, refuse: (why: string) => void): Promise<void> {
    if (entry.state !== 'ringing' || this.caller.ended) {
      refuse('the offer is no longer ringing');
      return;
    }
    if (!describesMedia(agentOffer)) {
      this.#deps.logger.warn({ callId: this.callId, agentId: entry.agentId }, 'agent phone offered no usable SDP to a late-offer caller: hung up and declined');
      refuse('no usable SDP');
      await this.#decline(entry.agentId);
      return;
    }
    const callerOffer = await this.#media.offerFromAgent(entry.offerId, agentKind, agentOffer);
    entry.state = 'answering';
    let answered: 'connected' | 'consulting';
    try {
      answered = await this.#transfers.answer(entry.offerId, entry.agentId, this.#agentContext(entry.agentId));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.info({ callId: this.callId, agentId: entry.agentId, code: error.code }, 'agent answered too late: hung up');
      refuse('answered too late');
      return;
    }
    if (answered === 'consulting') {
      // The phone's offer needs the caller's answer now, but the caller is on hold until the transfer completes: not carried.
      this.#deps.logger.warn({ callId: this.callId, agentId: entry.agentId }, 'consultation with a late-offer caller is not supported: consultation ended');
      refuse('consultation of a late-offer call');
      await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', entry.agentId, 'consultation not supported for this call', this.#agentContext(entry.agentId)));
      return;
    }
    entry.state = 'connected';
    await this.#media.stopPlaying('caller');
    // The caller's ACK may take a while: the session's other steps go on meanwhile.
    this.#transfers.bridgeCallerWithOffer(callerOffer).then(
      (callerAnswer) => this.step(() => this.#callerAnsweredLateOffer(entry, callerOffer, callerAnswer, resolve, refuse)),
      (error: unknown) => this.step(() => this.#callerGaveNoAnswer(entry, error, refuse)),
    );
  }

  /** The caller's ACK answered the agent's offer: the phone gets its answer (anchored back) in its ACK. */
  async #callerAnsweredLateOffer(entry: AgentLeg, callerOffer: string, callerAnswer: string, resolve: (answer: string) => void, refuse: (why: string) => void): Promise<void> {
    if (entry.state !== 'connected') {
      refuse('the agent leg ended while the caller answered');
      return;
    }
    let agentAnswer: string;
    try {
      agentAnswer = await this.#media.answerFromCaller(entry.offerId, callerAnswer);
    } catch (error) {
      await this.#callerGaveNoAnswer(entry, error, refuse);
      return;
    }
    resolve(agentAnswer);
    this.#callerAnswer = callerAnswer;
    // For the recorder the caller's own description is its answer, and what the anchor told it is our offer.
    this.#startRecording(entry.offerId, callerOffer, callerAnswer);
  }

  /** No usable answer from the caller to the agent's offer: both legs are hung up and the call ends in the core. */
  async #callerGaveNoAnswer(entry: AgentLeg, error: unknown, refuse: (why: string) => void): Promise<void> {
    const why = error instanceof CallerAnswerMissing ? error.why : 'failed';
    const reason =
      why === 'no-sdp'
        ? "the caller's ACK carried no SDP answer to the agent's offer"
        : why === 'failed'
          ? `the caller's answer to the agent's offer could not be used (${error instanceof Error ? error.message : String(error)})`
          : 'the caller left before answering the agent offer';
    this.#deps.logger.warn({ callId: this.callId, agentId: entry.agentId, why }, `late offer: ${reason}: hanging up the caller and the agent`);
    if (entry.state !== 'ended') refuse(reason);
    // A caller who left (or never ACKed) has told the core already, through callerLeft.
    if (why === 'ended' || why === 'no-ack') return;
    this.caller.end();
    await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'system', null, reason, this.#context));
  }

  /**
   * Starts recording at the first connection, when the queue (or RECORD_CALLS) asks for it and the
   * media is anchored. `callerAnswer` is what the anchor told the caller, `callerOffer` the caller's own description.
   */
  #startRecording(legId: string, callerAnswer: string, callerOffer: string | null = this.caller.offer): void {
    const recordings = this.#deps.recordings;
    if (recordings === null || recordings === undefined || this.#recording !== null) return;
    const anchored = this.#media.isAnchored(legId);
    this.#recording = (async () => {
      const { state } = await this.#deps.cc.states.calls.load(streams.call(this.callId));
      if (!(await recordings.wanted(state.queueId))) return null;
      if (!anchored) {
        this.#deps.logger.warn({ callId: this.callId, legId }, 'call not recorded: its media is not anchored (browser to browser)');
        return null;
      }
      return recordings.start({ callId: this.callId, organisationId: this.organisationId, context: this.#context, callerOffer, callerAnswer });
    })().catch((error: unknown) => {
      this.#deps.logger.error({ callId: this.callId, err: (error as Error).message }, 'call recording could not start');
      return null;
    });
  }

  async #agentRefused(entry: AgentLeg, status: number): Promise<void> {
    if (entry.state === 'ended') return;
    entry.state = 'ended';
    // 487 answers our own CANCEL; anything else is the phone (or the network) saying no.
    if (status !== 487) {
      this.#deps.logger.info({ callId: this.callId, agentId: entry.agentId, status }, 'agent phone refused the call');
      if (status === 480 && (await this.#withdrawUnreachable(entry))) return;
      await this.#decline(entry.agentId);
    }
  }

  /**
   * 480: the agent cannot be reached now (the WebSocket of their only ringing registration closed,
   * or the phone says Temporarily Unavailable), which is not the agent declining. The core's missed
   * path (TimeOutOffer) only applies once the ring timeout is due, so the offer is withdrawn as
   * 'agent-unavailable', as the core does for an agent who goes Offline while ringing: the call is
   * back at its place in line and offered again at once, and no decline is counted against the
   * agent. False when it is not a ringing offer (a transfer offer is rejected as before).
   */
  async #withdrawUnreachable(entry: AgentLeg): Promise<boolean> {
    const { state } = await this.#deps.cc.states.calls.load(streams.call(this.callId));
    if (!state.offers.some((offer) => offer.offerId === entry.offerId)) return false;
    const command = { type: 'WithdrawOffer', data: { offerId: entry.offerId, reason: 'agent-unavailable', at: this.#deps.cc.now() } } as const;
    await this.#tolerate(this.#deps.cc.execute('call', this.callId, command, this.#agentContext(entry.agentId)));
    return true;
  }

  async #agentHungUp(entry: AgentLeg, why: LegEnd): Promise<void> {
    const wasConnected = entry.state === 'connected';
    const wasConsulting = entry.state === 'consulting';
    entry.state = 'ended';
    if (wasConsulting) this.#consultationLegGone(entry);
    // A consulted colleague who hangs up ends the consultation only: the caller stays with the first agent.
    if (wasConsulting) await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', entry.agentId, 'consulted agent hung up', this.#agentContext(entry.agentId)));
    if (!wasConnected) return;
    await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', entry.agentId, why === 'hung-up' ? 'agent hung up' : 'agent leg lost', this.#agentContext(entry.agentId)));
  }

  async #decline(agentId: string): Promise<void> {
    await this.#tolerate(this.#transfers.decline(agentId, this.#agentContext(agentId)));
  }

  /**
   * A completed consultation: the consulted colleague's phone, answered already, now gets the caller
   * (a re-INVITE with that phone's answer, as for a blind transfer); the first agent's leg ends in #reconcile.
   */
  async #consultedTakesOver(agentId: string): Promise<void> {
    const entry = [...this.#legs.values()].find((leg) => leg.state === 'consulting' && leg.agentId === agentId);
    if (entry?.callerAnswer === undefined) return;
    entry.state = 'connected';
    await this.#media.stopPlaying('caller');
    // Talking to the first agent: the colleague's phone offers anew, towards the caller.
    if (await this.#consultation.handOver(entry)) return;
    await this.#transfers.bridgeCaller(entry.callerAnswer);
  }

  /** A consulted colleague's leg ended without a transfer: the first agent, if moved to it, goes back to the caller. */
  #consultationLegGone(entry: AgentLeg): void {
    this.step(() => this.#consultation.returnFirst(entry.offerId, this.#connected()));
  }

  /** Ends what the call's state no longer implies. */
  #reconcile(call: CallState): void {
    const ringing = ringingOfferIds(call);
    for (const entry of this.#legs.values()) {
      if (entry.state === 'ended' || entry.state === 'answering') continue;
      const stillWanted = entry.state === 'connected' ? call.connectedAgentId === entry.agentId : ringing.has(entry.offerId);
      if (!stillWanted) this.#endLeg(entry);
    }
    const callEnded = call.status === 'done' || call.status === 'wrap-up';
    if (callEnded && !this.caller.ended) {
      const [status, reason] = this.#finalFor(call);
      this.caller.end(status, reason);
    }
  }

  #finalFor(call: CallState): [number, string] {
    // Abandoned in the core on a stop, but the caller did not leave: the service is what went away.
    if (this.#stopping) return [503, 'platform stopping'];
    switch (call.outcome) {
      case 'rejected':
        return this.#rejection === 'queue-removed' ? [603, 'queue removed'] : [480, 'queue closed'];
      case 'expired':
        return [480, 'maximum wait reached'];
      case 'abandoned':
        return [487, 'call abandoned'];
      case 'force-ended':
        return [480, 'call ended by the contact center'];
      default:
        return [480, 'call ended'];
    }
  }

  #endLeg(entry: AgentLeg): void {
    if (entry.state === 'ended') return;
    if (entry.state === 'consulting') this.#consultationLegGone(entry);
    entry.state = 'ended';
    entry.leg?.end();
    this.#media.endLeg(entry.offerId);
  }

  #finishIfDone(): void {
    if (this.#finished || !this.caller.ended) return;
    for (const entry of this.#legs.values()) if (entry.state !== 'ended') return;
    if (!this.#transfers.idle || !this.#externalConsultation.idle) return;
    this.#finished = true;
    this.#media.end();
    // The pcap is finished once rtpengine stops the recording or deletes the call; storing it runs on its own.
    void this.#recording?.then((recording) => recording?.finish());
    this.#deps.finished(this);
  }

  #agentContext(agentId: string): CommandContext {
    return { ...this.#context, actor: { kind: 'system', component: `gateway:agent-phone:${agentId}` } };
  }

  /** A refused command means the call moved on meanwhile; nothing to do. */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.callId, code: error.code }, 'gateway command refused: call moved on');
    }
  }
}
