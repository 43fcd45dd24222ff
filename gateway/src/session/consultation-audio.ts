/**
 * Agent-to-agent audio during a consultation (attended transfer). While a1 consults a2 the caller
 * stays on hold (music on the caller's anchor); once a2's phone answered, a1's leg is moved onto
 * a2's media, and back, with late-offer re-INVITEs (RFC 3261 14.2):
 * - connect: a1 gets a re-INVITE without SDP and offers in its 200 (JsSIP does: `_receiveReinvite`;
 *   so do SIP phones); a2 gets that offer in a re-INVITE and its answer goes to a1 in the ACK. Two
 *   browsers speak WebRTC to each other, so this is media-direct. When either is a SIP phone (plain
 *   RTP) the offer and answer go through a media call of the consultation's own on the media port
 *   (`<callId>.consult.<a2's offer id>`: a1 is its `c.` side, a2 its `a.` side), which also turns
 *   WebRTC into plain RTP; without a media port such agents stay apart, as before. A browser a1 on a
 *   caller anchored for the whole call is connected to a2's party from the caller's media call
 *   instead (`connectAgentTo`), keeping its ICE and DTLS session.
 * - return (cancel, a2 declines later or hangs up): a1 offers again, and that offer goes to the
 *   caller the way any re-offer does (anchored, re-INVITE, the caller's answer back in a1's ACK).
 * - hand-over (completed): a2 offers again and the caller is re-INVITEd with it the same way.
 * The consultation's media call is released on return and hand-over.
 * An ACK must carry an answer (JsSIP ends the call otherwise): when a2 refuses the offer, a1's is
 * sent to the caller instead, so a1 is back with the caller.
 */
import type { CoreLogger } from '@cc/core';
import type { OutboundLeg } from '../signalling/signalling-port.ts';
import type { MediaLeg, MediaPort } from '../media/media-port.ts';
import { endpointKindOf } from '../media/call-media.ts';
import { consultationMediaCallId } from './external-consultation.ts';

/** An agent's answered leg, as the session knows it. */
export interface ConsultingLeg {
  readonly offerId: string;
  readonly agentId: string;
  readonly leg: OutboundLeg | null;
}

