import type { OrganisationEvent } from '../../events/organisation-events.ts';

export interface OrganisationState {
  exists: boolean;
  organisationId: string | null;
  name: string;
  timeZone: string;
  maxMissedOffersInRow: number | null;
}

export const initialState = (): OrganisationState => ({
  exists: false,
  organisationId: null,
  name: '',
  timeZone: 'UTC',
  maxMissedOffersInRow: null,
});

export const evolve = (state: OrganisationState, { type, data }: OrganisationEvent): OrganisationState => {
  switch (type) {
    case 'OrganisationCreated':
      return {
        exists: true,
        organisationId: data.organisationId,
        name: data.name,
        timeZone: data.timeZone,
        maxMissedOffersInRow: data.maxMissedOffersInRow,
      };
    case 'OrganisationUpdated':
      return { ...state, ...data.changes };
    case 'AllCallsForceEndRequested':
      // The calls' own streams carry the consequences; the organisation itself does not change.
      return state;
  }
};
