/**
 * Logout revokes SIP credentials at once: a browser registered with its session's sipCredentials
 * loses its binding and its WebSocket when the session logs out through GraphQL, an offer to the
 * (still Online) agent sends no INVITE to it, and the old credentials are refused (403).
 */
import { readStreamToArray, streams } from '@cc/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { eventually } from '../../gateway/test/support/platform.ts';
import { killAllSipp, sipp } from '../../gateway/test/support/sipp.ts';
import { WsAgent } from '../../gateway/test/support/ws-agent.ts';
import { gql, newSignedInAgent, signInOwner, startTestServer, type TestServer } from './support/api-server.ts';

const QUEUE_NUMBER = '+3225551277';
const SIP = '{sipCredentials{uri authorizationUser password wsUrl realm}}';

let t: TestServer;
const previousMedia = process.env.RTPENGINE;
const browsers: WsAgent[] = [];

beforeAll(async () => {
  // Signalling only: no rtpengine is needed to see who gets an INVITE.
  process.env.RTPENGINE = 'off';
  t = await startTestServer(undefined, { sipPort: 0 });
});
afterAll(async () => {
  await killAllSipp();
  for (const browser of browsers) await browser.close();
  await t?.stop();
  if (previousMedia === undefined) delete process.env.RTPENGINE;
  else process.env.RTPENGINE = previousMedia;
});

const connect = async (wsUrl: string): Promise<WsAgent> => {
  const browser = await WsAgent.connect(wsUrl, 'signed-out-agent');
  browsers.push(browser);
  return browser;
};

test('logout drops the binding and closes the WebSocket; the next offer sends no INVITE there; the old credentials get 403', { timeout: 60_000 }, async () => {
  const gateway = t.server.gateway;
  if (gateway === null) throw new Error('the SIP edge should be on');
  const { owner } = await signInOwner(t);
  const queueId = (await gql(t.url, 'mutation($n:String){createQueue(input:{name:"Support", number:$n}){id}}', { n: QUEUE_NUMBER }, owner)).data?.createQueue.id as string;
  const { agentId, token } = await newSignedInAgent(t, owner, { queueIds: [queueId] });
  expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, token)).errors).toBeUndefined();
  const credentials = (await gql(t.url, SIP, {}, token)).data?.sipCredentials as { uri: string; authorizationUser: string; password: string; wsUrl: string };

  const browser = await connect(credentials.wsUrl);
  expect((await browser.register(credentials)).status).toBe(200);
  expect(gateway.stats()).toMatchObject({ registrations: 1 });

  expect((await gql(t.url, 'mutation{logout}', {}, token)).errors).toBeUndefined();
  await eventually(() => expect(gateway.stats()).toMatchObject({ registrations: 0 }));
  // The server closed the signed-out browser's socket (the ws client sees it closing, 1008).
  await eventually(() => expect(browser.closeCode).toBe(1008));

  // The agent is still Online (logout does not change the status): the core offers them the call,
  // and the gateway has no registration to ring.
  const caller = await sipp({ scenario: 'caller-cancels.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });
  expect(await caller.exit, caller.errors()).toBe(0);
  const { core } = t.server.platform;
  const calls = await core.store.readAll({ after: 0n, maxCount: 1000, streamPrefixes: ['call-'] });
  const offered = calls.filter((event) => event.type === 'CallOffered').map((event) => (event.data as { agentId: string }).agentId);
  expect(offered).toEqual([agentId]);
  expect(browser.received.filter((request) => request.method === 'INVITE')).toEqual([]);
  await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));

  // Reconnecting with the old credentials: refused.
  const again = await connect(credentials.wsUrl);
  expect((await again.register(credentials)).status).toBe(403);
  expect(gateway.stats()).toMatchObject({ registrations: 0 });
  const session = await readStreamToArray(core.store, streams.session(credentials.authorizationUser));
  expect(session.map((event) => event.type)).toContain('SessionRevoked');
});
