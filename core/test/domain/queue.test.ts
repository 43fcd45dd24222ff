import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/domain/errors.ts';
import { isQueueOpen, queueDecider, type QueueCommand } from '../../src/domain/queue/index.ts';
import type { BusinessHours, QueueCreated, QueueEvent, QueueSettings, QueueStrategy } from '../../src/events/queue-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { aQueueSettings } from '../support/fixtures.ts';

const spec = DeciderSpec.for(queueDecider);
const at = '2025-06-02T08:00:00.000Z';

const officeHours: BusinessHours = {
  timeZone: 'Europe/Brussels',
  windows: [1, 2, 3, 4, 5].map((day) => ({ day: day as 1 | 2 | 3 | 4 | 5, open: '09:00', close: '17:00' })),
};

const createdWith = (settings: QueueSettings): QueueCreated => ({
  type: 'QueueCreated',
  data: { queueId: 'queue-1', organisationId: 'org-1', settings, at },
});
const created = createdWith(aQueueSettings());
const removed: QueueEvent = { type: 'QueueRemoved', data: { at } };

const create = (settings: QueueSettings): QueueCommand => ({
  type: 'CreateQueue',
  data: { queueId: 'queue-1', organisationId: 'org-1', settings, at },
});
const update = (changes: Partial<QueueSettings>): QueueCommand => ({ type: 'UpdateQueue', data: { changes, at } });
const remove: QueueCommand = { type: 'RemoveQueue', data: { at } };

/** Every settings rule, as the overrides that break it and the code expected. */
const invalidSettings: Array<[string, Partial<QueueSettings>, 'InvalidPhoneNumber' | 'InvalidQueueSettings' | 'InvalidBusinessHours']> = [
  ['a number not in E.164', { number: '02 555 12 34' }, 'InvalidPhoneNumber'],
  ['an empty name', { name: ' ' }, 'InvalidQueueSettings'],
  ['a ring timeout under 5 s', { ringTimeoutSeconds: 4 }, 'InvalidQueueSettings'],
  ['a ring timeout over 600 s', { ringTimeoutSeconds: 601 }, 'InvalidQueueSettings'],
  ['a negative wrap-up', { wrapUpSeconds: -1 }, 'InvalidQueueSettings'],
  ['a wrap-up over 3600 s', { wrapUpSeconds: 3601 }, 'InvalidQueueSettings'],
  ['a maximum wait under 10 s', { maxWaitSeconds: 9 }, 'InvalidQueueSettings'],
  ['a service level of 0 s', { serviceLevelSeconds: 0 }, 'InvalidQueueSettings'],
  ['a service level over 3600 s', { serviceLevelSeconds: 3601 }, 'InvalidQueueSettings'],
  ['an overflow to itself', { maxWaitSeconds: 60, overflowQueueId: 'queue-1' }, 'InvalidQueueSettings'],
  ['an unknown strategy', { strategy: 'random' as QueueStrategy }, 'InvalidQueueSettings'],
  ['a fractional priority', { priority: 0.5 }, 'InvalidQueueSettings'],
  ['business hours in an unknown time zone', { businessHours: { ...officeHours, timeZone: 'Mars/Olympus' } }, 'InvalidBusinessHours'],
  ['a malformed opening time', { businessHours: { timeZone: 'UTC', windows: [{ day: 1, open: '9:00', close: '17:00' }] } }, 'InvalidBusinessHours'],
  ['an opening time of 24:00', { businessHours: { timeZone: 'UTC', windows: [{ day: 1, open: '24:00', close: '24:00' }] } }, 'InvalidBusinessHours'],
  ['a closing time before opening', { businessHours: { timeZone: 'UTC', windows: [{ day: 1, open: '17:00', close: '09:00' }] } }, 'InvalidBusinessHours'],
  ['a closing time equal to opening', { businessHours: { timeZone: 'UTC', windows: [{ day: 1, open: '09:00', close: '09:00' }] } }, 'InvalidBusinessHours'],
  ['a day past Saturday', { businessHours: { timeZone: 'UTC', windows: [{ day: 7 as 0, open: '09:00', close: '17:00' }] } }, 'InvalidBusinessHours'],
];

