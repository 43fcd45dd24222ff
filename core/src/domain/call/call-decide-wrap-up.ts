/** After-call work: extend, complete, and the wrap-up end timer. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { CompleteWrapUp, EndWrapUp, ExtendWrapUp } from './call-commands.ts';
import { addSeconds, callName, isAtOrAfter, requireSeconds } from './call-rules.ts';
import type { CallState } from './call-state.ts';

export const MAX_NOTES_LENGTH = 5000;
export const MAX_EXTENSION_SECONDS = 600;

const requireWrapUp = (state: CallState, agentId: string, action: string): { endsAt: string } => {
  const wrapUp = state.wrapUps[agentId];
  if (wrapUp === undefined) {
    const pending = Object.keys(state.wrapUps);
    const who = pending.length === 0 ? 'nobody is' : `only ${pending.join(', ')} ${pending.length === 1 ? 'is' : 'are'}`;
    throw new DomainError(
      'NotInWrapUp',
      `Agent ${agentId} is not wrapping up ${callName(state)} (${state.status}; ${who} wrapping it up), so they cannot ${action}.`,
      { callId: state.callId, status: state.status, agentId },
    );
  }
  return wrapUp;
};

export const extendWrapUp = ({ data }: ExtendWrapUp, state: CallState): CallEvent[] => {
  requireSeconds(data.seconds, 'seconds', 1, MAX_EXTENSION_SECONDS);
  const wrapUp = requireWrapUp(state, data.agentId, 'extend the wrap-up');
  return [
    { type: 'WrapUpExtended', data: { agentId: data.agentId, bySeconds: data.seconds, endsAt: addSeconds(wrapUp.endsAt, data.seconds), at: data.at } },
  ];
};

export const completeWrapUp = ({ data }: CompleteWrapUp, state: CallState): CallEvent[] => {
  if (data.notes !== null && data.notes.length > MAX_NOTES_LENGTH) {
    throw new DomainError('InvalidInput', `Wrap-up notes may have at most ${MAX_NOTES_LENGTH} characters, got ${data.notes.length}.`, {
      callId: state.callId,
      length: data.notes.length,
    });
  }
  if (data.rating !== null && (!Number.isInteger(data.rating) || data.rating < 1 || data.rating > 5)) {
    throw new DomainError('InvalidRating', `A rating is a whole number from 1 to 5, got ${String(data.rating)}.`, {
      callId: state.callId,
      rating: data.rating,
    });
  }
  if (data.conversationStatus !== 'closed' && data.conversationStatus !== 'open') {
    throw new DomainError('InvalidInput', `Conversation status must be 'closed' or 'open', got '${String(data.conversationStatus)}'.`, {
      callId: state.callId,
    });
  }
  requireWrapUp(state, data.agentId, 'complete the wrap-up');
  return [
    {
      type: 'WrapUpCompleted',
      data: {
        agentId: data.agentId,
        notes: data.notes,
        rating: data.rating,
        conversationStatus: data.conversationStatus,
        endedBy: 'agent',
        at: data.at,
      },
    },
  ];
};

export const endWrapUp = ({ data }: EndWrapUp, state: CallState): CallEvent[] => {
  const wrapUp = state.wrapUps[data.agentId];
  // Completed already, or extended past this timer: stale.
  if (wrapUp === undefined || !isAtOrAfter(data.at, wrapUp.endsAt)) return [];
  return [
    { type: 'WrapUpCompleted', data: { agentId: data.agentId, notes: null, rating: null, conversationStatus: 'closed', endedBy: 'timer', at: data.at } },
  ];
};
