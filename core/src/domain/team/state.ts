import type { TeamEvent } from '../../events/team-events.ts';

export interface TeamState {
  exists: boolean;
  removed: boolean;
  teamId: string | null;
  organisationId: string | null;
  name: string | null;
}

export const initialState = (): TeamState => ({ exists: false, removed: false, teamId: null, organisationId: null, name: null });

export const evolve = (state: TeamState, { type, data }: TeamEvent): TeamState => {
  switch (type) {
    case 'TeamCreated':
      return { exists: true, removed: false, teamId: data.teamId, organisationId: data.organisationId, name: data.name };
    case 'TeamRenamed':
      return { ...state, name: data.name };
    case 'TeamRemoved':
      return { ...state, removed: true };
  }
};
