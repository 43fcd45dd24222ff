import fs from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { startServer } from '../src/server.ts';
import { OWNER_PASSWORD, gql, login, startTestServer, type TestServer } from './support/api-server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop().catch(() => undefined);
});
const start = async (env?: Parameters<typeof startTestServer>[0]): Promise<TestServer> => {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
};

describe('first start', () => {
  test('with CC_ADMIN_EMAIL/PASSWORD: one organisation and its owner, and no password printed', async () => {
    const t = await start();
    expect(t.printed).toEqual([]);
    const token = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    expect((await gql(t.url, '{me{role}}', {}, token)).data?.me.role).toBe('OWNER');
  });

  test('without them: a demo organisation whose generated passwords are printed once and differ on every install', async () => {
    const first = await start({});
    const second = await start({});
    const passwordsOf = (t: TestServer) => [...(t.printed.join('\n').matchAll(/^\s+(\w+)\s+(\w+)\s+(\S+@\S+)\s+(\S+)$/gm))].map((m) => ({ role: m[1], username: m[2], password: m[4] as string }));
    const a = passwordsOf(first);
    const b = passwordsOf(second);
    expect(a.map((c) => c.role)).toEqual(['owner', 'supervisor', 'agent', 'agent', 'agent']);
    expect(new Set(a.map((c) => c.password)).size).toBe(a.length);
    expect(a.map((c) => c.password)).not.toEqual(b.map((c) => c.password));
    const owner = await login(first.url, 'owner', a[0]?.password as string);
    const data = (await gql(first.url, '{queues{name} agents{fullName}}', {}, owner)).data;
    expect(data?.queues.length).toBeGreaterThanOrEqual(2);
    expect(data?.agents.length).toBeGreaterThanOrEqual(3);
    const agent = a.find((c) => c.role === 'agent');
    expect(await login(first.url, agent?.username as string, agent?.password as string)).toMatch(/\./);

    // A restart on the same data seeds nothing and prints nothing.
    await first.server.stop();
    const printed: string[] = [];
    const again = await startServer({ port: 0, host: '127.0.0.1', dataDir: first.dataDir, logLevel: 'silent' }, (text) => printed.push(text));
    expect(printed).toEqual([]);
    expect(await login(again.url, 'owner', a[0]?.password as string)).toMatch(/\./);
    await again.stop();
    fs.rmSync(first.dataDir, { recursive: true, force: true });
    servers.splice(servers.indexOf(first), 1);
  });
});

describe('/healthz and /metrics', () => {
  test('healthz is 200 when the read models have caught up and 503 when they lag the log', async () => {
    const t = await start();
    const ok = await fetch(`${t.url}/healthz`);
    expect(ok.status).toBe(200);
    const { core, readSide } = t.server.platform;
    await readSide.stop();
    const organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, await login(t.url, 'owner@one.example', OWNER_PASSWORD))).data?.me.organisation.id;
    await core.execute('organisation', organisationId, { type: 'UpdateOrganisation', data: { changes: { name: 'Renamed' }, at: core.now() } }, { organisationId, actor: { kind: 'system', component: 'test' } });
    const lagging = await fetch(`${t.url}/healthz`);
    expect(lagging.status).toBe(503);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(Number(/^cc_event_lag (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });

  test('metrics expose request counts, durations, event lag and waiting calls per queue', async () => {
    const t = await start();
    const owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
    const queueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Support"}){id}}', {}, owner)).data?.createQueue.id as string;
    const organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string;
    const { core, readSide } = t.server.platform;
    await core.receiveCall({ organisationId, queueId, channel: 'pstn', caller: { number: '+3225550123', name: null, customerId: null } }, { organisationId, actor: { kind: 'system', component: 'gateway' } });
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    const response = await fetch(`${t.url}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^cc_http_requests_total\{method="POST",route="\/graphql",status="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^cc_http_request_duration_seconds_count\{method="POST",route="\/graphql"\} [1-9]/m);
    expect(text).toMatch(/^cc_event_lag 0$/m);
    expect(text).toContain(`cc_queue_waiting_calls{organisation="${organisationId}",queue="${queueId}",queue_name="Support"} 1`);
  });
});
