import type { CommandOf } from '../decider.ts';

export type CreateTeam = CommandOf<'CreateTeam', { teamId: string; organisationId: string; name: string; at: string }>;
export type RenameTeam = CommandOf<'RenameTeam', { name: string; at: string }>;
export type RemoveTeam = CommandOf<'RemoveTeam', { at: string }>;

export type TeamCommand = CreateTeam | RenameTeam | RemoveTeam;
