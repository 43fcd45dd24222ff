/**
 * Which calls are recorded: RECORD_CALLS=all records every anchored call of every queue; unset (or
 * `queue`) follows each queue's `recordCalls` setting; `off` records nothing, whatever the queues say.
 */
export type RecordingPolicy = 'all' | 'queue' | 'off';

export class RecordingPolicyError extends Error {
  constructor(value: string) {
    super(`RECORD_CALLS: '${value}' is not 'all', 'queue' or 'off'`);
    this.name = 'RecordingPolicyError';
  }
}

export const parseRecordingPolicy = (value: string | undefined): RecordingPolicy => {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'queue') return 'queue';
  if (text === 'all' || text === 'off') return text;
  throw new RecordingPolicyError(value ?? '');
};

/** Whether a call of a queue with this `recordCalls` setting is recorded under the policy. */
export const isRecorded = (policy: RecordingPolicy, queueRecordsCalls: boolean | undefined): boolean =>
  policy === 'all' || (policy === 'queue' && queueRecordsCalls === true);
