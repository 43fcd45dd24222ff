import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OWNER_PASSWORD, agentInput, anotherOrganisation, codeOf, gql, login, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
beforeAll(async () => {
  t = await startTestServer();
  owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
});
afterAll(async () => t?.stop());

const CREATE = 'mutation($i:CreateAgentInput!){createAgent(input:$i){id fullName username extension typology externalUri queueIds status}}';

describe('createAgent validation: a refused agent writes nothing', () => {
  test.each([
    [{ username: 'ada lovelace' }, 'INVALID_USERNAME'],
    [{ password: 'password' }, 'WEAK_PASSWORD'],
    [{ typology: 'EXTERNAL' }, 'INVALID_EXTERNAL_URI'],
    [{ typology: 'EXTERNAL', externalUri: 'not a uri' }, 'INVALID_EXTERNAL_URI'],
    [{ fullName: '4321', extension: '4321' }, 'FULL_NAME_EQUALS_EXTENSION'],
    [{ extension: '12a' }, 'INVALID_EXTENSION'],
    [{ email: 'nope' }, 'BAD_USER_INPUT'],
  ])('%o is refused with %s', async (overrides, code) => {
    const input = agentInput(overrides);
    const result = await gql(t.url, CREATE, { i: input }, owner);
    expect(codeOf(result)).toBe(code);
    expect(result.errors?.[0]?.message.length).toBeGreaterThan(15);
    expect(JSON.stringify(result.errors)).not.toMatch(/at .*\.ts/);
    // Nothing half-written: the username and email are still free.
    expect(await t.server.platform.users.userIdFor('username', input.username)).toBeNull();
    expect(await t.server.platform.users.userIdFor('email', input.email)).toBeNull();
  });

  test('a valid agent is registered with a generated extension and its user; the same username or email again is taken', async () => {
    const input = agentInput({ typology: 'EXTERNAL', externalUri: '+32475123456' });
    const created = await gql(t.url, CREATE, { i: input }, owner);
    expect(created.errors).toBeUndefined();
    expect(created.data?.createAgent).toMatchObject({ username: input.username, typology: 'EXTERNAL', status: 'OFFLINE' });
    expect(created.data?.createAgent.extension).toMatch(/^\d{2,8}$/);
    expect(await login(t.url, input.username, input.password)).toMatch(/\./);
    expect(codeOf(await gql(t.url, CREATE, { i: agentInput({ username: input.username.toUpperCase() }) }, owner))).toBe('USERNAME_TAKEN');
    expect(codeOf(await gql(t.url, CREATE, { i: agentInput({ email: input.email }) }, owner))).toBe('EMAIL_TAKEN');
    const second = await gql(t.url, CREATE, { i: agentInput({ extension: created.data?.createAgent.extension }) }, owner);
    expect(codeOf(second)).toBe('INVALID_EXTENSION');
  });
});

describe('queues and agent management', () => {
  test('createQueue, unique numbers across organisations, setAgentQueues, agents list, CSV, disable, delete', async () => {
    const queue = await gql(t.url, 'mutation{createQueue(input:{name:"Support", number:"+3225550101", strategy:ROUND_ROBIN}){id name number strategy wrapUpSeconds}}', {}, owner);
    expect(queue.errors).toBeUndefined();
    expect(queue.data?.createQueue).toMatchObject({ name: 'Support', number: '+3225550101', strategy: 'ROUND_ROBIN', wrapUpSeconds: 30 });
    expect(codeOf(await gql(t.url, 'mutation{createQueue(input:{name:"Bad", number:"0032"}){id}}', {}, owner))).toBe('INVALID_PHONE_NUMBER');

    const other = await anotherOrganisation(t);
    const otherOwner = await login(t.url, other.email, other.password);
    expect(codeOf(await gql(t.url, 'mutation{createQueue(input:{name:"Copy", number:"+3225550101"}){id}}', {}, otherOwner))).toBe('QUEUE_NUMBER_TAKEN');

    const queueId = queue.data?.createQueue.id as string;
    const agent = await gql(t.url, CREATE, { i: agentInput({ fullName: 'Zed "Quote", Jr' }) }, owner);
    const agentId = agent.data?.createAgent.id as string;
    const joined = await gql(t.url, 'mutation($a:ID!,$q:[ID!]!){setAgentQueues(agentId:$a,queueIds:$q){queueIds}}', { a: agentId, q: [queueId] }, owner);
    expect(joined.data?.setAgentQueues.queueIds).toEqual([queueId]);

    const listed = await gql(t.url, 'query($q:ID){agents(search:"zed", filter:{queueId:$q}, sort:{field:FULL_NAME}){id fullName}}', { q: queueId }, owner);
    expect(listed.data?.agents).toEqual([{ id: agentId, fullName: 'Zed "Quote", Jr' }]);
    const csv = (await gql(t.url, 'query($ids:[ID!]){exportAgentsCsv(agentIds:$ids)}', { ids: [agentId] }, owner)).data?.exportAgentsCsv as string;
    expect(csv.split('\r\n')[0]).toMatch(/^id,fullName,username/);
    expect(csv).toContain('"Zed ""Quote"", Jr"');
    expect(csv.trim().split('\r\n')).toHaveLength(2);

    expect((await gql(t.url, 'mutation($a:ID!){disableAgent(agentId:$a){disabled}}', { a: agentId }, owner)).data?.disableAgent.disabled).toBe(true);
    expect((await gql(t.url, 'mutation($a:ID!){updateAgent(agentId:$a,input:{alias:"Z"}){alias}}', { a: agentId }, owner)).data?.updateAgent.alias).toBe('Z');
    expect((await gql(t.url, 'mutation($a:ID!){deleteAgent(agentId:$a)}', { a: agentId }, owner)).data?.deleteAgent).toBe(true);
    expect(codeOf(await gql(t.url, 'query($a:ID!){agent(id:$a){id}}', { a: agentId }, owner))).toBe('AGENT_NOT_FOUND');
    expect((await gql(t.url, '{queues{id}}', {}, owner)).data?.queues.map((q: { id: string }) => q.id)).toContain(queueId);
    expect((await gql(t.url, 'mutation($q:ID!){removeQueue(queueId:$q)}', { q: queueId }, owner)).data?.removeQueue).toBe(true);
  });
});

