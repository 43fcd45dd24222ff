import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anotherOrganisation, codeOf, gql, login, newSignedInAgent, signInOwner, startTestServer, subscribe, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
let queueId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ owner, organisationId } = await signInOwner(t));
  queueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Support", wrapUpSeconds:60}){id}}', {}, owner)).data?.createQueue.id;
});
afterAll(async () => t?.stop());

const newAgent = (): Promise<{ agentId: string; token: string }> => newSignedInAgent(t, owner, { queueIds: [queueId] });

/** What the gateway will do: put a call in through the core. */
const incomingCall = async (number = '+3225550199'): Promise<string> => {
  const { core } = t.server.platform;
  const { callId } = await core.receiveCall({ organisationId, queueId, channel: 'pstn', caller: { number, name: 'Grace Hopper', customerId: null } }, { organisationId, actor: { kind: 'system', component: 'gateway' } });
  await core.whenIdle();
  await t.server.platform.readSide.whenCaughtUpTo(core.processedPosition);
  return callId;
};

const CALL = 'id status lastAgentId holdSeconds wrapUps{notes rating conversationStatus}';

describe('an agent handles a call through GraphQL', () => {
  test('goes online, gets the offer over SSE, answers, holds, resumes, hangs up and completes wrap-up', async () => {
    const { agentId, token } = await newAgent();
    const online = await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id status}}', {}, token);
    expect(online.data?.setAgentStatus).toEqual({ id: agentId, status: 'ONLINE' });

    const offers = await subscribe(t.url, 'subscription{myCallOffers{callId agentId kind queueName callerNumber ringTimeoutAt}}', token);
    const board = await subscribe(t.url, 'subscription{queueBoardChanged{cards{total} rows{callId status}}}', owner);
    expect(offers.status).toBe(200);
    expect((await board.next()).data.queueBoardChanged.cards.total).toBe(0);

    const callId = await incomingCall();
    const offer = (await offers.next()).data.myCallOffers;
    expect(offer).toMatchObject({ callId, agentId, kind: 'OFFER', queueName: 'Support', callerNumber: '+3225550199' });
    let update = (await board.next()).data.queueBoardChanged;
    while (update.rows.length === 0) update = (await board.next()).data.queueBoardChanged;
    expect(update.rows[0].callId).toBe(callId);
    offers.close();
    board.close();

    const answered = await gql(t.url, `mutation($c:ID!){answerCall(callId:$c){${CALL}}}`, { c: callId }, token);
    expect(answered.errors).toBeUndefined();
    expect(answered.data?.answerCall).toMatchObject({ id: callId, status: 'IN_PROGRESS', lastAgentId: agentId });
    expect((await gql(t.url, `mutation($c:ID!){holdCall(callId:$c){${CALL}}}`, { c: callId }, token)).data?.holdCall.status).toBe('ON_HOLD');
    expect(codeOf(await gql(t.url, `mutation($c:ID!){holdCall(callId:$c){id}}`, { c: callId }, token))).toBe('CALL_ALREADY_ON_HOLD');
    expect((await gql(t.url, `mutation($c:ID!){resumeCall(callId:$c){${CALL}}}`, { c: callId }, token)).data?.resumeCall.status).toBe('IN_PROGRESS');
    expect((await gql(t.url, `mutation($c:ID!){hangupCall(callId:$c){${CALL}}}`, { c: callId }, token)).data?.hangupCall.status).toBe('WRAP_UP');
    expect((await gql(t.url, `mutation($c:ID!){extendWrapUp(callId:$c, seconds:30){id}}`, { c: callId }, token)).errors).toBeUndefined();
    const done = await gql(t.url, `mutation($c:ID!){completeWrapUp(callId:$c, notes:"Refund agreed", rating:5, conversationStatus:CLOSED){${CALL}}}`, { c: callId }, token);
    expect(done.data?.completeWrapUp).toMatchObject({ status: 'COMPLETED', wrapUps: [{ notes: 'Refund agreed', rating: 5, conversationStatus: 'CLOSED' }] });

    const history = await gql(t.url, '{calls(first:10){totalCount nodes{id}}}', {}, token);
    expect(history.data?.calls.nodes.map((c: { id: string }) => c.id)).toContain(callId);
    await gql(t.url, 'mutation{setAgentStatus(status:OFFLINE){id}}', {}, token);
  });

  test('callChanged follows one call once the read models show each change; another organisation hears nothing', async () => {
    const { token } = await newAgent();
    await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, token);
    const callId = await incomingCall('+3225550177');
    await gql(t.url, `mutation($c:ID!){answerCall(callId:$c){id}}`, { c: callId }, token);
    const followed = await subscribe(t.url, 'subscription($c:ID!){callChanged(callId:$c)}', token, { c: callId });
    const other = await anotherOrganisation(t);
    const strangerToken = await login(t.url, other.email, other.password);
    const stranger = await subscribe(t.url, 'subscription($c:ID!){callChanged(callId:$c)}', strangerToken, { c: callId });
    expect((await gql(t.url, `mutation($c:ID!){holdCall(callId:$c){id}}`, { c: callId }, token)).errors).toBeUndefined();
    expect((await followed.next()).data.callChanged).toBe(callId);
    // Already in the read model when it arrives: a re-read shows the hold.
    expect((await gql(t.url, `query($c:ID!){call(id:$c){status}}`, { c: callId }, token)).data?.call.status).toBe('ON_HOLD');
    await expect(stranger.next(500)).rejects.toThrow('no SSE message in time');
    followed.close();
    stranger.close();
    await gql(t.url, `mutation($c:ID!){hangupCall(callId:$c){id}}`, { c: callId }, token);
    await gql(t.url, 'mutation{setAgentStatus(status:OFFLINE){id}}', {}, token);
  });

  test('an agent cannot control another agent\'s call; a supervisor-level user can force-end all calls', async () => {
    const first = await newAgent();
    const second = await newAgent();
    await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, first.token);
    const callId = await incomingCall();
    // Who is ringing: the queue board's row for the call names the offered agent.
    const board = await gql(t.url, '{callQueue{rows{callId agentId}}}', {}, owner);
    const ringing = (board.data?.callQueue.rows as { callId: string; agentId: string }[]).find((row) => row.callId === callId)?.agentId as string;
    expect([first.agentId, second.agentId]).toContain(ringing);
    const bystander = ringing === first.agentId ? second : first;
    expect(codeOf(await gql(t.url, 'mutation($c:ID!,$a:ID!){answerCall(callId:$c, agentId:$a){id}}', { c: callId, a: ringing }, bystander.token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation($a:ID!){setAgentStatus(agentId:$a, status:BREAK){id}}', { a: ringing }, bystander.token))).toBe('FORBIDDEN');
    expect((await gql(t.url, 'mutation{forceEndAllCalls}', {}, owner)).data?.forceEndAllCalls).toBe(true);
    expect((await gql(t.url, `query($c:ID!){call(id:$c){status}}`, { c: callId }, owner)).data?.call.status).not.toMatch(/WAITING|RINGING|IN_PROGRESS/);
    await gql(t.url, 'mutation{setAgentStatus(status:OFFLINE){id}}', {}, first.token);
  });
});

