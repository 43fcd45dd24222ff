import { describe, expect, it } from 'vitest';
import { agentDecider, type AgentCommand, type ReserveAgent } from '../../src/domain/agent/index.ts';
import type { AgentEvent, AgentProfile, AgentStatus, ReleaseReason } from '../../src/events/agent-events.ts';
import type { DomainErrorCode } from '../../src/domain/errors.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { anAgentProfile } from '../support/fixtures.ts';

const spec = DeciderSpec.for(agentDecider);
const at = '2025-06-02T08:00:00.000Z';

// Past events, named by what they say.
const registered: AgentEvent = { type: 'AgentRegistered', data: { agentId: 'agent-1', organisationId: 'org-1', profile: anAgentProfile(), at } };
const statusChanged = (status: AgentStatus, previousStatus: AgentStatus, reason: string | null = null): AgentEvent => ({
  type: 'AgentStatusChanged',
  data: { status, reason, previousStatus, at },
});
const wentOnline = statusChanged('online', 'offline');
const joined = (queueId = 'queue-1', penalty = 0, skills: string[] = []): AgentEvent => ({ type: 'AgentJoinedQueue', data: { queueId, penalty, skills, at } });
const reserved = (callId = 'call-1', offerId = 'offer-1', kind: ReserveAgent['data']['kind'] = 'offer'): AgentEvent => ({
  type: 'AgentReserved',
  data: { callId, offerId, kind, at },
});
const released = (reason: ReleaseReason, callId = 'call-1', offerId = 'offer-1'): AgentEvent => ({
  type: 'AgentReleased',
  data: { callId, offerId, reason, at },
});
const disabled: AgentEvent = { type: 'AgentDisabled', data: { at } };
const locked: AgentEvent = { type: 'AgentLocked', data: { reason: 'Security review', at } };
const removed: AgentEvent = { type: 'AgentRemoved', data: { at } };

// Commands.
const register = (profile: AgentProfile = anAgentProfile()): AgentCommand => ({
  type: 'RegisterAgent',
  data: { agentId: 'agent-1', organisationId: 'org-1', profile, at },
});
const updateProfile = (changes: Partial<AgentProfile>): AgentCommand => ({ type: 'UpdateAgentProfile', data: { changes, at } });
const setStatus = (status: AgentStatus, reason: string | null = null): AgentCommand => ({ type: 'SetAgentStatus', data: { status, reason, at } });
const joinQueue = (queueId = 'queue-1', penalty = 0, skills: string[] = []): AgentCommand => ({ type: 'JoinQueue', data: { queueId, penalty, skills, at } });
const leaveQueue = (queueId = 'queue-1'): AgentCommand => ({ type: 'LeaveQueue', data: { queueId, at } });
const reserve = (overrides: Partial<ReserveAgent['data']> = {}): AgentCommand => ({
  type: 'ReserveAgent',
  data: { callId: 'call-1', organisationId: 'org-1', offerId: 'offer-1', kind: 'offer', queueId: 'queue-1', at, ...overrides },
});
/** The offer id follows the call's number (call-2 -> offer-2) unless given. */
const release = (reason: ReleaseReason, callId = 'call-1', maxMissedOffersInRow: number | null = 3, offerId = callId.replace('call', 'offer')): AgentCommand => ({
  type: 'ReleaseAgent',
  data: { callId, offerId, reason, maxMissedOffersInRow, at },
});

const fold = (history: AgentEvent[]) => history.reduce(agentDecider.evolve, agentDecider.initialState());

