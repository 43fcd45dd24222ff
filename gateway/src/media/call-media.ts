/**
 * One call's media, as the call session needs it: which agent legs are anchored on the media port
 * and the SDP rewriting at the few points of a call (dial, answer, re-offer, end). Browser to
 * browser (a website visitor and a WebRTC agent) stays media-direct: both speak WebRTC, so the
 * descriptions go through untouched. Without a media port everything goes through untouched.
 */
import type { CoreLogger } from '@cc/core';
import type { MediaEndpointKind, MediaLeg, MediaPort, MediaSide } from './media-port.ts';
import type { CallerAnchor } from './caller-anchor.ts';

/** DTMF (or other media) asked of a call whose caller media does not pass through the media server. */
export class NoAnchoredMedia extends Error {
  readonly callId: string;

  constructor(callId: string) {
    super(`call ${callId} has no anchored media to send DTMF on (browser to browser, or media off)`);
    this.name = 'NoAnchoredMedia';
    this.callId = callId;
  }
}

/** The kind of party a SIP target is: a WebSocket contact is a browser. */
export const endpointKindOf = (target: string): MediaEndpointKind => (/;transport=wss?\b/i.test(target) ? 'webrtc' : 'sip');

export class CallMedia {
  readonly callId: string;
  readonly callerKind: MediaEndpointKind;
  readonly #port: MediaPort | null;
  readonly #logger: CoreLogger;
  /** Anchored legs by leg id. */
  readonly #legs = new Map<string, MediaLeg>();
  /**
   * Offers of an agent leg to forks of another kind than its first anchored one (a browser and a
   * desk phone of one agent ring together): rtpengine makes one description per party, so each kind
   * gets a media leg (parties) of its own, `<leg id>.<kind>`, rather than one party per fork: forks
   * of one kind can use the same offer. The answering fork's kind becomes the leg's; the others go.
   * Null: that kind was offered the caller's description as it is (media-direct).
   */
  readonly #otherKinds = new Map<string, Map<MediaEndpointKind, MediaLeg | null>>();
  #anchoredAny = false;
  #ended = false;
  readonly #anchor: CallerAnchor | null;
  /** The answer the caller got with its 183 once its media is anchored for the whole call (caller-anchor.ts), else null. */
  #early: string | null = null;
  /** What the agent side of a whole-call anchor speaks, once an agent is connected. */
  #agentKind: MediaEndpointKind = 'sip';
  /** Legs are anchored so digits can be played into them (playDtmfOnLeg). */
  readonly #injectDtmf: boolean;

  constructor(port: MediaPort | null, callId: string, callerKind: MediaEndpointKind, logger: CoreLogger, anchor: CallerAnchor | null = null, options: { injectDtmf?: boolean } = {}) {
    this.#port = port;
    this.callId = callId;
    this.callerKind = callerKind;
    this.#logger = logger;
    this.#anchor = anchor;
    this.#injectDtmf = options.injectDtmf ?? false;
  }

