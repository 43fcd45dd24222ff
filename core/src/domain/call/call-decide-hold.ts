/** Hold and resume: only the connected agent may do either. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { HoldCall, ResumeCall } from './call-commands.ts';
import { requireNoConsultation } from './call-decide-consultation.ts';
import { callName, requireConnectedAgent } from './call-rules.ts';
import type { CallState } from './call-state.ts';

export const holdCall = ({ data }: HoldCall, state: CallState): CallEvent[] => {
  requireConnectedAgent(state, data.agentId, 'put the call on hold');
  if (state.onHold) {
    throw new DomainError('CallAlreadyOnHold', `${callName(state)} is already on hold by agent ${data.agentId}.`, {
      callId: state.callId,
      agentId: data.agentId,
    });
  }
  return [{ type: 'CallHeld', data: { agentId: data.agentId, at: data.at } }];
};

export const resumeCall = ({ data }: ResumeCall, state: CallState): CallEvent[] => {
  requireConnectedAgent(state, data.agentId, 'resume the call');
  requireNoConsultation(state, data.agentId, 'resume the caller');
  if (!state.onHold) {
    throw new DomainError('CallNotOnHold', `${callName(state)} is not on hold, so agent ${data.agentId} cannot resume it.`, {
      callId: state.callId,
      agentId: data.agentId,
    });
  }
  return [{ type: 'CallResumed', data: { agentId: data.agentId, at: data.at } }];
};