describe('RegisterAgent', () => {
  it('registers the agent', () => spec.given([]).when(register()).then([registered]));

  it('starts offline, in no queue, with a free call slot', () => {
    const state = fold([registered]);
    expect(state.status).toBe('offline');
    expect(state.queues).toEqual({});
    expect(state.reservation).toBeNull();
    expect(state.missedOffersInRow).toBe(0);
  });

  it.each(['sip:ada@pbx.example.com', 'sips:ada@pbx.example.com:5061', '+32475123456'])('accepts an external agent rung at %s', (externalUri) => {
    const profile = anAgentProfile({ typology: 'external', externalUri });
    spec.given([]).when(register(profile)).then([{ type: 'AgentRegistered', data: { agentId: 'agent-1', organisationId: 'org-1', profile, at } }]);
  });

  it('refuses a second registration', () => spec.given([registered]).when(register()).thenThrows('AgentAlreadyExists', 'agent-1'));

  it.each<[string, Partial<AgentProfile>, DomainErrorCode]>([
    ['a username with a space', { username: 'ada lovelace' }, 'InvalidUsername'],
    ['a username with a dash', { username: 'ada-l' }, 'InvalidUsername'],
    ['a one-digit extension', { extension: '1' }, 'InvalidExtension'],
    ['a nine-digit extension', { extension: '123456789' }, 'InvalidExtension'],
    ['an extension with letters', { extension: '10a' }, 'InvalidExtension'],
    ['a full name equal to the extension', { fullName: '1001', extension: '1001' }, 'FullNameEqualsExtension'],
    ['a mobile agent without an external URI', { typology: 'mobile', externalUri: null }, 'InvalidExternalUri'],
    ['an external agent with a URI that is not SIP nor E.164', { typology: 'external', externalUri: 'http://example.com' }, 'InvalidExternalUri'],
    ['an external agent with a SIP URI without user', { typology: 'external', externalUri: 'sip:example.com' }, 'InvalidExternalUri'],
    ['an empty full name', { fullName: '  ' }, 'InvalidInput'],
    ['a malformed email', { email: 'ada-at-example.com' }, 'InvalidInput'],
    ['a wrap-up over an hour', { wrapUpSeconds: 3601 }, 'InvalidInput'],
  ])('refuses %s', (_, overrides, code) =>
    spec.given([]).when(register(anAgentProfile(overrides))).thenThrows(code),
  );
});

describe('UpdateAgentProfile', () => {
  it('emits only the fields that change', () =>
    spec
      .given([registered])
      .when(updateProfile({ fullName: 'Ada Lovelace', alias: 'Ada', voicemail: true }))
      .then([{ type: 'AgentProfileUpdated', data: { changes: { alias: 'Ada', voicemail: true }, at } }]));

  it('does nothing when no field changes', () =>
    spec.given([registered]).when(updateProfile({ username: 'ada.lovelace', extension: '1001' })).thenNothingHappened());

  it('validates the merged profile: switching to mobile needs an external URI', () =>
    spec.given([registered]).when(updateProfile({ typology: 'mobile' })).thenThrows('InvalidExternalUri'));

  it('validates the merged profile: a new extension equal to the full name', () =>
    spec
      .given([{ type: 'AgentRegistered', data: { agentId: 'agent-1', organisationId: 'org-1', profile: anAgentProfile({ fullName: '2002' }), at } }])
      .when(updateProfile({ extension: '2002' }))
      .thenThrows('FullNameEqualsExtension'));

  it('switches to mobile with a number', () =>
    spec
      .given([registered])
      .when(updateProfile({ typology: 'mobile', externalUri: '+32475123456' }))
      .then([{ type: 'AgentProfileUpdated', data: { changes: { typology: 'mobile', externalUri: '+32475123456' }, at } }]));

  it.each<[string, Partial<AgentProfile>, DomainErrorCode]>([
    ['a bad username', { username: 'ada!' }, 'InvalidUsername'],
    ['a bad extension', { extension: 'x1' }, 'InvalidExtension'],
    ['an empty full name', { fullName: '' }, 'InvalidInput'],
    ['a bad email', { email: 'nope' }, 'InvalidInput'],
  ])('refuses %s', (_, changes, code) => spec.given([registered]).when(updateProfile(changes)).thenThrows(code));

  it('refuses an unknown agent', () => spec.given([]).when(updateProfile({ alias: 'Ada' })).thenThrows('AgentNotFound'));

  it('refuses a removed agent', () => spec.given([registered, removed]).when(updateProfile({ alias: 'Ada' })).thenThrows('AgentNotFound', 'removed'));
});