  /**
   * Anchors a SIP caller's media for the whole call before any agent exists: resolves with the
   * answer for a 183 (the caller then hears what `play` sends), or null when there is no anchor,
   * the caller is a browser, or the media server failed (logged; the call goes on without early media).
   */
  async answerEarly(callerOffer: string): Promise<string | null> {
    if (this.#anchor === null || this.#port === null || this.callerKind !== 'sip' || this.#ended || this.#early !== null) return null;
    try {
      this.#early = await this.#anchor.answerCaller(this.callId, callerOffer);
      this.#anchoredAny = true;
      return this.#early;
    } catch (error) {
      this.#logger.error({ callId: this.callId, err: (error as Error).message }, 'early media anchoring failed: the caller hears no ringback');
      return null;
    }
  }

  /** Whether the caller's media is anchored for the whole call (play, DTMF out work). */
  get anchoredEarly(): boolean {
    return this.#early !== null && !this.#ended;
  }

  /** Plays a file to one side, over and over, until stopPlaying; failures are logged. */
  async play(to: MediaSide, file: string): Promise<void> {
    if (this.#anchor === null || !this.anchoredEarly) return;
    await this.#anchor.play(this.callId, to, file).catch((error: unknown) => this.#logger.warn({ callId: this.callId, to, file, err: (error as Error).message }, 'play media failed'));
  }

  async stopPlaying(to: MediaSide): Promise<void> {
    if (this.#anchor === null || !this.anchoredEarly) return;
    // Nothing playing is answered with an error: not worth a warning.
    await this.#anchor.stopPlaying(this.callId, to).catch((error: unknown) => this.#logger.debug({ callId: this.callId, to, err: (error as Error).message }, 'stop media refused'));
  }

  /**
   * Blocks the caller's own audio towards every agent leg (on hold, consulting, waiting for a
   * transfer) and the agents' audio towards the caller, or lets both through again; what is played
   * to the caller still plays. Failures are
   * logged: the call goes on. Browser to browser is media-direct: nothing to block there.
   */
  async withholdCaller(withheld: boolean): Promise<void> {
    const port = this.#port;
    if (port === null || this.#ended) return;
    const failed = (error: unknown): void =>
      this.#logger.warn({ callId: this.callId, withheld, err: (error as Error).message }, withheld ? "the caller's audio could not be withheld from the agents" : "the caller's audio could not be let through again");
    if (this.#anchor !== null && this.#early !== null) {
      await (withheld ? this.#anchor.blockCaller?.(this.callId) : this.#anchor.unblockCaller?.(this.callId))?.catch(failed);
      return;
    }
    // Anchored per leg: the caller's side of each leg (only the connected one carries the caller's audio).
    for (const leg of this.#legs.values()) await (withheld ? port.blockCaller?.(leg) : port.unblockCaller?.(leg))?.catch(failed);
  }

  /** Sends RFC 4733 digits to one side; throws NoAnchoredMedia when there is no anchored media to carry them. */
  async playDtmf(to: MediaSide, digits: string): Promise<void> {
    if (this.#anchor === null || !this.anchoredEarly) throw new NoAnchoredMedia(this.callId);
    await this.#anchor.playDtmf(this.callId, to, digits);
  }

  /**
   * Sends RFC 4733 digits to one side of a leg anchored on its own (an outbound call's callee);
   * throws NoAnchoredMedia when the leg is not anchored or the media port cannot send digits.
   */
  async playDtmfOnLeg(legId: string, to: MediaSide, digits: string): Promise<void> {
    const leg = this.#legs.get(legId);
    const port = this.#port;
    if (leg === undefined || leg.injectDtmf !== true || port === null || port.playDtmf === undefined || this.#ended) throw new NoAnchoredMedia(this.callId);
    await port.playDtmf(leg, to, digits);
  }

  /** True when a leg to an agent of this kind goes through the media port. */
  anchors(agentKind: MediaEndpointKind): boolean {
    return this.#port !== null && !(this.callerKind === 'webrtc' && agentKind === 'webrtc');
  }

  /** Whether this leg's media is anchored. */
  isAnchored(legId: string): boolean {
    return this.#legs.has(legId);
  }

  /**
   * The offer to send to an agent: the caller's offer anchored for this leg, or the caller's offer
   * as it is (media-direct, no media port, or the media port failing: then the call still
   * connects, as signalling only, and the failure is logged).
   */
  async offerFor(legId: string, agentKind: MediaEndpointKind, callerOffer: string): Promise<string> {
    if (this.#port === null || !this.anchors(agentKind) || this.#ended) {
      if (this.#port !== null && !this.#ended) this.#otherKinds.set(legId, (this.#otherKinds.get(legId) ?? new Map<MediaEndpointKind, MediaLeg | null>()).set(agentKind, null));
      return callerOffer;
    }
    const first = this.#legs.get(legId);
    const mediaLegId = first === undefined || first.agent === agentKind ? legId : `${legId}.${agentKind}`;
    const leg: MediaLeg = { callId: this.callId, legId: mediaLegId, caller: this.callerKind, agent: agentKind, ...(this.#injectDtmf ? { injectDtmf: true } : {}) };
    const keep = (): void => {
      if (mediaLegId === legId) this.#legs.set(legId, leg);
      else this.#otherKinds.set(legId, (this.#otherKinds.get(legId) ?? new Map<MediaEndpointKind, MediaLeg | null>()).set(agentKind, leg));
    };
    if (this.#anchor !== null && this.#early !== null) {
      // The caller is anchored already: every agent leg is offered the far side of that one anchor.
      const offer = await this.#anchor.offerToAgent(this.callId, agentKind, callerOffer, mediaLegId);
      keep();
      return offer;
    }
    try {
      const offer = await this.#port.offerToAgent(leg, callerOffer);
      keep();
      this.#anchoredAny = true;
      return offer;
    } catch (error) {
      this.#logger.error({ callId: this.callId, legId, err: (error as Error).message }, 'media anchoring failed: the SDP goes through as it is');
      return callerOffer;
    }
  }

  /**
   * Late offer (the caller sent no SDP): the answering agent's phone offered in its 200. It is
   * anchored as an offer from the agent's side of the leg, towards the caller's kind; resolves with
   * the offer for the caller (the agent's as it is when the leg is not anchored, or the media port
   * fails: logged, the call still connects as signalling only).
   */
  async offerFromAgent(legId: string, agentKind: MediaEndpointKind, agentOffer: string): Promise<string> {
    // Without a caller offer there was no early anchoring (#early is null): each leg anchors itself.
    if (this.#port === null || !this.anchors(agentKind) || this.#ended) return agentOffer;
    const leg: MediaLeg = { callId: this.callId, legId, caller: this.callerKind, agent: agentKind, ...(this.#injectDtmf ? { injectDtmf: true } : {}) };
    try {
      const offer = await this.#port.reoffer(leg, 'agent', agentOffer);
      this.#legs.set(legId, leg);
      this.#anchoredAny = true;
      return offer;
    } catch (error) {
      this.#logger.error({ callId: this.callId, legId, err: (error as Error).message }, 'media anchoring of the agent offer failed: the SDP goes through as it is');
      return agentOffer;
    }
  }

  /** Late offer: the caller's answer (from its ACK) to the agent's anchored offer; resolves with the answer for the agent. */
  async answerFromCaller(legId: string, callerAnswer: string): Promise<string> {
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#port === null) return callerAnswer;
    return this.#port.reanswer(leg, 'agent', callerAnswer);
  }

  /**
   * One side answered an offer the gateway made it on the other side's behalf (its re-INVITE
   * without SDP got the last description again): the media server takes the new answer. Nothing
   * to relay: the other side has no offer outstanding.
   */
  async reanswerFrom(legId: string, side: MediaSide, answer: string): Promise<void> {
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#port === null) return;
    if (this.#anchor !== null && this.#early !== null) {
      await this.#anchor.reanswer(this.callId, side === 'caller' ? 'agent' : 'caller', { caller: this.callerKind, agent: this.#agentKind }, answer);
      return;
    }
    await this.#port.reanswer(leg, side === 'caller' ? 'agent' : 'caller', answer);
  }

  /** The answer to send to the caller for the agent's answer on this leg. Throws when the media port refuses it. */
  async answerFrom(legId: string, agentAnswer: string, agentKind?: MediaEndpointKind): Promise<string> {
    if (agentKind !== undefined) this.#answeredAs(legId, agentKind);
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#port === null) return agentAnswer;
    if (this.#anchor !== null && this.#early !== null) {
      const answer = await this.#anchor.answerFromAgent(this.callId, leg.agent, agentAnswer, this.#early, leg.legId);
      this.#agentKind = leg.agent;
      return answer;
    }
    return this.#port.answerFromAgent(leg, agentAnswer);
  }

  /**
   * A re-offer (hold, resume) from one side of a connected leg: anchored, sent to the other side
   * with `send`, and that side's answer anchored back.
   */
  async reoffer(legId: string, from: MediaSide, offer: string, send: (offer: string) => Promise<string>): Promise<string> {
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#port === null) return send(offer);
    if (this.#anchor !== null && this.#early !== null) {
      const kinds = { caller: this.callerKind, agent: this.#agentKind };
      const toOther = await this.#anchor.reoffer(this.callId, from, kinds, offer);
      return this.#anchor.reanswer(this.callId, from, kinds, await send(toOther));
    }
    const relayed = await this.#port.reoffer(leg, from, offer);
    const answer = await send(relayed);
    return this.#port.reanswer(leg, from, answer);
  }

  /**
   * The connected agent of leg `agentLegId` talks to another party (a consulted number) from the
   * caller's anchor, keeping its own media there (a browser's ICE and DTLS session stays): see
   * CallerAnchor.connectAgentTo. Null when the caller is not anchored for the whole call.
   */
  connectAgentTo(agentLegId: string, agentOffer: string, partyLegId: string, send: (offer: string) => Promise<string>): Promise<string> | null {
    const leg = this.#legs.get(agentLegId);
    const anchor = this.#anchor;
    if (leg === undefined || anchor?.connectAgentTo === undefined || this.#early === null || this.#ended) return null;
    return anchor.connectAgentTo(this.callId, leg.legId, leg.agent, agentOffer, partyLegId, send);
  }

  /**
   * The agent of this leg is the caller's far side again: a consulted colleague's answer made theirs
   * the anchor's agent party, so the first agent's re-offers would otherwise go out as the colleague's.
   */
  reconnectAgent(legId: string): void {
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#anchor === null || this.#early === null) return;
    this.#agentKind = leg.agent;
    this.#anchor.reconnectAgent?.(this.callId, leg.legId);
  }

  /**
   * A fork of `agentKind` answered leg `legId`: the offer made for that kind is the leg's media from
   * now on (null: media-direct), and the offers made for other kinds are released. No offer made
   * for that kind: the fork was sent the dialled one (signalling that offers every fork the same).
   */
  #answeredAs(legId: string, agentKind: MediaEndpointKind): void {
    const others = this.#otherKinds.get(legId);
    this.#otherKinds.delete(legId);
    const first = this.#legs.get(legId);
    const own = others?.get(agentKind);
    const answering = first?.agent === agentKind || own === undefined ? first : (own ?? undefined);
    for (const leg of [first, ...(others?.values() ?? [])]) if (leg !== undefined && leg !== null && leg !== answering) this.#release(leg);
    if (answering === undefined) this.#legs.delete(legId);
    else this.#legs.set(legId, answering);
  }

  /** An agent leg ended before it was connected (declined, timed out, another agent won). */
  endLeg(legId: string): void {
    for (const other of this.#otherKinds.get(legId)?.values() ?? []) if (other !== null) this.#release(other);
    this.#otherKinds.delete(legId);
    const leg = this.#legs.get(legId);
    if (leg === undefined || this.#port === null) return;
    this.#legs.delete(legId);
    this.#release(leg);
  }

  #release(leg: MediaLeg): void {
    // With the caller anchored for the whole call a leg owns no media of its own.
    if (this.#port === null || this.#early !== null) return;
    this.#port.endLeg(leg).catch((error: unknown) => this.#logger.warn({ callId: this.callId, legId: leg.legId, err: (error as Error).message }, 'media leg release failed'));
  }

  /** The call is over: all its media goes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#legs.clear();
    this.#otherKinds.clear();
    this.#anchor?.release?.(this.callId);
    if (this.#port === null || !this.#anchoredAny) return;
    this.#port.endCall(this.callId).catch((error: unknown) => this.#logger.warn({ callId: this.callId, err: (error as Error).message }, 'media release failed'));
  }
}