describe('tenancy: a user of another organisation reaches nothing of this one', () => {
  test('every query, mutation and subscription', async () => {
    const { agentId, token } = await newAgent();
    await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, token);
    const callId = await incomingCall('+3225550111');
    const other = await anotherOrganisation(t);
    const stranger = await login(t.url, other.email, other.password);
    const refused = async (query: string, variables: Record<string, unknown>, codes: string[]) => {
      const result = await gql(t.url, query, variables, stranger);
      expect(codes, `${query} -> ${JSON.stringify(result)}`).toContain(codeOf(result));
    };
    const notFound = ['CALL_NOT_FOUND', 'AGENT_NOT_FOUND', 'QUEUE_NOT_FOUND'];
    for (const action of ['answerCall', 'declineCall', 'holdCall', 'resumeCall', 'hangupCall']) {
      await refused(`mutation($c:ID!,$a:ID){${action}(callId:$c, agentId:$a){id}}`, { c: callId, a: agentId }, notFound);
    }
    await refused('mutation($c:ID!){transferCall(callId:$c, target:{externalNumber:"+3225550000"}){id}}', { c: callId }, [...notFound, 'BAD_USER_INPUT']);
    await refused('mutation($c:ID!){extendWrapUp(callId:$c, seconds:10){id}}', { c: callId }, notFound);
    await refused('mutation($c:ID!){completeWrapUp(callId:$c){id}}', { c: callId }, notFound);
    await refused('mutation($a:ID!){setAgentStatus(agentId:$a, status:OFFLINE){id}}', { a: agentId }, notFound);
    for (const mutation of ['disableAgent', 'enableAgent', 'unlockAgent', 'deleteAgent', 'agentInviteLink']) {
      await refused(`mutation($a:ID!){${mutation}(agentId:$a){__typename}}`.replace('{__typename}', mutation === 'deleteAgent' ? '' : '{__typename}'), { a: agentId }, notFound);
    }
    await refused('mutation($a:ID!){updateAgent(agentId:$a, input:{alias:"x"}){id}}', { a: agentId }, notFound);
    await refused('mutation($a:ID!,$q:ID!){setAgentQueues(agentId:$a, queueIds:[$q]){id}}', { a: agentId, q: queueId }, notFound);
    await refused('mutation($q:ID!){updateQueue(queueId:$q, input:{name:"x"}){id}}', { q: queueId }, notFound);
    await refused('mutation($q:ID!){removeQueue(queueId:$q)}', { q: queueId }, notFound);
    await refused('query($q:ID!){queue(id:$q){id}}', { q: queueId }, notFound);
    await refused('query($a:ID!){agent(id:$a){id}}', { a: agentId }, notFound);
    await refused('query($c:ID!){call(id:$c){id}}', { c: callId }, notFound);

    // Lists and boards answer, but with the stranger's organisation only.
    const lists = await gql(t.url, '{calls{totalCount} agents{id} queues{id} callQueue{cards{total}} agentBoard{agentId} exportAgentsCsv metrics(from:"2020-01-01T00:00:00Z", to:"2100-01-01T00:00:00Z"){overall{offered}}}', {}, stranger);
    expect(lists.errors).toBeUndefined();
    expect(lists.data).toMatchObject({ calls: { totalCount: 0 }, agents: [], queues: [], callQueue: { cards: { total: 0 } }, agentBoard: [], metrics: { overall: { offered: 0 } } });
    expect((lists.data?.exportAgentsCsv as string).trim().split('\r\n')).toHaveLength(1);
    const forceEnd = await gql(t.url, 'mutation{forceEndAllCalls}', {}, stranger);
    expect(forceEnd.data?.forceEndAllCalls).toBe(true);
    expect((await gql(t.url, `query($c:ID!){call(id:$c){status}}`, { c: callId }, owner)).data?.call.status).toMatch(/WAITING|RINGING/);

    // Subscriptions: the stranger's board never shows this organisation's calls.
    const board = await subscribe(t.url, 'subscription{queueBoardChanged{cards{total}}}', stranger);
    expect((await board.next()).data.queueBoardChanged.cards.total).toBe(0);
    await incomingCall('+3225550112');
    await expect(board.next(800)).rejects.toThrow(/no SSE message/);
    board.close();
    await gql(t.url, 'mutation{forceEndAllCalls}', {}, owner);
  });
});