describe('SetAgentStatus', () => {
  it('goes online', () => spec.given([registered]).when(setStatus('online')).then([wentOnline]));

  it('goes on break with a reason, naming the previous status', () =>
    spec.given([registered, wentOnline]).when(setStatus('break', 'Lunch')).then([statusChanged('break', 'online', 'Lunch')]));

  it('does nothing when status and reason are unchanged', () =>
    spec.given([registered, wentOnline, statusChanged('break', 'online', 'Lunch')]).when(setStatus('break', 'Lunch')).thenNothingHappened());

  it('changes the reason within the same status', () =>
    spec
      .given([registered, wentOnline, statusChanged('break', 'online', 'Lunch')])
      .when(setStatus('break', 'Coffee'))
      .then([statusChanged('break', 'break', 'Coffee')]));

  it('refuses to go online while disabled', () => spec.given([registered, disabled]).when(setStatus('online')).thenThrows('AgentDisabled', 'agent-1'));

  it('refuses to go online while locked', () => spec.given([registered, locked]).when(setStatus('online')).thenThrows('AgentLocked', 'agent-1'));

  it('allows a disabled agent other statuses than online', () =>
    spec.given([registered, disabled]).when(setStatus('meeting')).then([statusChanged('meeting', 'offline')]));

  it('goes offline while on a call; the reservation stays', () => {
    const history = [registered, joined(), wentOnline, reserved()];
    spec.given(history).when(setStatus('offline')).then([statusChanged('offline', 'online')]);
    expect(fold([...history, statusChanged('offline', 'online')]).reservation).toEqual({ callId: 'call-1', offerId: 'offer-1', kind: 'offer' });
  });

  it('refuses an unknown agent', () => spec.given([]).when(setStatus('online')).thenThrows('AgentNotFound'));

  it('refuses an unknown status', () => spec.given([registered]).when(setStatus('lunch' as AgentStatus)).thenThrows('InvalidInput'));

  it('going online by hand resets the missed offers', () => {
    const history = [registered, joined(), wentOnline, reserved(), released('missed'), statusChanged('offline', 'online', 'missed-offers')];
    expect(fold(history).missedOffersInRow).toBe(1);
    expect(fold([...history, statusChanged('online', 'offline')]).missedOffersInRow).toBe(0);
  });
});

describe('JoinQueue', () => {
  it('joins a queue with a penalty and skills', () =>
    spec.given([registered]).when(joinQueue('queue-1', 2, ['french', 'billing'])).then([joined('queue-1', 2, ['french', 'billing'])]));

  it('does nothing when joining again identically (skills in any order)', () =>
    spec.given([registered, joined('queue-1', 2, ['french', 'billing'])]).when(joinQueue('queue-1', 2, ['billing', 'french'])).thenNothingHappened());

  it('updates the membership when penalty or skills differ', () => {
    const history = [registered, joined('queue-1', 2, ['french'])];
    spec.given(history).when(joinQueue('queue-1', 5, ['french'])).then([joined('queue-1', 5, ['french'])]);
    spec.given(history).when(joinQueue('queue-1', 2, ['dutch'])).then([joined('queue-1', 2, ['dutch'])]);
    expect(fold([...history, joined('queue-1', 5, ['dutch'])]).queues).toEqual({ 'queue-1': { penalty: 5, skills: ['dutch'] } });
  });

  it('trims and de-duplicates skills', () =>
    spec.given([registered]).when(joinQueue('queue-1', 0, [' french', 'french '])).then([joined('queue-1', 0, ['french'])]));

  it.each([-1, 11, 1.5])('refuses penalty %s', (penalty) => spec.given([registered]).when(joinQueue('queue-1', penalty)).thenThrows('InvalidInput'));

  it('refuses an empty skill', () => spec.given([registered]).when(joinQueue('queue-1', 0, [''])).thenThrows('InvalidInput'));

  it('refuses an unknown agent', () => spec.given([]).when(joinQueue()).thenThrows('AgentNotFound'));
});

describe('LeaveQueue', () => {
  it('leaves a queue', () => spec.given([registered, joined()]).when(leaveQueue()).then([{ type: 'AgentLeftQueue', data: { queueId: 'queue-1', at } }]));

  it('forgets only that queue', () =>
    expect(fold([registered, joined('queue-1'), joined('queue-2'), { type: 'AgentLeftQueue', data: { queueId: 'queue-1', at } }]).queues).toEqual({
      'queue-2': { penalty: 0, skills: [] },
    }));

  it('refuses a queue the agent is not in', () => spec.given([registered, joined('queue-2')]).when(leaveQueue('queue-1')).thenThrows('NotInQueue', 'queue-1'));

  it('refuses an unknown agent', () => spec.given([]).when(leaveQueue()).thenThrows('AgentNotFound'));
});