describe('CreateQueue', () => {
  it('creates the queue', () => spec.given([]).when(create(aQueueSettings())).then([created]));

  it('accepts a queue without a number, with business hours and an overflow', () => {
    const settings = aQueueSettings({ number: null, businessHours: officeHours, maxWaitSeconds: 120, overflowQueueId: 'queue-2' });
    spec.given([]).when(create(settings)).then([createdWith(settings)]);
  });

  it('accepts a window closing at midnight', () => {
    const settings = aQueueSettings({ businessHours: { timeZone: 'UTC', windows: [{ day: 5, open: '18:00', close: '24:00' }] } });
    spec.given([]).when(create(settings)).then([createdWith(settings)]);
  });

  it('accepts the bounds of every range', () => {
    const settings = aQueueSettings({ ringTimeoutSeconds: 600, wrapUpSeconds: 0, maxWaitSeconds: 10, serviceLevelSeconds: 3600 });
    spec.given([]).when(create(settings)).then([createdWith(settings)]);
  });

  it('refuses a second creation', () => spec.given([created]).when(create(aQueueSettings())).thenThrows('QueueAlreadyExists', 'queue-1'));

  it('refuses to reuse the id of a removed queue', () => spec.given([created, removed]).when(create(aQueueSettings())).thenThrows('QueueAlreadyExists'));

  it.each(invalidSettings)('refuses %s', (_, overrides, code) => spec.given([]).when(create(aQueueSettings(overrides))).thenThrows(code));
});

describe('UpdateQueue', () => {
  it('emits only the fields that change', () =>
    spec
      .given([created])
      .when(update({ name: 'Support', ringTimeoutSeconds: 30, businessHours: officeHours }))
      .then([{ type: 'QueueUpdated', data: { changes: { ringTimeoutSeconds: 30, businessHours: officeHours }, at } }]));

  it('does nothing when no field changes', () =>
    spec
      .given([created])
      .when(update({ name: 'Support', strategy: 'longest-idle', businessHours: null }))
      .thenNothingHappened());

  it('compares business hours by value', () => {
    const copy: BusinessHours = JSON.parse(JSON.stringify(officeHours));
    spec.given([createdWith(aQueueSettings({ businessHours: officeHours }))]).when(update({ businessHours: copy })).thenNothingHappened();
  });

  it('validates the merged settings', () =>
    // The overflow target alone is valid; it is the merge with the queue's own id that is not.
    spec.given([created]).when(update({ overflowQueueId: 'queue-1' })).thenThrows('InvalidQueueSettings', 'itself'));

  it.each(invalidSettings)('refuses %s', (_, overrides, code) => spec.given([created]).when(update(overrides)).thenThrows(code));

  it('refuses an unknown queue', () => spec.given([]).when(update({ name: 'Sales' })).thenThrows('QueueNotFound'));

  it('refuses a removed queue', () => spec.given([created, removed]).when(update({ name: 'Sales' })).thenThrows('QueueNotFound', 'removed'));
});

describe('RemoveQueue', () => {
  it('removes the queue', () => spec.given([created]).when(remove).then([removed]));

  it('refuses an unknown queue', () => spec.given([]).when(remove).thenThrows('QueueNotFound'));

  it('does nothing when the queue was already removed', () => spec.given([created, removed]).when(remove).thenNothingHappened());
});

describe('evolve', () => {
  it('merges updates into the settings and marks removal', () => {
    const history: QueueEvent[] = [
      created,
      { type: 'QueueUpdated', data: { changes: { wrapUpSeconds: 60, video: true }, at } },
      removed,
    ];
    const state = history.reduce(queueDecider.evolve, queueDecider.initialState());
    expect(state).toEqual({
      exists: true,
      removed: true,
      queueId: 'queue-1',
      organisationId: 'org-1',
      settings: aQueueSettings({ wrapUpSeconds: 60, video: true }),
    });
  });

  it('decides against the updated settings', () =>
    spec
      .given([created, { type: 'QueueUpdated', data: { changes: { ringTimeoutSeconds: 30 }, at } }])
      .when(update({ ringTimeoutSeconds: 30 }))
      .thenNothingHappened());
});

