import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OWNER_PASSWORD, agentInput, codeOf, gql, login, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.stop());

describe('login, sessions and lockout over real HTTP', () => {
  test('login by email or username returns a session and sets an httpOnly SameSite=Lax cookie that authenticates', async () => {
    const result = await gql(t.url, 'mutation{login(email:"owner@one.example",password:"' + OWNER_PASSWORD + '"){token role organisation{name} user{email}}}');
    expect(result.errors).toBeUndefined();
    expect(result.data?.login.role).toBe('OWNER');
    expect(result.data?.login.token).toMatch(/^[0-9a-f-]{36}\..+/);
    const cookie = result.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/cc_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const me = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: cookie.split(';')[0] as string }, body: JSON.stringify({ query: '{me{role user{username}}}' }) });
    expect(((await me.json()) as { data: { me: unknown } }).data.me).toEqual({ role: 'OWNER', user: { username: 'owner' } });

    const byUsername = await gql(t.url, 'mutation{login(email:"OWNER",password:"' + OWNER_PASSWORD + '"){role}}');
    expect(byUsername.data?.login.role).toBe('OWNER');
  });

  test('the token secret is never stored: the session event keeps only a hash', async () => {
    const token = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    const [sessionId, secret] = token.split('.') as [string, string];
    const events = [];
    for await (const event of t.server.platform.store.readStream(`session-${sessionId}`)) events.push(event);
    expect(events[0]?.type).toBe('SessionStarted');
    expect(JSON.stringify(events, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(secret);
  });

  test('no session: UNAUTHENTICATED; wrong password: INVALID_CREDENTIALS; unknown user answers the same', async () => {
    expect(codeOf(await gql(t.url, '{me{role}}'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t.url, '{me{role}}', {}, 'not-a-token'))).toBe('UNAUTHENTICATED');
    const wrong = await gql(t.url, 'mutation{login(email:"owner@one.example",password:"Wrong#Pass9"){token}}');
    const unknown = await gql(t.url, 'mutation{login(email:"nobody@one.example",password:"Wrong#Pass9"){token}}');
    expect(codeOf(wrong)).toBe('INVALID_CREDENTIALS');
    expect(codeOf(unknown)).toBe('INVALID_CREDENTIALS');
    expect(wrong.errors?.[0]?.message).toBe(unknown.errors?.[0]?.message);
  });

  test('five failed logins in a row lock the user, even with the right password after; an admin unlock lets them in again', async () => {
    const owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    const input = agentInput();
    const created = await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner);
    const agentId = created.data?.createAgent.id as string;
    for (let attempt = 1; attempt <= 4; attempt++) {
      expect(codeOf(await gql(t.url, 'mutation($e:String!){login(email:$e,password:"Wrong#Pass9"){token}}', { e: input.email }))).toBe('INVALID_CREDENTIALS');
    }
    expect(codeOf(await gql(t.url, 'mutation($e:String!){login(email:$e,password:"Wrong#Pass9"){token}}', { e: input.email }))).toBe('USER_LOCKED');
    expect(codeOf(await gql(t.url, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: input.email, p: input.password }))).toBe('USER_LOCKED');
    const unlocked = await gql(t.url, 'mutation($a:ID!){unlockAgent(agentId:$a){id locked}}', { a: agentId }, owner);
    expect(unlocked.errors).toBeUndefined();
    expect(await login(t.url, input.email, input.password)).toMatch(/\./);
  });

  test('more than 10 attempts a minute for one identifier from one address are RATE_LIMITED', async () => {
    const codes: Array<string | undefined> = [];
    for (let attempt = 1; attempt <= 11; attempt++) codes.push(codeOf(await gql(t.url, 'mutation{login(email:"ghost@one.example",password:"Wrong#Pass9"){token}}')));
    expect(codes.slice(0, 10).every((code) => code === 'INVALID_CREDENTIALS')).toBe(true);
    expect(codes[10]).toBe('RATE_LIMITED');
    // Another identifier is counted on its own.
    expect(codeOf(await gql(t.url, 'mutation{login(email:"ghost2@one.example",password:"Wrong#Pass9"){token}}'))).toBe('INVALID_CREDENTIALS');
  });

  test('logout revokes the session: the same token is refused afterwards', async () => {
    const token = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    expect((await gql(t.url, '{me{role}}', {}, token)).data?.me.role).toBe('OWNER');
    expect((await gql(t.url, 'mutation{logout}', {}, token)).data?.logout).toBe(true);
    expect(codeOf(await gql(t.url, '{me{role}}', {}, token))).toBe('UNAUTHENTICATED');
  });

  test('an invite link sets a password once; the second use is refused', async () => {
    const owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    const input = agentInput();
    const agentId = (await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner)).data?.createAgent.id;
    const invite = await gql(t.url, 'mutation($a:ID!){agentInviteLink(agentId:$a){token url expiresAt}}', { a: agentId }, owner);
    const token = invite.data?.agentInviteLink.token as string;
    expect(invite.data?.agentInviteLink.url).toContain(encodeURIComponent(token));
    expect(codeOf(await gql(t.url, 'mutation($t:String!){setPasswordFromInvite(token:$t,password:"weak")}', { t: token }))).toBe('WEAK_PASSWORD');
    expect((await gql(t.url, 'mutation($t:String!){setPasswordFromInvite(token:$t,password:"New#Pass42")}', { t: token })).data?.setPasswordFromInvite).toBe(true);
    expect(await login(t.url, input.email, 'New#Pass42')).toMatch(/\./);
    expect(codeOf(await gql(t.url, 'mutation($t:String!){setPasswordFromInvite(token:$t,password:"Other#Pass42")}', { t: token }))).toBe('INVITE_INVALID');
  });
});
