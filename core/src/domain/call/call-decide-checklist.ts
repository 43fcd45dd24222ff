/** The queue's checklist on a call: the agent ticks items while on the call or wrapping it up. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { TickChecklistItem } from './call-commands.ts';
import { callName } from './call-rules.ts';
import type { CallState } from './call-state.ts';

/** Longest checklist item kept (the queue setting has the same limit). */
export const CHECKLIST_ITEM_MAX_LENGTH = 200;

export const tickChecklistItem = ({ data }: TickChecklistItem, state: CallState): CallEvent[] => {
  const item = typeof data.item === 'string' ? data.item.trim() : '';
  if (item === '' || item.length > CHECKLIST_ITEM_MAX_LENGTH) {
    throw new DomainError('InvalidInput', `${callName(state)}: a checklist item is 1 to ${CHECKLIST_ITEM_MAX_LENGTH} characters; got ${item.length}.`, { callId: state.callId });
  }
  if (typeof data.ticked !== 'boolean') {
    throw new DomainError('InvalidInput', `${callName(state)}: say whether '${item}' is ticked (true) or not (false).`, { callId: state.callId, item });
  }
  const onCall = state.status === 'connected' && state.connectedAgentId === data.agentId;
  const wrappingUp = state.wrapUps[data.agentId] !== undefined;
  if (!onCall && !wrappingUp) {
    throw new DomainError('CallNotConnected', `${callName(state)} is ${state.status} and agent ${data.agentId} is neither on it nor wrapping it up, so they cannot tick its checklist.`, {
      callId: state.callId,
      agentId: data.agentId,
      status: state.status,
    });
  }
  return [{ type: 'CallChecklistItemTicked', data: { item, ticked: data.ticked, agentId: data.agentId, at: data.at } }];
};
