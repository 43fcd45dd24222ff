/**
 * SIP credentials through GraphQL, used for real: the signed-in agent asks for sipCredentials and
 * JsSIP registers with them over the WebSocket on the API's own HTTP port; after logout the same
 * credentials are refused.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../src/server.ts';
import { OWNER_PASSWORD, agentInput, codeOf, gql, login } from './support/api-server.ts';

interface JsSipUa {
  start(): void;
  stop(): void;
  register(): void;
  on(event: string, listener: (event: { response?: { status_code: number } }) => void): void;
}
const require = createRequire(import.meta.url);
const JsSIP = require('jssip') as { UA: new (configuration: Record<string, unknown>) => JsSipUa; WebSocketInterface: new (url: string) => unknown; debug: { disable(): void } };
JsSIP.debug.disable();

let server: RunningServer;
let dataDir: string;
const uas: JsSipUa[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-api-sip-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminEmail: 'owner@one.example', adminPassword: OWNER_PASSWORD, logLevel: 'silent', sipPort: 0, sipHost: '127.0.0.1' }, () => undefined);
});
afterAll(async () => {
  for (const ua of uas) ua.stop();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const SIP = '{sipCredentials{uri authorizationUser password wsUrl realm}}';

/** Registers with JsSIP; resolves with 200 or the failure status. */
const register = (credentials: { uri: string; authorizationUser: string; password: string; wsUrl: string }): Promise<number> => {
  const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(credentials.wsUrl)], uri: credentials.uri, authorization_user: credentials.authorizationUser, password: credentials.password, register: false });
  uas.push(ua);
  return new Promise((resolve) => {
    ua.on('registered', () => resolve(200));
    ua.on('registrationFailed', (event) => resolve(event.response?.status_code ?? 0));
    ua.on('connected', () => ua.register());
    ua.start();
  });
};

describe('sipCredentials', () => {
  test('an agent gets per-session credentials, JsSIP registers with them on /sip, and they die with the session', async () => {
    const owner = await login(server.url, 'owner@one.example', OWNER_PASSWORD);
    const input = agentInput();
    expect((await gql(server.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner)).errors).toBeUndefined();
    const token = await login(server.url, input.email, input.password);

    const result = await gql(server.url, SIP, {}, token);
    expect(result.errors).toBeUndefined();
    const credentials = result.data?.sipCredentials as { uri: string; authorizationUser: string; password: string; wsUrl: string; realm: string };
    expect(credentials.wsUrl).toBe(`${server.url.replace('http', 'ws')}/sip`);
    expect(credentials.password).not.toBe(input.password);
    expect(credentials.uri).toMatch(/^sip:.+@localhost$/);
    // The same session asking again gets the same credentials.
    expect((await gql(server.url, SIP, {}, token)).data?.sipCredentials).toEqual(credentials);

    expect(await register(credentials)).toBe(200);

    expect((await gql(server.url, 'mutation{logout}', {}, token)).errors).toBeUndefined();
    expect(await register(credentials)).toBe(403);
  });

  test('without a session, or as a user who is not an agent, there are none', async () => {
    expect(codeOf(await gql(server.url, SIP))).toBe('UNAUTHENTICATED');
    const owner = await login(server.url, 'owner@one.example', OWNER_PASSWORD);
    const me = await gql(server.url, '{me{agent{id}}}', {}, owner);
    if (me.data?.me.agent === null) expect(codeOf(await gql(server.url, SIP, {}, owner))).toBe('FORBIDDEN');
  });
});
