/**
 * The caller anchored once per call on FreeSWITCH (early media, music on hold, DTMF both ways):
 * the caller's channel answers the caller's offer before any agent exists, so the 183 and the 200
 * carry the same answer. Agent phones are offered one FreeSWITCH channel per kind of phone
 * (ring-all phones of one kind share it, as they share rtpengine's far side); the first answer is
 * bridged to the caller, and a later transfer's answer gets a fresh channel and replaces it.
 */
import type { CallerAnchor } from '../media/caller-anchor.ts';
import type { MediaEndpointKind, MediaSide } from '../media/media-port.ts';
import type { FreeSwitchCalls } from './freeswitch-calls.ts';
import type { FreeSwitchPartyMedia } from './freeswitch-party-media.ts';

/** The key of the agent channel offered to phones of one kind. */
const anchorKey = (kind: MediaEndpointKind): string => `anchor:${kind}`;

export class FsmrfCallerAnchor implements CallerAnchor {
  readonly #calls: FreeSwitchCalls;
  readonly #parties: FreeSwitchPartyMedia;

  constructor(calls: FreeSwitchCalls, parties: FreeSwitchPartyMedia) {
    this.#calls = calls;
    this.#parties = parties;
  }

  async answerCaller(callId: string, callerOffer: string): Promise<string> {
    return (await this.#calls.callerChannel(callId, callerOffer)).local.sdp;
  }

  async offerToAgent(callId: string, agentKind: MediaEndpointKind, callerOffer: string): Promise<string> {
    await this.#calls.callerChannel(callId, callerOffer);
    return (await this.#calls.offerChannel(callId, anchorKey(agentKind), agentKind)).local.sdp;
  }

  /** The caller keeps the channel it was answered with: its answer stays the early one. */
  async answerFromAgent(callId: string, agentKind: MediaEndpointKind, agentAnswer: string, earlyAnswer: string): Promise<string> {
    await this.#calls.connect(callId, anchorKey(agentKind), agentAnswer);
    return earlyAnswer;
  }

  /** FreeSWITCH writes each channel's description in the flavour of its party already: `kinds` is not needed. */
  reoffer(callId: string, from: MediaSide, _kinds: Record<MediaSide, MediaEndpointKind>, offer: string): Promise<string> {
    return this.#parties.reoffer(callId, from, offer);
  }

  reanswer(callId: string, from: MediaSide, _kinds: Record<MediaSide, MediaEndpointKind>, answer: string): Promise<string> {
    return this.#parties.reanswer(callId, from, answer);
  }

  play(callId: string, to: MediaSide, file: string): Promise<void> {
    return this.#parties.play(callId, to, file);
  }

  stopPlaying(callId: string, to: MediaSide): Promise<void> {
    return this.#parties.stopPlaying(callId, to);
  }

  playDtmf(callId: string, to: MediaSide, digits: string): Promise<void> {
    return this.#parties.playDtmf(callId, to, digits);
  }

  blockCaller(callId: string): Promise<void> {
    return this.#parties.blockCaller(callId);
  }

  unblockCaller(callId: string): Promise<void> {
    return this.#parties.unblockCaller(callId);
  }
}
