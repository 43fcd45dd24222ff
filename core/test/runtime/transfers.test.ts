import { afterEach, describe, expect, test } from 'vitest';
import type { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import {
  agent,
  agentActs,
  agentEvents,
  agentState,
  call,
  callEvents,
  callEventTypes,
  callState,
  completeWrapUp,
  ctx,
  lastOf,
  queue,
  startCenter,
} from './runtime-harness.ts';

let sim: SimulatedContactCenter;
afterEach(async () => sim?.stop());

/** q1 with a1 connected to a fresh call; a2 (q1) joins afterwards so the call cannot go to it first. */
const connectedToA1 = async (options: { ringTimeoutSeconds?: number; a2Online?: boolean } = {}): Promise<string> => {
  sim = await startCenter();
  await queue(sim, 'q1', { ringTimeoutSeconds: options.ringTimeoutSeconds ?? 20, wrapUpSeconds: 30 });
  await agent(sim, 'a1', ['q1']);
  const callId = await call(sim, 'q1');
  await agentActs(sim, callId, 'AnswerCall', 'a1');
  await agent(sim, 'a2', ['q1'], { online: options.a2Online ?? true });
  await sim.cc.whenIdle();
  expect((await callState(sim, callId)).connectedAgentId).toBe('a1');
  return callId;
};

const transferTo = async (callId: string, target: Parameters<SimulatedContactCenter['cc']['requestTransfer']>[2], from = 'a1'): Promise<string> => {
  const result = await sim.cc.requestTransfer(callId, from, target, ctx(from));
  await sim.cc.whenIdle();
  const requested = result.events.find((event) => event.type === 'CallTransferRequested');
  return (requested?.data as { transferId: string }).transferId;
};

describe('transfer to an agent of the same queue', () => {
  test('the target is reserved and offered the call; on accepting, the call is theirs and the first agent wraps up, then is released', async () => {
    const callId = await connectedToA1();
    const transferId = await transferTo(callId, { kind: 'agent', agentId: 'a2' });

    const offered = lastOf<{ transferId: string; agentId: string; offerId: string }>(await callEvents(sim, callId), 'CallTransferOffered');
    expect(offered).toMatchObject({ transferId, agentId: 'a2' });
    expect((await agentState(sim, 'a2')).reservation).toMatchObject({ callId, kind: 'transfer', offerId: offered?.offerId });
    // Still with a1 while the target rings.
    expect((await callState(sim, callId)).connectedAgentId).toBe('a1');

    await sim.cc.acceptTransfer(callId, 'a2', ctx('a2'));
    await sim.cc.whenIdle();
    const state = await callState(sim, callId);
    expect(state.status).toBe('connected');
    expect(state.connectedAgentId).toBe('a2');
    expect(state.transfer).toBeNull();
    expect(Object.keys(state.wrapUps)).toEqual(['a1']);
    expect(lastOf(await callEvents(sim, callId), 'CallTransferAccepted')).toMatchObject({ transferId, fromAgentId: 'a1', toAgentId: 'a2' });
    // a1 keeps the slot during wrap-up.
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);

    await completeWrapUp(sim, callId, 'a1');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a1'), 'AgentReleased')).toMatchObject({ callId, reason: 'wrap-up-done' });
    expect((await agentState(sim, 'a2')).reservation?.callId).toBe(callId);

    // The call goes on with a2, who wraps it up and is released in turn.
    await sim.cc.hangUp(callId, 'agent', 'a2', null, ctx('a2'));
    await sim.cc.whenIdle();
    await completeWrapUp(sim, callId, 'a2');
    expect((await callState(sim, callId)).status).toBe('done');
    expect((await agentState(sim, 'a2')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a2'), 'AgentReleased')).toMatchObject({ callId, reason: 'wrap-up-done' });
  });

  test('the target rejecting leaves the call with the first agent and releases the target (transfer-rejected)', async () => {
    const callId = await connectedToA1();
    const transferId = await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    await agentActs(sim, callId, 'RejectTransfer', 'a2');

    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ transferId, toAgentId: 'a2', reason: 'rejected' });
    const state = await callState(sim, callId);
    expect(state).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });
    expect((await agentState(sim, 'a2')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a2'), 'AgentReleased')).toMatchObject({ callId, reason: 'transfer-rejected' });
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);
    // A transfer may be asked again after a rejection.
    await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    expect((await callState(sim, callId)).transfer?.offer?.agentId).toBe('a2');
  });

  test('the target not answering: the transfer ring timer rejects it with timeout at the queue ring timeout', async () => {
    const callId = await connectedToA1({ ringTimeoutSeconds: 15 });
    const transferId = await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    await sim.advanceBy(14);
    expect((await callState(sim, callId)).transfer?.offer?.agentId).toBe('a2');
    await sim.advanceBy(1);

    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ transferId, toAgentId: 'a2', reason: 'timeout' });
    expect(await callState(sim, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });
    expect((await agentState(sim, 'a2')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a2'), 'AgentReleased')).toMatchObject({ callId, reason: 'transfer-rejected' });
  });

  test('an offline target cannot be reserved: the transfer is cancelled (unavailable) and the call stays with the agent', async () => {
    const callId = await connectedToA1({ a2Online: false });
    const transferId = await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    const events = await callEvents(sim, callId);
    expect(lastOf(events, 'CallTransferRejected')).toMatchObject({ transferId, toAgentId: null, offerId: null, reason: 'unavailable' });
    expect(events.map((event) => event.type)).not.toContain('CallTransferOffered');
    expect(await callState(sim, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });
    expect((await agentEvents(sim, 'a2')).map((event) => event.type)).not.toContain('AgentReserved');
  });

  test('a busy target (on another call) is unavailable too, and keeps its own call', async () => {
    const callId = await connectedToA1();
    const other = await call(sim, 'q1', '+3225550177'); // goes to a2, the free agent
    await agentActs(sim, other, 'AnswerCall', 'a2');
    const transferId = await transferTo(callId, { kind: 'agent', agentId: 'a2' });

    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ transferId, reason: 'unavailable' });
    expect((await callState(sim, callId)).connectedAgentId).toBe('a1');
    expect((await agentState(sim, 'a2')).reservation?.callId).toBe(other);
    expect((await callState(sim, other)).connectedAgentId).toBe('a2');
  });

  test('a target that goes offline while the transfer rings has it rejected, and the call stays with the agent', async () => {
    const callId = await connectedToA1();
    await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    await sim.setStatus('org-1', 'a2', 'break');
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ toAgentId: 'a2' });
    expect(await callState(sim, callId)).toMatchObject({ connectedAgentId: 'a1', transfer: null });
    expect((await agentState(sim, 'a2')).reservation).toBeNull();
  });

  test('the caller hanging up while the transfer rings ends it (call-ended), releases the target and wraps up the agent', async () => {
    const callId = await connectedToA1();
    await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    await sim.cc.hangUp(callId, 'caller', null, null, ctx('gateway'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ reason: 'call-ended' });
    expect((await agentState(sim, 'a2')).reservation).toBeNull();
    expect((await callState(sim, callId)).wrapUps).toHaveProperty('a1');
    await sim.advanceBy(30);
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('refused: to oneself, a second transfer while one is in progress, by an agent not on the call', async () => {
    const callId = await connectedToA1();
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'a1' }, ctx('a1'))).rejects.toMatchObject({ code: 'TransferToSelf' });
    await expect(sim.cc.requestTransfer(callId, 'a2', { kind: 'agent', agentId: 'a1' }, ctx('a2'))).rejects.toMatchObject({ code: 'NotCallAgent' });
    await transferTo(callId, { kind: 'agent', agentId: 'a2' });
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'external', number: '+3225550199' }, ctx('a1'))).rejects.toMatchObject({ code: 'TransferInProgress' });
    expect((await callState(sim, callId)).transfer?.target).toEqual({ kind: 'agent', agentId: 'a2' });
  });
});