describe('DisableAgent and EnableAgent', () => {
  const disable: AgentCommand = { type: 'DisableAgent', data: { at } };
  const enable: AgentCommand = { type: 'EnableAgent', data: { at } };
  const enabled: AgentEvent = { type: 'AgentEnabled', data: { at } };

  it('disables an offline agent', () => spec.given([registered]).when(disable).then([disabled]));

  it('disabling an online agent also sets it offline', () =>
    spec.given([registered, wentOnline]).when(disable).then([disabled, statusChanged('offline', 'online', 'disabled')]));

  it('disabling an agent on break also sets it offline', () =>
    spec.given([registered, statusChanged('break', 'offline', 'Lunch')]).when(disable).then([disabled, statusChanged('offline', 'break', 'disabled')]));

  it('disabling twice does nothing', () => spec.given([registered, disabled]).when(disable).thenNothingHappened());

  it('enables a disabled agent', () => spec.given([registered, disabled]).when(enable).then([enabled]));

  it('enabling an enabled agent does nothing', () => spec.given([registered]).when(enable).thenNothingHappened());

  it('lets the agent go online again once enabled', () => spec.given([registered, disabled, enabled]).when(setStatus('online')).then([wentOnline]));

  it('refuses an unknown agent', () => {
    spec.given([]).when(disable).thenThrows('AgentNotFound');
    spec.given([]).when(enable).thenThrows('AgentNotFound');
  });
});

describe('LockAgent and UnlockAgent', () => {
  const lock = (reason = 'Security review'): AgentCommand => ({ type: 'LockAgent', data: { reason, at } });
  const unlock: AgentCommand = { type: 'UnlockAgent', data: { at } };
  const unlocked: AgentEvent = { type: 'AgentUnlocked', data: { at } };

  it('locks an offline agent', () => spec.given([registered]).when(lock()).then([locked]));

  it('locking an online agent also sets it offline', () =>
    spec.given([registered, wentOnline]).when(lock()).then([locked, statusChanged('offline', 'online', 'locked')]));

  it('locking twice does nothing', () => spec.given([registered, locked]).when(lock('Another reason')).thenNothingHappened());

  it('refuses a lock without reason', () => spec.given([registered]).when(lock(' ')).thenThrows('InvalidInput'));

  it('unlocks a locked agent', () => spec.given([registered, locked]).when(unlock).then([unlocked]));

  it('unlocking an unlocked agent does nothing', () => spec.given([registered]).when(unlock).thenNothingHappened());

  it('lets the agent go online again once unlocked', () => spec.given([registered, locked, unlocked]).when(setStatus('online')).then([wentOnline]));

  it('refuses an unknown agent', () => {
    spec.given([]).when(lock()).thenThrows('AgentNotFound');
    spec.given([]).when(unlock).thenThrows('AgentNotFound');
  });
});

describe('RemoveAgent', () => {
  const remove: AgentCommand = { type: 'RemoveAgent', data: { at } };

  it('removes the agent', () => spec.given([registered]).when(remove).then([removed]));

  it('removes an agent whose call has been released', () =>
    spec.given([registered, joined(), wentOnline, reserved(), released('wrap-up-done')]).when(remove).then([removed]));

  it('refuses while the agent is on a call or ringing', () =>
    spec.given([registered, joined(), wentOnline, reserved()]).when(remove).thenThrows('AgentBusy', 'call-1'));

  it('removing twice does nothing', () => spec.given([registered, removed]).when(remove).thenNothingHappened());

  it('refuses an unknown agent', () => spec.given([]).when(remove).thenThrows('AgentNotFound'));
});

