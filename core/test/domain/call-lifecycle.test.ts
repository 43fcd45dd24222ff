import { describe, expect, it } from 'vitest';
import { callDecider, callStatus, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import {
  aCaller,
  aQueue,
  at,
  CALL_ID,
  callEnded,
  callOffered,
  callQueued,
  callReceived,
  command,
  connectedCall,
  hangUp,
  ORG_ID,
  QUEUE_ID,
  receiveCall,
  ringingCall,
  waitingCall,
  wrapUpStarted,
  wrappingUpCall,
} from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

describe('ReceiveCall', () => {
  it('receives the call and queues it with the queue priority plus the boost and a max wait', () => {
    spec
      .given([])
      .when(receiveCall({ queue: aQueue({}, { priority: 2, maxWaitSeconds: 120 }), priorityBoost: 5, at: at(3) }))
      .then([
        {
          type: 'CallReceived',
          data: { callId: CALL_ID, organisationId: ORG_ID, queueId: QUEUE_ID, channel: 'pstn', caller: aCaller(), dialedNumber: '+3225551234', media: 'audio', at: at(3) },
        },
        { type: 'CallQueued', data: { queueId: QUEUE_ID, priority: 7, queuedAt: at(3), maxWaitUntil: at(123), at: at(3) } },
      ]);
  });

  it('queues without a max wait when the queue has no limit', () => {
    const [, queued] = spec.given([]).when(receiveCall({ queue: aQueue({}, { maxWaitSeconds: null }) })).events();
    expect(queued).toEqual({ type: 'CallQueued', data: { queueId: QUEUE_ID, priority: 0, queuedAt: at(0), maxWaitUntil: null, at: at(0) } });
  });

  it('accepts a browser caller without a number', () => {
    const events = spec.given([]).when(receiveCall({ caller: aCaller({ number: null }), channel: 'widget' })).events();
    expect(events.map((e) => e.type)).toEqual(['CallReceived', 'CallQueued']);
  });

  it('rejects the call when the queue is closed', () => {
    const events = spec.given([]).when(receiveCall({ queue: aQueue({ open: false }) })).events();
    expect(events.map((e) => e.type)).toEqual(['CallReceived', 'CallRejected']);
    expect(events[1]).toEqual({ type: 'CallRejected', data: { reason: 'queue-closed', at: at(0) } });
    const state = stateAfter(events);
    expect(callStatus(state)).toBe('done');
    expect(state.outcome).toBe('rejected');
  });

  it('refuses a call that already exists', () => {
    spec.given(waitingCall()).when(receiveCall()).thenThrows('CallAlreadyExists', CALL_ID);
  });

  it.each(['0470123456', '+0470123456', '+32 470 12 34 56', '+1234567890123456', ''])('refuses caller number %j (not E.164)', (number) => {
    spec.given([]).when(receiveCall({ caller: aCaller({ number }) })).thenThrows('InvalidPhoneNumber', CALL_ID);
  });

  it('refuses a command whose time is not ISO-8601', () => {
    spec.given([]).when(receiveCall({ at: 'yesterday' })).thenThrows('InvalidInput', 'yesterday');
  });

  it('refuses a call without an id', () => {
    spec.given([]).when(receiveCall({ callId: '' })).thenThrows('InvalidInput');
  });
});

describe('commands on a call that was never received', () => {
  it.each([
    command('OfferCall', { offerId: 'o', agentId: 'a', ringTimeoutSeconds: 20, ringAll: false, at: at(1) }),
    command('AnswerCall', { agentId: 'a', at: at(1) }),
    command('HangUp', { by: 'caller', agentId: null, reason: null, wrapUpSeconds: 0, at: at(1) }),
    command('TimeOutOffer', { offerId: 'o', at: at(1) }),
  ])('$type throws CallNotFound', (cmd) => {
    spec.given([]).when(cmd).thenThrows('CallNotFound', cmd.type);
  });
});

describe('HangUp', () => {
  it('while waiting, by the caller: abandoned with no offers', () => {
    spec.given(waitingCall()).when(hangUp({ at: at(40) })).then([{ type: 'CallAbandoned', data: { while: 'waiting', offers: [], at: at(40) } }]);
  });

  it('while ringing, by the caller: abandoned with every ringing offer so their agents are released', () => {
    spec
      .given([...ringingCall('agent-ada', 'offer-1'), callOffered('agent-bob', 'offer-2', 6)])
      .when(hangUp({ at: at(8) }))
      .then([
        {
          type: 'CallAbandoned',
          data: { while: 'ringing', offers: [{ offerId: 'offer-1', agentId: 'agent-ada' }, { offerId: 'offer-2', agentId: 'agent-bob' }], at: at(8) },
        },
      ]);
  });

  it('an abandoned call is done', () => {
    const state = stateAfter([...ringingCall(), { type: 'CallAbandoned', data: { while: 'ringing', offers: [{ offerId: 'offer-1', agentId: 'agent-ada' }], at: at(8) } }]);
    expect(callStatus(state)).toBe('done');
    expect(state.outcome).toBe('abandoned');
    expect(state.offers).toEqual([]);
    expect(state.endedAt).toBe(at(8));
  });

  it.each(['supervisor', 'system'] as const)('while waiting, by %s: force-ended', (by) => {
    spec
      .given(waitingCall())
      .when(hangUp({ by, reason: 'queue removed', at: at(40) }))
      .then([{ type: 'CallEnded', data: { endedBy: by, agentId: null, reason: 'queue removed', at: at(40) } }]);
  });

  it.each(['supervisor', 'system'] as const)('while ringing, by %s: every offer withdrawn, then ended', (by) => {
    const history = [...ringingCall('agent-ada', 'offer-1'), callOffered('agent-bob', 'offer-2', 6)];
    const events = spec.given(history).when(hangUp({ by, at: at(8) })).events();
    expect(events).toEqual([
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-1', agentId: 'agent-ada', reason: 'force-ended', at: at(8) } },
      { type: 'CallOfferWithdrawn', data: { offerId: 'offer-2', agentId: 'agent-bob', reason: 'force-ended', at: at(8) } },
      { type: 'CallEnded', data: { endedBy: by, agentId: null, reason: null, at: at(8) } },
    ]);
    const state = stateAfter([...history, ...events]);
    expect(callStatus(state)).toBe('done');
    expect(state.outcome).toBe('force-ended');
  });

  it.each(['caller', 'agent', 'supervisor', 'system'] as const)('while connected, by %s: ended and the agent wraps up', (by) => {
    const events = spec
      .given(connectedCall('agent-ada'))
      .when(hangUp({ by, agentId: by === 'agent' ? 'agent-ada' : null, wrapUpSeconds: 45, at: at(100) }))
      .events();
    expect(events).toEqual([
      { type: 'CallEnded', data: { endedBy: by, agentId: 'agent-ada', reason: null, at: at(100) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(145), at: at(100) } },
    ]);
    const state = stateAfter([...connectedCall('agent-ada'), ...events]);
    expect(callStatus(state)).toBe('wrap-up');
    expect(state.outcome).toBe('completed');
    expect(state.connectedAgentId).toBeNull();
  });

  it('while connected and on hold: ends the same way', () => {
    const held: CallEvent = { type: 'CallHeld', data: { agentId: 'agent-ada', at: at(50) } };
    spec
      .given([...connectedCall('agent-ada'), held])
      .when(hangUp({ wrapUpSeconds: 10 }))
      .then([
        { type: 'CallEnded', data: { endedBy: 'caller', agentId: 'agent-ada', reason: null, at: at(100) } },
        { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(110), at: at(100) } },
      ]);
  });

  it('with no wrap-up time: the wrap-up completes at once and the call is done', () => {
    const events = spec.given(connectedCall('agent-ada')).when(hangUp({ wrapUpSeconds: 0 })).events();
    expect(events).toEqual([
      { type: 'CallEnded', data: { endedBy: 'caller', agentId: 'agent-ada', reason: null, at: at(100) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(100), at: at(100) } },
      { type: 'WrapUpCompleted', data: { agentId: 'agent-ada', notes: null, rating: null, conversationStatus: 'closed', endedBy: 'system', at: at(100) } },
    ]);
    expect(callStatus(stateAfter([...connectedCall('agent-ada'), ...events]))).toBe('done');
  });

  it('while an agent transfer is pending: the transfer is rejected first', () => {
    const history: CallEvent[] = [
      ...connectedCall('agent-ada'),
      { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: { kind: 'agent', agentId: 'agent-bob' }, at: at(50) } },
      { type: 'CallTransferOffered', data: { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutAt: at(70), at: at(50) } },
    ];
    spec
      .given(history)
      .when(hangUp({ wrapUpSeconds: 30, at: at(60) }))
      .then([
        { type: 'CallTransferRejected', data: { transferId: 't-1', toAgentId: 'agent-bob', offerId: 'offer-t', reason: 'call-ended', at: at(60) } },
        { type: 'CallEnded', data: { endedBy: 'caller', agentId: 'agent-ada', reason: null, at: at(60) } },
        { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(90), at: at(60) } },
      ]);
  });

  it('after an external transfer: ended with no agent, outcome transferred-externally', () => {
    const history: CallEvent[] = [
      ...connectedCall('agent-ada'),
      { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: { kind: 'external', number: '+3225550000' }, at: at(50) } },
      { type: 'CallTransferredExternally', data: { transferId: 't-1', fromAgentId: 'agent-ada', number: '+3225550000', at: at(55) } },
      wrapUpStarted('agent-ada', 55, 30),
    ];
    expect(callStatus(stateAfter(history))).toBe('external');
    const events = spec.given(history).when(hangUp({ by: 'system', at: at(300) })).events();
    expect(events).toEqual([{ type: 'CallEnded', data: { endedBy: 'system', agentId: null, reason: null, at: at(300) } }]);
    const state = stateAfter([...history, ...events]);
    expect(state.outcome).toBe('transferred-externally');
    // The transferring agent is still wrapping up, so the call is not done yet.
    expect(callStatus(state)).toBe('wrap-up');
  });

  it('by an agent who is not on the call: NotCallAgent', () => {
    spec.given(connectedCall('agent-ada')).when(hangUp({ by: 'agent', agentId: 'agent-bob' })).thenThrows('NotCallAgent', 'agent-bob');
  });

  it('by an agent while the call is still waiting: NotCallAgent', () => {
    spec.given(waitingCall()).when(hangUp({ by: 'agent', agentId: 'agent-ada' })).thenThrows('NotCallAgent', 'waiting');
  });

  it.each([
    ['in wrap-up', wrappingUpCall()],
    ['done', [...connectedCall(), callEnded('agent-ada', 100), { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(100), at: at(100) } }, { type: 'WrapUpCompleted', data: { agentId: 'agent-ada', notes: null, rating: null, conversationStatus: 'closed', endedBy: 'system', at: at(100) } }]],
    ['abandoned', [...waitingCall(), { type: 'CallAbandoned', data: { while: 'waiting', offers: [], at: at(5) } }]],
    ['rejected', [callReceived(), { type: 'CallRejected', data: { reason: 'queue-closed', at: at(0) } }]],
    ['expired', [...waitingCall(), { type: 'CallWaitExpired', data: { queueId: QUEUE_ID, overflowQueueId: null, at: at(5) } }]],
  ] as [string, CallEvent[]][])('when the call is %s: CallAlreadyEnded', (_label, history) => {
    spec.given(history).when(hangUp()).thenThrows('CallAlreadyEnded', CALL_ID);
  });

  it('refuses a negative wrap-up time', () => {
    spec.given(connectedCall()).when(hangUp({ wrapUpSeconds: -1 })).thenThrows('InvalidInput', 'wrapUpSeconds');
  });
});

