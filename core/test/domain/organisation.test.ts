import { describe, expect, it } from 'vitest';
import { organisationDecider, type OrganisationCommand } from '../../src/domain/organisation/index.ts';
import type { OrganisationCreated, OrganisationEvent } from '../../src/events/organisation-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';

const spec = DeciderSpec.for(organisationDecider);
const at = '2025-06-02T08:00:00.000Z';

const created: OrganisationCreated = {
  type: 'OrganisationCreated',
  data: { organisationId: 'org-1', name: 'Acme', timeZone: 'Europe/Brussels', maxMissedOffersInRow: 3, at },
};

const create = (data: Partial<Extract<OrganisationCommand, { type: 'CreateOrganisation' }>['data']> = {}): OrganisationCommand => ({
  type: 'CreateOrganisation',
  data: { organisationId: 'org-1', name: 'Acme', timeZone: 'Europe/Brussels', maxMissedOffersInRow: 3, at, ...data },
});

const update = (changes: Extract<OrganisationCommand, { type: 'UpdateOrganisation' }>['data']['changes']): OrganisationCommand => ({
  type: 'UpdateOrganisation',
  data: { changes, at },
});

describe('CreateOrganisation', () => {
  it('creates the organisation', () => spec.given([]).when(create()).then([created]));

  it('trims the name', () => spec.given([]).when(create({ name: '  Acme ' })).then([created]));

  it('accepts no limit on missed offers', () =>
    spec
      .given([])
      .when(create({ maxMissedOffersInRow: null }))
      .then([{ ...created, data: { ...created.data, maxMissedOffersInRow: null } }]));

  it('refuses a second creation', () => spec.given([created]).when(create()).thenThrows('OrganisationAlreadyExists', 'org-1'));

  it('refuses an empty name', () => spec.given([]).when(create({ name: '  ' })).thenThrows('InvalidInput'));

  it('refuses an unknown time zone', () => spec.given([]).when(create({ timeZone: 'Mars/Olympus' })).thenThrows('InvalidInput', 'Mars/Olympus'));

  it.each([0, -1, 1.5])('refuses %s missed offers in a row', (maxMissedOffersInRow) =>
    spec.given([]).when(create({ maxMissedOffersInRow })).thenThrows('InvalidInput'),
  );
});

describe('UpdateOrganisation', () => {
  it('emits only the settings that change', () =>
    spec
      .given([created])
      .when(update({ name: 'Acme', timeZone: 'America/New_York' }))
      .then([{ type: 'OrganisationUpdated', data: { changes: { timeZone: 'America/New_York' }, at } }]));

  it('can switch off the missed-offer limit', () =>
    spec
      .given([created])
      .when(update({ maxMissedOffersInRow: null }))
      .then([{ type: 'OrganisationUpdated', data: { changes: { maxMissedOffersInRow: null }, at } }]));

  it('does nothing when nothing changes', () => spec.given([created]).when(update({ name: 'Acme', maxMissedOffersInRow: 3 })).thenNothingHappened());

  it('refuses an unknown organisation', () => spec.given([]).when(update({ name: 'Other' })).thenThrows('OrganisationNotFound'));

  it('refuses an empty name', () => spec.given([created]).when(update({ name: '' })).thenThrows('InvalidInput'));

  it('refuses an unknown time zone', () => spec.given([created]).when(update({ timeZone: 'Nowhere/City' })).thenThrows('InvalidInput'));

  it('refuses a zero missed-offer limit', () => spec.given([created]).when(update({ maxMissedOffersInRow: 0 })).thenThrows('InvalidInput'));

  it('applies earlier updates before deciding', () => {
    const renamed: OrganisationEvent = { type: 'OrganisationUpdated', data: { changes: { name: 'Acme Europe' }, at } };
    spec.given([created, renamed]).when(update({ name: 'Acme Europe' })).thenNothingHappened();
    spec
      .given([created, renamed])
      .when(update({ name: 'Acme' }))
      .then([{ type: 'OrganisationUpdated', data: { changes: { name: 'Acme' }, at } }]);
  });
});

describe('ForceEndAllCalls', () => {
  const forceEnd: OrganisationCommand = { type: 'ForceEndAllCalls', data: { requestedBy: 'supervisor-9', at } };

  it('records the request', () =>
    spec.given([created]).when(forceEnd).then([{ type: 'AllCallsForceEndRequested', data: { requestedBy: 'supervisor-9', at } }]));

  it('refuses an unknown organisation', () => spec.given([]).when(forceEnd).thenThrows('OrganisationNotFound'));

  it('refuses a request by nobody', () =>
    spec.given([created]).when({ type: 'ForceEndAllCalls', data: { requestedBy: ' ', at } }).thenThrows('InvalidInput'));
});

describe('evolve', () => {
  it('folds creation and updates into the current settings', () => {
    const history: OrganisationEvent[] = [
      created,
      { type: 'OrganisationUpdated', data: { changes: { maxMissedOffersInRow: 5 }, at } },
      { type: 'AllCallsForceEndRequested', data: { requestedBy: 'supervisor-9', at } },
    ];
    const state = history.reduce(organisationDecider.evolve, organisationDecider.initialState());
    expect(state).toEqual({ exists: true, organisationId: 'org-1', name: 'Acme', timeZone: 'Europe/Brussels', maxMissedOffersInRow: 5 });
  });
});
