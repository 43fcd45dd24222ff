import { DomainError } from '../errors.ts';
import type { TeamEvent } from '../../events/team-events.ts';
import { isBlank } from '../validation.ts';
import type { CreateTeam, RenameTeam, TeamCommand } from './commands.ts';
import type { TeamState } from './state.ts';

const MAX_NAME_LENGTH = 100;

const validName = (name: string, teamId: string | null): string => {
  const trimmed = name.trim();
  if (isBlank(trimmed)) throw new DomainError('InvalidInput', 'A team needs a name.', { teamId, field: 'name' });
  if (trimmed.length > MAX_NAME_LENGTH) {
    throw new DomainError('InvalidInput', `A team name has at most ${MAX_NAME_LENGTH} characters.`, { teamId, field: 'name' });
  }
  return trimmed;
};

const requireLiveTeam = (state: TeamState): TeamState & { teamId: string; name: string } => {
  if (!state.exists || state.removed || state.teamId === null || state.name === null) {
    throw new DomainError('TeamNotFound', `Team ${state.teamId ?? '(unknown)'} does not exist${state.removed ? ' any more' : ''}.`, { teamId: state.teamId });
  }
  return { ...state, teamId: state.teamId, name: state.name };
};

const create = ({ data }: CreateTeam, state: TeamState): TeamEvent[] => {
  if (state.exists) throw new DomainError('TeamAlreadyExists', `Team ${data.teamId} already exists.`, { teamId: data.teamId });
  const name = validName(data.name, data.teamId);
  return [{ type: 'TeamCreated', data: { teamId: data.teamId, organisationId: data.organisationId, name, at: data.at } }];
};

const rename = ({ data }: RenameTeam, state: TeamState): TeamEvent[] => {
  const team = requireLiveTeam(state);
  const name = validName(data.name, team.teamId);
  return name === team.name ? [] : [{ type: 'TeamRenamed', data: { name, at: data.at } }];
};

export const decide = (command: TeamCommand, state: TeamState): TeamEvent[] => {
  switch (command.type) {
    case 'CreateTeam':
      return create(command, state);
    case 'RenameTeam':
      return rename(command, state);
    case 'RemoveTeam':
      // Removing twice is a no-op, so a retried request succeeds.
      if (state.exists && state.removed) return [];
      requireLiveTeam(state);
      return [{ type: 'TeamRemoved', data: { at: command.data.at } }];
  }
};
