/**
 * pickUpCall over real HTTP: an agent takes a waiting call from the queue board ahead of the router.
 * Each test has its own queue whose agents start on Break, so its calls wait until someone picks them up.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anotherOrganisation, codeOf, gql, login, newSignedInAgent, signInOwner, startTestServer, subscribe, type GqlResult, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ owner, organisationId } = await signInOwner(t));
});
afterAll(async () => t?.stop());

const PICK_UP = 'mutation($c:ID!){pickUpCall(callId:$c){id status lastAgentId}}';

const newQueue = async (name: string): Promise<string> => (await gql(t.url, 'mutation($n:String!){createQueue(input:{name:$n, wrapUpSeconds:60, ringTimeoutSeconds:60}){id}}', { n: name }, owner)).data?.createQueue.id;

const agentOf = async (queueId: string, status: 'ONLINE' | 'BREAK' | 'OFFLINE' = 'BREAK'): Promise<{ agentId: string; token: string }> => {
  const agent = await newSignedInAgent(t, owner, { queueIds: [queueId] });
  if (status !== 'OFFLINE') await setStatus(agent.token, status);
  return agent;
};

const setStatus = async (token: string, status: string): Promise<void> => {
  const result = await gql(t.url, 'mutation($s:AgentStatus!){setAgentStatus(status:$s){id}}', { s: status }, token);
  expect(result.errors).toBeUndefined();
};

/** What the gateway does: a caller arrives for the queue. */
const incomingCall = async (queueId: string, number = '+3225550177'): Promise<string> => {
  const { core } = t.server.platform;
  const { callId } = await core.receiveCall({ organisationId, queueId, channel: 'pstn', caller: { number, name: 'Grace Hopper', customerId: null } }, { organisationId, actor: { kind: 'system', component: 'gateway' } });
  await core.whenIdle();
  await t.server.platform.readSide.whenCaughtUpTo(core.processedPosition);
  return callId;
};

const callOf = async (callId: string): Promise<{ status: string; lastAgentId: string | null; timeline: Array<{ type: string; agentId: string | null }> }> =>
  (await gql(t.url, 'query($c:ID!){call(id:$c){status lastAgentId timeline{type agentId}}}', { c: callId }, owner)).data?.call;

const offersOf = async (callId: string): Promise<string[]> =>
  (await callOf(callId)).timeline.filter((entry) => entry.type === 'CallOffered').map((entry) => entry.agentId ?? '');

const pickUp = (callId: string, token: string) => gql(t.url, PICK_UP, { c: callId }, token);

const extension = (result: GqlResult, key: string): unknown => (result.errors?.[0]?.extensions as Record<string, unknown> | undefined)?.[key];

