/**
 * Agents read their own metrics (their dashboard) and nothing wider: another agent's figures and a
 * queue's stay forbidden, and asking without an agent id gives their own figures, not the organisation's.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { agentInput, codeOf, gql, login, OWNER_PASSWORD, startTestServer, type TestServer } from './support/api-server.ts';

const RANGE = { from: '2020-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
const METRICS = 'query($from:String!,$to:String!,$a:ID,$q:ID){metrics(from:$from,to:$to,agentId:$a,queueId:$q){overall{offered answered abandoned}}}';

describe('an agent reads their own metrics', () => {
  let t: TestServer;
  let owner: string;
  let agent: string;
  let agentId: string;
  let otherAgentId: string;
  let queueId: string;

  beforeAll(async () => {
    t = await startTestServer();
    owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    queueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Support"}){id}}', {}, owner)).data?.createQueue.id as string;
    const input = agentInput({ queueIds: [queueId] });
    agentId = (await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner)).data?.createAgent.id as string;
    otherAgentId = (await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: agentInput() }, owner)).data?.createAgent.id as string;
    agent = await login(t.url, input.username, input.password);
  });

  afterAll(async () => {
    await t?.stop();
  });

  const incomingCall = async (): Promise<string> => {
    const { core, readSide } = t.server.platform;
    const organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string;
    const { callId } = await core.receiveCall(
      { organisationId, queueId, channel: 'pstn', caller: { number: '+3225550001', name: null, customerId: null } },
      { organisationId, actor: { kind: 'system', component: 'test' } },
    );
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    return callId;
  };

  test('own figures only, whatever the organisation did', async () => {
    expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, agent)).errors).toBeUndefined();
    const answered = await incomingCall();
    expect((await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: answered }, agent)).errors).toBeUndefined();
    expect((await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: answered }, agent)).errors).toBeUndefined();
    expect((await gql(t.url, 'mutation{setAgentStatus(status:OFFLINE){id}}', {}, agent)).errors).toBeUndefined();
    // A call nobody could take: the organisation's figure, not the agent's.
    const abandoned = await incomingCall();
    await t.server.platform.core.hangUp(abandoned, 'caller', null, null, { organisationId: (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string, actor: { kind: 'system', component: 'test' } });
    await t.server.platform.core.whenIdle();
    await t.server.platform.readSide.whenCaughtUpTo(t.server.platform.core.processedPosition);

    const mine = await gql(t.url, METRICS, RANGE, agent);
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.metrics.overall).toEqual({ offered: 1, answered: 1, abandoned: 0 });
    const explicit = await gql(t.url, METRICS, { ...RANGE, a: agentId }, agent);
    expect(explicit.data?.metrics.overall).toEqual({ offered: 1, answered: 1, abandoned: 0 });

    const organisation = await gql(t.url, METRICS, RANGE, owner);
    expect(organisation.data?.metrics.overall).toEqual({ offered: 2, answered: 1, abandoned: 1 });
  });

  test("another agent's figures and a queue's stay forbidden", async () => {
    expect(codeOf(await gql(t.url, METRICS, { ...RANGE, a: otherAgentId }, agent))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, METRICS, { ...RANGE, q: queueId }, agent))).toBe('FORBIDDEN');
  });
});
