/**
 * Invariant 4: timers are derived from events and survive a restart.
 * A core process arms a timer (ring timeout, wrap-up end, orphaned-reservation grace), is killed with
 * SIGKILL before it fires, and a NEW process started on the same file after the due time must do
 * what the dead one would have done: nothing remembers the timer but the log.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store.ts';
import { addAgent, callCommand, createOrganisation, createQueue, hangUpByAgent, ORG, receiveCall } from './support/center-setup.ts';
import { CoreChild, killAllChildren } from './support/core-child.ts';
import { ofType, positionGap, readWholeLog, tempStoreFile, waitFor, waitUntilPast } from './support/event-log.ts';

const GRACE_MS = 2000;

let cleanup: (() => void) | null = null;
afterEach(async () => {
  await killAllChildren();
  cleanup?.();
  cleanup = null;
});

const newStore = (): string => {
  const store = tempStoreFile();
  cleanup = store.remove;
  return store.file;
};

/** Polls the whole log until `pick` finds something in it. */
const awaitInLog = <T>(file: string, what: string, pick: (log: RecordedEvent[]) => T | undefined, timeoutMs?: number): Promise<T> =>
  waitFor(what, async () => pick(await readWholeLog(file)), timeoutMs);

type Offered = RecordedEvent<string, { offerId: string; agentId: string; ringTimeoutAt: string }>;
type Released = RecordedEvent<string, { callId: string; offerId: string; reason: string; at: string }>;

