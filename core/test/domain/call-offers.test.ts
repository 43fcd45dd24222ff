import { describe, expect, it } from 'vitest';
import { callDecider, callStatus, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, CALL_ID, callAnswered, callOffered, command, connectedCall, ringingCall, waitingCall, wrappingUpCall } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

const offerCall = (agentId: string, offerId: string, atSeconds: number, ringAll = false, ringTimeoutSeconds = 20) =>
  command('OfferCall', { offerId, agentId, ringTimeoutSeconds, ringAll, at: at(atSeconds) });

/** Ring-all: three agents ringing at once. */
const ringingThree = (): CallEvent[] => [
  ...waitingCall(),
  callOffered('agent-ada', 'offer-1', 5),
  callOffered('agent-bob', 'offer-2', 5),
  callOffered('agent-cy', 'offer-3', 5),
];

describe('OfferCall', () => {
  it('offers a waiting call to an agent with a ring timeout', () => {
    spec
      .given(waitingCall())
      .when(offerCall('agent-ada', 'offer-1', 5, false, 15))
      .then([{ type: 'CallOffered', data: { offerId: 'offer-1', agentId: 'agent-ada', ringTimeoutAt: at(20), at: at(5) } }]);
  });

  it('the call is then ringing with one offer', () => {
    const state = stateAfter(ringingCall('agent-ada', 'offer-1'));
    expect(callStatus(state)).toBe('ringing');
    expect(state.offers).toEqual([{ offerId: 'offer-1', agentId: 'agent-ada', ringTimeoutAt: at(25) }]);
  });

  it('ring-all: a ringing call is offered to a further agent', () => {
    spec
      .given(ringingCall('agent-ada', 'offer-1'))
      .when(offerCall('agent-bob', 'offer-2', 5, true))
      .then([{ type: 'CallOffered', data: { offerId: 'offer-2', agentId: 'agent-bob', ringTimeoutAt: at(25), at: at(5) } }]);
  });

  it('ring-all: several offers ring at once', () => {
    expect(stateAfter(ringingThree()).offers.map((o) => o.agentId)).toEqual(['agent-ada', 'agent-bob', 'agent-cy']);
  });

  it('ring-all: never twice to the same agent', () => {
    spec.given(ringingCall('agent-ada', 'offer-1')).when(offerCall('agent-ada', 'offer-2', 6, true)).thenThrows('CallNotWaiting', 'agent-ada');
  });

  it('ring-all: each offer needs its own id', () => {
    spec.given(ringingCall('agent-ada', 'offer-1')).when(offerCall('agent-bob', 'offer-1', 6, true)).thenThrows('InvalidInput', 'offer-1');
  });

  it('without ring-all a ringing call cannot be offered again', () => {
    spec.given(ringingCall('agent-ada', 'offer-1')).when(offerCall('agent-bob', 'offer-2', 6)).thenThrows('CallNotWaiting', 'ringing');
  });

  it.each([
    ['connected', connectedCall()],
    ['wrap-up', wrappingUpCall()],
  ] as [string, CallEvent[]][])('a %s call cannot be offered: CallNotWaiting naming the status', (status, history) => {
    spec.given(history).when(offerCall('agent-bob', 'offer-9', 200, true)).thenThrows('CallNotWaiting', status);
  });

  it.each([0, -5, 1.5])('refuses a ring timeout of %s seconds', (seconds) => {
    spec.given(waitingCall()).when(offerCall('agent-ada', 'offer-1', 5, false, seconds)).thenThrows('InvalidInput', 'ringTimeoutSeconds');
  });
});

