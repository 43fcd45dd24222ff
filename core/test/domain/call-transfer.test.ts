import { describe, expect, it } from 'vitest';
import { callDecider, callStatus, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent, TransferTarget } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { aQueue, at, callEnded, command, connectedCall, ringingCall, waitingCall, wrapUpStarted } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

const toBob: TransferTarget = { kind: 'agent', agentId: 'agent-bob' };
const toSales: TransferTarget = { kind: 'queue', queueId: 'queue-sales' };
const toNumber: TransferTarget = { kind: 'external', number: '+3225550000' };
const salesQueue = aQueue({ queueId: 'queue-sales' }, { priority: 4, maxWaitSeconds: 300 });

const requestTransfer = (target: TransferTarget, overrides: { agentId?: string; transferId?: string; wrapUpSeconds?: number; atSeconds?: number; targetQueue?: typeof salesQueue } = {}) =>
  command('RequestTransfer', {
    transferId: overrides.transferId ?? 't-1',
    agentId: overrides.agentId ?? 'agent-ada',
    target,
    ...(target.kind === 'queue' ? { targetQueue: overrides.targetQueue ?? salesQueue } : {}),
    wrapUpSeconds: overrides.wrapUpSeconds ?? 30,
    at: at(overrides.atSeconds ?? 50),
  });

const requested = (target: TransferTarget, atSeconds = 50): CallEvent => ({
  type: 'CallTransferRequested',
  data: { transferId: 't-1', fromAgentId: 'agent-ada', target, at: at(atSeconds) },
});
const transferOffered = (atSeconds = 51): CallEvent => ({
  type: 'CallTransferOffered',
  data: { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutAt: at(atSeconds + 20), at: at(atSeconds) },
});

/** Ada asked to transfer to Bob at 50; Bob rings from 51 until 71. */
const transferRingingBob = (): CallEvent[] => [...connectedCall('agent-ada'), requested(toBob), transferOffered()];
const externalTransferPending = (): CallEvent[] => [...connectedCall('agent-ada'), requested(toNumber)];

describe('RequestTransfer', () => {
  it('to an agent: requested, the call stays with the transferring agent', () => {
    const events = spec.given(connectedCall('agent-ada')).when(requestTransfer(toBob)).events();
    expect(events).toEqual([requested(toBob)]);
    const state = stateAfter([...connectedCall('agent-ada'), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.transfer).toEqual({ transferId: 't-1', fromAgentId: 'agent-ada', target: toBob, offer: null });
  });

  it('to an agent while on hold: the hold is kept', () => {
    const history = [...connectedCall('agent-ada'), { type: 'CallHeld', data: { agentId: 'agent-ada', at: at(45) } } as CallEvent];
    const events = spec.given(history).when(requestTransfer(toBob)).events();
    expect(stateAfter([...history, ...events]).onHold).toBe(true);
  });

  it('to a queue (blind): the call leaves the agent, who wraps up, and queues in the target with a new place', () => {
    const events = spec.given(connectedCall('agent-ada')).when(requestTransfer(toSales, { wrapUpSeconds: 20 })).events();
    expect(events).toEqual([
      requested(toSales),
      { type: 'CallTransferredToQueue', data: { transferId: 't-1', fromAgentId: 'agent-ada', queueId: 'queue-sales', at: at(50) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(70), at: at(50) } },
      { type: 'CallQueued', data: { queueId: 'queue-sales', priority: 4, queuedAt: at(50), maxWaitUntil: at(350), at: at(50) } },
    ]);
    const state = stateAfter([...connectedCall('agent-ada'), ...events]);
    expect(callStatus(state)).toBe('waiting');
    expect(state.queueId).toBe('queue-sales');
    expect(state.connectedAgentId).toBeNull();
    expect(state.transfer).toBeNull();
    expect(state.wrapUps).toEqual({ 'agent-ada': { endsAt: at(70) } });
  });

  it('to a queue with no wrap-up time: the agent\'s wrap-up completes at once', () => {
    const types = spec.given(connectedCall('agent-ada')).when(requestTransfer(toSales, { wrapUpSeconds: 0 })).events().map((e) => e.type);
    expect(types).toEqual(['CallTransferRequested', 'CallTransferredToQueue', 'WrapUpStarted', 'WrapUpCompleted', 'CallQueued']);
  });

  it('to a queue, then answered there by another agent', () => {
    const history = [...connectedCall('agent-ada'), ...spec.given(connectedCall('agent-ada')).when(requestTransfer(toSales)).events()];
    const offered = spec.given(history).when(command('OfferCall', { offerId: 'offer-2', agentId: 'agent-cy', ringTimeoutSeconds: 20, ringAll: false, at: at(60) })).events();
    const answered = spec.given([...history, ...offered]).when(command('AnswerCall', { agentId: 'agent-cy', at: at(65) })).events();
    const state = stateAfter([...history, ...offered, ...answered]);
    expect(state.connectedAgentId).toBe('agent-cy');
    expect(state.answeredAt).toBe(at(10));
  });

  it('to an external number: requested only, the gateway completes it', () => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer(toNumber)).then([requested(toNumber)]);
  });

  it('by an agent not on the call: NotCallAgent', () => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer(toBob, { agentId: 'agent-cy' })).thenThrows('NotCallAgent', 'agent-cy');
  });

  it('while the call is waiting: CallNotConnected', () => {
    spec.given(waitingCall()).when(requestTransfer(toBob)).thenThrows('CallNotConnected', 'waiting');
  });

  it('while ringing: CallNotConnected', () => {
    spec.given(ringingCall('agent-ada')).when(requestTransfer(toBob)).thenThrows('CallNotConnected', 'ringing');
  });

  it('while another transfer is in progress: TransferInProgress', () => {
    spec.given([...connectedCall('agent-ada'), requested(toBob)]).when(requestTransfer(toNumber, { transferId: 't-2' })).thenThrows('TransferInProgress', 't-1');
  });

  it('to oneself: TransferToSelf', () => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer({ kind: 'agent', agentId: 'agent-ada' })).thenThrows('TransferToSelf', 'agent-ada');
  });

  it.each(['0225550000', '+32 2 555', 'sip:bob@example.com'])('to external number %j: InvalidPhoneNumber', (number) => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer({ kind: 'external', number })).thenThrows('InvalidPhoneNumber', number);
  });

  it('to a closed queue: QueueClosed', () => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer(toSales, { targetQueue: { ...salesQueue, open: false } })).thenThrows('QueueClosed', 'queue-sales');
  });

  it('to a queue without its settings: InvalidInput', () => {
    const withoutQueue = command('RequestTransfer', { transferId: 't-1', agentId: 'agent-ada', target: toSales, wrapUpSeconds: 30, at: at(50) });
    spec.given(connectedCall('agent-ada')).when(withoutQueue).thenThrows('InvalidInput', 'queue-sales');
  });

  it('to a queue with another queue\'s settings: InvalidInput', () => {
    spec.given(connectedCall('agent-ada')).when(requestTransfer(toSales, { targetQueue: aQueue({ queueId: 'queue-other' }) })).thenThrows('InvalidInput', 'queue-other');
  });
});

