/**
 * One caller's call through the edge: the caller's leg and the legs placed to agents' phones, kept
 * in line with what the core decided. Signalling only: the caller's SDP offer goes to each agent
 * phone and the answering phone's SDP goes back to the caller, so media flows between the two.
 * Agents are reached at their external URI (External, Mobile) or at their live registration
 * (WebRTC, phone bar). Re-offers (hold, resume) are relayed to the other leg and turn into the
 * core's HoldCall / ResumeCall; DTMF becomes ReceiveDtmf.
 *
 * Everything a session does runs one step at a time (SIP callbacks and core events alike), and its
 * reaction to core events is level-triggered: after each event the legs the call's state no longer
 * implies are ended, and an ended call ends the caller. A session never decides routing.
 */
import { type CallChannel, type CallState, type CommandContext, type ContactCenter, type CoreLogger, isDomainError, type RecordedEvent, streams } from '@cc/core';
import { type InboundCall, type LegEnd, type OutboundLeg, ReofferRefused, type SignallingPort } from '../signalling/signalling-port.ts';
import { describesMedia, isHoldOffer } from './session-description.ts';

export interface SessionDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  /** Where E.164 numbers of External/Mobile agents are sent (sip:host:port), or null. */
  trunkUri: string | null;
  /** Called once the caller and every agent leg have ended. */
  finished(session: CallSession): void;
}

type AgentLegState = 'ringing' | 'answering' | 'connected' | 'ended';

interface AgentLeg {
  offerId: string;
  agentId: string;
  leg: OutboundLeg | null;
  state: AgentLegState;
}