describe('AnswerCall', () => {
  it('connects the call to the agent whose offer it was', () => {
    const events = spec.given(ringingCall('agent-ada', 'offer-1')).when(command('AnswerCall', { agentId: 'agent-ada', at: at(9) })).events();
    expect(events).toEqual([{ type: 'CallAnswered', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(9) } }]);
    const state = stateAfter([...ringingCall('agent-ada', 'offer-1'), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.answeredAt).toBe(at(9));
    expect(state.offers).toEqual([]);
  });

  it('ring-all: the first answer withdraws every other offer', () => {
    const events = spec.given(ringingThree()).when(command('AnswerCall', { agentId: 'agent-bob', at: at(8) })).events();
    expect(events).toEqual([
      { type: 'CallAnswered', data: { offerId: 'offer-2', agentId: 'agent-bob', at: at(8) } },
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-1', agentId: 'agent-ada', reason: 'answered-elsewhere', at: at(8) } },
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-3', agentId: 'agent-cy', reason: 'answered-elsewhere', at: at(8) } },
    ]);
    const state = stateAfter([...ringingThree(), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-bob');
    expect(state.offers).toEqual([]);
  });

  it('ring-all: a second answer is refused', () => {
    const answered = [...ringingThree(), callAnswered('agent-bob', 'offer-2', 8)];
    // The withdrawals of the others were appended with the answer.
    const history: CallEvent[] = [
      ...answered,
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-1', agentId: 'agent-ada', reason: 'answered-elsewhere', at: at(8) } },
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-3', agentId: 'agent-cy', reason: 'answered-elsewhere', at: at(8) } },
    ];
    spec.given(history).when(command('AnswerCall', { agentId: 'agent-ada', at: at(9) })).thenThrows('CallNotRinging', 'connected');
  });

  it('by an agent the call is not offered to: CallNotOfferedToAgent', () => {
    spec.given(ringingCall('agent-ada')).when(command('AnswerCall', { agentId: 'agent-bob', at: at(9) })).thenThrows('CallNotOfferedToAgent', 'agent-bob');
  });

  it('while the call is waiting: CallNotRinging', () => {
    spec.given(waitingCall()).when(command('AnswerCall', { agentId: 'agent-ada', at: at(9) })).thenThrows('CallNotRinging', 'waiting');
  });
});

describe('DeclineOffer', () => {
  it('declines the agent\'s offer; the call waits again at its original place', () => {
    const events = spec.given(ringingCall('agent-ada', 'offer-1')).when(command('DeclineOffer', { agentId: 'agent-ada', at: at(7) })).events();
    expect(events).toEqual([{ type: 'CallOfferDeclined', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(7) } }]);
    const state = stateAfter([...ringingCall('agent-ada', 'offer-1'), ...events]);
    expect(callStatus(state)).toBe('waiting');
    expect(state.queuedAt).toBe(at(0));
    expect(state.missedOffers).toBe(1);
  });

  it('ring-all: one decline leaves the call ringing the others', () => {
    const events = spec.given(ringingThree()).when(command('DeclineOffer', { agentId: 'agent-ada', at: at(7) })).events();
    const state = stateAfter([...ringingThree(), ...events]);
    expect(callStatus(state)).toBe('ringing');
    expect(state.offers.map((o) => o.agentId)).toEqual(['agent-bob', 'agent-cy']);
  });

  it('by an agent the call is not offered to: CallNotOfferedToAgent', () => {
    spec.given(ringingCall('agent-ada')).when(command('DeclineOffer', { agentId: 'agent-bob', at: at(7) })).thenThrows('CallNotOfferedToAgent', 'agent-bob');
  });

  it('when the call is not ringing: CallNotRinging', () => {
    spec.given(connectedCall('agent-ada')).when(command('DeclineOffer', { agentId: 'agent-ada', at: at(20) })).thenThrows('CallNotRinging', 'connected');
  });

  it('the call can be offered again after a decline', () => {
    const history: CallEvent[] = [...ringingCall('agent-ada', 'offer-1'), { type: 'CallOfferDeclined', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(7) } }];
    spec
      .given(history)
      .when(offerCall('agent-bob', 'offer-2', 8))
      .then([{ type: 'CallOffered', data: { offerId: 'offer-2', agentId: 'agent-bob', ringTimeoutAt: at(28), at: at(8) } }]);
  });
});

describe('TimeOutOffer', () => {
  it('times out a ringing offer once its ring timeout is reached; the call waits at its original place', () => {
    const events = spec.given(ringingCall('agent-ada', 'offer-1')).when(command('TimeOutOffer', { offerId: 'offer-1', at: at(25) })).events();
    expect(events).toEqual([{ type: 'CallOfferTimedOut', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(25) } }]);
    const state = stateAfter([...ringingCall('agent-ada', 'offer-1'), ...events]);
    expect(callStatus(state)).toBe('waiting');
    expect(state.queuedAt).toBe(at(0));
    expect(state.missedOffers).toBe(1);
  });

  it('before the ring timeout: nothing', () => {
    spec.given(ringingCall('agent-ada', 'offer-1')).when(command('TimeOutOffer', { offerId: 'offer-1', at: at(24) })).thenNothingHappened();
  });

  it('after the offer was answered: nothing (stale timer)', () => {
    spec.given(connectedCall('agent-ada', 'offer-1')).when(command('TimeOutOffer', { offerId: 'offer-1', at: at(25) })).thenNothingHappened();
  });

  it('for an unknown offer: nothing', () => {
    spec.given(ringingCall('agent-ada', 'offer-1')).when(command('TimeOutOffer', { offerId: 'offer-x', at: at(60) })).thenNothingHappened();
  });

  it('twice: the second is stale', () => {
    const history: CallEvent[] = [...ringingCall('agent-ada', 'offer-1'), { type: 'CallOfferTimedOut', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(25) } }];
    spec.given(history).when(command('TimeOutOffer', { offerId: 'offer-1', at: at(26) })).thenNothingHappened();
  });
});

describe('WithdrawOffer', () => {
  it('withdraws an active offer; with none left the call waits again', () => {
    const events = spec
      .given(ringingCall('agent-ada', 'offer-1'))
      .when(command('WithdrawOffer', { offerId: 'offer-1', reason: 'agent-unavailable', at: at(6) }))
      .events();
    expect(events).toEqual([{ type: 'CallOfferWithdrawn', data: { offerId: 'offer-1', agentId: 'agent-ada', reason: 'agent-unavailable', at: at(6) } }]);
    const state = stateAfter([...ringingCall('agent-ada', 'offer-1'), ...events]);
    expect(callStatus(state)).toBe('waiting');
    // A withdrawal is not the agent's miss.
    expect(state.missedOffers).toBe(0);
  });

  it('an offer that is no longer active: nothing', () => {
    spec.given(connectedCall('agent-ada', 'offer-1')).when(command('WithdrawOffer', { offerId: 'offer-1', reason: 'agent-unavailable', at: at(30) })).thenNothingHappened();
  });

  it('an unknown offer: nothing', () => {
    spec.given(waitingCall()).when(command('WithdrawOffer', { offerId: 'offer-x', reason: 'agent-unavailable', at: at(30) })).thenNothingHappened();
  });
});

describe('error messages', () => {
  it('name the call', () => {
    spec.given(connectedCall()).when(offerCall('agent-bob', 'offer-2', 20)).thenThrows('CallNotWaiting', CALL_ID);
  });
});