describe('ExpireWait', () => {
  const limitedWait = (): CallEvent[] => [callReceived(0), callQueued({ maxWaitUntil: at(60) })];
  const overflow = aQueue({ queueId: 'queue-overflow' }, { priority: 3, maxWaitSeconds: 90 });

  it('without an overflow queue: the wait expires and the call ends with outcome expired', () => {
    const events = spec.given(limitedWait()).when(command('ExpireWait', { overflowQueue: null, at: at(60) })).events();
    expect(events).toEqual([{ type: 'CallWaitExpired', data: { queueId: QUEUE_ID, overflowQueueId: null, at: at(60) } }]);
    const state = stateAfter([...limitedWait(), ...events]);
    expect(callStatus(state)).toBe('done');
    expect(state.outcome).toBe('expired');
  });

  it('with an open overflow queue: queued there keeping its place in line, with a new max wait', () => {
    const events = spec.given(limitedWait()).when(command('ExpireWait', { overflowQueue: overflow, at: at(61) })).events();
    expect(events).toEqual([
      { type: 'CallWaitExpired', data: { queueId: QUEUE_ID, overflowQueueId: 'queue-overflow', at: at(61) } },
      { type: 'CallQueued', data: { queueId: 'queue-overflow', priority: 3, queuedAt: at(0), maxWaitUntil: at(151), at: at(61) } },
    ]);
    const state = stateAfter([...limitedWait(), ...events]);
    expect(callStatus(state)).toBe('waiting');
    expect(state.queueId).toBe('queue-overflow');
    expect(state.queuedAt).toBe(at(0));
  });

  it('with an overflow queue without a max wait: no new limit', () => {
    const unlimited = aQueue({ queueId: 'queue-overflow' }, { maxWaitSeconds: null });
    const [, queued] = spec.given(limitedWait()).when(command('ExpireWait', { overflowQueue: unlimited, at: at(60) })).events();
    expect(queued).toMatchObject({ type: 'CallQueued', data: { maxWaitUntil: null } });
  });

  it('with a closed overflow queue: the call expires', () => {
    spec
      .given(limitedWait())
      .when(command('ExpireWait', { overflowQueue: { ...overflow, open: false }, at: at(60) }))
      .then([{ type: 'CallWaitExpired', data: { queueId: QUEUE_ID, overflowQueueId: null, at: at(60) } }]);
  });

  it('before the max wait is reached: nothing (stale timer)', () => {
    spec.given(limitedWait()).when(command('ExpireWait', { overflowQueue: null, at: at(59) })).thenNothingHappened();
  });

  it('when the call has no max wait: nothing', () => {
    spec.given(waitingCall()).when(command('ExpireWait', { overflowQueue: null, at: at(600) })).thenNothingHappened();
  });

  it('while ringing: nothing (the timer is re-armed if the offer fails)', () => {
    spec.given([...limitedWait(), callOffered('agent-ada', 'offer-1', 50)]).when(command('ExpireWait', { overflowQueue: null, at: at(60) })).thenNothingHappened();
  });

  it('once answered: nothing', () => {
    const history = [...limitedWait(), callOffered('agent-ada', 'offer-1', 50), { type: 'CallAnswered', data: { offerId: 'offer-1', agentId: 'agent-ada', at: at(55) } } as CallEvent];
    spec.given(history).when(command('ExpireWait', { overflowQueue: null, at: at(60) })).thenNothingHappened();
  });
});

