/**
 * Call recording on FreeSWITCH: `uuid_record` on the caller's channel writes the whole call as one
 * WAV (the mrf dialplan sets RECORD_STEREO: the caller on the left, what the caller hears on the
 * right) to FREESWITCH_RECORDINGS_DIR/<organisationId>/<callId>.wav on FreeSWITCH's machine. That
 * folder must be the gateway's `<DATA_DIR>/recordings` too (one volume mounted on both, see
 * docker-compose.yml): once FreeSWITCH has closed the file, it is read there and the core gets
 * StoreRecording, as with rtpengine's recordings.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type ContactCenter, type CoreLogger, isDomainError, streams } from '@cc/core';
import type { CallRecorder, RecordingInProgress } from '../recording/call-recorder.ts';
import { type RecordedCall, recordingsDirOf, type StoredRecording } from '../recording/call-recordings.ts';
import { isRecorded, type RecordingPolicy } from '../recording/recording-policy.ts';
import { decodeWav } from '../recording/wav-writer.ts';
import { FreeSwitchCommandError } from './fsmrf-errors.ts';
import type { FreeSwitchCalls } from './freeswitch-calls.ts';
import type { FsEndpoint } from './fsmrf-types.ts';

export interface FreeSwitchRecordingsOptions {
  calls: FreeSwitchCalls;
  /** The platform's data directory: recordings are read from `<dataDir>/recordings`. */
  dataDir: string;
  /** The same folder as FreeSWITCH sees it (FREESWITCH_RECORDINGS_DIR). Default /recordings (freeswitch-config/vars.xml). */
  freeswitchRecordingsDir?: string;
  cc: ContactCenter;
  logger: CoreLogger;
  policy: RecordingPolicy;
  /** How long to wait for FreeSWITCH's finished file to show up. Default 10 s. */
  finishTimeoutMs?: number;
}

/** A WAV file's length, once it is complete (its RIFF size matches the file); null while it is being written. */
export const finishedWav = (file: string): { durationSeconds: number; bytes: number; frames: number } | null => {
  let contents: Buffer;
  try {
    contents = fs.readFileSync(file);
  } catch {
    return null;
  }
  if (contents.length < 12 || contents.readUInt32LE(4) + 8 !== contents.length) return null;
  try {
    const audio = decodeWav(contents);
    const frames = audio.channels[0]?.length ?? 0;
    return { durationSeconds: frames / audio.sampleRate, bytes: contents.length, frames };
  } catch {
    return null;
  }
};

/** FreeSWITCH's reply for a channel that is gone: the recording was closed with it. */
const isGone = (error: unknown): boolean => error instanceof Error && /no such channel|cannot locate session|no longer active/i.test(error instanceof FreeSwitchCommandError ? error.reply : error.message);

export class FreeSwitchRecordings implements CallRecorder {
  readonly policy: RecordingPolicy;
  readonly recordingsDir: string;
  readonly freeswitchRecordingsDir: string;
  readonly #options: FreeSwitchRecordingsOptions;

  constructor(options: FreeSwitchRecordingsOptions) {
    this.#options = options;
    this.policy = options.policy;
    this.recordingsDir = recordingsDirOf(options.dataDir);
    this.freeswitchRecordingsDir = options.freeswitchRecordingsDir ?? '/recordings';
  }

  async wanted(queueId: string | null): Promise<boolean> {
    if (this.policy !== 'queue') return isRecorded(this.policy, false);
    if (queueId === null) return false;
    const { state } = await this.#options.cc.states.queues.load(streams.queue(queueId));
    return isRecorded(this.policy, state.settings?.recordCalls);
  }

  /** Starts uuid_record on the caller's channel; throws when the call has none or FreeSWITCH refuses. */
  async start(call: RecordedCall): Promise<RecordingInProgress> {
    const { calls, logger } = this.#options;
    const channel = await calls.channelOf(call.callId, 'caller');
    const target = path.posix.join(this.freeswitchRecordingsDir, call.organisationId, `${call.callId}.wav`);
    await calls.command(channel, 'uuid_record', [channel.uuid, 'start', target]);
    logger.info({ callId: call.callId, file: target }, 'call recording started');
    return new FreeSwitchRecording(this.#options, call, channel, target, path.join(this.recordingsDir, call.organisationId, `${call.callId}.wav`));
  }
}

export class FreeSwitchRecording implements RecordingInProgress {
  readonly call: RecordedCall;
  /** Where FreeSWITCH writes, and where the gateway reads the same file. */
  readonly target: string;
  readonly file: string;
  readonly #options: FreeSwitchRecordingsOptions;
  readonly #channel: FsEndpoint;
  #stopping: Promise<void> | null = null;
  #finishing: Promise<StoredRecording | null> | null = null;

  constructor(options: FreeSwitchRecordingsOptions, call: RecordedCall, channel: FsEndpoint, target: string, file: string) {
    this.#options = options;
    this.call = call;
    this.#channel = channel;
    this.target = target;
    this.file = file;
  }

  stop(): Promise<void> {
    const { calls, logger } = this.#options;
    this.#stopping ??= calls.command(this.#channel, 'uuid_record', [this.#channel.uuid, 'stop', this.target]).then(
      () => logger.info({ callId: this.call.callId }, 'call recording stopped'),
      (error: unknown) => {
        if (!isGone(error)) logger.warn({ callId: this.call.callId, err: (error as Error).message }, 'stop recording failed');
      },
    );
    return this.#stopping;
  }

  finish(): Promise<StoredRecording | null> {
    this.#finishing ??= this.#finish().catch((error: unknown) => {
      this.#options.logger.error({ callId: this.call.callId, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'call recording could not be stored');
      return null;
    });
    return this.#finishing;
  }

  async #finish(): Promise<StoredRecording | null> {
    await this.stop();
    const { cc, logger } = this.#options;
    const { callId } = this.call;
    const wav = await this.#finished();
    if (wav === null) {
      logger.warn({ callId, freeswitchFile: this.target, file: this.file }, 'FreeSWITCH recording not found complete where the gateway reads it: mount FREESWITCH_RECORDINGS_DIR on DATA_DIR/recordings');
      return null;
    }
    if (wav.frames === 0) {
      logger.info({ callId }, 'the call recording holds no audio: nothing stored');
      fs.rmSync(this.file, { force: true });
      return null;
    }
    const durationSeconds = Math.round(wav.durationSeconds * 1000) / 1000;
    const stored: StoredRecording = { recordingId: randomUUID(), format: 'wav', file: this.file, durationSeconds, bytes: wav.bytes };
    try {
      await cc.execute('call', callId, { type: 'StoreRecording', data: { recordingId: stored.recordingId, format: 'wav', durationSeconds, bytes: stored.bytes, at: cc.now() } }, this.call.context);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      logger.warn({ callId, code: error.code, file: stored.file }, 'the core refused the recording: the file stays, unlinked');
    }
    logger.info({ callId, format: 'wav', durationSeconds, bytes: stored.bytes }, 'call recording stored');
    return stored;
  }

  /** Waits for FreeSWITCH's file to be complete where the gateway reads it. */
  async #finished(): Promise<ReturnType<typeof finishedWav>> {
    const deadline = Date.now() + (this.#options.finishTimeoutMs ?? 10_000);
    for (;;) {
      const wav = finishedWav(this.file);
      if (wav !== null || Date.now() > deadline) return wav;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
