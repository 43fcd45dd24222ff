import { DomainError } from '../errors.ts';
import type { OrganisationEvent, OrganisationUpdated } from '../../events/organisation-events.ts';
import { isBlank, isTimeZone } from '../validation.ts';
import type { CreateOrganisation, ForceEndAllCalls, OrganisationCommand, UpdateOrganisation } from './commands.ts';
import type { OrganisationState } from './state.ts';

type Settings = { name: string; timeZone: string; maxMissedOffersInRow: number | null };

const validateSettings = (settings: Settings, organisationId: string | null): void => {
  const facts = { organisationId };
  if (isBlank(settings.name)) {
    throw new DomainError('InvalidInput', 'An organisation needs a name; the name given is empty.', { ...facts, field: 'name' });
  }
  if (!isTimeZone(settings.timeZone)) {
    throw new DomainError(
      'InvalidInput',
      `'${settings.timeZone}' is not an IANA time zone (for example 'Europe/Brussels').`,
      { ...facts, field: 'timeZone', timeZone: settings.timeZone },
    );
  }
  const max = settings.maxMissedOffersInRow;
  if (max !== null && !(Number.isInteger(max) && max >= 1)) {
    throw new DomainError(
      'InvalidInput',
      `Missed offers in a row must be a whole number of at least 1, or none; got ${String(max)}.`,
      { ...facts, field: 'maxMissedOffersInRow', maxMissedOffersInRow: max },
    );
  }
};

const notFound = (): DomainError =>
  new DomainError('OrganisationNotFound', 'This organisation does not exist; create it first.');

const create = ({ data }: CreateOrganisation, state: OrganisationState): OrganisationEvent[] => {
  if (state.exists) {
    throw new DomainError(
      'OrganisationAlreadyExists',
      `Organisation ${state.organisationId ?? data.organisationId} already exists.`,
      { organisationId: state.organisationId ?? data.organisationId },
    );
  }
  const settings = { name: data.name.trim(), timeZone: data.timeZone, maxMissedOffersInRow: data.maxMissedOffersInRow };
  validateSettings(settings, data.organisationId);
  return [{ type: 'OrganisationCreated', data: { organisationId: data.organisationId, ...settings, at: data.at } }];
};

/** Emits only the settings that really change, so a repeated update is a no-op. */
const update = ({ data }: UpdateOrganisation, state: OrganisationState): OrganisationEvent[] => {
  if (!state.exists) throw notFound();
  const requested = data.changes.name === undefined ? data.changes : { ...data.changes, name: data.changes.name.trim() };
  const current: Settings = { name: state.name, timeZone: state.timeZone, maxMissedOffersInRow: state.maxMissedOffersInRow };
  validateSettings({ ...current, ...requested }, state.organisationId);

  const changes: OrganisationUpdated['data']['changes'] = {};
  if (requested.name !== undefined && requested.name !== current.name) changes.name = requested.name;
  if (requested.timeZone !== undefined && requested.timeZone !== current.timeZone) changes.timeZone = requested.timeZone;
  if (requested.maxMissedOffersInRow !== undefined && requested.maxMissedOffersInRow !== current.maxMissedOffersInRow) {
    changes.maxMissedOffersInRow = requested.maxMissedOffersInRow;
  }
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'OrganisationUpdated', data: { changes, at: data.at } }];
};

const forceEndAllCalls = ({ data }: ForceEndAllCalls, state: OrganisationState): OrganisationEvent[] => {
  if (!state.exists) throw notFound();
  if (isBlank(data.requestedBy)) {
    throw new DomainError(
      'InvalidInput',
      `Ending every call of organisation ${state.organisationId ?? ''} needs the id of who asks for it.`,
      { organisationId: state.organisationId, field: 'requestedBy' },
    );
  }
  return [{ type: 'AllCallsForceEndRequested', data: { requestedBy: data.requestedBy, at: data.at } }];
};

export const decide = (command: OrganisationCommand, state: OrganisationState): OrganisationEvent[] => {
  switch (command.type) {
    case 'CreateOrganisation':
      return create(command, state);
    case 'UpdateOrganisation':
      return update(command, state);
    case 'ForceEndAllCalls':
      return forceEndAllCalls(command, state);
  }
};
