import type { Decider } from '../decider.ts';
import type { OrganisationEvent } from '../../events/organisation-events.ts';
import type { OrganisationCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolve, initialState, type OrganisationState } from './state.ts';

export type * from './commands.ts';
export { decide } from './decide.ts';
export { evolve, initialState, type OrganisationState } from './state.ts';

export const organisationDecider: Decider<OrganisationCommand, OrganisationEvent, OrganisationState> = {
  decide,
  evolve,
  initialState,
};