describe('ReserveAgent', () => {
  const ready = [registered, joined(), wentOnline];

  it('reserves an online agent of the queue', () => spec.given(ready).when(reserve()).then([reserved()]));

  it('reserves without a queue (a direct transfer)', () =>
    spec.given(ready).when(reserve({ kind: 'transfer', queueId: null })).then([reserved('call-1', 'offer-1', 'transfer')]));

  it('retrying the reservation already held does nothing', () => spec.given([...ready, reserved()]).when(reserve()).thenNothingHappened());

  it('refuses a second call while reserved', () =>
    spec.given([...ready, reserved()]).when(reserve({ callId: 'call-2', offerId: 'offer-2' })).thenThrows('AgentNotAvailable', 'already reserved for call call-1'));

  it('refuses a new offer of the same call while the first is held', () =>
    spec.given([...ready, reserved()]).when(reserve({ offerId: 'offer-2' })).thenThrows('AgentNotAvailable', 'call-1'));

  it('refuses an agent who is not online', () =>
    spec.given([registered, joined(), statusChanged('break', 'offline', 'Lunch')]).when(reserve()).thenThrows('AgentNotAvailable', 'break'));

  it('refuses a disabled agent', () => spec.given([...ready, disabled]).when(reserve()).thenThrows('AgentNotAvailable', 'disabled'));

  it('refuses a locked agent', () => spec.given([...ready, locked]).when(reserve()).thenThrows('AgentNotAvailable', 'locked'));

  it('refuses a removed agent', () => spec.given([registered, joined(), removed]).when(reserve()).thenThrows('AgentNotAvailable', 'removed'));

  it('refuses a call of another organisation, even from a queue id the agent joined', () =>
    spec.given(ready).when(reserve({ organisationId: 'org-2' })).thenThrows('AgentNotAvailable', 'organisation org-2'));

  it('refuses a call of another organisation, even from a queue id the agent joined', () =>
    spec.given(ready).when(reserve({ organisationId: 'org-2' })).thenThrows('AgentNotAvailable', 'organisation org-2'));

  it('refuses a queue the agent is not in', () => spec.given(ready).when(reserve({ queueId: 'queue-9' })).thenThrows('NotInQueue', 'queue-9'));

  it('refuses an unknown agent', () => spec.given([]).when(reserve()).thenThrows('AgentNotFound'));

  it('lets an agent place a call in any status', () =>
    spec
      .given([registered, statusChanged('break', 'offline', 'Admin')])
      .when(reserve({ kind: 'outbound', queueId: null }))
      .then([reserved('call-1', 'offer-1', 'outbound')]));

  it('refuses placing a call while reserved', () =>
    spec.given([...ready, reserved()]).when(reserve({ callId: 'call-2', kind: 'outbound', queueId: null })).thenThrows('AgentNotAvailable'));

  it('frees the slot for the next call once released', () =>
    spec.given([...ready, reserved(), released('wrap-up-done')]).when(reserve({ callId: 'call-2', offerId: 'offer-2' })).then([reserved('call-2', 'offer-2')]));
});