describe('transfer to another queue', () => {
  test('the caller waits in the target queue and is offered to its agent while the first agent wraps up', async () => {
    const callId = await connectedToA1({ a2Online: false });
    await queue(sim, 'q2');
    await agent(sim, 'b1', ['q2']);
    const transferId = await transferTo(callId, { kind: 'queue', queueId: 'q2' });

    const events = await callEvents(sim, callId);
    expect(events.map((event) => event.type).slice(-5)).toEqual(['CallTransferRequested', 'CallTransferredToQueue', 'WrapUpStarted', 'CallQueued', 'CallOffered']);
    expect(lastOf(events, 'CallTransferredToQueue')).toMatchObject({ transferId, fromAgentId: 'a1', queueId: 'q2' });
    expect(lastOf(events, 'CallQueued')).toMatchObject({ queueId: 'q2' });
    expect(lastOf(events, 'CallOffered')).toMatchObject({ agentId: 'b1' });
    const state = await callState(sim, callId);
    expect(state).toMatchObject({ status: 'ringing', queueId: 'q2', connectedAgentId: null });
    expect(state.wrapUps).toHaveProperty('a1');
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);

    await agentActs(sim, callId, 'AnswerCall', 'b1');
    expect((await callState(sim, callId)).connectedAgentId).toBe('b1');
    await completeWrapUp(sim, callId, 'a1');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a1'), 'AgentReleased')).toMatchObject({ callId, reason: 'wrap-up-done' });
    expect((await agentState(sim, 'b1')).reservation?.callId).toBe(callId);
  });

  test('with nobody free in the target queue the caller waits there; the first agent is not offered it again', async () => {
    const callId = await connectedToA1({ a2Online: false });
    await queue(sim, 'q2');
    await sim.cc.execute('agent', 'a1', { type: 'JoinQueue', data: { queueId: 'q2', penalty: 0, skills: [], at: sim.cc.now() } }, ctx('a1'));
    await transferTo(callId, { kind: 'queue', queueId: 'q2' });
    expect(await callState(sim, callId)).toMatchObject({ status: 'waiting', queueId: 'q2' });
    await sim.advanceBy(30); // a1's wrap-up ends: a1 is free and a member of q2, so now it may take the call
    expect((await agentEvents(sim, 'a1')).filter((event) => event.type === 'AgentReleased').at(-1)?.data).toMatchObject({ reason: 'wrap-up-done' });
    expect(lastOf(await callEvents(sim, callId), 'CallOffered')).toMatchObject({ agentId: 'a1' });
  });

  test('a closed or unknown target queue is refused and the call stays with the agent', async () => {
    const callId = await connectedToA1({ a2Online: false });
    // Open only on Sundays; the simulated clock starts on a Monday.
    await queue(sim, 'closed', { businessHours: { timeZone: 'UTC', windows: [{ day: 0, open: '09:00', close: '17:00' }] } });
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'queue', queueId: 'closed' }, ctx('a1'))).rejects.toMatchObject({ code: 'QueueClosed' });
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'queue', queueId: 'nope' }, ctx('a1'))).rejects.toMatchObject({ code: 'QueueNotFound' });
    expect((await callState(sim, callId)).connectedAgentId).toBe('a1');
  });
});

