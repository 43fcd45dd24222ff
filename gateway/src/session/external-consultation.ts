/**
 * Consulting an external number (attended transfer to an E.164 number) for one call session.
 * While the caller waits on hold (music on its anchor), the edge dials the number through the
 * trunk like a blind external transfer, with the media of that leg anchored in a media call of
 * its own (`consultationMediaCallId`): the consulting agent's side `c.<consultId>` and the
 * external party `a.<consultId>`. The first offer to the trunk is made for a placeholder (the
 * gateway, on the discard port), so the agent stays with the caller while the number rings.
 * - Answered: AnswerConsultation (agentId null), then the agent's leg is re-INVITEd without SDP
 *   (RFC 3261 14.2); its offer, browser or SIP phone, becomes that media call's agent side and the
 *   external party's answer goes back in the ACK (rtpengine turns WebRTC into plain RTP). A browser
 *   agent on a caller anchored for the whole call talks to the number from the caller's media call
 *   instead (`connectAgentTo`: its DTLS session stays), and on completion the number's party there
 *   becomes the caller's far side. When the media server gives the external side new ports for
 *   that (rtpengine does when the other side's address changes) the external party is re-INVITEd
 *   with them first (RFC 3725 style).
 * - Refused (4xx-6xx), not answered in time, or hung up before completion: EndConsultation; the
 *   agent, if moved, offers again and that offer goes to the caller (back on the caller's media).
 * - Cancelled (ConsultationEnded in the core): the leg gets CANCEL or BYE, the agent goes back.
 * - Completed (CallTransferredExternally, consulted): the caller's media call gets a new leg whose
 *   far side is the consultation media call's agent side, so caller -> rtpengine -> rtpengine ->
 *   external party (re-INVITEd again if its ports moved); the caller is re-INVITEd as for a blind
 *   external transfer, and the session ends the agent's leg. A BYE from either party then ends the call as a blind external transfer's does.
 * Every callback runs through the session's steps, so it is ordered with the core's events.
 */
import { type CallState, type CommandContext, type ContactCenter, type CoreLogger, type DomainEvent, isDomainError, type RecordedEvent } from '@cc/core';
import { type InboundCall, type LegEnd, type OutboundLeg, ReofferRefused, type SignallingPort } from '../signalling/signalling-port.ts';
import type { MediaEndpointKind, MediaLeg, MediaPort } from '../media/media-port.ts';
import { endpointKindOf } from '../media/call-media.ts';
import { trunkTarget } from './call-transfer.ts';
import type { ConsultingLeg } from './consultation-audio.ts';
import { describesMedia } from './session-description.ts';

/** How long the external number may ring before the consultation is given up (a PSTN no-answer). */
export const CONSULTATION_RING_SECONDS = 60;

/** The media server's call that carries the agent <-> external party audio of one consultation. */
export const consultationMediaCallId = (callId: string, consultId: string): string => `${callId}.consult.${consultId}`;

/** What the external consultation needs from its call session. */
export interface ExternalConsultationSession {
  readonly callId: string;
  readonly caller: InboundCall;
  readonly context: CommandContext;
  step(work: () => Promise<void> | void): void;
  /** The consulting agent's connected leg (the one talking to the caller before), if any. */
  consultingAgent(): ConsultingLeg | undefined;
  /** Relays an agent leg's new offer to the caller (anchored as any re-offer), resolving with the answer for that leg. */
  offerToCaller(legId: string, offer: string): Promise<string>;
  /** The caller's media: a new leg's offer towards a party of this kind (null when the caller made no offer). */
  offerFor(legId: string, kind: MediaEndpointKind): Promise<string | null>;
  /** The caller's media: that leg's far side answered; resolves with what the caller is to get. */
  answerFrom(legId: string, sdp: string): Promise<string>;
  /**
   * The caller's media: the connected agent's party there offers towards a party of leg `partyLegId`
   * (`send` takes that offer to it), resolving with the answer for the agent; null when the caller's
   * media cannot (not anchored for the whole call).
   */
  connectAgentTo(agentLegId: string, offer: string, partyLegId: string, send: (offer: string) => Promise<string>): Promise<string> | null;
  /** The caller's media: a re-offer from the caller on that leg, sent on with `send`. */
  reofferFromCaller(legId: string, sdp: string, send: (offer: string) => Promise<string>): Promise<string>;
  legEnded(legId: string): void;
  /** Re-INVITEs the caller with this description (as a blind transfer's hand-over does). */
  bridgeCaller(sdp: string): Promise<void>;
  stopPlayingToCaller(): Promise<void>;
}

