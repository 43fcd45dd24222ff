/**
 * What a call session needs of call recording, whichever media server records: rtpengine's pcaps
 * turned into WAV (call-recordings.ts) or FreeSWITCH's own WAV (gateway/src/fsmrf).
 */
import type { RecordedCall, StoredRecording } from './call-recordings.ts';

export interface CallRecorder {
  /** Whether a call in this queue is recorded (the queue's setting, under RECORD_CALLS). */
  wanted(queueId: string | null): Promise<boolean>;
  /** Starts recording the call's media. */
  start(call: RecordedCall): Promise<RecordingInProgress>;
}

export interface RecordingInProgress {
  /** Stops the recording (a transfer, or the end); once only. */
  stop(): Promise<void>;
  /** The call is over: stores the file and tells the core (StoreRecording); null when nothing was stored. */
  finish(): Promise<StoredRecording | null>;
}
