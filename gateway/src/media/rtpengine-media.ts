/**
 * The media port on rtpengine's ng protocol. Each agent leg is a pair of parties in the call
 * (call-id = the core's call id): the caller's side `c.<legId>` and the agent's side `a.<legId>`.
 * A ring-all call therefore anchors the caller once per ringing phone, each with its own ports,
 * and the leg that answers is the one the caller hears. Every description going towards a browser
 * is made WebRTC (ICE, DTLS-SRTP, rtcp-mux, a=mid); every one towards a SIP party plain RTP/AVP.
 */
import type { BencodeDictionary } from './bencode.ts';
import type { MediaEndpointKind, MediaLeg, MediaPartyStats, MediaPort, MediaSide, MediaStats } from './media-port.ts';
import { isDictionary } from './bencode.ts';
import { type NgClient, NgErrorResult } from './ng-client.ts';
import { withBundleGroup, withoutZeroConnection } from './webrtc-description.ts';

/** The parties' tags of a leg in rtpengine (for play media, DTMF, recording: `from-tag`). */
export const partyTags = (legId: string): { caller: string; agent: string } => ({ caller: `c.${legId}`, agent: `a.${legId}` });

/** ng flags for a description sent in an offer towards a party of this kind. */
export const offerFlagsTowards = (kind: MediaEndpointKind): BencodeDictionary =>
  kind === 'webrtc'
    ? {
        'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force',
        // Browsers require rtcp-mux and accept no SDES keys next to DTLS.
        'rtcp-mux': ['offer', 'require'],
        SDES: ['off'],
        flags: ['trust-address', 'generate-mid'],
      }
    : {
        'transport-protocol': 'RTP/AVP',
        ICE: 'remove',
        DTLS: 'off',
        'rtcp-mux': ['demux'],
        flags: ['trust-address'],
      };

/** ng flags for a description sent in an answer towards a party of this kind. */
export const answerFlagsTowards = (kind: MediaEndpointKind): BencodeDictionary =>
  kind === 'webrtc'
    ? {
        'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force',
        // The browser offered actpass: rtpengine waits for its DTLS handshake.
        DTLS: 'passive',
        'rtcp-mux': ['accept'],
        SDES: ['off'],
        flags: ['trust-address', 'generate-mid'],
      }
    : {
        'transport-protocol': 'RTP/AVP',
        ICE: 'remove',
        DTLS: 'off',
        'rtcp-mux': ['demux'],
        flags: ['trust-address'],
      };

const other = (side: MediaSide): MediaSide => (side === 'caller' ? 'agent' : 'caller');

/** A leg's flags with `inject-DTMF` when it asks for it: rtpengine's play DTMF needs it on every offer and answer. */
const forLeg = (leg: MediaLeg, flags: BencodeDictionary): BencodeDictionary =>
  leg.injectDtmf === true ? { ...flags, flags: [...(Array.isArray(flags.flags) ? flags.flags : []), 'inject-DTMF'] } : flags;

/** A description as sent by a party of this kind, ready for rtpengine. */
const fromParty = (kind: MediaEndpointKind, sdp: string): string => (kind === 'webrtc' ? withoutZeroConnection(sdp) : sdp);

/** rtpengine's description as a party of this kind should get it (a browser's keeps its BUNDLE group). */
const toParty = (kind: MediaEndpointKind, sdp: string): string => (kind === 'webrtc' ? withBundleGroup(sdp) : sdp);

const counter = (value: unknown, key: string): number => {
  if (!isDictionary(value as never)) return 0;
  const found = (value as BencodeDictionary)[key];
  return typeof found === 'number' ? found : 0;
};

export class RtpengineMedia implements MediaPort {
  readonly client: NgClient;

  constructor(client: NgClient) {
    this.client = client;
  }

  async offerToAgent(leg: MediaLeg, callerOffer: string): Promise<string> {
    const tags = partyTags(leg.legId);
    const response = await this.client.offer({ ...forLeg(leg, offerFlagsTowards(leg.agent)), 'call-id': leg.callId, 'from-tag': tags.caller, sdp: fromParty(leg.caller, callerOffer) });
    return toParty(leg.agent, response.sdp);
  }