describe('roles', () => {
  test('an agent cannot manage agents or queues, see the agent board or force-end; an analyst reads history and metrics only', async () => {
    const input = agentInput();
    await gql(t.url, CREATE, { i: input }, owner);
    const agent = await login(t.url, input.email, input.password);
    expect(codeOf(await gql(t.url, CREATE, { i: agentInput() }, agent))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation{createQueue(input:{name:"X"}){id}}', {}, agent))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, '{agentBoard{agentId}}', {}, agent))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation{forceEndAllCalls}', {}, agent))).toBe('FORBIDDEN');
    expect((await gql(t.url, '{callQueue{cards{total}}}', {}, agent)).errors).toBeUndefined();
    expect((await gql(t.url, '{me{role agent{username}}}', {}, agent)).data?.me).toEqual({ role: 'AGENT', agent: { username: input.username } });

    const { core, users } = t.server.platform;
    const organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string;
    await users.register({ email: 'analyst@one.example', username: 'analyst', displayName: 'Ann Analyst', password: 'Analyst#1', memberships: [{ organisationId, role: 'analyst', agentId: null }] }, { organisationId, actor: { kind: 'system', component: 'test' } });
    void core;
    const analyst = await login(t.url, 'analyst', 'Analyst#1');
    expect((await gql(t.url, '{calls{totalCount}}', {}, analyst)).errors).toBeUndefined();
    expect((await gql(t.url, 'query{metrics(from:"2020-01-01T00:00:00Z", to:"2100-01-01T00:00:00Z"){overall{offered}}}', {}, analyst)).errors).toBeUndefined();
    expect(codeOf(await gql(t.url, '{callQueue{cards{total}}}', {}, analyst))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, analyst))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(t.url, CREATE, { i: agentInput() }, analyst))).toBe('FORBIDDEN');
  });

  test('a user in two organisations switches with selectOrganisation, and only into their own', async () => {
    const other = await anotherOrganisation(t);
    const organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string;
    const { users } = t.server.platform;
    const userId = (await users.userIdFor('email', 'owner@one.example')) as string;
    await users.execute(userId, { type: 'GrantMembership', data: { membership: { organisationId: other.organisationId, role: 'analyst', agentId: null }, at: new Date().toISOString() } }, { organisationId, actor: { kind: 'system', component: 'test' } });
    const token = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    const switched = await gql(t.url, 'mutation($o:ID!){selectOrganisation(organisationId:$o){role organisation{id}}}', { o: other.organisationId }, token);
    expect(switched.data?.selectOrganisation).toEqual({ role: 'ANALYST', organisation: { id: other.organisationId } });
    expect((await gql(t.url, '{me{role organisation{name}}}', {}, token)).data?.me).toEqual({ role: 'ANALYST', organisation: { name: 'Other Org' } });
    expect(codeOf(await gql(t.url, CREATE, { i: agentInput() }, token))).toBe('FORBIDDEN');
    const stranger = await anotherOrganisation(t);
    expect(codeOf(await gql(t.url, 'mutation($o:ID!){selectOrganisation(organisationId:$o){role}}', { o: stranger.organisationId }, token))).toBe('NOT_A_MEMBER');
  });
});
