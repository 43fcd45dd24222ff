import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anotherOrganisation, codeOf, gql, login, newSignedInAgent, signInOwner, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ owner, organisationId } = await signInOwner(t));
});
afterAll(async () => t?.stop());

const newAgent = (overrides: Record<string, unknown> = {}): Promise<{ agentId: string; token: string }> => newSignedInAgent(t, owner, overrides);

const CREATE_TEAM = 'mutation($n:String!){createTeam(name:$n){id name}}';
const SET_TEAMS = 'mutation($a:ID!,$t:[ID!]!){setAgentTeams(agentId:$a,teamIds:$t){id teamIds teams{id name}}}';

describe('teams', () => {
  test('admins create, rename and remove teams, set agents in them and filter the agent list by team', async () => {
    const billing = await gql(t.url, CREATE_TEAM, { n: '  Billing ' }, owner);
    expect(billing.errors).toBeUndefined();
    expect(billing.data?.createTeam.name).toBe('Billing');
    const billingId = billing.data?.createTeam.id as string;
    const salesId = (await gql(t.url, CREATE_TEAM, { n: 'Sales' }, owner)).data?.createTeam.id as string;
    expect(codeOf(await gql(t.url, CREATE_TEAM, { n: '   ' }, owner))).toBe('INVALID_INPUT');
    expect((await gql(t.url, '{teams{id name}}', {}, owner)).data?.teams).toEqual([
      { id: billingId, name: 'Billing' },
      { id: salesId, name: 'Sales' },
    ]);

    const ada = await newAgent();
    const bob = await newAgent({ fullName: 'Bob Builder' });
    const set = await gql(t.url, SET_TEAMS, { a: ada.agentId, t: [salesId, billingId] }, owner);
    expect(set.errors).toBeUndefined();
    expect(set.data?.setAgentTeams.teamIds).toEqual([billingId, salesId].sort());
    expect(set.data?.setAgentTeams.teams).toEqual([
      { id: billingId, name: 'Billing' },
      { id: salesId, name: 'Sales' },
    ]);
    await gql(t.url, SET_TEAMS, { a: bob.agentId, t: [salesId] }, owner);

    const inTeam = async (teamId: string) =>
      ((await gql(t.url, 'query($t:ID){agents(filter:{teamId:$t}){id teams{name}}}', { t: teamId }, owner)).data?.agents as { id: string }[]).map((a) => a.id).sort();
    expect(await inTeam(billingId)).toEqual([ada.agentId]);
    expect(await inTeam(salesId)).toEqual([ada.agentId, bob.agentId].sort());

    const renamed = await gql(t.url, 'mutation($t:ID!){renameTeam(teamId:$t,name:"Collections"){id name}}', { t: billingId }, owner);
    expect(renamed.data?.renameTeam).toEqual({ id: billingId, name: 'Collections' });
    const adaTeams = (await gql(t.url, 'query($a:ID!){agent(id:$a){teams{name}}}', { a: ada.agentId }, owner)).data?.agent.teams;
    expect(adaTeams).toEqual([{ name: 'Collections' }, { name: 'Sales' }]);

    expect((await gql(t.url, 'mutation($t:ID!){removeTeam(teamId:$t)}', { t: salesId }, owner)).data?.removeTeam).toBe(true);
    expect((await gql(t.url, '{teams{id}}', {}, owner)).data?.teams).toEqual([{ id: billingId }]);
    expect(await inTeam(salesId)).toEqual([]);
    expect(codeOf(await gql(t.url, SET_TEAMS, { a: bob.agentId, t: [salesId] }, owner))).toBe('TEAM_NOT_FOUND');
    expect(codeOf(await gql(t.url, 'mutation($t:ID!){renameTeam(teamId:$t,name:"X"){id}}', { t: salesId }, owner))).toBe('TEAM_NOT_FOUND');

    const cleared = await gql(t.url, SET_TEAMS, { a: ada.agentId, t: [] }, owner);
    expect(cleared.data?.setAgentTeams.teams).toEqual([]);
    expect(await inTeam(billingId)).toEqual([]);
  });

  test('an agent may not manage teams', async () => {
    const { agentId, token } = await newAgent();
    const teamId = (await gql(t.url, CREATE_TEAM, { n: 'Night shift' }, owner)).data?.createTeam.id as string;
    expect(codeOf(await gql(t.url, CREATE_TEAM, { n: 'Mine' }, token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation($t:ID!){renameTeam(teamId:$t,name:"X"){id}}', { t: teamId }, token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation($t:ID!){removeTeam(teamId:$t)}', { t: teamId }, token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, SET_TEAMS, { a: agentId, t: [teamId] }, token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, '{teams{id}}', {}, token))).toBe('FORBIDDEN');
    // Still in no team: nothing was written.
    expect((await gql(t.url, 'query($a:ID!){agent(id:$a){teamIds}}', { a: agentId }, owner)).data?.agent.teamIds).toEqual([]);
  });

  test("another organisation's team and agent are refused both ways", async () => {
    const other = await anotherOrganisation(t);
    const otherOwner = await login(t.url, other.email, other.password);
    const theirTeam = (await gql(t.url, CREATE_TEAM, { n: 'Theirs' }, otherOwner)).data?.createTeam.id as string;
    const ourTeam = (await gql(t.url, CREATE_TEAM, { n: 'Ours' }, owner)).data?.createTeam.id as string;
    const { agentId } = await newAgent();

    expect(codeOf(await gql(t.url, SET_TEAMS, { a: agentId, t: [ourTeam, theirTeam] }, owner))).toBe('TEAM_NOT_FOUND');
    expect((await gql(t.url, 'query($a:ID!){agent(id:$a){teamIds}}', { a: agentId }, owner)).data?.agent.teamIds).toEqual([]);
    expect(codeOf(await gql(t.url, SET_TEAMS, { a: agentId, t: [theirTeam] }, otherOwner))).toBe('AGENT_NOT_FOUND');
    expect(codeOf(await gql(t.url, 'mutation($t:ID!){renameTeam(teamId:$t,name:"Mine now"){id}}', { t: ourTeam }, otherOwner))).toBe('TEAM_NOT_FOUND');
    expect(codeOf(await gql(t.url, 'mutation($t:ID!){removeTeam(teamId:$t)}', { t: ourTeam }, otherOwner))).toBe('TEAM_NOT_FOUND');
    expect(((await gql(t.url, '{teams{id}}', {}, otherOwner)).data?.teams as { id: string }[]).map((team) => team.id)).toEqual([theirTeam]);
    expect(((await gql(t.url, '{teams{id}}', {}, owner)).data?.teams as { id: string }[]).map((team) => team.id)).not.toContain(theirTeam);
  });
});

