/**
 * Recording calls on the media anchor (rtpengine, `--recording-method=pcap`): `start recording`
 * when the call connects, `stop recording` at a transfer (a call is recorded up to its transfer),
 * and when the call is over its pcap becomes `<DATA_DIR>/recordings/<organisationId>/<callId>.wav`
 * (or `.pcap` when its codec cannot be decoded here) and the core gets StoreRecording.
 *
 * rtpengine writes into the spool `<DATA_DIR>/recordings/spool`: the pcap under `pcaps/`, and once
 * the recording is finished (stopped, or the call deleted) a metadata file under `metadata/` whose
 * first line is the pcap's path. That metadata file is the signal that the pcap is complete.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type CommandContext, type ContactCenter, type CoreLogger, isDomainError, streams } from '@cc/core';
import { renderRecording } from './pcap-to-wav.ts';
import { isRecorded, type RecordingPolicy } from './recording-policy.ts';

/** The part of the ng client recording needs (NgClient has it). */
export interface RecordingControl {
  request(command: string, params: Record<string, string>): Promise<unknown>;
}

export interface CallRecordingsOptions {
  control: RecordingControl;
  /** The platform's data directory: recordings go to `<dataDir>/recordings`. */
  dataDir: string;
  cc: ContactCenter;
  logger: CoreLogger;
  policy: RecordingPolicy;
  /** How long to wait for rtpengine to finish a pcap. Default 10 s. */
  finishTimeoutMs?: number;
}

/** What the gateway knows of a call when its recording starts. */
export interface RecordedCall {
  callId: string;
  organisationId: string;
  context: CommandContext;
  /** The caller's own offer: where its RTP comes from (unless behind NAT). */
  callerOffer: string | null;
  /** The SDP the caller was answered with: the anchor's port facing the caller, where its RTP goes. */
  callerAnswer: string | null;
}

export interface StoredRecording {
  recordingId: string;
  format: 'wav' | 'pcap';
  file: string;
  durationSeconds: number;
  bytes: number;
}

interface SdpTransform {
  parse(sdp: string): { connection?: { ip: string }; media?: Array<{ type: string; port: number; connection?: { ip: string } }> };
}
const require = createRequire(import.meta.url);
const sdpTransform = require('sdp-transform') as SdpTransform;

/** The audio stream's address and port in a description, or null. */
const audioEndpointOf = (sdp: string | null): { ip: string | null; port: number } | null => {
  if (sdp === null) return null;
  try {
    const parsed = sdpTransform.parse(sdp);
    const audio = parsed.media?.find((media) => media.type === 'audio');
    return audio === undefined ? null : { ip: audio.connection?.ip ?? parsed.connection?.ip ?? null, port: audio.port };
  } catch {
    return null;
  }
};

/** Tells the caller's RTP stream by where it was sent (the anchor's caller-facing port) or where it came from (the caller's offer). */
export const callerStreamTest = (call: Pick<RecordedCall, 'callerOffer' | 'callerAnswer'>): ((stream: { source: string; destination: string }) => boolean) | null => {
  const anchorPort = audioEndpointOf(call.callerAnswer)?.port ?? null;
  const offered = audioEndpointOf(call.callerOffer);
  const callerSource = offered?.ip == null ? null : `${offered.ip}:${offered.port}`;
  if (anchorPort === null && callerSource === null) return null;
  return (stream) => (anchorPort !== null && stream.destination.endsWith(`:${anchorPort}`)) || stream.source === callerSource;
};

/** `<dataDir>/recordings`, where the WAV files are. */
export const recordingsDirOf = (dataDir: string): string => path.join(dataDir, 'recordings');
/** rtpengine's --recording-dir. */
export const recordingSpoolOf = (dataDir: string): string => path.join(recordingsDirOf(dataDir), 'spool');

/** rtpengine answers an ng command for a call it has already deleted with this. */
const isGone = (error: unknown): boolean => error instanceof Error && /unknown call|call-id not found/i.test(error.message);

export class CallRecordings {
  readonly recordingsDir: string;
  readonly spoolDir: string;
  readonly policy: RecordingPolicy;
  readonly #options: CallRecordingsOptions;

  constructor(options: CallRecordingsOptions) {
    this.#options = options;
    this.policy = options.policy;
    this.recordingsDir = recordingsDirOf(options.dataDir);
    this.spoolDir = recordingSpoolOf(options.dataDir);
  }

  /** Whether a call in this queue is recorded (the queue's setting, under RECORD_CALLS). */
  async wanted(queueId: string | null): Promise<boolean> {
    if (this.policy !== 'queue') return isRecorded(this.policy, false);
    if (queueId === null) return false;
    const { state } = await this.#options.cc.states.queues.load(streams.queue(queueId));
    return isRecorded(this.policy, state.settings?.recordCalls);
  }

