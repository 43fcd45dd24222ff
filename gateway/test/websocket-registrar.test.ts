/**
 * SIP over WebSocket and the registrar, with JsSIP itself as the client (in Node: JsSIP's
 * WebSocketInterface runs on Node's own WebSocket, and registration needs no media).
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { eventually, type Platform, startPlatform } from './support/platform.ts';
import { WsAgent } from './support/ws-agent.ts';

interface JsSipUa {
  start(): void;
  stop(): void;
  register(): void;
  unregister(options?: { all?: boolean }): void;
  isRegistered(): boolean;
  on(event: string, listener: (event: { response?: { status_code: number }; cause?: string }) => void): void;
}
interface JsSip {
  UA: new (configuration: Record<string, unknown>) => JsSipUa;
  WebSocketInterface: new (url: string) => unknown;
  debug: { disable(): void };
}

const require = createRequire(import.meta.url);
const JsSIP = require('jssip') as JsSip;
JsSIP.debug.disable();

let platform: Platform | null = null;
const uas: JsSipUa[] = [];

afterEach(async () => {
  for (const ua of uas.splice(0)) ua.stop();
  await platform?.stop();
  platform = null;
});

type Outcome = { kind: 'registered' } | { kind: 'failed'; status: number | null; cause: string };

/** A JsSIP UA configured the way the console configures it from sipCredentials. */
const jssipAgent = (credentials: { uri: string; authorizationUser: string; password: string; wsUrl: string }) => {
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(credentials.wsUrl)],
    uri: credentials.uri,
    authorization_user: credentials.authorizationUser,
    password: credentials.password,
    register: false,
    register_expires: 120,
    connection_recovery_min_interval: 30,
    connection_recovery_max_interval: 60,
  });
  uas.push(ua);
  const outcome = new Promise<Outcome>((resolve) => {
    ua.on('registered', () => resolve({ kind: 'registered' }));
    ua.on('registrationFailed', (event) => resolve({ kind: 'failed', status: event.response?.status_code ?? null, cause: event.cause ?? '' }));
  });
  const unregistered = new Promise<void>((resolve) => ua.on('unregistered', () => resolve()));
  ua.on('connected', () => ua.register());
  ua.start();
  return { ua, outcome, unregistered };
};

describe('JsSIP registering over WebSocket', () => {
  test('digest REGISTER with the session credentials -> 200, a live binding; unregister removes it', async () => {
    platform = await startPlatform();
    const credential = platform.credentials.issue({ sessionId: 'session-1', agentId: 'a1', organisationId: 'org-gw' });
    expect(credential.password).not.toBe('');
    expect(platform.credentials.issue({ sessionId: 'session-1', agentId: 'a1', organisationId: 'org-gw' })).toEqual(credential);

    const agent = jssipAgent(credential);
    expect(await agent.outcome).toEqual({ kind: 'registered' });
    expect(platform.gateway.stats()).toMatchObject({ registrations: 1 });

    agent.ua.unregister();
    await agent.unregistered;
    await eventually(() => expect(platform?.gateway.stats()).toMatchObject({ registrations: 0 }));
  });

  test('a wrong password gets 403 and no binding', async () => {
    platform = await startPlatform();
    const credential = platform.credentials.issue({ sessionId: 'session-2', agentId: 'a1', organisationId: 'org-gw' });
    const agent = jssipAgent({ ...credential, password: `${credential.password}x` });
    const outcome = await agent.outcome;
    expect(outcome).toMatchObject({ kind: 'failed', status: 403 });
    expect(platform.gateway.stats()).toMatchObject({ registrations: 0 });
  });

  test('an unknown user and a signed-out session get 403', async () => {
    platform = await startPlatform();
    const unknown = jssipAgent({ uri: 'sip:a9@cc.test', authorizationUser: 'no-such-session', password: 'whatever', wsUrl: platform.wsUrl });
    expect(await unknown.outcome).toMatchObject({ kind: 'failed', status: 403 });

    const credential = platform.credentials.issue({ sessionId: 'session-3', agentId: 'a1', organisationId: 'org-gw' });
    platform.revokedSessions.add('session-3');
    const signedOut = jssipAgent(credential);
    expect(await signedOut.outcome).toMatchObject({ kind: 'failed', status: 403 });
    expect(platform.gateway.stats()).toMatchObject({ registrations: 0 });
  });

  test("credentials for one agent cannot register another agent's address", async () => {
    platform = await startPlatform();
    const credential = platform.credentials.issue({ sessionId: 'session-4', agentId: 'a1', organisationId: 'org-gw' });
    const agent = jssipAgent({ ...credential, uri: 'sip:a2@cc.test' });
    expect(await agent.outcome).toMatchObject({ kind: 'failed', status: 403 });
  });
});

describe('the WebSocket endpoint', () => {
  test('closing the WebSocket removes the binding', async () => {
    platform = await startPlatform();
    const credential = platform.credentials.issue({ sessionId: 'session-5', agentId: 'a1', organisationId: 'org-gw' });
    const agent = await WsAgent.connect(platform.wsUrl);
    const first = await agent.register(credential);
    expect(first.status).toBe(200);
    expect(first.headers.contact).toContain(agent.contact);
    expect(first.headers.contact).toMatch(/expires=(59\d|600)/);
    expect(platform.gateway.stats()).toMatchObject({ registrations: 1 });

    await agent.close();
    await eventually(() => expect(platform?.gateway.stats()).toMatchObject({ registrations: 0 }));
  });

  test('a binding ends at its expiry', async () => {
    platform = await startPlatform();
    const credential = platform.credentials.issue({ sessionId: 'session-6', agentId: 'a1', organisationId: 'org-gw' });
    const agent = await WsAgent.connect(platform.wsUrl);
    expect((await agent.register(credential, 1)).status).toBe(200);
    expect(platform.gateway.stats()).toMatchObject({ registrations: 1 });
    await eventually(() => expect(platform?.gateway.stats()).toMatchObject({ registrations: 0 }), 15_000);
    await agent.close();
  });

  test('an upgrade without the sip subprotocol is refused; other paths are left alone', async () => {
    platform = await startPlatform();
    await expect(WsAgent.connect(platform.wsUrl, 'x', null)).rejects.toThrow(/400/);
    const other = new WebSocket(platform.wsUrl.replace('/sip', '/elsewhere'), 'sip');
    // A hanging socket is told apart by a deadline generous enough for a loaded machine.
    let noAnswer: NodeJS.Timeout | undefined;
    const closed = await new Promise<string>((resolve) => {
      other.once('open', () => resolve('open'));
      other.once('error', () => resolve('error'));
      other.once('unexpected-response', () => resolve('refused'));
      noAnswer = setTimeout(() => resolve('no answer'), 10_000);
    });
    clearTimeout(noAnswer);
    other.terminate();
    // Nobody else handles upgrades here: /elsewhere gets 404 rather than a hanging socket.
    expect(closed).toBe('refused');
  });
});
