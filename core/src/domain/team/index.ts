import type { Decider } from '../decider.ts';
import type { TeamEvent } from '../../events/team-events.ts';
import type { TeamCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolve, initialState, type TeamState } from './state.ts';

export type * from './commands.ts';
export { decide } from './decide.ts';
export { evolve, initialState, type TeamState } from './state.ts';

export const teamDecider: Decider<TeamCommand, TeamEvent, TeamState> = { decide, evolve, initialState };