export interface ExternalConsultationDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  trunkUri: string | null;
  /** Calling number shown to the consulted number (SIP_TRANSFER_FROM); null: the caller's own. */
  transferFrom: string | null;
  /** Anchors the consultation's media; null: consulting a number is refused (failed at once). */
  media: MediaPort | null;
  ringSeconds?: number;
}

/** 'consulting': answered, talking to the agent; 'connected': handed over to the caller. */
type ConsultationLegState = 'dialling' | 'consulting' | 'connected' | 'ended';

interface ConsultationLeg {
  consultId: string;
  number: string;
  leg: OutboundLeg | null;
  state: ConsultationLegState;
  /** The consultation media call's leg: `caller` is whoever is on the agent side now. */
  media: MediaLeg;
  /** Where the media server sends the external party's media from, as first offered to it. */
  offered: string;
  /** The external party's description (its answer), reused whenever the agent side changes. */
  externalAnswer: string | null;
  /** The consulting agent's phone was moved onto the external party's media. */
  agentMoved: boolean;
  /** The external party's media moved into the caller's media call (a browser agent was connected to it there). */
  onCallerMedia: boolean;
  timer: NodeJS.Timeout | null;
}

/** The gateway's own description for the agent side before any agent is moved there: the discard port. */
const placeholderOffer = (): string =>
  ['v=0', `o=cc-gateway ${Date.now()} 1 IN IP4 127.0.0.1`, 's=contact center', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv', ''].join('\r\n');

/** The first audio stream's address and port ("ip:port"), to tell whether a description moved the media. */
const audioAddressOf = (sdp: string): string => {
  const audio = sdp.indexOf('\nm=audio ');
  const session = audio < 0 ? sdp : sdp.slice(0, audio);
  const media = audio < 0 ? '' : sdp.slice(audio);
  const address = /^c=IN IP[46] (\S+)/m.exec(media)?.[1] ?? /^c=IN IP[46] (\S+)/m.exec(session)?.[1] ?? '';
  return `${address}:${/^m=audio (\d+)/m.exec(media.trimStart())?.[1] ?? ''}`;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class ExternalConsultation {
  readonly #deps: ExternalConsultationDependencies;
  readonly #session: ExternalConsultationSession;
  #entry: ConsultationLeg | null = null;

  constructor(deps: ExternalConsultationDependencies, session: ExternalConsultationSession) {
    this.#deps = deps;
    this.#session = session;
  }

  /** No leg of this module is up. */
  get idle(): boolean {
    return this.#entry === null || this.#entry.state === 'ended';
  }

  /** The caller talks to the consulted number (the transfer completed). */
  get connected(): boolean {
    return this.#entry?.state === 'connected';
  }

  /** A core event of the call, with the call's state after it; runs before the session ends stale legs. */
  async observe(recorded: RecordedEvent, call: CallState): Promise<void> {
    const event = recorded as unknown as RecordedEvent & DomainEvent;
    if (event.type === 'ConsultationStarted' && event.data.target.kind === 'external' && call.transfer?.transferId === event.data.consultId) {
      if (this.#entry?.consultId !== event.data.consultId) await this.#dial(event.data.consultId, event.data.target.number);
    }
    const entry = this.#entry;
    if (entry === null || entry.state === 'ended') return;
    if (event.type === 'CallTransferredExternally' && event.data.transferId === entry.consultId && entry.state === 'consulting') await this.#handOver(entry);
    const ended = call.status === 'done' || call.status === 'wrap-up';
    if (entry.state === 'connected') {
      if (ended) this.#end(entry);
      return;
    }
    // Cancelled, failed, or the call ended meanwhile: the consultation is no longer the call's.
    if (call.transfer?.transferId !== entry.consultId) {
      this.#end(entry);
      if (!ended) await this.#agentBack(entry);
    }
  }

  /** A re-offer from the caller once it talks to the consulted number: anchored through both media calls. */
  reofferFromCaller(sdp: string): Promise<string> {
    const entry = this.#entry;
    if (entry?.state !== 'connected') return Promise.reject(new ReofferRefused(488, 'no consultation connected to the caller'));
    return this.#session.reofferFromCaller(entry.consultId, sdp, (offer) => (entry.onCallerMedia ? this.#reofferExternal(entry, offer) : this.#intoConsultation(entry, 'sip', offer)));
  }

  /** The edge is stopping. */
  endEverything(): void {
    if (this.#entry !== null) this.#end(this.#entry);
  }

  async #dial(consultId: string, number: string): Promise<void> {
    const { port, logger, trunkUri, transferFrom, media } = this.#deps;
    const { callId, caller } = this.#session;
    const target = trunkTarget(number, trunkUri);
    // The hand-over needs the caller's own offer (a late-offer caller has none) and anchored media for the agent <-> number audio.
    const refusal = target === null ? 'no SIP trunk configured (SIP_TRUNK_URI)' : media === null ? 'consulting a number needs the media server (RTPENGINE)' : caller.offer === null ? 'the caller made no SDP offer (late offer)' : null;
    if (refusal !== null || target === null || media === null) {
      logger.warn({ callId, consultId, number, why: refusal }, 'consultation of an external number cannot be dialled: ended as failed');
      await this.#endInCore(consultId, 'failed');
      return;
    }
    const entry: ConsultationLeg = {
      consultId,
      number,
      leg: null,
      state: 'dialling',
      media: { callId: consultationMediaCallId(callId, consultId), legId: consultId, caller: 'sip', agent: 'sip' },
      offered: '',
      externalAnswer: null,
      agentMoved: false,
      onCallerMedia: false,
      timer: null,
    };
    this.#entry = entry;
    let offer: string;
    try {
      offer = await media.offerToAgent(entry.media, placeholderOffer());
    } catch (error) {
      logger.error({ callId, consultId, err: errorText(error) }, 'media server refused to anchor the consultation of an external number: ended as failed');
      this.#end(entry);
      await this.#endInCore(consultId, 'failed');
      return;
    }
    if (entry.state !== 'dialling') return;
    entry.offered = audioAddressOf(offer);
    logger.info({ callId, consultId, target }, 'dialling the consulted external number');
    entry.leg = port.dial(
      target,
      {
        offer,
        callerUser: transferFrom ?? caller.callerUser,
        callerDisplayName: transferFrom === null ? caller.callerDisplayName : null,
        headers: [
          ['X-CC-Call-Id', callId],
          ['X-CC-Transfer-Id', consultId],
        ],
      },
      {
        ringing: () => logger.debug({ callId, consultId }, 'consulted external number ringing'),
        answered: (sdp) => this.#session.step(() => this.#answered(entry, sdp)),
        refused: (status) => this.#session.step(() => this.#refused(entry, status)),
        ended: (why) => this.#session.step(() => this.#hungUp(entry, why)),
        // Not carried: the far end changing its media mid-call (the agent side has no offer to give it now).
        reoffered: () => Promise.reject(new ReofferRefused(488, 'the contact center does not take new offers from a consulted number')),
      },
    );
    entry.timer = setTimeout(() => this.#session.step(() => this.#notAnswered(entry)), (this.#deps.ringSeconds ?? CONSULTATION_RING_SECONDS) * 1000);
  }

  async #answered(entry: ConsultationLeg, sdp: string | null): Promise<void> {
    const { cc, logger, media } = this.#deps;
    const { callId, context } = this.#session;
    if (entry.state !== 'dialling' || media === null) {
      this.#end(entry);
      return;
    }
    this.#stopTimer(entry);
    try {
      if (!describesMedia(sdp)) throw new Error('the consulted number answered without a usable SDP');
      await media.answerFromAgent(entry.media, sdp as string);
    } catch (error) {
      logger.warn({ callId, consultId: entry.consultId, err: errorText(error) }, 'consulted number answered but its media could not be anchored: hung up');
      this.#end(entry);
      await this.#endInCore(entry.consultId, 'failed');
      return;
    }
    entry.externalAnswer = sdp as string;
    try {
      await cc.execute('call', callId, { type: 'AnswerConsultation', data: { consultId: entry.consultId, agentId: null, at: cc.now() } }, context);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // The consultation ended meanwhile (cancelled, the call ended): this answer lost.
      logger.info({ callId, code: error.code }, 'consulted number answered too late: hung up');
      this.#end(entry);
      return;
    }
    entry.state = 'consulting';
    await this.#agentToConsultation(entry);
  }

  /** The consulting agent's phone offers anew (re-INVITE without SDP) and is answered from the consultation's media. */
  async #agentToConsultation(entry: ConsultationLeg): Promise<void> {
    const { logger } = this.#deps;
    const { callId } = this.#session;
    const first = this.#session.consultingAgent();
    const leg = first?.leg;
    if (first === undefined || leg == null || leg.ended || leg.requestOffer === undefined) {
      logger.warn({ callId, agentId: first?.agentId ?? null }, "consultation answered, but the consulting agent's phone cannot be moved to it (no re-INVITE without SDP)");
      return;
    }
    const kind = endpointKindOf(leg.target);
    try {
      await leg.requestOffer(async (offer) => {
        try {
          // A browser keeps its party on the caller's media: moved into a media call of its own it would
          // keep its DTLS session (same rtpengine certificate) while that call waits for a new handshake: no audio.
          const onCallerMedia = kind === 'webrtc' ? this.#session.connectAgentTo(first.offerId, offer, entry.consultId, (towardsExternal) => this.#reofferExternal(entry, towardsExternal)) : null;
          const answer = await (onCallerMedia ?? this.#intoConsultation(entry, kind, offer));
          entry.onCallerMedia = onCallerMedia !== null;
          entry.agentMoved = true;
          return answer;
        } catch (error) {
          // The ACK must carry an answer: the agent's offer goes to the caller instead, so the agent is not left without media.
          logger.warn({ callId, agentId: first.agentId, err: errorText(error) }, 'the consulting agent could not be connected to the consulted number: back with the caller');
          return this.#session.offerToCaller(first.offerId, offer);
        }
      });
      if (entry.agentMoved) logger.info({ callId, agentId: first.agentId, number: entry.number }, 'consultation: agent connected to the consulted number');
    } catch (error) {
      entry.agentMoved = false;
      logger.warn({ callId, agentId: first.agentId, err: errorText(error) }, "consultation: the consulting agent's phone refused to be moved to the consulted number");
    }
  }

  /**
   * A new agent side for the consultation's media (the agent's phone, or the caller's media call on
   * completion): its offer is anchored towards the external party and answered with that party's
   * description; the external party is re-INVITEd only when the media server moved its ports.
   * Resolves with the answer for the new agent side.
   */
  async #intoConsultation(entry: ConsultationLeg, kind: MediaEndpointKind, offer: string): Promise<string> {
    const media = this.#deps.media;
    if (media === null || entry.externalAnswer === null) throw new Error('the consulted number has no anchored media');
    entry.media.caller = kind;
    const towardsExternal = await media.reoffer(entry.media, 'caller', offer);
    if (audioAddressOf(towardsExternal) !== entry.offered) {
      if (entry.leg === null || entry.leg.ended) throw new Error('the consulted number hung up');
      entry.externalAnswer = await entry.leg.reoffer(towardsExternal);
      entry.offered = audioAddressOf(towardsExternal);
    }
    return media.reanswer(entry.media, 'caller', entry.externalAnswer);
  }

  /** The external party gets a new offer (its media moved in the media server): re-INVITEd, its answer kept and returned. */
  async #reofferExternal(entry: ConsultationLeg, offer: string): Promise<string> {
    if (entry.leg === null || entry.leg.ended) throw new Error('the consulted number hung up');
    entry.externalAnswer = await entry.leg.reoffer(offer);
    entry.offered = audioAddressOf(offer);
    return entry.externalAnswer;
  }

  /** Completed: the caller's media gets a leg towards the consultation's media, and the caller is re-INVITEd to it. */
  async #handOver(entry: ConsultationLeg): Promise<void> {
    const { cc, logger } = this.#deps;
    const { callId, context } = this.#session;
    entry.state = 'connected';
    entry.agentMoved = false;
    await this.#session.stopPlayingToCaller();
    try {
      const offer = await this.#session.offerFor(entry.consultId, 'sip');
      if (offer === null) throw new Error('the caller made no SDP offer');
      // On the caller's media already, the external party's own party there is the caller's new far side.
      const consultationSide = !entry.onCallerMedia
        ? await this.#intoConsultation(entry, 'sip', offer)
        : audioAddressOf(offer) === entry.offered && entry.externalAnswer !== null
          ? entry.externalAnswer
          : await this.#reofferExternal(entry, offer);
      await this.#session.bridgeCaller(await this.#session.answerFrom(entry.consultId, consultationSide));
      logger.info({ callId, number: entry.number }, 'consultation completed: the caller talks to the consulted number');
    } catch (error) {
      // The core has handed the caller over already: without media between them the call cannot go on.
      logger.error({ callId, number: entry.number, err: errorText(error) }, 'the caller could not be connected to the consulted number: call ended');
      this.#end(entry);
      this.#session.caller.end();
      await this.#tolerate(cc.hangUp(callId, 'system', null, 'transfer destination could not be connected', context));
    }
  }

  async #refused(entry: ConsultationLeg, status: number): Promise<void> {
    if (entry.state === 'ended') return;
    this.#end(entry);
    // 487 answers our own CANCEL: the consultation had ended already.
    if (status === 487) return;
    this.#deps.logger.info({ callId: this.#session.callId, consultId: entry.consultId, status }, 'consulted number refused: consultation failed, the agent stays with the caller');
    await this.#endInCore(entry.consultId, 'failed');
  }

  async #notAnswered(entry: ConsultationLeg): Promise<void> {
    if (entry.state !== 'dialling') return;
    this.#deps.logger.info({ callId: this.#session.callId, consultId: entry.consultId }, 'consulted number did not answer: consultation failed');
    this.#end(entry);
    await this.#endInCore(entry.consultId, 'failed');
  }

  async #hungUp(entry: ConsultationLeg, why: LegEnd): Promise<void> {
    const was = entry.state;
    this.#end(entry);
    const { cc } = this.#deps;
    const { callId, context } = this.#session;
    if (was === 'consulting') {
      await this.#endInCore(entry.consultId, 'hung-up');
      await this.#agentBack(entry);
    }
    // After the hand-over the consulted number is the call's far end: its hang-up ends the call, as for a blind external transfer.
    if (was === 'connected') await this.#tolerate(cc.hangUp(callId, 'system', null, why === 'hung-up' ? 'transfer destination hung up' : 'transfer destination leg lost', context));
  }

  /** The consultation is over without a transfer: the agent, if moved, offers again and that offer goes to the caller. */
  async #agentBack(entry: ConsultationLeg): Promise<void> {
    if (!entry.agentMoved) return;
    entry.agentMoved = false;
    const first = this.#session.consultingAgent();
    const leg = first?.leg;
    if (first === undefined || leg == null || leg.ended || leg.requestOffer === undefined) return;
    try {
      await leg.requestOffer((offer) => this.#session.offerToCaller(first.offerId, offer));
      this.#deps.logger.info({ callId: this.#session.callId, agentId: first.agentId }, 'consultation over: the consulting agent is back with the caller');
    } catch (error) {
      this.#deps.logger.warn({ callId: this.#session.callId, agentId: first.agentId, err: errorText(error) }, 'consultation over, but the agent could not be moved back to the caller');
    }
  }

  async #endInCore(consultId: string, reason: 'hung-up' | 'failed'): Promise<void> {
    const { cc } = this.#deps;
    await this.#tolerate(cc.execute('call', this.#session.callId, { type: 'EndConsultation', data: { consultId, reason, at: cc.now() } }, this.#session.context));
  }

  #stopTimer(entry: ConsultationLeg): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
  }

  #end(entry: ConsultationLeg): void {
    if (entry.state === 'ended') return;
    const handedOver = entry.state === 'connected';
    entry.state = 'ended';
    this.#stopTimer(entry);
    entry.leg?.end();
    if (handedOver) this.#session.legEnded(entry.consultId);
    this.#deps.media?.endCall(entry.media.callId).catch((error: unknown) => this.#deps.logger.warn({ callId: this.#session.callId, err: errorText(error) }, 'consultation media release failed'));
  }

  /** A refused command means the call moved on meanwhile; nothing to do. */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.#session.callId, code: error.code }, 'gateway consultation command refused: call moved on');
    }
  }
}
