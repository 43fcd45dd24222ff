/** A call arrives and waits: ReceiveCall and the max-wait timer (ExpireWait). */
import type { CallEvent, CallQueued } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { ExpireWait, QueueSnapshot, ReceiveCall } from './call-commands.ts';
import { addSeconds, isAtOrAfter, isE164 } from './call-rules.ts';
import type { CallState } from './call-state.ts';

/** Joins `queue` with place in line `queuedAt`; the max wait counts from `at` (arrival in this queue). */
export const queuedIn = (queue: QueueSnapshot, queuedAt: string, at: string, priorityBoost = 0): CallQueued => ({
  type: 'CallQueued',
  data: {
    queueId: queue.queueId,
    priority: queue.settings.priority + priorityBoost,
    queuedAt,
    maxWaitUntil: queue.settings.maxWaitSeconds === null ? null : addSeconds(at, queue.settings.maxWaitSeconds),
    at,
  },
});

export const receiveCall = ({ data }: ReceiveCall, state: CallState): CallEvent[] => {
  if (state.status !== 'none') {
    throw new DomainError('CallAlreadyExists', `Call ${data.callId} was already received (it is ${state.status}).`, {
      callId: data.callId,
      status: state.status,
    });
  }
  if (data.callId.length === 0 || data.organisationId.length === 0 || data.queue.queueId.length === 0) {
    throw new DomainError('InvalidInput', 'ReceiveCall needs a call id, an organisation id and a queue id.', {
      callId: data.callId,
      organisationId: data.organisationId,
      queueId: data.queue.queueId,
    });
  }
  if (data.caller.number !== null && !isE164(data.caller.number)) {
    throw new DomainError(
      'InvalidPhoneNumber',
      `Call ${data.callId}: caller number '${data.caller.number}' is not an E.164 number such as +3225551234.`,
      { callId: data.callId, number: data.caller.number },
    );
  }
  const priorityBoost = data.priorityBoost ?? 0;
  if (!Number.isFinite(priorityBoost)) {
    throw new DomainError('InvalidInput', `Call ${data.callId}: priority boost must be a number, got ${String(priorityBoost)}.`, {
      callId: data.callId,
      priorityBoost,
    });
  }
  const received: CallEvent = {
    type: 'CallReceived',
    data: {
      callId: data.callId,
      organisationId: data.organisationId,
      queueId: data.queue.queueId,
      channel: data.channel,
      caller: data.caller,
      dialedNumber: data.dialedNumber,
      media: data.media,
      at: data.at,
    },
  };
  if (!data.queue.open) return [received, { type: 'CallRejected', data: { reason: 'queue-closed', at: data.at } }];
  return [received, queuedIn(data.queue, data.at, data.at, priorityBoost)];
};

export const expireWait = ({ data }: ExpireWait, state: CallState): CallEvent[] => {
  // Ringing: the router re-arms the timer if the offer fails. Anything else: the timer is stale.
  if (state.status !== 'waiting' || state.maxWaitUntil === null || !isAtOrAfter(data.at, state.maxWaitUntil)) return [];
  const queueId = state.queueId ?? '';
  const overflow = data.overflowQueue;
  // Overflowing into the same queue would expire again and again: treat it as no overflow.
  const canOverflow = overflow !== null && overflow.open && overflow.queueId !== queueId;
  if (!canOverflow) return [{ type: 'CallWaitExpired', data: { queueId, overflowQueueId: null, at: data.at } }];
  return [
    { type: 'CallWaitExpired', data: { queueId, overflowQueueId: overflow.queueId, at: data.at } },
    queuedIn(overflow, state.queuedAt ?? data.at, data.at),
  ];
};