export interface ConsultationAudioDependencies {
  callId: string;
  logger: CoreLogger;
  /** Relays a leg's new offer to the caller (anchored when the call is), resolving with the answer for that leg. */
  offerToCaller(legId: string, offer: string): Promise<string>;
  /** Connects agents when either is a SIP phone; null: media off, they stay apart. */
  media: MediaPort | null;
  /** This agent's leg is the caller's far side again (the caller's anchor took a2's answer when a2 answered). */
  backWithCaller(legId: string): void;
  /**
   * The caller's media: a1's party there offers towards a2's party there (`send` re-INVITEs a2),
   * resolving with the answer for a1; null when the caller's media cannot (not anchored for the whole call).
   */
  connectAgentTo(agentLegId: string, offer: string, partyLegId: string, send: (offer: string) => Promise<string>): Promise<string> | null;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class ConsultationAudio {
  readonly #deps: ConsultationAudioDependencies;
  /** The consulted leg a1 is talking to, or null while a1 is with the caller. */
  #bridgedTo: string | null = null;
  /** The consultation's own media call while a1 and a2 are connected through the media port, else null. */
  #mediaCall: string | null = null;
  /** a1 (a browser) talks to a2 from the caller's media call instead (connectAgentTo). */
  #onCallerMedia = false;

  constructor(deps: ConsultationAudioDependencies) {
    this.#deps = deps;
  }

  /** Whether a1 was moved onto this consulted leg's media. */
  isBridgedTo(offerId: string): boolean {
    return this.#bridgedTo === offerId;
  }

  /** Can two agents' legs be connected media-direct: both browsers whose signalling can ask for an offer. */
  static canConnect(first: ConsultingLeg, consulted: ConsultingLeg): boolean {
    const legs = [first.leg, consulted.leg];
    return legs.every((leg) => leg !== null && !leg.ended && leg.requestOffer !== undefined && endpointKindOf(leg.target) === 'webrtc');
  }

  /** Can two agents' legs be connected through a media call: a1's signalling can ask for an offer and a2's leg is up. */
  static canAnchor(first: ConsultingLeg, consulted: ConsultingLeg): boolean {
    return first.leg !== null && !first.leg.ended && first.leg.requestOffer !== undefined && consulted.leg !== null && !consulted.leg.ended;
  }

  /** a2 answered: a1 is re-INVITEd onto a2's media. Failures are logged; a1 stays with (or goes back to) the caller. */
  async connect(first: ConsultingLeg, consulted: ConsultingLeg): Promise<void> {
    const { callId, logger, media } = this.#deps;
    if (!ConsultationAudio.canConnect(first, consulted)) {
      if (media !== null && ConsultationAudio.canAnchor(first, consulted)) await this.#connectThroughMedia(first, consulted, media);
      else logger.info({ callId, from: first.agentId, to: consulted.agentId }, 'consultation: agents not connected to each other (a SIP phone needs the media server, which is off)');
      return;
    }
    const firstLeg = first.leg as OutboundLeg;
    const consultedLeg = consulted.leg as OutboundLeg;
    try {
      await (firstLeg.requestOffer as NonNullable<OutboundLeg['requestOffer']>).call(firstLeg, async (offer) => {
        try {
          const answer = await consultedLeg.reoffer(offer);
          this.#bridgedTo = consulted.offerId;
          return answer;
        } catch (error) {
          logger.warn({ callId, agentId: consulted.agentId, err: errorText(error) }, 'consulted phone refused the consulting agent offer: the consulting agent stays with the caller');
          return this.#deps.offerToCaller(first.offerId, offer);
        }
      });
      if (this.#bridgedTo === consulted.offerId) logger.info({ callId, from: first.agentId, to: consulted.agentId }, 'consultation: agents connected');
    } catch (error) {
      this.#bridgedTo = null;
      logger.warn({ callId, agentId: first.agentId, err: errorText(error) }, "consultation: the consulting agent's phone could not be moved to the consulted agent");
    }
  }

  /**
   * Either agent on a SIP phone: a1's offer is anchored in the consultation's media call towards a2,
   * a2 is re-INVITEd with it, and a2's answer, anchored back, goes to a1 in its ACK.
   */
  async #connectThroughMedia(first: ConsultingLeg, consulted: ConsultingLeg, media: MediaPort): Promise<void> {
    const { callId, logger } = this.#deps;
    const firstLeg = first.leg as OutboundLeg;
    const consultedLeg = consulted.leg as OutboundLeg;
    const mediaLeg: MediaLeg = { callId: consultationMediaCallId(callId, consulted.offerId), legId: consulted.offerId, caller: endpointKindOf(firstLeg.target), agent: endpointKindOf(consultedLeg.target) };
    try {
      await (firstLeg.requestOffer as NonNullable<OutboundLeg['requestOffer']>).call(firstLeg, async (offer) => {
        try {
          // A browser a1 keeps its party on the caller's media: moved into a media call of its own it would
          // keep its DTLS session (same rtpengine certificate) while that call waits for a new handshake: no audio.
          const onCallerMedia = mediaLeg.caller === 'webrtc' ? this.#deps.connectAgentTo(first.offerId, offer, consulted.offerId, (towards) => consultedLeg.reoffer(towards)) : null;
          if (onCallerMedia !== null) {
            this.#onCallerMedia = true;
            const answer = await onCallerMedia;
            this.#bridgedTo = consulted.offerId;
            return answer;
          }
          this.#mediaCall = mediaLeg.callId;
          const towardsConsulted = await media.offerToAgent(mediaLeg, offer);
          const answer = await media.answerFromAgent(mediaLeg, await consultedLeg.reoffer(towardsConsulted));
          this.#bridgedTo = consulted.offerId;
          return answer;
        } catch (error) {
          logger.warn({ callId, agentId: consulted.agentId, err: errorText(error) }, 'consulted phone could not be connected through the media server: the consulting agent stays with the caller');
          this.#releaseMedia();
          this.#deps.backWithCaller(first.offerId);
          return this.#deps.offerToCaller(first.offerId, offer);
        }
      });
      if (this.#bridgedTo === consulted.offerId) logger.info({ callId, from: first.agentId, to: consulted.agentId, mediaCall: mediaLeg.callId }, 'consultation: agents connected through the media server');
    } catch (error) {
      this.#bridgedTo = null;
      this.#releaseMedia();
      logger.warn({ callId, agentId: first.agentId, err: errorText(error) }, "consultation: the consulting agent's phone could not be moved to the consulted agent");
    }
  }

  /** The consultation ended without a transfer: a1 goes back to the caller (who stays on hold until a1 resumes). */
  async returnFirst(consultedOfferId: string, first: ConsultingLeg | undefined): Promise<void> {
    if (this.#bridgedTo !== consultedOfferId) return;
    this.#bridgedTo = null;
    const anchored = this.#mediaCall !== null || this.#onCallerMedia;
    try {
      if (first?.leg == null || first.leg.ended) return;
      if (anchored) this.#deps.backWithCaller(first.offerId);
      await this.#toCaller(first, 'consultation over: the consulting agent is back with the caller');
    } finally {
      this.#releaseMedia();
    }
  }

  /**
   * The transfer completed: a2, talking to a1, now offers to the caller. False when a1 was never
   * moved (the caller then gets a2's answer as for a blind transfer).
   */
  async handOver(consulted: ConsultingLeg): Promise<boolean> {
    if (this.#bridgedTo !== consulted.offerId) return false;
    this.#bridgedTo = null;
    try {
      await this.#toCaller(consulted, 'consultation completed: the consulted agent is connected to the caller');
    } finally {
      this.#releaseMedia();
    }
    return true;
  }

  /** The consultation's media call, if any, goes (a1 or a2 is with the caller again, or the call ended). */
  #releaseMedia(): void {
    const { callId, logger, media } = this.#deps;
    const mediaCall = this.#mediaCall;
    this.#mediaCall = null;
    this.#onCallerMedia = false;
    if (mediaCall === null || media === null) return;
    media.endCall(mediaCall).catch((error: unknown) => logger.warn({ callId, mediaCall, err: errorText(error) }, 'consultation media release failed'));
  }

  async #toCaller(entry: ConsultingLeg, done: string): Promise<void> {
    const { callId, logger } = this.#deps;
    const leg = entry.leg as OutboundLeg;
    if (leg.requestOffer === undefined) return;
    try {
      await leg.requestOffer((offer) => this.#deps.offerToCaller(entry.offerId, offer));
      logger.info({ callId, agentId: entry.agentId }, done);
    } catch (error) {
      logger.warn({ callId, agentId: entry.agentId, err: errorText(error) }, 'consultation: the agent could not be moved back to the caller');
    }
  }
}
