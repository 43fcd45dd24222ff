/**
 * The media port on FreeSWITCH through drachtio-fsmrf (production). One FreeSWITCH channel per
 * party: the caller's channel answers the caller's offer, each agent leg gets a channel whose
 * offer (plain RTP, or WebRTC for a browser: the mrf dialplan sets media_webrtc) goes to the phone,
 * the answering leg's channel is bridged to the caller's, the others are hung up.
 *
 * What rtpengine does that this does not:
 * - a browser's offer (visitor calling in) cannot be anchored: drachtio-fsmrf 4.1's createEndpoint
 *   refuses DTLS-SRTP offers (BrowserOfferNotAnchored), so a visitor to a SIP agent has no media;
 * - a re-offer is answered by FreeSWITCH on the re-offering side's channel, and the other side is
 *   re-offered FreeSWITCH's unchanged channel (only the direction follows): media never renegotiates end to end;
 * - stats are FreeSWITCH's RTP counters per channel (uuid_dump), not rtpengine's per stream.
 */
import type { MediaLeg, MediaPartyStats, MediaPort, MediaSide, MediaStats } from '../media/media-port.ts';
import type { ToneFiles } from '../media/tone-files.ts';
import { FsmrfCallerAnchor } from './fsmrf-caller-anchor.ts';
import { FreeSwitchCalls } from './freeswitch-calls.ts';
import { FreeSwitchDigits } from './freeswitch-digits.ts';
import { FreeSwitchPartyMedia } from './freeswitch-party-media.ts';
import type { FsMediaServer } from './fsmrf-types.ts';

export interface FsmrfMediaOptions {
  /** The gateway's tone files: ringback and hold music become FreeSWITCH's own sources. */
  tones?: ToneFiles | null;
  /** Where FreeSWITCH sees the gateway's media folder (queues' own files); null: at the same path. */
  freeswitchMediaDir?: string | null;
}

const counter = (variables: Record<string, string>, name: string): number => {
  const value = Number(variables[name]);
  return Number.isFinite(value) ? value : 0;
};

export class FsmrfMedia implements MediaPort {
  readonly server: FsMediaServer;
  readonly calls: FreeSwitchCalls;
  /** The same channels anchored once per call (early media, hold music, DTMF out). */
  readonly anchor: FsmrfCallerAnchor;
  /** Digits FreeSWITCH detects on the parties' channels. */
  readonly dtmf: FreeSwitchDigits;
  readonly #parties: FreeSwitchPartyMedia;

  constructor(server: FsMediaServer, options: FsmrfMediaOptions = {}) {
    this.server = server;
    this.calls = new FreeSwitchCalls(server);
    this.#parties = new FreeSwitchPartyMedia({ calls: this.calls, tones: options.tones ?? null, freeswitchMediaDir: options.freeswitchMediaDir ?? null });
    this.anchor = new FsmrfCallerAnchor(this.calls, this.#parties);
    this.dtmf = new FreeSwitchDigits(this.calls);
  }

  async offerToAgent(leg: MediaLeg, callerOffer: string): Promise<string> {
    await this.calls.callerChannel(leg.callId, callerOffer);
    return (await this.calls.offerChannel(leg.callId, leg.legId, leg.agent)).local.sdp;
  }

  async answerFromAgent(leg: MediaLeg, agentAnswer: string): Promise<string> {
    await this.calls.connect(leg.callId, leg.legId, agentAnswer);
    return (await this.calls.channelOf(leg.callId, 'caller')).local.sdp;
  }

  reoffer(leg: MediaLeg, from: MediaSide, offer: string): Promise<string> {
    return this.#parties.reoffer(leg.callId, from, offer);
  }

  reanswer(leg: MediaLeg, from: MediaSide, answer: string): Promise<string> {
    return this.#parties.reanswer(leg.callId, from, answer);
  }

  endLeg(leg: MediaLeg): Promise<void> {
    return this.calls.release(leg.callId, leg.legId);
  }

  endCall(callId: string): Promise<void> {
    return this.calls.releaseCall(callId);
  }

  /** FreeSWITCH's inbound RTP counters per channel (what each party sent). */
  async stats(callId: string): Promise<MediaStats> {
    const parties: MediaPartyStats[] = [];
    for (const { side, key, endpoint } of await this.calls.channels(callId)) {
      const variables = await endpoint.getChannelVariables(true);
      parties.push({ legId: key, side, tag: endpoint.uuid, packets: counter(variables, 'variable_rtp_audio_in_packet_count'), bytes: counter(variables, 'variable_rtp_audio_in_media_bytes') });
    }
    return { callId, parties };
  }

  /** Stops reporting digits and disconnects from FreeSWITCH (its channels end with their calls). */
  close(): void {
    this.dtmf.close();
    this.server.disconnect();
  }
}