describe('OfferTransfer', () => {
  it('rings the target agent with a ring timeout', () => {
    spec
      .given([...connectedCall('agent-ada'), requested(toBob)])
      .when(command('OfferTransfer', { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(51) }))
      .then([transferOffered()]);
  });

  it('without a transfer: NoTransferInProgress', () => {
    spec
      .given(connectedCall('agent-ada'))
      .when(command('OfferTransfer', { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(51) }))
      .thenThrows('NoTransferInProgress');
  });

  it('for another transfer id: NoTransferInProgress', () => {
    spec
      .given([...connectedCall('agent-ada'), requested(toBob)])
      .when(command('OfferTransfer', { transferId: 't-9', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(51) }))
      .thenThrows('NoTransferInProgress', 't-9');
  });

  it('to an agent who is not the target: InvalidInput', () => {
    spec
      .given([...connectedCall('agent-ada'), requested(toBob)])
      .when(command('OfferTransfer', { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-cy', ringTimeoutSeconds: 20, at: at(51) }))
      .thenThrows('InvalidInput', 'agent-cy');
  });

  it('for an external transfer: InvalidInput', () => {
    spec
      .given(externalTransferPending())
      .when(command('OfferTransfer', { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(51) }))
      .thenThrows('InvalidInput', '+3225550000');
  });

  it('twice: TransferInProgress', () => {
    spec
      .given(transferRingingBob())
      .when(command('OfferTransfer', { transferId: 't-1', offerId: 'offer-t2', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(52) }))
      .thenThrows('TransferInProgress', 'offer-t');
  });
});

describe('AcceptTransfer', () => {
  it('connects the call to the new agent; the transferring agent wraps up', () => {
    const events = spec.given(transferRingingBob()).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 15, at: at(55) })).events();
    expect(events).toEqual([
      { type: 'CallTransferAccepted', data: { transferId: 't-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', at: at(55) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(70), at: at(55) } },
    ]);
    const state = stateAfter([...transferRingingBob(), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-bob');
    expect(state.transfer).toBeNull();
    expect(state.wrapUps).toEqual({ 'agent-ada': { endsAt: at(70) } });
  });

  it('the call held during the consult is no longer on hold once the new agent has it', () => {
    const history = [...connectedCall('agent-ada'), { type: 'CallHeld', data: { agentId: 'agent-ada', at: at(45) } } as CallEvent, requested(toBob), transferOffered()];
    const events = spec.given(history).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 15, at: at(55) })).events();
    expect(stateAfter([...history, ...events]).onHold).toBe(false);
  });

  it('after the accept, the new agent holds and ends the call; the old one cannot', () => {
    const history = [...transferRingingBob(), ...spec.given(transferRingingBob()).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 15, at: at(55) })).events()];
    spec.given(history).when(command('HoldCall', { agentId: 'agent-ada', at: at(60) })).thenThrows('NotCallAgent', 'agent-bob');
    spec
      .given(history)
      .when(command('HangUp', { by: 'agent', agentId: 'agent-bob', reason: null, wrapUpSeconds: 10, at: at(90) }))
      .then([
        { type: 'CallEnded', data: { endedBy: 'agent', agentId: 'agent-bob', reason: null, at: at(90) } },
        { type: 'WrapUpStarted', data: { agentId: 'agent-bob', endsAt: at(100), at: at(90) } },
      ]);
  });

  it('by an agent it is not offered to: CallNotOfferedToAgent', () => {
    spec.given(transferRingingBob()).when(command('AcceptTransfer', { agentId: 'agent-cy', wrapUpSeconds: 15, at: at(55) })).thenThrows('CallNotOfferedToAgent', 'agent-cy');
  });

  it('before it is offered: CallNotOfferedToAgent', () => {
    spec
      .given([...connectedCall('agent-ada'), requested(toBob)])
      .when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 15, at: at(55) }))
      .thenThrows('CallNotOfferedToAgent', 'nobody yet');
  });

  it('without a transfer: NoTransferInProgress', () => {
    spec.given(connectedCall('agent-ada')).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 15, at: at(55) })).thenThrows('NoTransferInProgress');
  });
});

