/**
 * Organisations share one center (one log, one router) but never each other's calls or agents.
 * An agent's JoinQueue names a queue id only (the agent decider cannot see which organisation owns
 * it), so an agent may end up a "member" of another organisation's queue: the router and the call
 * flow must still never put a call and an agent of different organisations together.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import {
  agentActs,
  agentEvents,
  agentIn,
  agentState,
  callEvents,
  callIn,
  callState,
  ctxIn,
  lastOf,
  queueIn,
  startCenter,
  ORG,
} from './runtime-harness.ts';

let sim: SimulatedContactCenter;
afterEach(async () => sim?.stop());

const A = ORG;
const B = 'org-b';

const setUp = async (): Promise<void> => {
  sim = await startCenter();
  await sim.createOrganisation(B);
  await queueIn(sim, A, 'qa');
  await queueIn(sim, B, 'qb');
  await agentIn(sim, A, 'a1', ['qa'], { online: false });
  await agentIn(sim, B, 'b1', ['qb']);
  await sim.cc.whenIdle();
};

const joinQueue = async (organisationId: string, agentId: string, queueId: string): Promise<void> => {
  await sim.cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: sim.cc.now() } }, ctxIn(organisationId, agentId));
  await sim.cc.whenIdle();
};

const reservationsOf = async (agentId: string): Promise<string[]> =>
  (await agentEvents(sim, agentId)).filter((event) => event.type === 'AgentReserved').map((event) => (event.data as { callId: string }).callId);

describe('organisations are isolated in the running core', () => {
  test("a call of A waits rather than go to B's agent, even when that agent is the only one online", async () => {
    await setUp();
    const callId = await callIn(sim, A, 'qa');
    await sim.advanceBy(60);
    expect((await callState(sim, callId)).status).toBe('waiting');
    expect(await reservationsOf('b1')).toEqual([]);

    await sim.setStatus(A, 'a1', 'online');
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallOffered')).toMatchObject({ agentId: 'a1' });
  });

  test("an agent of B who joins A's queue id is never offered A's calls; A's own agent is", async () => {
    await setUp();
    await joinQueue(B, 'b1', 'qa');
    expect((await agentState(sim, 'b1')).queues).toHaveProperty('qa'); // the agent stream accepts it...
    const callId = await callIn(sim, A, 'qa');
    await sim.advanceBy(60);
    expect((await callState(sim, callId)).status).toBe('waiting'); // ...but the router does not route across
    expect(await reservationsOf('b1')).toEqual([]);
    expect(sim.cc.router.queueView('qa')?.organisationId).toBe(A);

    await sim.setStatus(A, 'a1', 'online');
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallOffered')).toMatchObject({ agentId: 'a1' });
    // b1 still takes B's calls.
    const own = await callIn(sim, B, 'qb');
    expect(lastOf(await callEvents(sim, own), 'CallOffered')).toMatchObject({ agentId: 'b1' });
  });

  test('joining a queue id before its owner creates it does not let the other organisation in either', async () => {
    await setUp();
    await joinQueue(B, 'b1', 'q-later'); // the router learns of q-later from B's agent first
    await queueIn(sim, A, 'q-later');
    const callId = await callIn(sim, A, 'q-later');
    await sim.advanceBy(30);
    expect((await callState(sim, callId)).status).toBe('waiting');
    expect(await reservationsOf('b1')).toEqual([]);
    expect(sim.cc.router.queueView('q-later')?.organisationId).toBe(A);
  });

  test("a call cannot be received for, transferred to, or overflow into another organisation's queue", async () => {
    await setUp();
    await expect(sim.cc.receiveCall({ organisationId: A, queueId: 'qb', channel: 'pstn', caller: { number: '+3225550100', name: null, customerId: null } }, ctxIn(A, 'gateway'))).rejects.toMatchObject({
      code: 'QueueNotFound',
    });

    await sim.setStatus(A, 'a1', 'online');
    const callId = await callIn(sim, A, 'qa');
    await agentActs(sim, callId, 'AnswerCall', 'a1');
    await expect(sim.cc.requestTransfer(callId, 'a1', { kind: 'queue', queueId: 'qb' }, ctxIn(A, 'a1'))).rejects.toMatchObject({ code: 'QueueNotFound' });
    expect((await callState(sim, callId)).connectedAgentId).toBe('a1');

    // A queue of A whose overflow names B's queue: at max wait the call ends instead of crossing over.
    await queueIn(sim, A, 'qa-overflowing', { maxWaitSeconds: 30, overflowQueueId: 'qb' });
    const waiting = await callIn(sim, A, 'qa-overflowing');
    await sim.advanceBy(31);
    expect(lastOf(await callEvents(sim, waiting), 'CallWaitExpired')).toMatchObject({ overflowQueueId: null });
    expect(await callState(sim, waiting)).toMatchObject({ status: 'done', outcome: 'expired' });
    expect(await reservationsOf('b1')).toEqual([]);
  });

  test("a transfer of A's call to B's agent is cancelled (unavailable), even when that agent joined A's queue", async () => {
    await setUp();
    await sim.setStatus(A, 'a1', 'online');
    const callId = await callIn(sim, A, 'qa');
    await agentActs(sim, callId, 'AnswerCall', 'a1');

    await sim.cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'b1' }, ctxIn(A, 'a1'));
    await sim.cc.whenIdle();
    expect(lastOf(await callEvents(sim, callId), 'CallTransferRejected')).toMatchObject({ reason: 'unavailable', toAgentId: null });

    await joinQueue(B, 'b1', 'qa');
    await sim.cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'b1' }, ctxIn(A, 'a1'));
    await sim.cc.whenIdle();
    const events = await callEvents(sim, callId);
    expect(events.map((event) => event.type)).not.toContain('CallTransferOffered');
    expect(lastOf(events, 'CallTransferRejected')).toMatchObject({ reason: 'unavailable' });
    expect(await reservationsOf('b1')).toEqual([]);
    expect(await callState(sim, callId)).toMatchObject({ connectedAgentId: 'a1', transfer: null });
  });
});
