/** The call's recording: stored by the gateway once there was a conversation to record. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { StoreRecording } from './call-commands.ts';
import { callName } from './call-rules.ts';
import type { CallState } from './call-state.ts';

const RECORDING_FORMATS: readonly string[] = ['wav', 'pcap'];

export const storeRecording = ({ data }: StoreRecording, state: CallState): CallEvent[] => {
  if (typeof data.recordingId !== 'string' || data.recordingId.trim() === '') {
    throw new DomainError('InvalidInput', `${callName(state)}: a recording needs an id.`, { callId: state.callId });
  }
  if (!RECORDING_FORMATS.includes(data.format)) {
    throw new DomainError('InvalidInput', `${callName(state)}: recording format '${String(data.format)}' is not one of ${RECORDING_FORMATS.join(', ')}.`, { callId: state.callId, format: data.format });
  }
  if (!(Number.isFinite(data.durationSeconds) && data.durationSeconds >= 0) || !(Number.isInteger(data.bytes) && data.bytes >= 0)) {
    throw new DomainError('InvalidInput', `${callName(state)}: a recording's duration and size are non-negative numbers (got ${String(data.durationSeconds)} s, ${String(data.bytes)} bytes).`, {
      callId: state.callId,
      durationSeconds: data.durationSeconds,
      bytes: data.bytes,
    });
  }
  // Any state once answered: the gateway stores the file after the call has ended, often in wrap-up or done.
  if (state.answeredAt === null) {
    throw new DomainError('CallNotConnected', `${callName(state)} was never answered, so it has no recording to store.`, { callId: state.callId, status: state.status });
  }
  return [{ type: 'CallRecordingStored', data: { recordingId: data.recordingId, format: data.format, durationSeconds: data.durationSeconds, bytes: data.bytes, at: data.at } }];
};
