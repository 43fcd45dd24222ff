import type { Decider } from '../decider.ts';
import type { AgentEvent } from '../../events/agent-events.ts';
import type { AgentCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolve, initialState, type AgentState } from './state.ts';

export type * from './commands.ts';
export { decide } from './decide.ts';
export { evolve, initialState, type AgentState, type QueueMembership, type Reservation } from './state.ts';
export { validateAgentProfile } from './profile-validation.ts';

export const agentDecider: Decider<AgentCommand, AgentEvent, AgentState> = { decide, evolve, initialState };