const E164 = /^\+[1-9]\d{1,14}$/;

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
  /** Which side's last offer put the other on hold; the call is on hold while either does. */
  readonly #holding = { caller: false, agent: false };

  constructor(deps: SessionDependencies, callId: string, organisationId: string, caller: InboundCall, correlationId: string) {
    this.#deps = deps;
    this.callId = callId;
    this.organisationId = organisationId;
    this.caller = caller;
    this.#context = { organisationId, actor: { kind: 'system', component: 'gateway' }, correlationId };
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
      try {
        await this.#deps.cc.receiveCall(
          {
            callId: this.callId,
            organisationId: this.organisationId,
            queueId,
            channel,
            caller: {
              number: caller.callerUser !== null && E164.test(caller.callerUser) ? caller.callerUser : null,
              name: caller.callerDisplayName,
              customerId: null,
            },
            dialedNumber: asE164(caller.dialled),
          },
          this.#context,
        );
        this.#received = true;
      } catch (error) {
        if (isDomainError(error) && error.code === 'QueueNotFound') caller.reject(404, 'queue not found');
        else {
          caller.reject(500);
          throw error;
        }
      }
    });
  }

  /** A re-offer from the caller (hold, resume): relayed to the connected agent's leg. */
  reofferFromCaller(sdp: string): Promise<string> {
    const connected = this.#connected();
    if (connected?.leg === null || connected === undefined) return Promise.reject(new ReofferRefused(488, 'no agent connected'));
    return this.#relayReoffer('caller', connected, connected.leg as OutboundLeg, sdp);
  }

  /** DTMF from either side. */
  dtmf(from: 'caller' | 'agent', digits: string): void {
    this.step(async () => {
      this.#deps.logger.debug({ callId: this.callId, from, digits }, 'dtmf received');
      await this.#tolerate(this.#deps.cc.execute('call', this.callId, { type: 'ReceiveDtmf', data: { digits, from, at: this.#deps.cc.now() } }, this.#context));
    });
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
      if (event.type === 'CallRejected') this.#rejection = (event.data as { reason: 'queue-closed' | 'queue-removed' }).reason;
      if (event.type === 'CallOffered') {
        const { offerId, agentId } = event.data as { offerId: string; agentId: string };
        if (!this.#legs.has(offerId)) await this.#ringAgent(offerId, agentId);
      }
      const { state } = await this.#deps.cc.states.calls.load(streams.call(this.callId));
      this.#reconcile(state);
    });
  }

  /** The edge is stopping: every leg ends. */
  endEverything(): void {
    for (const leg of this.#legs.values()) this.#endLeg(leg);
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
    if (registered && target !== null) this.#warnIfMediaNeedsRelay(agentId, target);
    if (target === null) {
      this.#deps.logger.warn({ callId: this.callId, agentId, externalUri: profile.externalUri }, 'agent phone cannot be reached: offer declined');
      entry.state = 'ended';
      await this.#decline(agentId);
      return;
    }
    const caller = this.caller;
    entry.leg = this.#deps.port.dial(
      target,
      {
        offer: caller.offer,
        callerUser: caller.callerUser,
        callerDisplayName: caller.callerDisplayName,
        headers: [
          ['X-CC-Call-Id', this.callId],
          ['X-CC-Offer-Id', offerId],
        ],
      },
      {
        ringing: () => this.#deps.logger.debug({ callId: this.callId, agentId }, 'agent phone ringing'),
        answered: (sdp) => this.step(() => this.#agentAnswered(entry, sdp)),
        refused: (status) => this.step(() => this.#agentRefused(entry, status)),
        ended: (why) => this.step(() => this.#agentHungUp(entry, why)),
        reoffered: (sdp) => this.#reofferFromAgent(entry, sdp),
        dtmf: (digits) => this.dtmf('agent', digits),
      },
    );
  }

  /**
   * A browser (WebSocket contact) and a plain SIP caller cannot exchange media directly: WebRTC
   * needs ICE and DTLS-SRTP. Until the rtpengine leg lands the SDP goes through as it is.
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
    const answer = await to.reoffer(sdp);
    const wasHeld = this.#holding.caller || this.#holding.agent;
    this.#holding[from] = isHoldOffer(sdp);
    const held = this.#holding.caller || this.#holding.agent;
    if (held !== wasHeld) {
      this.#deps.logger.info({ callId: this.callId, agentId: connected.agentId, by: from, held }, held ? 'call put on hold' : 'call resumed');
      this.step(async () => {
        const command = held ? ({ type: 'HoldCall', data: { agentId: connected.agentId, at: this.#deps.cc.now() } } as const) : ({ type: 'ResumeCall', data: { agentId: connected.agentId, at: this.#deps.cc.now() } } as const);
        await this.#tolerate(this.#deps.cc.execute('call', this.callId, command, this.#agentContext(connected.agentId)));
      });
    }
    return answer;
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
    entry.state = 'answering';
    try {
      await this.#deps.cc.execute('call', this.callId, { type: 'AnswerCall', data: { agentId: entry.agentId, at: this.#deps.cc.now() } }, this.#agentContext(entry.agentId));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // The offer ended meanwhile (timed out, answered elsewhere, caller gone): this 200 lost.
      this.#deps.logger.info({ callId: this.callId, agentId: entry.agentId, code: error.code }, 'agent answered too late: hung up');
      this.#endLeg(entry);
      return;
    }
    entry.state = 'connected';
    this.caller.answer(sdp as string);
  }

  async #agentRefused(entry: AgentLeg, status: number): Promise<void> {
    if (entry.state === 'ended') return;
    entry.state = 'ended';
    // 487 answers our own CANCEL; anything else is the phone (or the network) saying no.
    if (status !== 487) {
      this.#deps.logger.info({ callId: this.callId, agentId: entry.agentId, status }, 'agent phone refused the call');
      await this.#decline(entry.agentId);
    }
  }

  async #agentHungUp(entry: AgentLeg, why: LegEnd): Promise<void> {
    const wasConnected = entry.state === 'connected';
    entry.state = 'ended';
    if (!wasConnected) return;
    await this.#tolerate(this.#deps.cc.hangUp(this.callId, 'agent', entry.agentId, why === 'hung-up' ? 'agent hung up' : 'agent leg lost', this.#agentContext(entry.agentId)));
  }

  async #decline(agentId: string): Promise<void> {
    await this.#tolerate(this.#deps.cc.execute('call', this.callId, { type: 'DeclineOffer', data: { agentId, at: this.#deps.cc.now() } }, this.#agentContext(agentId)));
  }

  /** Ends what the call's state no longer implies. */
  #reconcile(call: CallState): void {
    const ringing = new Set(call.offers.map((offer) => offer.offerId));
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
    entry.state = 'ended';
    entry.leg?.end();
  }

  #finishIfDone(): void {
    if (this.#finished || !this.caller.ended) return;
    for (const entry of this.#legs.values()) if (entry.state !== 'ended') return;
    this.#finished = true;
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