describe('ReceiveDtmf', () => {
  it('takes the caller\'s digits while waiting (IVR)', () => {
    spec
      .given(waitingCall())
      .when(command('ReceiveDtmf', { digits: '1#', from: 'caller', at: at(4) }))
      .then([{ type: 'DtmfReceived', data: { digits: '1#', from: 'caller', at: at(4) } }]);
  });

  it('takes digits from either side while connected', () => {
    spec
      .given(connectedCall())
      .when(command('ReceiveDtmf', { digits: '0123456789*#ABCD', from: 'agent', at: at(20) }))
      .then([{ type: 'DtmfReceived', data: { digits: '0123456789*#ABCD', from: 'agent', at: at(20) } }]);
  });

  it.each(['', '12x', 'abc', '1'.repeat(33)])('refuses digits %j', (digits) => {
    spec.given(connectedCall()).when(command('ReceiveDtmf', { digits, from: 'caller', at: at(20) })).thenThrows('InvalidInput', 'DTMF');
  });

  it('refuses digits from an agent while the call waits', () => {
    spec.given(waitingCall()).when(command('ReceiveDtmf', { digits: '1', from: 'agent', at: at(4) })).thenThrows('InvalidInput', 'waiting');
  });

  it('refuses digits once the call has ended', () => {
    spec.given(wrappingUpCall()).when(command('ReceiveDtmf', { digits: '1', from: 'caller', at: at(120) })).thenThrows('InvalidInput', 'wrap-up');
  });
});

describe('evolve', () => {
  it('a fresh call state has status none', () => {
    expect(callStatus(callDecider.initialState())).toBe('none');
  });

  it('records who, where and when', () => {
    const state = stateAfter(connectedCall('agent-ada'));
    expect(state).toMatchObject({
      status: 'connected',
      callId: CALL_ID,
      organisationId: ORG_ID,
      queueId: QUEUE_ID,
      connectedAgentId: 'agent-ada',
      answeredAt: at(10),
      queuedAt: at(0),
      offers: [],
    });
  });
});