describe('transferTargets', () => {
  test('the agent on the call sees the other agents of its queue, available first, and the queues; others may not', async () => {
    const queueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Transfers"}){id}}', {}, owner)).data?.createQueue.id as string;
    const otherQueueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Escalations"}){id}}', {}, owner)).data?.createQueue.id as string;
    const onCall = await newAgent({ fullName: 'Mia Middle', queueIds: [queueId] });
    const offline = await newAgent({ fullName: 'Aaron Absent', queueIds: [queueId] });
    const ready = await newAgent({ fullName: 'Zoe Ready', queueIds: [queueId] });
    const elsewhere = await newAgent({ fullName: 'Eli Elsewhere', queueIds: [otherQueueId] });

    expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, onCall.token)).errors).toBeUndefined();
    const { core, readSide } = t.server.platform;
    const { callId } = await core.receiveCall(
      { organisationId, queueId, channel: 'pstn', caller: { number: '+3225550188', name: 'Grace Hopper', customerId: null } },
      { organisationId, actor: { kind: 'system', component: 'gateway' } },
    );
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    const answered = await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){lastAgentId}}', { c: callId }, onCall.token);
    expect(answered.data?.answerCall.lastAgentId).toBe(onCall.agentId);
    expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, ready.token)).errors).toBeUndefined();

    const QUERY = 'query($c:ID!){transferTargets(callId:$c){callId queueId agents{agentId fullName status available} queues{id name}}}';
    const targets = await gql(t.url, QUERY, { c: callId }, onCall.token);
    expect(targets.errors).toBeUndefined();
    expect(targets.data?.transferTargets.queueId).toBe(queueId);
    expect(targets.data?.transferTargets.agents).toEqual([
      { agentId: ready.agentId, fullName: 'Zoe Ready', status: 'ONLINE', available: true },
      { agentId: offline.agentId, fullName: 'Aaron Absent', status: 'OFFLINE', available: false },
    ]);
    const queueIds = (targets.data?.transferTargets.queues as { id: string }[]).map((q) => q.id);
    expect(queueIds).toEqual(expect.arrayContaining([queueId, otherQueueId]));

    // The agent on the call may read it, unlike the admin agent list.
    expect(codeOf(await gql(t.url, '{agents{id}}', {}, onCall.token))).toBe('FORBIDDEN');
    // A supervisor-level user (the owner) sees the same agents.
    const asOwner = await gql(t.url, QUERY, { c: callId }, owner);
    expect((asOwner.data?.transferTargets.agents as { agentId: string }[]).map((a) => a.agentId)).toEqual([ready.agentId, offline.agentId]);
    // Agents not on the call may not.
    expect(codeOf(await gql(t.url, QUERY, { c: callId }, ready.token))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, QUERY, { c: callId }, elsewhere.token))).toBe('FORBIDDEN');
    // Another organisation does not see the call at all.
    const other = await anotherOrganisation(t);
    expect(codeOf(await gql(t.url, QUERY, { c: callId }, await login(t.url, other.email, other.password)))).toBe('CALL_NOT_FOUND');
    expect(codeOf(await gql(t.url, QUERY, { c: 'no-such-call' }, owner))).toBe('CALL_NOT_FOUND');
  });
});