describe('RejectTransfer, TimeOutTransfer, CancelTransfer', () => {
  const rejectedEvent = (reason: 'rejected' | 'timeout' | 'unavailable', atSeconds: number, offered = true): CallEvent => ({
    type: 'CallTransferRejected',
    data: { transferId: 't-1', toAgentId: offered ? 'agent-bob' : null, offerId: offered ? 'offer-t' : null, reason, at: at(atSeconds) },
  });

  it('the target rejects: the call is with the transferring agent as before', () => {
    const events = spec.given(transferRingingBob()).when(command('RejectTransfer', { agentId: 'agent-bob', at: at(56) })).events();
    expect(events).toEqual([rejectedEvent('rejected', 56)]);
    const state = stateAfter([...transferRingingBob(), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.transfer).toBeNull();
  });

  it('after a rejection a new transfer may be requested', () => {
    const history = [...transferRingingBob(), rejectedEvent('rejected', 56)];
    spec.given(history).when(requestTransfer(toNumber, { transferId: 't-2', atSeconds: 60 })).then([
      { type: 'CallTransferRequested', data: { transferId: 't-2', fromAgentId: 'agent-ada', target: toNumber, at: at(60) } },
    ]);
  });

  it('rejected by someone else: CallNotOfferedToAgent', () => {
    spec.given(transferRingingBob()).when(command('RejectTransfer', { agentId: 'agent-cy', at: at(56) })).thenThrows('CallNotOfferedToAgent', 'agent-cy');
  });

  it('rejected with no transfer: NoTransferInProgress', () => {
    spec.given(connectedCall('agent-ada')).when(command('RejectTransfer', { agentId: 'agent-bob', at: at(56) })).thenThrows('NoTransferInProgress');
  });

  it('the transfer offer times out at its ring timeout', () => {
    spec.given(transferRingingBob()).when(command('TimeOutTransfer', { offerId: 'offer-t', at: at(71) })).then([rejectedEvent('timeout', 71)]);
  });

  it('a transfer timeout before the ring timeout: nothing', () => {
    spec.given(transferRingingBob()).when(command('TimeOutTransfer', { offerId: 'offer-t', at: at(70) })).thenNothingHappened();
  });

  it('a transfer timeout after the accept: nothing (stale timer)', () => {
    const history = [...transferRingingBob(), { type: 'CallTransferAccepted', data: { transferId: 't-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', at: at(55) } } as CallEvent];
    spec.given(history).when(command('TimeOutTransfer', { offerId: 'offer-t', at: at(71) })).thenNothingHappened();
  });

  it('a transfer timeout for another offer: nothing', () => {
    spec.given(transferRingingBob()).when(command('TimeOutTransfer', { offerId: 'offer-x', at: at(90) })).thenNothingHappened();
  });

  it('cancelled because nobody could be reserved: rejected with no agent', () => {
    spec.given([...connectedCall('agent-ada'), requested(toBob)]).when(command('CancelTransfer', { reason: 'unavailable', at: at(50) })).then([rejectedEvent('unavailable', 50, false)]);
  });

  it('cancelled while ringing: rejected naming the offer so its agent is released', () => {
    spec.given(transferRingingBob()).when(command('CancelTransfer', { reason: 'unavailable', at: at(52) })).then([rejectedEvent('unavailable', 52)]);
  });

  it('cancelled with no transfer: NoTransferInProgress', () => {
    spec.given(connectedCall('agent-ada')).when(command('CancelTransfer', { reason: 'unavailable', at: at(50) })).thenThrows('NoTransferInProgress');
  });

  it('cancel of an external transfer: NoTransferInProgress (the gateway fails it instead)', () => {
    spec.given(externalTransferPending()).when(command('CancelTransfer', { reason: 'unavailable', at: at(50) })).thenThrows('NoTransferInProgress', 'agent');
  });
});

describe('CompleteExternalTransfer and FailTransfer', () => {
  it('completes: the call leaves the agent for the number, the agent wraps up, status external', () => {
    const events = spec.given(externalTransferPending()).when(command('CompleteExternalTransfer', { transferId: 't-1', wrapUpSeconds: 30, at: at(58) })).events();
    expect(events).toEqual([
      { type: 'CallTransferredExternally', data: { transferId: 't-1', fromAgentId: 'agent-ada', number: '+3225550000', at: at(58) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(88), at: at(58) } },
    ]);
    const state = stateAfter([...externalTransferPending(), ...events]);
    expect(callStatus(state)).toBe('external');
    expect(state.connectedAgentId).toBeNull();
  });

  it('an external call whose agent finished wrap-up ends as done', () => {
    const history: CallEvent[] = [
      ...externalTransferPending(),
      { type: 'CallTransferredExternally', data: { transferId: 't-1', fromAgentId: 'agent-ada', number: '+3225550000', at: at(58) } },
      wrapUpStarted('agent-ada', 58, 30),
      { type: 'WrapUpCompleted', data: { agentId: 'agent-ada', notes: null, rating: null, conversationStatus: 'closed', endedBy: 'timer', at: at(88) } },
    ];
    expect(callStatus(stateAfter(history))).toBe('external');
    expect(callStatus(stateAfter([...history, callEnded(null, 500)]))).toBe('done');
  });

  it('fails: the call is back with the agent, connected', () => {
    const events = spec.given(externalTransferPending()).when(command('FailTransfer', { transferId: 't-1', reason: 'busy', at: at(58) })).events();
    expect(events).toEqual([{ type: 'CallTransferFailed', data: { transferId: 't-1', reason: 'busy', at: at(58) } }]);
    const state = stateAfter([...externalTransferPending(), ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.transfer).toBeNull();
  });

  it.each(['CompleteExternalTransfer', 'FailTransfer'] as const)('%s for another transfer id: NoTransferInProgress', (type) => {
    const cmd =
      type === 'FailTransfer'
        ? command('FailTransfer', { transferId: 't-9', reason: 'busy', at: at(58) })
        : command('CompleteExternalTransfer', { transferId: 't-9', wrapUpSeconds: 30, at: at(58) });
    spec.given(externalTransferPending()).when(cmd).thenThrows('NoTransferInProgress', 't-9');
  });

  it.each(['CompleteExternalTransfer', 'FailTransfer'] as const)('%s for an agent transfer: NoTransferInProgress', (type) => {
    const cmd =
      type === 'FailTransfer'
        ? command('FailTransfer', { transferId: 't-1', reason: 'busy', at: at(58) })
        : command('CompleteExternalTransfer', { transferId: 't-1', wrapUpSeconds: 30, at: at(58) });
    spec.given(transferRingingBob()).when(cmd).thenThrows('NoTransferInProgress', 'external');
  });

  it('complete with no transfer: NoTransferInProgress', () => {
    spec.given(connectedCall('agent-ada')).when(command('CompleteExternalTransfer', { transferId: 't-1', wrapUpSeconds: 30, at: at(58) })).thenThrows('NoTransferInProgress');
  });

  it('complete after it already completed: NoTransferInProgress', () => {
    const history: CallEvent[] = [
      ...externalTransferPending(),
      { type: 'CallTransferredExternally', data: { transferId: 't-1', fromAgentId: 'agent-ada', number: '+3225550000', at: at(58) } },
      wrapUpStarted('agent-ada', 58, 30),
    ];
    spec.given(history).when(command('CompleteExternalTransfer', { transferId: 't-1', wrapUpSeconds: 30, at: at(59) })).thenThrows('NoTransferInProgress', 'external');
  });
});