describe('isQueueOpen', () => {
  const withHours = (businessHours: BusinessHours | null): QueueSettings => aQueueSettings({ businessHours });

  it('is always open without business hours', () => {
    expect(isQueueOpen(withHours(null), '2025-06-01T03:00:00Z')).toBe(true);
  });

  it('is never open with hours but no window', () => {
    expect(isQueueOpen(withHours({ timeZone: 'UTC', windows: [] }), '2025-06-02T12:00:00Z')).toBe(false);
  });

  it('reads summer time in the hours time zone (Brussels is UTC+2)', () => {
    const settings = withHours(officeHours);
    expect(isQueueOpen(settings, '2025-06-02T06:59:00Z')).toBe(false); // Monday 08:59
    expect(isQueueOpen(settings, '2025-06-02T07:00:00Z')).toBe(true); // Monday 09:00, opening is inclusive
    expect(isQueueOpen(settings, '2025-06-02T14:59:00Z')).toBe(true); // Monday 16:59
    expect(isQueueOpen(settings, '2025-06-02T15:00:00Z')).toBe(false); // Monday 17:00, closing is exclusive
  });

  it('reads winter time in the hours time zone (Brussels is UTC+1)', () => {
    const settings = withHours(officeHours);
    expect(isQueueOpen(settings, '2025-01-06T07:30:00Z')).toBe(false); // Monday 08:30
    expect(isQueueOpen(settings, '2025-01-06T08:00:00Z')).toBe(true); // Monday 09:00
    expect(isQueueOpen(settings, '2025-01-06T15:30:00Z')).toBe(true); // Monday 16:30
  });

  it('is closed at the weekend', () => {
    expect(isQueueOpen(withHours(officeHours), '2025-06-07T10:00:00Z')).toBe(false); // Saturday noon
  });

  it('uses the local weekday when it differs from the UTC one (behind UTC)', () => {
    // Saturday 02:30 UTC is Friday 22:30 in New York.
    const hours: BusinessHours = { timeZone: 'America/New_York', windows: [{ day: 5, open: '20:00', close: '24:00' }] };
    expect(isQueueOpen(withHours(hours), '2025-06-07T02:30:00Z')).toBe(true);
    expect(isQueueOpen(withHours(hours), '2025-06-07T04:00:00Z')).toBe(false); // Saturday 00:00 in New York
  });

  it('uses the local weekday when it differs from the UTC one (ahead of UTC)', () => {
    // Sunday 23:30 UTC is Monday 08:30 in Tokyo.
    const monday: BusinessHours = { timeZone: 'Asia/Tokyo', windows: [{ day: 1, open: '08:00', close: '12:00' }] };
    const sunday: BusinessHours = { timeZone: 'Asia/Tokyo', windows: [{ day: 0, open: '08:00', close: '24:00' }] };
    expect(isQueueOpen(withHours(monday), '2025-06-01T23:30:00Z')).toBe(true);
    expect(isQueueOpen(withHours(sunday), '2025-06-01T23:30:00Z')).toBe(false);
  });

  it('follows the daylight-saving switch', () => {
    // On 30 March 2025 Brussels jumps from 02:00 CET to 03:00 CEST at 01:00 UTC.
    const hours: BusinessHours = { timeZone: 'Europe/Brussels', windows: [{ day: 0, open: '03:00', close: '04:00' }] };
    expect(isQueueOpen(withHours(hours), '2025-03-30T00:59:00Z')).toBe(false); // 01:59 CET
    expect(isQueueOpen(withHours(hours), '2025-03-30T01:00:00Z')).toBe(true); // 03:00 CEST
  });

  it('accepts instants written with an offset', () => {
    expect(isQueueOpen(withHours(officeHours), '2025-06-02T09:30:00+02:00')).toBe(true);
  });

  it('refuses a time that is not a date', () => {
    let thrown: unknown;
    try {
      isQueueOpen(withHours(officeHours), 'yesterday');
    } catch (error) {
      thrown = error;
    }
    expect(isDomainError(thrown, 'InvalidInput')).toBe(true);
  });
});