describe('pickUpCall', () => {
  test('an agent on Break picks up a waiting call: it is offered to them, they answer it, and they stay on Break', async () => {
    const queueId = await newQueue('Pick-up');
    const { agentId, token } = await agentOf(queueId);
    const callId = await incomingCall(queueId);
    // The router never offers to an agent on Break: the call waits.
    expect((await callOf(callId)).status).toBe('WAITING');

    const offers = await subscribe(t.url, 'subscription{myCallOffers{callId agentId kind offerId}}', token);
    const picked = await pickUp(callId, token);
    expect(picked.errors).toBeUndefined();
    expect(picked.data?.pickUpCall).toMatchObject({ id: callId, status: 'RINGING' });
    expect((await offers.next()).data.myCallOffers).toMatchObject({ callId, agentId, kind: 'OFFER' });
    offers.close();
    const board = await gql(t.url, '{callQueue{rows{callId status agentId}}}', {}, owner);
    expect(board.data?.callQueue.rows).toContainEqual({ callId, status: 'RINGING', agentId });

    const answered = await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){status lastAgentId}}', { c: callId }, token);
    expect(answered.data?.answerCall).toEqual({ status: 'IN_PROGRESS', lastAgentId: agentId });
    expect(await offersOf(callId)).toEqual([agentId]);
    const me = await gql(t.url, '{me{agent{status}}}', {}, token);
    expect(me.data?.me.agent.status).toBe('BREAK');

    // Done with that call, still on Break: the router leaves the next call waiting for them.
    await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: callId }, token);
    await gql(t.url, 'mutation($c:ID!){completeWrapUp(callId:$c){id}}', { c: callId }, token);
    const next = await incomingCall(queueId);
    expect((await callOf(next)).status).toBe('WAITING');
    expect((await pickUp(next, token)).data?.pickUpCall.status).toBe('RINGING');
    await gql(t.url, 'mutation($c:ID!){declineCall(callId:$c){id}}', { c: next }, token);
  });

  test('an agent who picked up a call from Break and then goes Offline while it rings: the offer is withdrawn and the call waits again', async () => {
    const queueId = await newQueue('Pick-up withdrawn');
    const { agentId, token } = await agentOf(queueId);
    const callId = await incomingCall(queueId);
    expect((await pickUp(callId, token)).data?.pickUpCall.status).toBe('RINGING');
    // Still on Break a moment later: a picked-up offer is not withdrawn for the aux status.
    await t.server.platform.core.whenIdle();
    expect((await callOf(callId)).status).toBe('RINGING');
    await setStatus(token, 'OFFLINE');
    await t.server.platform.core.whenIdle();
    await t.server.platform.readSide.whenCaughtUpTo(t.server.platform.core.processedPosition);
    const call = await callOf(callId);
    expect(call.status).toBe('WAITING');
    expect(call.timeline.map((entry) => entry.type)).toContain('CallOfferWithdrawn');
    expect(t.server.platform.core.router.agentView(agentId)?.reservation).toBeNull();
  });

  test('CALL_NOT_FOUND for an unknown call and for another organisation\'s call', async () => {
    const queueId = await newQueue('Pick-up not found');
    const { token } = await agentOf(queueId);
    expect(codeOf(await pickUp('00000000-0000-4000-8000-000000000000', token))).toBe('CALL_NOT_FOUND');

    const callId = await incomingCall(queueId);
    const other = await anotherOrganisation(t);
    const otherOwner = await login(t.url, other.email, other.password);
    const otherQueue = (await gql(t.url, 'mutation{createQueue(input:{name:"Elsewhere"}){id}}', {}, otherOwner)).data?.createQueue.id as string;
    const stranger = await newSignedInAgent(t, otherOwner, { queueIds: [otherQueue] });
    await setStatus(stranger.token, 'ONLINE');
    const refused = await pickUp(callId, stranger.token);
    expect(codeOf(refused)).toBe('CALL_NOT_FOUND');
    expect(await offersOf(callId)).toEqual([]);
  });

  test('CALL_NOT_WAITING with the status when the call already rings, is connected or has ended', async () => {
    const queueId = await newQueue('Pick-up not waiting');
    const online = await agentOf(queueId, 'ONLINE');
    const onBreak = await agentOf(queueId);
    const callId = await incomingCall(queueId);
    expect(await offersOf(callId)).toEqual([online.agentId]);

    const ringing = await pickUp(callId, onBreak.token);
    expect(codeOf(ringing)).toBe('CALL_NOT_WAITING');
    expect(extension(ringing, 'status')).toBe('RINGING');
    expect(ringing.errors?.[0]?.message).toMatch(/no longer waiting \(it is ringing\)/);

    await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: callId }, online.token);
    const connected = await pickUp(callId, onBreak.token);
    expect(codeOf(connected)).toBe('CALL_NOT_WAITING');
    expect(extension(connected, 'status')).toBe('CONNECTED');

    await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: callId }, online.token);
    expect(extension(await pickUp(callId, onBreak.token), 'status')).toBe('WRAP_UP');
    await gql(t.url, 'mutation($c:ID!){completeWrapUp(callId:$c){id}}', { c: callId }, online.token);
    expect(codeOf(await pickUp(callId, onBreak.token))).toBe('CALL_NOT_WAITING');
    expect(await offersOf(callId)).toEqual([online.agentId]);
    await setStatus(online.token, 'OFFLINE');
  });

  test('AGENT_NOT_IN_QUEUE for an agent of another queue', async () => {
    const queueId = await newQueue('Pick-up queue');
    const otherQueue = await newQueue('Pick-up other queue');
    await agentOf(queueId);
    const outsider = await agentOf(otherQueue);
    const callId = await incomingCall(queueId);
    const refused = await pickUp(callId, outsider.token);
    expect(codeOf(refused)).toBe('AGENT_NOT_IN_QUEUE');
    expect(await offersOf(callId)).toEqual([]);
    expect((await callOf(callId)).status).toBe('WAITING');
  });

  test('AGENT_UNAVAILABLE with the reason: Offline, ringing, on a call, in wrap-up', async () => {
    const queueId = await newQueue('Pick-up unavailable');
    const agent = await agentOf(queueId, 'OFFLINE');
    const first = await incomingCall(queueId, '+3225550101');
    const second = await incomingCall(queueId, '+3225550102');

    const offline = await pickUp(first, agent.token);
    expect(codeOf(offline)).toBe('AGENT_UNAVAILABLE');
    expect(extension(offline, 'reason')).toBe('OFFLINE');
    expect(offline.errors?.[0]?.message).toMatch(/Offline/);

    await setStatus(agent.token, 'MEETING');
    expect((await pickUp(first, agent.token)).data?.pickUpCall.status).toBe('RINGING');
    const ringing = await pickUp(second, agent.token);
    expect([codeOf(ringing), extension(ringing, 'reason')]).toEqual(['AGENT_UNAVAILABLE', 'RINGING']);

    await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: first }, agent.token);
    const onCall = await pickUp(second, agent.token);
    expect([codeOf(onCall), extension(onCall, 'reason')]).toEqual(['AGENT_UNAVAILABLE', 'ON_CALL']);

    await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: first }, agent.token);
    const wrapUp = await pickUp(second, agent.token);
    expect([codeOf(wrapUp), extension(wrapUp, 'reason')]).toEqual(['AGENT_UNAVAILABLE', 'WRAP_UP']);
    expect(await offersOf(second)).toEqual([]);

    await gql(t.url, 'mutation($c:ID!){completeWrapUp(callId:$c){id}}', { c: first }, agent.token);
    expect((await pickUp(second, agent.token)).data?.pickUpCall.status).toBe('RINGING');
    await gql(t.url, 'mutation($c:ID!){declineCall(callId:$c){id}}', { c: second }, agent.token);
  });

  test('a user who is not an agent is told so', async () => {
    const queueId = await newQueue('Pick-up owner');
    const callId = await incomingCall(queueId);
    expect(codeOf(await pickUp(callId, owner))).toBe('BAD_USER_INPUT');
  });

  test('two agents picking up the same call at once: exactly one gets it, the other is told it is no longer waiting', async () => {
    const queueId = await newQueue('Pick-up race');
    const ana = await agentOf(queueId);
    const bob = await agentOf(queueId);
    for (let round = 0; round < 5; round += 1) {
      const callId = await incomingCall(queueId, `+322555020${round}`);
      const results = await Promise.all([pickUp(callId, ana.token), pickUp(callId, bob.token)]);
      const won = results.filter((result) => result.errors === undefined);
      const lost = results.filter((result) => result.errors !== undefined);
      expect(won).toHaveLength(1);
      expect(lost.map(codeOf)).toEqual(['CALL_NOT_WAITING']);
      const winner = results[0]?.errors === undefined ? ana : bob;
      expect(await offersOf(callId)).toEqual([winner.agentId]);
      // The loser's slot was given back: no call holds them.
      await gql(t.url, 'mutation($c:ID!){declineCall(callId:$c){id}}', { c: callId }, winner.token);
      await gql(t.url, 'mutation{forceEndAllCalls}', {}, owner);
    }
    const { core } = t.server.platform;
    for (const agent of [ana, bob]) expect(core.router.agentView(agent.agentId)?.reservation).toBeNull();
  });

  test('a pick-up racing the router: the call is offered once, and nobody gets two calls', async () => {
    const queueId = await newQueue('Pick-up router race');
    const picker = await agentOf(queueId);
    const routed = await agentOf(queueId, 'OFFLINE');
    for (let round = 0; round < 6; round += 1) {
      const callId = await incomingCall(queueId, `+322555030${round}`);
      // Going Online makes the router offer the call to `routed`: sent together with the pick-up
      // (which usually wins), or first, so the router has offered it when the pick-up arrives.
      const picked = round % 2 === 0
        ? (await Promise.all([pickUp(callId, picker.token), setStatus(routed.token, 'ONLINE')]))[0]
        : await setStatus(routed.token, 'ONLINE').then(() => pickUp(callId, picker.token));
      const offers = await offersOf(callId);
      expect(offers).toHaveLength(1);
      if (picked.errors === undefined) expect(offers).toEqual([picker.agentId]);
      else {
        expect(codeOf(picked)).toBe('CALL_NOT_WAITING');
        expect(offers).toEqual([routed.agentId]);
      }
      await gql(t.url, 'mutation{forceEndAllCalls}', {}, owner);
      await setStatus(routed.token, 'OFFLINE');
    }
  });
});