describe('transfer to an external number', () => {
  test('completed: the agent wraps up, the call is external until the caller hangs up, then ends', async () => {
    const callId = await connectedToA1({ a2Online: false });
    const transferId = await transferTo(callId, { kind: 'external', number: '+3225550199' });
    expect((await callState(sim, callId)).transfer?.target).toEqual({ kind: 'external', number: '+3225550199' });

    await sim.cc.completeExternalTransfer(callId, transferId, ctx('gateway'));
    await sim.cc.whenIdle();
    let state = await callState(sim, callId);
    expect(state).toMatchObject({ status: 'external', connectedAgentId: null, transfer: null });
    expect(state.wrapUps).toHaveProperty('a1');
    expect(lastOf(await callEvents(sim, callId), 'CallTransferredExternally')).toMatchObject({ transferId, fromAgentId: 'a1', number: '+3225550199' });

    await completeWrapUp(sim, callId, 'a1');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    expect((await callState(sim, callId)).status).toBe('external'); // the caller is still talking to the number

    await sim.cc.hangUp(callId, 'caller', null, null, ctx('gateway'));
    await sim.cc.whenIdle();
    state = await callState(sim, callId);
    expect(state).toMatchObject({ status: 'done', outcome: 'transferred-externally' });
    expect(lastOf(await callEvents(sim, callId), 'CallEnded')).toMatchObject({ endedBy: 'caller', agentId: null });
  });

  test('completed, then ended by the system while the agent still wraps up: the call waits for the wrap-up', async () => {
    const callId = await connectedToA1({ a2Online: false });
    const transferId = await transferTo(callId, { kind: 'external', number: '+3225550199' });
    await sim.cc.completeExternalTransfer(callId, transferId, ctx('gateway'));
    await sim.cc.hangUp(callId, 'system', null, 'far end hung up', ctx('gateway'));
    await sim.cc.whenIdle();
    expect(await callState(sim, callId)).toMatchObject({ status: 'wrap-up', outcome: 'transferred-externally' });
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);
    await sim.advanceBy(30);
    expect((await callState(sim, callId)).status).toBe('done');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('failed: the call is back with the agent, who can transfer again or hang up', async () => {
    const callId = await connectedToA1({ a2Online: false });
    const transferId = await transferTo(callId, { kind: 'external', number: '+3225550199' });
    await sim.cc.execute('call', callId, { type: 'FailTransfer', data: { transferId, reason: 'busy', at: sim.cc.now() } }, ctx('gateway'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallTransferFailed')).toMatchObject({ transferId, reason: 'busy' });
    expect(await callState(sim, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null, wrapUps: {} });
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);
    // The old transfer id is gone: completing it now is refused.
    await expect(sim.cc.completeExternalTransfer(callId, transferId, ctx('gateway'))).rejects.toMatchObject({ code: 'NoTransferInProgress' });
    await sim.cc.hangUp(callId, 'agent', 'a1', null, ctx('a1'));
    await sim.cc.whenIdle();
    expect(await callEventTypes(sim, callId)).toContain('CallEnded');
  });

  test('a number that is not E.164 is refused', async () => {
    const callId = await connectedToA1({ a2Online: false });
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'external', number: '0475 12 34 56' }, ctx('a1'))).rejects.toMatchObject({ code: 'InvalidPhoneNumber' });
    expect((await callState(sim, callId)).transfer).toBeNull();
  });
});
