/**
 * Invariant 1: an agent never has two calls offered or connected at once; a call is never connected
 * to two agents. Two real core processes share one SQLite file and both route: calls arrive through
 * both, agents answer, decline, hang up and finish wrap-up through either, until every call is
 * handled. The whole log is then checked by a checker that folds the events itself.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { addAgent, callCommand, createOrganisation, createQueue, hangUpByAgent, ORG, receiveCall } from './support/center-setup.ts';
import { CoreChild, killAllChildren } from './support/core-child.ts';
import { LogFollower, readWholeLog, tempStoreFile, waitFor } from './support/event-log.ts';
import type { ChildReply, ChildRequestBody } from './support/protocol.ts';
import { checkRoutingInvariants } from './support/routing-checker.ts';

const QUEUES = ['q1', 'q2', 'q3', 'q4'];
const AGENT_COUNT = 40;
const CALL_COUNT = 300;
const DECLINE_RATE = 0.1;

let cleanup: (() => void) | null = null;
let follower: LogFollower | null = null;
afterEach(async () => {
  await killAllChildren();
  await follower?.close();
  follower = null;
  cleanup?.();
  cleanup = null;
});

describe('invariant 1: two routers racing on one log never double-book an agent or a call', () => {
  test('two core processes routing 300 calls to 40 agents in 4 queues', async () => {
    const store = tempStoreFile();
    cleanup = store.remove;
    const first = await CoreChild.start(store.file, { orphanGraceMs: 30_000 });
    await createOrganisation(first);
    for (const queueId of QUEUES) await createQueue(first, queueId, { ringTimeoutSeconds: 60, wrapUpSeconds: 600 });
    // Each agent serves two neighbouring queues, so routers deciding for different queues still contend for agents.
    for (let n = 0; n < AGENT_COUNT; n += 1) {
      await addAgent(first, `agent-${n}`, [QUEUES[n % 4] as string, QUEUES[(n + 1) % 4] as string]);
    }
    const second = await CoreChild.start(store.file, { orphanGraceMs: 30_000 });
    const cores = [first, second];

    const refusals: string[] = [];
    const inFlight = new Set<Promise<void>>();
    const sendVia = (core: CoreChild, body: ChildRequestBody): void => {
      const sent = core.send(body).then((reply: ChildReply) => {
        if ('error' in reply) refusals.push(`${reply.code}: ${reply.message}`);
      });
      const tracked = sent.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };
    const anyCore = (): CoreChild => cores[Math.floor(Math.random() * cores.length)] as CoreChild;

    // Callers arrive through both processes, alternately, all at once.
    for (let n = 0; n < CALL_COUNT; n += 1) sendVia(cores[n % 2] as CoreChild, receiveCall(`call-${n}`, QUEUES[n % 4] as string));

    // The agents' side, driven from the log through either process.
    follower = new LogFollower(store.file);
    const log = follower;
    let wrapUpsCompleted = 0;
    await waitFor(
      `all ${CALL_COUNT} calls answered, ended and wrapped up`,
      async () => {
        for (const event of await log.poll()) {
          const callId = event.streamId.slice('call-'.length);
          const data = event.data as { agentId: string };
          switch (event.type) {
            case 'CallOffered':
              if (Math.random() < DECLINE_RATE) sendVia(anyCore(), callCommand(callId, 'DeclineOffer', { agentId: data.agentId }, data.agentId));
              else sendVia(anyCore(), callCommand(callId, 'AnswerCall', { agentId: data.agentId }, data.agentId));
              break;
            case 'CallAnswered':
              sendVia(anyCore(), hangUpByAgent(callId, data.agentId));
              break;
            case 'WrapUpStarted':
              sendVia(anyCore(), callCommand(callId, 'CompleteWrapUp', { agentId: data.agentId, notes: null, rating: null, conversationStatus: 'closed' }, data.agentId));
              break;
            case 'WrapUpCompleted':
              wrapUpsCompleted += 1;
              break;
          }
        }
        return wrapUpsCompleted >= CALL_COUNT ? true : undefined;
      },
      25_000,
      15,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; ${wrapUpsCompleted} wrapped up; refusals: ${refusals.slice(0, 5).join(' | ')}\n${first.stderrTail(10)}\n${second.stderrTail(10)}`);
    });
    await Promise.all([...inFlight]);
    // Both cores settle: the last releases (wrap-up done) are in the log.
    await Promise.all(cores.map((core) => core.request({ kind: 'idle' })));
    await waitFor('every agent released', async () => {
      const events = await readWholeLog(store.file);
      const held = events.filter((e) => e.type === 'AgentReserved').length - events.filter((e) => e.type === 'AgentReleased').length;
      return held === 0 ? true : undefined;
    });
    const [firstStats, secondStats] = await Promise.all(cores.map((core) => core.stats()));

    const events = await readWholeLog(store.file);
    const check = checkRoutingInvariants(events);
    // CC_RACE_DUMP=<file> keeps the log as JSON lines, to read a violation's history after the temp dir is gone.
    if (process.env['CC_RACE_DUMP'] !== undefined) (await import('node:fs')).writeFileSync(process.env['CC_RACE_DUMP'], events.map((e) => JSON.stringify({ ...e, position: Number(e.position) })).join('\n'));
    expect(check.violations).toEqual([]);
    expect(check.answers).toBe(CALL_COUNT);
    expect(events.filter((event) => event.type === 'CallReceived').length).toBe(CALL_COUNT);
    expect(events.every((event) => event.metadata.organisationId === ORG)).toBe(true);

    // Both processes really routed, and between them they made exactly the router offers in the log.
    expect(firstStats?.['offers']).toBeGreaterThan(0);
    expect(secondStats?.['offers']).toBeGreaterThan(0);
    expect((firstStats?.['offers'] ?? 0) + (secondStats?.['offers'] ?? 0)).toBe(check.routerOffers);
    const lost = (firstStats?.['failedReservations'] ?? 0) + (secondStats?.['failedReservations'] ?? 0);
    const offerFailed = events.filter((event) => event.type === 'AgentReleased' && (event.data as { reason: string }).reason === 'offer-failed').length;
    // Not asserted: how often the routers collide depends on scheduling.
    console.log(
      `two routers: offers ${firstStats?.['offers']} + ${secondStats?.['offers']}, reservations refused ${lost}, reservations released offer-failed ${offerFailed}, ${events.length} events, ${refusals.length} commands refused`,
    );
  });
});

describe('the routing checker', () => {
  const at = '2026-01-05T08:00:00.000Z';
  const metadata = { organisationId: ORG, correlationId: 'c', causationId: null, actor: { kind: 'system' as const, component: 'router' }, timestamp: at, schemaVersion: 1 };
  const log = (...events: Array<[string, string, Record<string, unknown>]>): RecordedEvent[] =>
    events.map(([streamId, type, data], index) => ({ id: String(index), streamId, revision: 0, position: BigInt(index + 1), type, data: { ...data, at }, metadata }));
  const online: [string, string, Record<string, unknown>] = ['agent-a1', 'AgentStatusChanged', { status: 'online' }];

  test('accepts a clean reserve, offer, answer, end, release', () => {
    const check = checkRoutingInvariants(
      log(
        online,
        ['agent-a1', 'AgentReserved', { callId: 'c1', offerId: 'o1', kind: 'offer' }],
        ['call-c1', 'CallOffered', { offerId: 'o1', agentId: 'a1' }],
        ['call-c1', 'CallAnswered', { offerId: 'o1', agentId: 'a1' }],
        ['call-c1', 'CallEnded', { agentId: 'a1' }],
        ['agent-a1', 'AgentReleased', { callId: 'c1', offerId: 'o1', reason: 'wrap-up-done' }],
      ),
    );
    expect(check.violations).toEqual([]);
  });

  test('flags a second reservation, an offer without reservation, two calls ringing one agent, and a second answer', () => {
    const check = checkRoutingInvariants(
      log(
        online,
        ['agent-a1', 'AgentReserved', { callId: 'c1', offerId: 'o1', kind: 'offer' }],
        ['agent-a1', 'AgentReserved', { callId: 'c2', offerId: 'o2', kind: 'offer' }],
        ['call-c1', 'CallOffered', { offerId: 'o1', agentId: 'a1' }],
        ['call-c2', 'CallOffered', { offerId: 'o2', agentId: 'a1' }],
        ['call-c1', 'CallOffered', { offerId: 'o3', agentId: 'a2' }],
        ['call-c1', 'CallAnswered', { offerId: 'o1', agentId: 'a1' }],
        ['call-c1', 'CallAnswered', { offerId: 'o3', agentId: 'a2' }],
      ),
    );
    const text = check.violations.join('\n');
    expect(text).toMatch(/reserved for c2 while holding c1/);
    expect(text).toMatch(/offer o3 to agent a2 without that reservation/);
    expect(text).toMatch(/agent a1 offered c2 while already ringing or connected on c1/);
    expect(text).toMatch(/call answered 2 times/);
    expect(text).toMatch(/connected to a2 while connected to a1/);
  });

  test('flags a gap in global positions', () => {
    const events = log(online, ['agent-a1', 'AgentStatusChanged', { status: 'break' }]);
    (events[1] as RecordedEvent).position = 3n;
    expect(checkRoutingInvariants(events).violations.join('\n')).toMatch(/expected global position 2/);
  });
});