describe('ReleaseAgent', () => {
  const ringing = [registered, joined(), wentOnline, reserved()];

  it('releases the reservation, naming its offer', () => spec.given(ringing).when(release('declined')).then([released('declined')]));

  it('does nothing when the agent holds no reservation', () => spec.given([registered, joined(), wentOnline]).when(release('missed')).thenNothingHappened());

  it('does nothing for a stale release of another call', () => {
    const nextCall = [...ringing, released('missed'), reserved('call-2', 'offer-2')];
    spec.given(nextCall).when(release('missed', 'call-1')).thenNothingHappened();
    expect(fold(nextCall).reservation?.callId).toBe('call-2');
  });

  it('does nothing for a late release of an earlier offer of the same call (the call was offered to the agent again)', () => {
    const offeredAgain = [...ringing, released('declined'), reserved('call-1', 'offer-1b')];
    spec.given(offeredAgain).when(release('declined', 'call-1', 3, 'offer-1')).thenNothingHappened();
    spec.given(offeredAgain).when(release('missed', 'call-1', 3, 'offer-1b')).then([released('missed', 'call-1', 'offer-1b')]);
  });

  it('counts a missed offer', () => expect(fold([...ringing, released('missed')]).missedOffersInRow).toBe(1));

  it('sets the agent offline when missed offers reach the limit', () => {
    const twoMissed = [...ringing, released('missed'), reserved('call-2', 'offer-2'), released('missed', 'call-2', 'offer-2'), reserved('call-3', 'offer-3')];
    expect(fold(twoMissed).missedOffersInRow).toBe(2);
    spec
      .given(twoMissed)
      .when(release('missed', 'call-3', 3))
      .then([released('missed', 'call-3', 'offer-3'), statusChanged('offline', 'online', 'missed-offers')]);
  });

  it('keeps the agent online below the limit', () => spec.given(ringing).when(release('missed', 'call-1', 2)).then([released('missed')]));

  it('never sets the agent offline without a limit', () =>
    spec.given([...ringing, released('missed'), reserved('call-2', 'offer-2')]).when(release('missed', 'call-2', null)).then([released('missed', 'call-2', 'offer-2')]));

  it('does not repeat offline when the agent is already offline', () =>
    spec.given([...ringing, statusChanged('offline', 'online')]).when(release('missed', 'call-1', 1)).then([released('missed')]));

  it('resets the count after a handled call', () => {
    const history = [...ringing, released('missed'), reserved('call-2', 'offer-2'), released('wrap-up-done', 'call-2', 'offer-2')];
    expect(fold(history).missedOffersInRow).toBe(0);
  });

  it('leaves the count alone for other reasons', () => {
    expect(fold([...ringing, released('missed'), reserved('call-2', 'offer-2'), released('abandoned', 'call-2', 'offer-2')]).missedOffersInRow).toBe(1);
  });

  it('refuses an unknown reason', () => spec.given(ringing).when(release('lost' as ReleaseReason)).thenThrows('InvalidInput'));

  it('refuses a limit below 1', () => spec.given(ringing).when(release('missed', 'call-1', 0)).thenThrows('InvalidInput'));

  it('refuses an unknown agent', () => spec.given([]).when(release('missed')).thenThrows('AgentNotFound'));
});

describe('evolve', () => {
  it('folds a working day into the current state', () => {
    const state = fold([
      registered,
      { type: 'AgentProfileUpdated', data: { changes: { alias: 'Ada' }, at } },
      joined('queue-1', 1, ['french']),
      wentOnline,
      reserved(),
      released('wrap-up-done'),
      statusChanged('break', 'online', 'Lunch'),
      locked,
    ]);
    expect(state).toEqual({
      exists: true,
      removed: false,
      agentId: 'agent-1',
      organisationId: 'org-1',
      profile: anAgentProfile({ alias: 'Ada' }),
      status: 'break',
      statusReason: 'Lunch',
      disabled: false,
      locked: true,
      queues: { 'queue-1': { penalty: 1, skills: ['french'] } },
      teamIds: [],
      reservation: null,
      missedOffersInRow: 0,
    });
  });
});

describe('SetAgentTeams', () => {
  const setTeams = (teamIds: string[]): AgentCommand => ({ type: 'SetAgentTeams', data: { teamIds, at } });
  const teamsSet = (teamIds: string[]): AgentEvent => ({ type: 'AgentTeamsSet', data: { teamIds, at } });

  it('records the teams sorted and without duplicates', () => spec.given([registered]).when(setTeams(['team-b', 'team-a', 'team-b'])).then([teamsSet(['team-a', 'team-b'])]));

  it('keeps them in the state, replaced as a whole', () => {
    expect(fold([registered, teamsSet(['team-a', 'team-b'])]).teamIds).toEqual(['team-a', 'team-b']);
    expect(fold([registered, teamsSet(['team-a']), teamsSet([])]).teamIds).toEqual([]);
  });

  it('changes nothing when the teams are the same', () => spec.given([registered, teamsSet(['team-a', 'team-b'])]).when(setTeams(['team-b', 'team-a'])).thenNothingHappened());

  it('clears the teams', () => spec.given([registered, teamsSet(['team-a'])]).when(setTeams([])).then([teamsSet([])]));

  it('refuses an empty team id', () => spec.given([registered]).when(setTeams([' '])).thenThrows('InvalidInput'));

  it('refuses an unknown or removed agent', () => {
    spec.given([]).when(setTeams(['team-a'])).thenThrows('AgentNotFound');
    spec.given([registered, removed]).when(setTeams(['team-a'])).thenThrows('AgentNotFound');
  });
});