  async answerFromAgent(leg: MediaLeg, agentAnswer: string): Promise<string> {
    const tags = partyTags(leg.legId);
    const response = await this.client.answer({ ...forLeg(leg, answerFlagsTowards(leg.caller)), 'call-id': leg.callId, 'from-tag': tags.caller, 'to-tag': tags.agent, sdp: fromParty(leg.agent, agentAnswer) });
    return toParty(leg.caller, response.sdp);
  }

  async reoffer(leg: MediaLeg, from: MediaSide, offer: string): Promise<string> {
    const tags = partyTags(leg.legId);
    const response = await this.client.offer({ ...forLeg(leg, offerFlagsTowards(leg[other(from)])), 'call-id': leg.callId, 'from-tag': tags[from], 'to-tag': tags[other(from)], sdp: fromParty(leg[from], offer) });
    return toParty(leg[other(from)], response.sdp);
  }

  async reanswer(leg: MediaLeg, from: MediaSide, answer: string): Promise<string> {
    const tags = partyTags(leg.legId);
    const response = await this.client.answer({ ...forLeg(leg, answerFlagsTowards(leg[from])), 'call-id': leg.callId, 'from-tag': tags[from], 'to-tag': tags[other(from)], sdp: fromParty(leg[other(from)], answer) });
    return toParty(leg[from], response.sdp);
  }

  async playDtmf(leg: MediaLeg, to: MediaSide, digits: string): Promise<void> {
    // play DTMF names the party the events come from: the other side of the one who hears them.
    const from = partyTags(leg.legId)[other(to)];
    for (const digit of digits) await this.client.request('play DTMF', { 'call-id': leg.callId, 'from-tag': from, code: digit, duration: 160, pause: 100 });
  }

  async blockCaller(leg: MediaLeg): Promise<void> {
    // rtpengine blocks what it receives from the party named: the caller's towards the agent, and the agent's towards the caller.
    const tags = partyTags(leg.legId);
    await this.client.request('block media', { 'call-id': leg.callId, 'from-tag': tags.caller });
    await this.client.request('block media', { 'call-id': leg.callId, 'from-tag': tags.agent });
  }

  async unblockCaller(leg: MediaLeg): Promise<void> {
    const tags = partyTags(leg.legId);
    await this.client.request('unblock media', { 'call-id': leg.callId, 'from-tag': tags.caller });
    await this.client.request('unblock media', { 'call-id': leg.callId, 'from-tag': tags.agent });
  }

  async endLeg(leg: MediaLeg): Promise<void> {
    const tags = partyTags(leg.legId);
    await this.#deleting(() => this.client.delete({ 'call-id': leg.callId, 'from-tag': tags.caller, 'to-tag': tags.agent }));
  }

  async endCall(callId: string): Promise<void> {
    await this.#deleting(() => this.client.delete({ 'call-id': callId }));
  }

  async stats(callId: string): Promise<MediaStats> {
    const response = await this.client.query({ 'call-id': callId });
    const parties: MediaPartyStats[] = [];
    const tags = isDictionary(response.tags) ? response.tags : {};
    for (const [tag, party] of Object.entries(tags)) {
      const side: MediaSide | null = tag.startsWith('c.') ? 'caller' : tag.startsWith('a.') ? 'agent' : null;
      if (side === null || !isDictionary(party)) continue;
      let packets = 0;
      let bytes = 0;
      for (const media of Array.isArray(party.medias) ? party.medias : []) {
        if (!isDictionary(media)) continue;
        for (const stream of Array.isArray(media.streams) ? media.streams : []) {
          if (!isDictionary(stream)) continue;
          packets += counter(stream.stats, 'packets');
          bytes += counter(stream.stats, 'bytes');
        }
      }
      parties.push({ legId: tag.slice(2), side, tag, packets, bytes });
    }
    return { callId, parties };
  }

  /** A delete of what rtpengine no longer knows (timed out, deleted before) is not a failure. */
  async #deleting(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof NgErrorResult && /unknown call|call-id not found|tag not found/i.test(error.reason)) return;
      throw error;
    }
  }
}