describe('invariant 4: timers survive a restart (kill -9, then a new process on the same file)', () => {
  test('a ring timeout due while no core was running fires in the next core: offer timed out, agent released as missed, call offered again', async () => {
    const file = newStore();
    const first = await CoreChild.start(file);
    await createOrganisation(first);
    await createQueue(first, 'q1', { ringTimeoutSeconds: 5 });
    await addAgent(first, 'a1', ['q1']);
    await first.request(receiveCall('c1', 'q1'));
    const offer = await awaitInLog(file, 'the call offered to a1', (log) => ofType<Offered['data']>(log, 'CallOffered', 'call-c1')[0]);
    await first.kill();
    const dueAt = Date.parse(offer.data.ringTimeoutAt);
    expect(Date.now(), 'the first core must die before its ring timeout').toBeLessThan(dueAt);
    const atKill = await readWholeLog(file);
    expect(ofType(atKill, 'CallOfferTimedOut')).toEqual([]);

    await waitUntilPast(dueAt);
    await CoreChild.start(file);

    const timedOut = await awaitInLog(file, 'CallOfferTimedOut from the new core', (log) => ofType<{ offerId: string; agentId: string }>(log, 'CallOfferTimedOut', 'call-c1')[0]);
    expect(timedOut.position).toBeGreaterThan(BigInt(atKill.length));
    expect(timedOut.data).toMatchObject({ offerId: offer.data.offerId, agentId: 'a1' });
    expect(timedOut.metadata.actor).toEqual({ kind: 'system', component: 'timer' });

    const released = await awaitInLog(file, 'a1 released as missed', (log) =>
      ofType<Released['data']>(log, 'AgentReleased', 'agent-a1').find((event) => event.data.offerId === offer.data.offerId),
    );
    expect(released.data).toMatchObject({ callId: 'c1', reason: 'missed' });
    expect(released.position).toBeGreaterThan(timedOut.position);

    // a1 is the only agent and free again: the call goes back to it with a new offer.
    const again = await awaitInLog(file, 'c1 offered again', (log) => ofType<Offered['data']>(log, 'CallOffered', 'call-c1')[1]);
    expect(again.data.agentId).toBe('a1');
    expect(again.data.offerId).not.toBe(offer.data.offerId);
    expect(again.position).toBeGreaterThan(released.position);
    expect(positionGap(await readWholeLog(file))).toBeNull();
  });

  test('a wrap-up end due while no core was running fires in the next core: wrap-up completed by the timer, agent free for the next call', async () => {
    const file = newStore();
    const first = await CoreChild.start(file);
    await createOrganisation(first);
    await createQueue(first, 'q1', { ringTimeoutSeconds: 60, wrapUpSeconds: 5 });
    await addAgent(first, 'a1', ['q1']);
    await first.request(receiveCall('c1', 'q1'));
    await awaitInLog(file, 'the call offered to a1', (log) => ofType(log, 'CallOffered', 'call-c1')[0]);
    await first.request(callCommand('c1', 'AnswerCall', { agentId: 'a1' }, 'a1'));
    await first.request(hangUpByAgent('c1', 'a1'));
    const wrapUp = await awaitInLog(file, 'wrap-up started', (log) => ofType<{ agentId: string; endsAt: string }>(log, 'WrapUpStarted', 'call-c1')[0]);
    await first.kill();
    const dueAt = Date.parse(wrapUp.data.endsAt);
    expect(Date.now(), 'the first core must die before the wrap-up ends').toBeLessThan(dueAt);
    const atKill = await readWholeLog(file);
    expect(ofType(atKill, 'WrapUpCompleted')).toEqual([]);

    await waitUntilPast(dueAt);
    const second = await CoreChild.start(file);

    const completed = await awaitInLog(file, 'WrapUpCompleted from the new core', (log) => ofType<{ agentId: string; endedBy: string }>(log, 'WrapUpCompleted', 'call-c1')[0]);
    expect(completed.position).toBeGreaterThan(BigInt(atKill.length));
    expect(completed.data).toMatchObject({ agentId: 'a1', endedBy: 'timer' });
    const released = await awaitInLog(file, 'a1 released after wrap-up', (log) => ofType<Released['data']>(log, 'AgentReleased', 'agent-a1')[0]);
    expect(released.data).toMatchObject({ callId: 'c1', reason: 'wrap-up-done' });

    // Free again: the next call rings a1.
    await second.request(receiveCall('c2', 'q1'));
    const next = await awaitInLog(file, 'c2 offered', (log) => ofType<Offered['data']>(log, 'CallOffered', 'call-c2')[0]);
    expect(next.data.agentId).toBe('a1');
    expect(positionGap(await readWholeLog(file))).toBeNull();
  });

  test('a reservation left without its offer by a crashed router is released as offer-failed after the grace period, and the call is then offered', async () => {
    const file = newStore();
    const first = await CoreChild.start(file);
    await createOrganisation(first);
    await createQueue(first, 'q1', { ringTimeoutSeconds: 60 });
    await addAgent(first, 'a1', ['q1'], 'break');
    await first.request(receiveCall('c1', 'q1'));
    await awaitInLog(file, 'c1 waiting', (log) => ofType(log, 'CallQueued', 'call-c1')[0]);
    await first.kill();

    // What a router that died between ReserveAgent and OfferCall leaves behind: a1 went online and was
    // reserved for c1, and no CallOffered followed. Appended with exact expected revisions, as a core would.
    const store = SqliteEventStore.open({ file });
    const orphanOfferId = randomUUID();
    const reservedAt = Date.now();
    try {
      const metadata = (component: string, at: number) => ({
        organisationId: ORG,
        correlationId: randomUUID(),
        causationId: null,
        actor: { kind: 'system' as const, component },
        timestamp: new Date(at).toISOString(),
        schemaVersion: 1,
      });
      let revision = await store.streamRevision('agent-a1');
      expect(revision).not.toBeNull();
      const online = await store.append(
        'agent-a1',
        [{ type: 'AgentStatusChanged', data: { status: 'online', reason: null, previousStatus: 'break', at: new Date(reservedAt).toISOString() }, metadata: metadata('test', reservedAt) }],
        { expectedRevision: revision as number },
      );
      revision = online.nextExpectedRevision;
      await store.append(
        'agent-a1',
        [{ type: 'AgentReserved', data: { callId: 'c1', offerId: orphanOfferId, kind: 'offer', at: new Date(reservedAt).toISOString() }, metadata: metadata('router', reservedAt) }],
        { expectedRevision: revision },
      );
    } finally {
      await store.close();
    }

    await CoreChild.start(file, { orphanGraceMs: GRACE_MS });

    const released = await awaitInLog(file, 'the orphaned reservation released', (log) =>
      ofType<Released['data']>(log, 'AgentReleased', 'agent-a1').find((event) => event.data.offerId === orphanOfferId),
    );
    expect(released.data).toMatchObject({ callId: 'c1', reason: 'offer-failed' });
    // Not before the grace period: a live router might still have been about to offer.
    expect(Date.parse(released.data.at) - reservedAt).toBeGreaterThanOrEqual(GRACE_MS);

    // a1 is free and online, c1 still waits: the new core offers it, under a reservation of its own.
    const offered = await awaitInLog(file, 'c1 offered to a1', (log) => ofType<Offered['data']>(log, 'CallOffered', 'call-c1')[0]);
    expect(offered.data.agentId).toBe('a1');
    expect(offered.data.offerId).not.toBe(orphanOfferId);
    const log = await readWholeLog(file);
    const reservations = ofType<{ offerId: string }>(log, 'AgentReserved', 'agent-a1');
    expect(reservations.map((event) => event.data.offerId)).toEqual([orphanOfferId, offered.data.offerId]);
    expect(offered.position).toBeGreaterThan(released.position);
    expect(positionGap(log)).toBeNull();
  });
});
