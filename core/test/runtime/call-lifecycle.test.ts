import { afterEach, describe, expect, test } from 'vitest';
import type { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import { agent, agentState, call, callEvents, callEventTypes, callState, ctx, lastOf, queue, startCenter } from './runtime-harness.ts';

let sim: SimulatedContactCenter;
afterEach(async () => sim?.stop());

describe('a call through the running core (store, router, call flow, timers)', () => {
  test('is offered to the available agent, answered, held, resumed, ended, wrapped up; the agent is then free again', async () => {
    sim = await startCenter();
    await queue(sim, 'q1');
    await agent(sim, 'a1', ['q1']);
    const callId = await call(sim, 'q1');

    expect((await callState(sim, callId)).status).toBe('ringing');
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(callId);

    const answer = (type: 'AnswerCall' | 'HoldCall' | 'ResumeCall') => sim.cc.execute('call', callId, { type, data: { agentId: 'a1', at: sim.cc.now() } }, ctx('a1'));
    await answer('AnswerCall');
    await answer('HoldCall');
    await answer('ResumeCall');
    await sim.cc.hangUp(callId, 'agent', 'a1', null, ctx('a1'));
    await sim.cc.whenIdle();
    expect((await callState(sim, callId)).status).toBe('wrap-up');
    expect((await agentState(sim, 'a1')).reservation).not.toBeNull();

    await sim.cc.execute(
      'call',
      callId,
      { type: 'CompleteWrapUp', data: { agentId: 'a1', notes: 'Refund agreed', rating: 5, conversationStatus: 'closed', at: sim.cc.now() } },
      ctx('a1'),
    );
    await sim.cc.whenIdle();

    expect(await callEventTypes(sim, callId)).toEqual([
      'CallReceived',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'CallHeld',
      'CallResumed',
      'CallEnded',
      'WrapUpStarted',
      'WrapUpCompleted',
    ]);
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    const released = (await import('./runtime-harness.ts')).lastOf(await (await import('./runtime-harness.ts')).agentEvents(sim, 'a1'), 'AgentReleased');
    expect(released).toMatchObject({ callId, reason: 'wrap-up-done' });

    // Free again: the next call is offered to the same agent.
    const next = await call(sim, 'q1');
    expect(lastOf(await callEvents(sim, next), 'CallOffered')).toMatchObject({ agentId: 'a1' });
  });

  test('an unanswered offer times out, counts a missed offer, and the call goes to the next agent at its place in line', async () => {
    sim = await startCenter();
    await queue(sim, 'q1', { ringTimeoutSeconds: 15 });
    await agent(sim, 'a1', ['q1']);
    const first = await call(sim, 'q1');
    await sim.advanceBy(5);
    await agent(sim, 'a2', ['q1'], { online: false });
    const second = await call(sim, 'q1'); // waits: a1 is ringing, a2 offline
    expect((await callState(sim, second)).status).toBe('waiting');

    await sim.setStatus('org-1', 'a2', 'online'); // a2 takes the second call
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, second), 'CallOffered')).toMatchObject({ agentId: 'a2' });

    await sim.advanceBy(11); // a1's ring times out at 15 s
    expect(await callEventTypes(sim, first)).toContain('CallOfferTimedOut');
    expect((await agentState(sim, 'a1')).missedOffersInRow).toBe(1);
    // a1 is free, and the first call is offered to it again (the only free agent).
    expect((await callEvents(sim, first)).filter((event) => event.type === 'CallOffered').map((event) => (event.data as { agentId: string }).agentId)).toEqual(['a1', 'a1']);
  });

  test('a declined call returns to the queue ahead of later callers', async () => {
    sim = await startCenter();
    await queue(sim, 'q1');
    await agent(sim, 'a1', ['q1']);
    const early = await call(sim, 'q1');
    await sim.advanceBy(2);
    const late = await call(sim, 'q1');
    await sim.cc.execute('call', early, { type: 'DeclineOffer', data: { agentId: 'a1', at: sim.cc.now() } }, ctx('a1'));
    await sim.cc.whenIdle();
    // a1 is free again; the early caller is first in line, not the late one.
    expect((await callEvents(sim, early)).filter((event) => event.type === 'CallOffered')).toHaveLength(2);
    expect((await callState(sim, late)).status).toBe('waiting');
    expect(lastOf(await (await import('./runtime-harness.ts')).agentEvents(sim, 'a1'), 'AgentReleased')).toMatchObject({ reason: 'declined' });
  });

  test('an agent going Offline while ringing gives the call back to the queue, to the next agent', async () => {
    sim = await startCenter();
    await queue(sim, 'q1');
    await agent(sim, 'a1', ['q1']);
    const callId = await call(sim, 'q1');
    await agent(sim, 'a2', ['q1']);
    await sim.setStatus('org-1', 'a1', 'offline');
    await sim.cc.whenIdle();
    const events = await callEvents(sim, callId);
    expect(lastOf(events, 'CallOfferWithdrawn')).toMatchObject({ agentId: 'a1', reason: 'agent-unavailable' });
    expect(lastOf(events, 'CallOffered')).toMatchObject({ agentId: 'a2' });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('the caller hanging up while ringing abandons the call and frees the agent', async () => {
    sim = await startCenter();
    await queue(sim, 'q1');
    await agent(sim, 'a1', ['q1']);
    const callId = await call(sim, 'q1');
    await sim.cc.hangUp(callId, 'caller', null, null, ctx('gateway'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallAbandoned')).toMatchObject({ while: 'ringing' });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('wrap-up ends by itself when its time is up, extended by +10 s when asked', async () => {
    sim = await startCenter();
    await queue(sim, 'q1', { wrapUpSeconds: 30 });
    await agent(sim, 'a1', ['q1']);
    const callId = await call(sim, 'q1');
    await sim.cc.execute('call', callId, { type: 'AnswerCall', data: { agentId: 'a1', at: sim.cc.now() } }, ctx('a1'));
    await sim.cc.hangUp(callId, 'caller', null, null, ctx('gateway'));
    await sim.advanceBy(20);
    await sim.cc.execute('call', callId, { type: 'ExtendWrapUp', data: { agentId: 'a1', seconds: 10, at: sim.cc.now() } }, ctx('a1'));
    await sim.advanceBy(15); // 35 s: past the original 30 s, before the extended 40 s
    expect((await callState(sim, callId)).status).toBe('wrap-up');
    await sim.advanceBy(5);
    expect(lastOf(await callEvents(sim, callId), 'WrapUpCompleted')).toMatchObject({ endedBy: 'timer' });
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
  });

  test('max wait overflows the caller to the overflow queue, keeping the original place in line', async () => {
    sim = await startCenter();
    await queue(sim, 'overflow');
    await queue(sim, 'q1', { maxWaitSeconds: 60, overflowQueueId: 'overflow' });
    const callId = await call(sim, 'q1');
    await sim.advanceBy(61);
    const events = await callEvents(sim, callId);
    expect(lastOf(events, 'CallWaitExpired')).toMatchObject({ queueId: 'q1', overflowQueueId: 'overflow' });
    expect(lastOf(events, 'CallQueued')).toMatchObject({ queueId: 'overflow', queuedAt: (events[1]?.data as { queuedAt: string }).queuedAt });
    await agent(sim, 'a9', ['overflow']);
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallOffered')).toMatchObject({ agentId: 'a9' });
  });

  test('N missed offers in a row set the agent Offline', async () => {
    sim = await startCenter({ maxMissedOffersInRow: 2 });
    await queue(sim, 'q1', { ringTimeoutSeconds: 10 });
    await agent(sim, 'a1', ['q1']);
    await call(sim, 'q1');
    await sim.advanceBy(10); // missed once, offered again
    await sim.advanceBy(10); // missed twice -> offline
    const state = await agentState(sim, 'a1');
    expect(state.status).toBe('offline');
    expect(state.statusReason).toBe('missed-offers');
  });

  test('ring-all rings every available member; the first answer wins and the others are released', async () => {
    sim = await startCenter();
    await queue(sim, 'q1', { strategy: 'ring-all' });
    for (const id of ['a1', 'a2', 'a3']) await agent(sim, id, ['q1']);
    const callId = await call(sim, 'q1');
    expect((await callState(sim, callId)).offers.map((offer) => offer.agentId).sort()).toEqual(['a1', 'a2', 'a3']);
    await sim.cc.execute('call', callId, { type: 'AnswerCall', data: { agentId: 'a2', at: sim.cc.now() } }, ctx('a2'));
    await sim.cc.whenIdle();
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    expect((await agentState(sim, 'a3')).reservation).toBeNull();
    expect((await agentState(sim, 'a2')).reservation?.callId).toBe(callId);
  });
});
