import { afterEach, describe, expect, test } from 'vitest';
import type { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import {
  agent,
  agentActs,
  agentEvents,
  agentIn,
  agentState,
  call,
  callEvents,
  callIn,
  callState,
  ctx,
  lastOf,
  ORG,
  queue,
  queueIn,
  startCenter,
} from './runtime-harness.ts';

let sim: SimulatedContactCenter;
afterEach(async () => sim?.stop());

const ORG2 = 'org-2';

const forceEnd = async (organisationId: string, requestedBy: string): Promise<void> => {
  await sim.cc.execute('organisation', organisationId, { type: 'ForceEndAllCalls', data: { requestedBy, at: sim.cc.now() } }, { organisationId, actor: { kind: 'user', userId: requestedBy } });
  await sim.cc.whenIdle();
};

describe("a supervisor's ForceEndAllCalls", () => {
  test('ends every active call of the organisation (waiting, ringing, connected, on hold, external) and leaves other organisations alone', async () => {
    sim = await startCenter();
    await queue(sim, 'q1', { wrapUpSeconds: 30 });
    // Agents come online one by one so each call lands on a known agent.
    await agent(sim, 'a1', ['q1']);
    const connected = await call(sim, 'q1', '+3225550101');
    await agentActs(sim, connected, 'AnswerCall', 'a1');
    await agent(sim, 'a2', ['q1']);
    const onHold = await call(sim, 'q1', '+3225550102');
    await agentActs(sim, onHold, 'AnswerCall', 'a2');
    await agentActs(sim, onHold, 'HoldCall', 'a2');
    await agent(sim, 'a4', ['q1']);
    const external = await call(sim, 'q1', '+3225550104');
    await agentActs(sim, external, 'AnswerCall', 'a4');
    const transfer = await sim.cc.requestTransfer(external, 'a4', { kind: 'external', number: '+3225550199' }, ctx('a4'));
    await sim.cc.completeExternalTransfer(external, (transfer.events[0]?.data as { transferId: string }).transferId, ctx('gateway'));
    await agent(sim, 'a3', ['q1']);
    const ringing = await call(sim, 'q1', '+3225550103');
    const waiting = await call(sim, 'q1', '+3225550105'); // every agent is taken

    // A call that ended before, its agent still wrapping up: not active, left as it is.
    await agent(sim, 'a5', ['q1']); // the waiting caller goes to a5, talks, hangs up: a5 wraps up
    await sim.cc.whenIdle();
    const waitingOfferedToA5 = lastOf<{ agentId: string }>(await callEvents(sim, waiting), 'CallOffered');
    expect(waitingOfferedToA5?.agentId).toBe('a5');
    await agentActs(sim, waiting, 'AnswerCall', 'a5');
    await sim.cc.hangUp(waiting, 'caller', null, null, ctx('gateway'));
    await sim.cc.whenIdle();
    const stillWaiting = await call(sim, 'q1', '+3225550106');

    expect((await callState(sim, connected)).status).toBe('connected');
    expect(await callState(sim, onHold)).toMatchObject({ status: 'connected', onHold: true });
    expect((await callState(sim, external)).status).toBe('external');
    expect((await callState(sim, ringing)).status).toBe('ringing');
    expect((await callState(sim, stillWaiting)).status).toBe('waiting');
    expect((await callState(sim, waiting)).status).toBe('wrap-up');

    // The second organisation: one connected, one ringing, one waiting.
    await sim.createOrganisation(ORG2);
    await queueIn(sim, ORG2, 'q-b');
    await agentIn(sim, ORG2, 'b1', ['q-b']);
    const otherConnected = await callIn(sim, ORG2, 'q-b');
    await agentActs(sim, otherConnected, 'AnswerCall', 'b1', ORG2);
    await agentIn(sim, ORG2, 'b2', ['q-b']);
    const otherRinging = await callIn(sim, ORG2, 'q-b');
    const otherWaiting = await callIn(sim, ORG2, 'q-b');
    const otherCounts = await Promise.all([otherConnected, otherRinging, otherWaiting].map(async (id) => (await callEvents(sim, id)).length));
    const otherAgentCounts = await Promise.all(['b1', 'b2'].map(async (id) => (await agentEvents(sim, id)).length));
    const wrapUpEventsBefore = (await callEvents(sim, waiting)).length;

    await forceEnd(ORG, 'sup-1');

    for (const callId of [connected, onHold, external, ringing, stillWaiting]) {
      const ended = lastOf(await callEvents(sim, callId), 'CallEnded');
      expect(ended, `call ${callId} ended`).toMatchObject({ endedBy: 'supervisor', reason: 'force-ended by sup-1' });
    }
    expect(lastOf(await callEvents(sim, ringing), 'CallOfferWithdrawn')).toMatchObject({ agentId: 'a3', reason: 'force-ended' });
    expect(await callState(sim, ringing)).toMatchObject({ status: 'done', outcome: 'force-ended' });
    expect(await callState(sim, stillWaiting)).toMatchObject({ status: 'done', outcome: 'force-ended' });
    expect(lastOf(await agentEvents(sim, 'a3'), 'AgentReleased')).toMatchObject({ callId: ringing, reason: 'withdrawn' });

    // Agents who were talking wrap up; the one on hold too (the hold ends with the call).
    expect(await callState(sim, connected)).toMatchObject({ status: 'wrap-up', connectedAgentId: null });
    expect(await callState(sim, onHold)).toMatchObject({ status: 'wrap-up', onHold: false });
    expect((await agentState(sim, 'a1')).reservation?.callId).toBe(connected);
    expect((await agentState(sim, 'a2')).reservation?.callId).toBe(onHold);
    expect((await callState(sim, external)).outcome).toBe('transferred-externally');
    // The call that had already ended is untouched.
    expect((await callEvents(sim, waiting)).length).toBe(wrapUpEventsBefore);

    // Nothing of the other organisation moved.
    expect(await Promise.all([otherConnected, otherRinging, otherWaiting].map(async (id) => (await callEvents(sim, id)).length))).toEqual(otherCounts);
    expect(await Promise.all(['b1', 'b2'].map(async (id) => (await agentEvents(sim, id)).length))).toEqual(otherAgentCounts);
    expect((await callState(sim, otherConnected)).connectedAgentId).toBe('b1');
    expect((await callState(sim, otherRinging)).offers.map((offer) => offer.agentId)).toEqual(['b2']);
    expect((await callState(sim, otherWaiting)).status).toBe('waiting');

    // Wrap-ups run out on their own; every agent of org-1 is then free and takes calls again.
    await sim.advanceBy(30);
    for (const agentId of ['a1', 'a2', 'a3', 'a4', 'a5']) expect((await agentState(sim, agentId)).reservation, agentId).toBeNull();
    const after = await call(sim, 'q1');
    expect((await callState(sim, after)).status).toBe('ringing');
  });

  test('with no active call it changes nothing but the request itself', async () => {
    sim = await startCenter();
    await queue(sim, 'q1');
    await agent(sim, 'a1', ['q1']);
    await forceEnd(ORG, 'sup-1');
    expect((await agentState(sim, 'a1')).reservation).toBeNull();
    const callId = await call(sim, 'q1');
    expect(lastOf(await callEvents(sim, callId), 'CallOffered')).toMatchObject({ agentId: 'a1' });
  });
});
