import { DomainError } from '../errors.ts';
import type { AgentProfile, AgentStatus, AgentStatusChanged } from '../../events/agent-events.ts';
import type { AgentState } from './state.ts';

export type LiveAgent = AgentState & { agentId: string; profile: AgentProfile };

export const agentNotFound = (state: AgentState): DomainError =>
  state.removed
    ? new DomainError('AgentNotFound', `Agent ${state.agentId ?? ''} was removed.`, { agentId: state.agentId, removed: true })
    : new DomainError('AgentNotFound', 'This agent is not registered; register it first.');

/** A registered agent that was not removed, or AgentNotFound. */
export const requireLiveAgent = (state: AgentState): LiveAgent => {
  if (!state.exists || state.removed || state.agentId === null || state.profile === null) throw agentNotFound(state);
  return { ...state, agentId: state.agentId, profile: state.profile };
};

export const statusChanged = (state: AgentState, status: AgentStatus, reason: string | null, at: string): AgentStatusChanged => ({
  type: 'AgentStatusChanged',
  data: { status, reason, previousStatus: state.status, at },
});

/** The platform sets an agent Offline (disabled, locked, too many missed offers); nothing when already Offline. */
export const forceOffline = (state: AgentState, reason: string, at: string): AgentStatusChanged[] =>
  state.status === 'offline' ? [] : [statusChanged(state, 'offline', reason, at)];
