/**
 * What both FreeSWITCH media ports do to one side of a call: re-offers (hold, resume), files played
 * in a loop, and DTMF sent. Every operation is an API command naming the channel's uuid, so it works
 * whether the channel is parked (early media) or bridged (uuid_broadcast plays into a bridged
 * channel, as FreeSWITCH's own music on hold does, and uuid_break returns it to the bridge).
 */
import type { MediaSide } from '../media/media-port.ts';
import type { ToneFiles } from '../media/tone-files.ts';
import { FreeSwitchEndpointError, InvalidDigits, NoFreeSwitchChannel } from './fsmrf-errors.ts';
import type { FreeSwitchCalls } from './freeswitch-calls.ts';
import { freeswitchSourceFor } from './freeswitch-files.ts';
import { reofferTowardsOther } from './reoffer-description.ts';

const other = (side: MediaSide): MediaSide => (side === 'caller' ? 'agent' : 'caller');

export interface PartyMediaOptions {
  calls: FreeSwitchCalls;
  /** The gateway's tone files (what the session names), or null: files are played as named. */
  tones: ToneFiles | null;
  /** Where FreeSWITCH sees the gateway's media folder (FREESWITCH_MEDIA_DIR); null: at the same path. */
  freeswitchMediaDir: string | null;
}

export class FreeSwitchPartyMedia {
  readonly #calls: FreeSwitchCalls;
  readonly #tones: ToneFiles | null;
  readonly #mediaDir: string | null;

  constructor(options: PartyMediaOptions) {
    this.#calls = options.calls;
    this.#tones = options.tones;
    this.#mediaDir = options.freeswitchMediaDir;
  }

  /**
   * A re-offer from `from`: FreeSWITCH answers it on that side's channel (kept until the other side
   * has answered), and the other side is re-offered its unchanged channel with the new direction.
   */
  async reoffer(callId: string, from: MediaSide, offer: string): Promise<string> {
    const channel = await this.#calls.channelOf(callId, from);
    const towards = await this.#calls.channelOf(callId, other(from));
    try {
      await channel.modify(offer);
    } catch (error) {
      throw new FreeSwitchEndpointError(callId, from, 'take the re-offer', error);
    }
    const state = this.#calls.reofferState(callId);
    state.pendingAnswer[from] = channel.local.sdp;
    const relayed = reofferTowardsOther(towards.local.sdp, offer, state.lastOffered[other(from)] ?? null);
    state.lastOffered[other(from)] = relayed;
    return relayed;
  }

  /**
   * The other side's answer to that re-offer. FreeSWITCH's channel towards it did not change, so its
   * answer changes nothing FreeSWITCH sends; resolves with FreeSWITCH's answer for `from`.
   */
  async reanswer(callId: string, from: MediaSide, _answer: string): Promise<string> {
    const state = this.#calls.reofferState(callId);
    const answer = state.pendingAnswer[from];
    if (answer === undefined) throw new NoFreeSwitchChannel(callId, `a re-offer from the ${from} awaiting its answer`);
    delete state.pendingAnswer[from];
    return answer;
  }

  /** Plays a file to one side, looped until stopPlaying (what played before stops). */
  async play(callId: string, to: MediaSide, file: string): Promise<void> {
    const channel = await this.#calls.channelOf(callId, to);
    const source = this.#tones === null ? file : freeswitchSourceFor(this.#tones, this.#mediaDir, file);
    await channel.api('uuid_break', [channel.uuid, 'all']).catch(() => undefined);
    await this.#calls.command(channel, 'uuid_broadcast', [channel.uuid, `endless_playback::${source}`, 'aleg']);
  }

  async stopPlaying(callId: string, to: MediaSide): Promise<void> {
    const channel = await this.#calls.channelOf(callId, to);
    await this.#calls.command(channel, 'uuid_break', [channel.uuid, 'all']);
  }

  /**
   * The caller's audio is silenced where FreeSWITCH reads it from the caller's channel (a media bug:
   * `mute 1` writes silence), so no bridged agent hears it; what is broadcast to the caller still plays.
   * The agent's channel gets the same, so the held caller hears no agent either (a phone that ignores
   * a=sendonly keeps sending).
   */
  async blockCaller(callId: string): Promise<void> {
    const channel = await this.#calls.channelOf(callId, 'caller');
    await this.#calls.command(channel, 'uuid_audio', [channel.uuid, 'start', 'read', 'mute', '1']);
    const agent = await this.#calls.channelOf(callId, 'agent');
    await this.#calls.command(agent, 'uuid_audio', [agent.uuid, 'start', 'read', 'mute', '1']);
  }

  /** Removes those media bugs: the caller and the agent (the one connected now) hear each other again. */
  async unblockCaller(callId: string): Promise<void> {
    const channel = await this.#calls.channelOf(callId, 'caller');
    await this.#calls.command(channel, 'uuid_audio', [channel.uuid, 'stop']);
    const agent = await this.#calls.channelOf(callId, 'agent');
    await this.#calls.command(agent, 'uuid_audio', [agent.uuid, 'stop']);
  }

  /** Sends RFC 4733 digits to one side (FreeSWITCH generates them on that side's channel). */
  async playDtmf(callId: string, to: MediaSide, digits: string): Promise<void> {
    if (!/^[0-9*#A-D]+$/i.test(digits)) throw new InvalidDigits(digits);
    const channel = await this.#calls.channelOf(callId, to);
    await this.#calls.command(channel, 'uuid_send_dtmf', [channel.uuid, digits.toUpperCase()]);
  }
}