  /** Starts recording the call's media on the anchor. */
  async start(call: RecordedCall): Promise<CallRecording> {
    await this.#options.control.request('start recording', { 'call-id': call.callId });
    this.#options.logger.info({ callId: call.callId }, 'call recording started');
    return new CallRecording(this.#options, this, call);
  }
}

export class CallRecording {
  readonly call: RecordedCall;
  readonly #options: CallRecordingsOptions;
  readonly #recordings: CallRecordings;
  #stopping: Promise<void> | null = null;
  #finishing: Promise<StoredRecording | null> | null = null;

  constructor(options: CallRecordingsOptions, recordings: CallRecordings, call: RecordedCall) {
    this.#options = options;
    this.#recordings = recordings;
    this.call = call;
  }

  /** Stops the recording (a transfer, or the end); once only. */
  stop(): Promise<void> {
    this.#stopping ??= this.#options.control.request('stop recording', { 'call-id': this.call.callId }).then(
      () => this.#options.logger.info({ callId: this.call.callId }, 'call recording stopped'),
      (error: unknown) => {
        // Deleted first (the call ended): rtpengine finished the recording with the call.
        if (!isGone(error)) this.#options.logger.warn({ callId: this.call.callId, err: (error as Error).message }, 'stop recording failed');
      },
    );
    return this.#stopping;
  }

  /**
   * The call is over: stop, wait for rtpengine to finish the pcap, store the WAV (or the pcap) and
   * tell the core. Resolves with what was stored, or null (nothing recorded, or it failed: logged).
   */
  finish(): Promise<StoredRecording | null> {
    this.#finishing ??= this.#finish().catch((error: unknown) => {
      this.#options.logger.error({ callId: this.call.callId, err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'call recording could not be stored');
      return null;
    });
    return this.#finishing;
  }

  async #finish(): Promise<StoredRecording | null> {
    await this.stop();
    const { callId, organisationId } = this.call;
    const metadataFiles = await this.#finishedMetadata();
    if (metadataFiles.length === 0) {
      this.#options.logger.warn({ callId }, 'rtpengine wrote no finished recording for the call');
      return null;
    }
    const pcapFiles = metadataFiles.map((file) => fs.readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '').filter((file) => file !== '' && fs.existsSync(file));
    const spoolFiles = [...metadataFiles, ...pcapFiles];
    const isCaller = callerStreamTest(this.call);
    const rendered = renderRecording(
      pcapFiles.map((file) => fs.readFileSync(file)),
      isCaller === null ? {} : { isCaller },
    );
    const folder = path.join(this.#recordings.recordingsDir, organisationId);
    fs.mkdirSync(folder, { recursive: true });
    let stored: StoredRecording;
    if (rendered.kind === 'no-audio') {
      this.#options.logger.info({ callId }, 'the call recording holds no audio: nothing stored');
      removeAll(spoolFiles);
      return null;
    }
    if (rendered.kind === 'wav') {
      const file = path.join(folder, `${callId}.wav`);
      writeAtomically(file, rendered.wav);
      stored = { recordingId: randomUUID(), format: 'wav', file, durationSeconds: rendered.durationSeconds, bytes: rendered.wav.length };
      removeAll(spoolFiles);
    } else {
      // Not decodable here (Opus...): the captured media is kept as it is, for offline tools.
      const file = path.join(folder, `${callId}.pcap`);
      const first = pcapFiles[0] as string;
      fs.copyFileSync(first, file);
      stored = { recordingId: randomUUID(), format: 'pcap', file, durationSeconds: rendered.durationSeconds, bytes: fs.statSync(file).size };
      this.#options.logger.warn({ callId, payloadTypes: rendered.payloadTypes, file }, 'recording codec not decodable: the pcap is kept and no WAV is available');
      removeAll(spoolFiles);
    }
    const { cc } = this.#options;
    const durationSeconds = Math.round(stored.durationSeconds * 1000) / 1000;
    try {
      await cc.execute('call', callId, { type: 'StoreRecording', data: { recordingId: stored.recordingId, format: stored.format, durationSeconds, bytes: stored.bytes, at: cc.now() } }, this.call.context);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#options.logger.warn({ callId, code: error.code, file: stored.file }, 'the core refused the recording: the file stays, unlinked');
    }
    this.#options.logger.info({ callId, format: stored.format, durationSeconds, bytes: stored.bytes }, 'call recording stored');
    return { ...stored, durationSeconds };
  }

  /** The metadata files rtpengine moved to `metadata/` for this call (waits for them). */
  async #finishedMetadata(): Promise<string[]> {
    const folder = path.join(this.#recordings.spoolDir, 'metadata');
    const prefix = `rtpengine-meta-${this.call.callId}-`;
    const deadline = Date.now() + (this.#options.finishTimeoutMs ?? 10_000);
    for (;;) {
      const found = fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.startsWith(prefix)) : [];
      if (found.length > 0 || Date.now() > deadline) return found.sort().map((name) => path.join(folder, name));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const writeAtomically = (file: string, contents: Buffer): void => {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
};

const removeAll = (files: readonly string[]): void => {
  for (const file of files) fs.rmSync(file, { force: true });
};
