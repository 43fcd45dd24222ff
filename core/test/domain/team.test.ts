import { describe, expect, it } from 'vitest';
import { teamDecider, type TeamCommand } from '../../src/domain/team/index.ts';
import type { TeamEvent } from '../../src/events/team-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';

const spec = DeciderSpec.for(teamDecider);
const at = '2025-06-02T08:00:00.000Z';

const created: TeamEvent = { type: 'TeamCreated', data: { teamId: 'team-1', organisationId: 'org-1', name: 'Billing', at } };
const removed: TeamEvent = { type: 'TeamRemoved', data: { at } };
const create = (name = 'Billing'): TeamCommand => ({ type: 'CreateTeam', data: { teamId: 'team-1', organisationId: 'org-1', name, at } });
const rename = (name: string): TeamCommand => ({ type: 'RenameTeam', data: { name, at } });
const remove: TeamCommand = { type: 'RemoveTeam', data: { at } };

describe('CreateTeam', () => {
  it('creates the team with a trimmed name', () => spec.given([]).when(create('  Billing ')).then([created]));
  it('refuses an empty name', () => spec.given([]).when(create('   ')).thenThrows('InvalidInput', 'name'));
  it('refuses a second create of the same team', () => spec.given([created]).when(create()).thenThrows('TeamAlreadyExists'));
  it('folds to a live team', () => {
    const state = [created].reduce(teamDecider.evolve, teamDecider.initialState());
    expect(state).toMatchObject({ exists: true, removed: false, organisationId: 'org-1', name: 'Billing' });
  });
});

describe('RenameTeam', () => {
  it('renames', () => spec.given([created]).when(rename('Sales')).then([{ type: 'TeamRenamed', data: { name: 'Sales', at } }]));
  it('changes nothing for the same name', () => spec.given([created]).when(rename(' Billing')).thenNothingHappened());
  it('refuses an empty name', () => spec.given([created]).when(rename('')).thenThrows('InvalidInput'));
  it('refuses an unknown or removed team', () => {
    spec.given([]).when(rename('Sales')).thenThrows('TeamNotFound');
    spec.given([created, removed]).when(rename('Sales')).thenThrows('TeamNotFound');
  });
});

describe('RemoveTeam', () => {
  it('removes the team', () => spec.given([created]).when(remove).then([removed]));
  it('removing again changes nothing', () => spec.given([created, removed]).when(remove).thenNothingHappened());
  it('refuses an unknown team', () => spec.given([]).when(remove).thenThrows('TeamNotFound'));
});
