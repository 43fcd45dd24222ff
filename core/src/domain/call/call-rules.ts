/** Small rules shared by the call's decide functions: time arithmetic, input checks, guards, wrap-up start. */
import type { CallEvent, TransferTarget } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { CallState } from './call-state.ts';

export { isE164 } from '../validation.ts';

/** `at` plus whole or fractional seconds, as ISO-8601 UTC. */
export const addSeconds = (at: string, seconds: number): string => new Date(Date.parse(at) + seconds * 1000).toISOString();

/** `at` is the same instant as `moment` or later (compared as instants, not strings: offsets may differ). */
export const isAtOrAfter = (at: string, moment: string): boolean => Date.parse(at) >= Date.parse(moment);

export const requireValidTime = (at: string, commandType: string): void => {
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) {
    throw new DomainError('InvalidInput', `${commandType} needs 'at' as an ISO-8601 time, got '${String(at)}'.`, { at });
  }
};

/** A duration in whole seconds within [min, max]. */
export const requireSeconds = (seconds: number, field: string, min: number, max: number): void => {
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new DomainError('InvalidInput', `${field} must be a whole number of seconds from ${min} to ${max}, got ${String(seconds)}.`, {
      field,
      seconds,
    });
  }
};

/** One day: longer than any sensible ring, wrap-up or wait, short enough to catch unit mistakes (ms for s). */
export const MAX_TIMER_SECONDS = 86_400;

export const callName = (state: CallState): string => `Call ${state.callId ?? '(unknown)'}`;

/** Every command but ReceiveCall needs a received call. */
export const requireCall = (state: CallState, commandType: string): void => {
  if (state.status === 'none') {
    throw new DomainError('CallNotFound', `No call has been received on this stream, so ${commandType} cannot be handled.`, {
      status: state.status,
    });
  }
};

export const describeTarget = (target: TransferTarget): string =>
  target.kind === 'agent' ? `agent ${target.agentId}` : target.kind === 'queue' ? `queue ${target.queueId}` : `number ${target.number}`;

/** One transfer or consultation at a time. */
export const requireNoTransfer = (state: CallState): void => {
  const transfer = state.transfer;
  if (transfer === null) return;
  const what = transfer.consultation === undefined ? `transfer ${transfer.transferId} to` : `consultation ${transfer.transferId} with`;
  throw new DomainError('TransferInProgress', `${callName(state)} already has ${what} ${describeTarget(transfer.target)} in progress.`, {
    callId: state.callId,
    transferId: transfer.transferId,
  });
};

/** The call is connected and `agentId` is the agent on it. */
export const requireConnectedAgent = (state: CallState, agentId: string, action: string): string => {
  if (state.status !== 'connected' || state.connectedAgentId === null) {
    throw new DomainError('CallNotConnected', `${callName(state)} is ${state.status}, so agent ${agentId} cannot ${action}; it must be connected.`, {
      callId: state.callId,
      status: state.status,
      agentId,
    });
  }
  if (state.connectedAgentId !== agentId) {
    throw new DomainError(
      'NotCallAgent',
      `Agent ${agentId} cannot ${action}: ${callName(state)} is connected to agent ${state.connectedAgentId}.`,
      { callId: state.callId, agentId, connectedAgentId: state.connectedAgentId },
    );
  }
  return agentId;
};

/**
 * Starts an agent's wrap-up. Zero seconds means no wrap-up: it completes at once, so the agent is
 * released by the same append and every wrap-up still has a start and an end in the log.
 */
export const startWrapUp = (agentId: string, wrapUpSeconds: number, at: string): CallEvent[] => {
  const started: CallEvent = { type: 'WrapUpStarted', data: { agentId, endsAt: addSeconds(at, wrapUpSeconds), at } };
  if (wrapUpSeconds > 0) return [started];
  return [
    started,
    { type: 'WrapUpCompleted', data: { agentId, notes: null, rating: null, conversationStatus: 'closed', endedBy: 'system', at } },
  ];
};
