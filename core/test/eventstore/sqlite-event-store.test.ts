import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store.ts';
import { EventStoreError, readStreamToArray, WrongExpectedRevisionError, type NewEvent, type SubscriptionMessage } from '../../src/eventstore/port.ts';
import { describeEventStoreConformance } from './conformance.ts';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'cc-eventstore-'));

describeEventStoreConformance(
  'SqliteEventStore conformance',
  async () => {
    const dir = tempDir();
    const file = path.join(dir, 'events.sqlite');
    return {
      store: SqliteEventStore.open({ file }),
      reopen: async () => SqliteEventStore.open({ file }),
      cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
  { gapFreePositions: true },
);

const event = (n: number): NewEvent => ({
  type: 'AgentStatusChanged',
  data: { n },
  metadata: {
    organisationId: 'org-1',
    correlationId: randomUUID(),
    causationId: null,
    actor: { kind: 'system', component: 'router' },
    timestamp: '2025-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('SqliteEventStore (embedded only)', () => {
  let dir: string;
  let file: string;
  const opened: SqliteEventStore[] = [];
  const open = (pollIntervalMs?: number): SqliteEventStore => {
    const store = SqliteEventStore.open(pollIntervalMs === undefined ? { file } : { file, pollIntervalMs });
    opened.push(store);
    return store;
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'events.sqlite');
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers the whole log 1, 2, 3, ... even after rejected appends', async () => {
    const store = open();
    await store.append('agent-1', [event(0), event(1)], { expectedRevision: 'no_stream' });
    await expect(store.append('agent-1', [event(2)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    await store.append('call-1', [event(3)], { expectedRevision: 'no_stream' });
    await expect(store.append('call-1', [event(4), event(5)], { expectedRevision: 7 })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    const last = await store.append('agent-1', [event(6)], { expectedRevision: 1 });
    const all = await store.readAll({ after: 0n, maxCount: 100 });
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n]);
    expect(last.position).toBe(4n);
  });

  it('uses WAL and the requested synchronous level', async () => {
    const store = open();
    await store.append('agent-1', [event(0)], { expectedRevision: 'no_stream' });
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    const full = SqliteEventStore.open({ file: path.join(dir, 'full.sqlite'), synchronous: 'FULL' });
    opened.push(full);
    await full.append('agent-1', [event(0)], { expectedRevision: 'no_stream' });
    expect(await full.streamRevision('agent-1')).toBe(0);
  });

  it('two instances on one file: exactly one of two concurrent appends wins', async () => {
    const a = open();
    const b = open();
    await a.append('queue-1', [event(0)], { expectedRevision: 'no_stream' });
    const results = await Promise.allSettled([
      a.append('queue-1', [event(1)], { expectedRevision: 0 }),
      b.append('queue-1', [event(2)], { expectedRevision: 0 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
    expect(((rejected as PromiseRejectedResult).reason as WrongExpectedRevisionError).actual).toBe(1);
    expect(await readStreamToArray(b, 'queue-1')).toHaveLength(2);
  });

  it('connections in two threads contending for one stream never lose or duplicate a revision', async () => {
    const count = 300;
    const start = (writer: string): { worker: Worker; ready: Promise<void>; done: Promise<{ conflicts: number }> } => {
      const worker = new Worker(new URL('./contending-writer.ts', import.meta.url), {
        workerData: { file, streamId: 'agent-contended', writer, count },
      });
      let onReady: () => void = () => undefined;
      const ready = new Promise<void>((resolve) => (onReady = resolve));
      const done = new Promise<{ conflicts: number }>((resolve, reject) => {
        worker.on('message', (message: { ready?: boolean; done?: boolean; conflicts: number }) =>
          message.ready === true ? onReady() : resolve(message),
        );
        worker.once('error', reject);
        worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
      });
      return { worker, ready, done };
    };
    open(); // creates the schema before the writers race
    const writers = [start('a'), start('b')];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.worker.postMessage('go');
    const results = await Promise.all(writers.map((w) => w.done));
    const reader = open();
    const events = await readStreamToArray(reader, 'agent-contended');
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 2 * count }, (_, i) => i));
    for (const writer of ['a', 'b']) {
      const ns = events.map((e) => e.data as { writer: string; n: number }).filter((d) => d.writer === writer).map((d) => d.n);
      expect(ns).toEqual(Array.from({ length: count }, (_, i) => i));
    }
    const all = await reader.readAll({ after: 0n, maxCount: 10_000 });
    expect(all.map((e) => e.position)).toEqual(Array.from({ length: 2 * count }, (_, i) => BigInt(i + 1)));
    console.log(`contending writers hit ${results.map((r) => r.conflicts).join(' + ')} conflicts`); // not asserted: scheduling decides
  });

  it("another instance's appends reach a subscription through polling", async () => {
    const reader = open(20);
    const writer = open();
    const subscription = reader.subscribeToAll({ fromPosition: 'start' });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ kind: 'caughtUp', position: 0n });
    const pending = iterator.next();
    const started = Date.now();
    await writer.append('call-9', [event(0), event(1)], { expectedRevision: 'no_stream' });
    const first = (await pending).value as SubscriptionMessage;
    const second = (await iterator.next()).value as SubscriptionMessage;
    expect(first.kind === 'event' && first.event.position).toBe(1n);
    expect(second.kind === 'event' && second.event.position).toBe(2n);
    expect(Date.now() - started).toBeLessThan(2_000);
    await subscription.stop();
    expect((await iterator.next()).done).toBe(true);
  });

  it('wakes local subscribers without waiting for the poll interval', async () => {
    const store = open(60_000); // polling would never fire within the test
    const subscription = store.subscribeToAll({ fromPosition: 'end' });
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ kind: 'caughtUp', position: 0n });
    const pending = iterator.next();
    await store.append('agent-2', [event(0)], { expectedRevision: 'any' });
    const message = (await pending).value as SubscriptionMessage;
    expect(message.kind === 'event' && message.event.streamId).toBe('agent-2');
    await subscription.stop();
  });

  it('a slow consumer does not make the subscription buffer the log', async () => {
    const store = open();
    for (let i = 0; i < 20; i += 1) {
      await store.append(`call-${i}`, Array.from({ length: 100 }, (_, n) => event(n)), { expectedRevision: 'no_stream' });
    }
    const subscription = store.subscribeToAll({ fromPosition: 'start' });
    const iterator = subscription[Symbol.asyncIterator]();
    // Read one event, then let many appends happen; the subscription must still deliver in order from where it was.
    const first = (await iterator.next()).value as SubscriptionMessage;
    expect(first.kind === 'event' && first.event.position).toBe(1n);
    for (let i = 20; i < 30; i += 1) {
      await store.append(`call-${i}`, Array.from({ length: 100 }, (_, n) => event(n)), { expectedRevision: 'no_stream' });
    }
    let expected = 2n;
    for (;;) {
      const message = (await iterator.next()).value as SubscriptionMessage;
      if (message.kind === 'caughtUp') {
        expect(message.position).toBe(3000n);
        break;
      }
      expect(message.event.position).toBe(expected);
      expected += 1n;
    }
    expect(expected).toBe(3001n);
    await subscription.stop();
  });

  it('refuses work after close and ends its subscriptions', async () => {
    const store = SqliteEventStore.open({ file });
    const subscription = store.subscribeToAll({ fromPosition: 'end' });
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await store.close();
    expect((await pending).done).toBe(true);
    await expect(store.append('agent-1', [event(0)], { expectedRevision: 'any' })).rejects.toBeInstanceOf(EventStoreError);
    await expect(store.streamRevision('agent-1')).rejects.toBeInstanceOf(EventStoreError);
  });

  it('works in memory', async () => {
    const store = SqliteEventStore.open({ file: ':memory:' });
    opened.push(store);
    await store.append('agent-1', [event(0)], { expectedRevision: 'no_stream' });
    expect(await store.streamRevision('agent-1')).toBe(0);
  });
});
