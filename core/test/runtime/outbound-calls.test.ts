import { afterEach, describe, expect, test } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import type { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import {
  agent,
  agentEvents,
  agentState,
  call,
  callEvents,
  callEventTypes,
  callState,
  completeWrapUp,
  ctx,
  lastOf,
  ORG,
  queue,
  startCenter,
  typesOf,
} from './runtime-harness.ts';

let sim: SimulatedContactCenter;
afterEach(async () => sim?.stop());

const setUp = async (): Promise<void> => {
  sim = await startCenter();
  await queue(sim, 'q1', { number: '+3225551000', wrapUpSeconds: 30 });
  await agent(sim, 'a1', ['q1']);
};

const placeCall = async (input: { number?: string | null; customerId?: string | null; queueId?: string | null; agentId?: string } = {}): Promise<string> => {
  const { callId } = await sim.cc.placeOutboundCall(
    { organisationId: ORG, agentId: input.agentId ?? 'a1', number: input.number === undefined ? '+3225550199' : input.number, customerId: input.customerId ?? null, queueId: input.queueId ?? 'q1' },
    ctx(input.agentId ?? 'a1'),
  );
  await sim.cc.whenIdle();
  return callId;
};

describe('an agent places an outbound call', () => {
  test('the agent is reserved for it (kind outbound) and the call dials with the queue number as caller id', async () => {
    await setUp();
    const callId = await placeCall();
    const reservation = (await agentState(sim, 'a1')).reservation;
    expect(reservation).toMatchObject({ callId, kind: 'outbound' });
    const placed = lastOf<{ reservationId: string; callerId: string; callee: unknown }>(await callEvents(sim, callId), 'OutboundCallPlaced');
    expect(placed).toMatchObject({ callerId: '+3225551000', callee: { number: '+3225550199', customerId: null }, reservationId: reservation?.offerId });
    expect((await callState(sim, callId)).status).toBe('dialling');
  });

  test('while dialling, the agent is not offered inbound calls (one call per agent)', async () => {
    await setUp();
    await placeCall();
    const inbound = await call(sim, 'q1');
    expect((await callState(sim, inbound)).status).toBe('waiting');
    expect(await callEventTypes(sim, inbound)).not.toContain('CallOffered');
  });

  test('an agent already on a call cannot place another, and nothing is written for the refused call', async () => {
    await setUp();
    await placeCall();
    const error = await sim.cc
      .placeOutboundCall({ organisationId: ORG, agentId: 'a1', number: '+3225550777', queueId: 'q1' }, ctx('a1'))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('AgentNotAvailable');
  });

  test('an invalid number is refused before the agent is reserved', async () => {
    await setUp();
    const error = await sim.cc.placeOutboundCall({ organisationId: ORG, agentId: 'a1', number: '12345', queueId: 'q1' }, ctx('a1')).catch((caught: unknown) => caught);
    expect((error as DomainError).code).toBe('InvalidPhoneNumber');
    expect(typesOf(await agentEvents(sim, 'a1'))).not.toContain('AgentReserved');
  });

  test('an agent on a break may still dial out', async () => {
    sim = await startCenter();
    await queue(sim, 'q1', { number: '+3225551000' });
    await agent(sim, 'a1', ['q1'], { online: false });
    const callId = await placeCall();
    expect((await callState(sim, callId)).status).toBe('dialling');
  });
});

describe('the far end answers, or does not', () => {
  test('answered: connected to the agent; hold and hang-up work; wrap-up follows and then the agent is released', async () => {
    await setUp();
    const callId = await placeCall();
    await sim.cc.reportOutboundRinging(callId, true, ctx('gateway'));
    await sim.cc.answerOutboundCall(callId, ctx('gateway'));
    await sim.cc.whenIdle();
    expect((await callState(sim, callId)).connectedAgentId).toBe('a1');
    await sim.cc.execute('call', callId, { type: 'HoldCall', data: { agentId: 'a1', at: sim.cc.now() } }, ctx('a1'));
    await sim.cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'a1', at: sim.cc.now() } }, ctx('a1'));
    await sim.cc.hangUp(callId, 'caller', null, null, ctx('gateway'));
    await sim.cc.whenIdle();
    expect(await callEventTypes(sim, callId)).toEqual([
      'OutboundCallPlaced',
      'OutboundCallRinging',
      'OutboundCallAnswered',
      'CallHeld',
      'CallResumed',
      'CallEnded',
      'WrapUpStarted',
    ]);
    expect((await agentState(sim, 'a1')).reservation).not.toBeNull();
    await completeWrapUp(sim, callId, 'a1');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    expect(lastOf(await agentEvents(sim, 'a1'), 'AgentReleased')).toMatchObject({ callId, reason: 'wrap-up-done' });
  });

  test('busy: the call fails, the agent is released at once with no wrap-up and can take inbound calls again', async () => {
    await setUp();
    const callId = await placeCall();
    const inbound = await call(sim, 'q1');
    await sim.cc.failOutboundCall(callId, 'busy', 486, ctx('gateway'));
    await sim.cc.whenIdle();
    expect(await callEventTypes(sim, callId)).toEqual(['OutboundCallPlaced', 'OutboundCallFailed']);
    expect(lastOf(await agentEvents(sim, 'a1'), 'AgentReleased')).toMatchObject({ callId, reason: 'outbound-failed' });
    // The waiting inbound call goes to the freed agent.
    expect(lastOf(await callEvents(sim, inbound), 'CallOffered')).toMatchObject({ agentId: 'a1' });
  });

  test('the agent hangs up while it rings: cancelled, released', async () => {
    await setUp();
    const callId = await placeCall();
    await sim.cc.hangUp(callId, 'agent', 'a1', null, ctx('a1'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'OutboundCallFailed')).toMatchObject({ reason: 'cancelled', agentId: 'a1' });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('nobody answers before the dial timeout: the timer fails the call as no-answer and frees the agent', async () => {
    await setUp();
    const { callId } = await sim.cc.placeOutboundCall({ organisationId: ORG, agentId: 'a1', number: '+3225550199', dialTimeoutSeconds: 45 }, ctx('a1'));
    await sim.cc.whenIdle();
    await sim.advanceBy(44);
    expect((await callState(sim, callId)).status).toBe('dialling');
    await sim.advanceBy(2);
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'OutboundCallFailed')).toMatchObject({ reason: 'no-answer', sipStatus: null });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('a supervisor force-end cancels calls being dialled', async () => {
    await setUp();
    const callId = await placeCall();
    await sim.cc.execute('organisation', ORG, { type: 'ForceEndAllCalls', data: { requestedBy: 'sup', at: sim.cc.now() } }, ctx('sup'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'OutboundCallFailed')).toMatchObject({ reason: 'cancelled' });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });
});
