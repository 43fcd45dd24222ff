/**
 * The event-store conformance suite: every adapter behind core/src/eventstore/port.ts must pass it.
 * Stream names are unique per test (the EventStoreDB server may be shared), and tests that read
 * the global log start after a marker event they appended themselves instead of from the start.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMetadata } from '../../src/events/metadata.ts';
import {
  readStreamToArray,
  WrongExpectedRevisionError,
  type AllSubscription,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  type SubscriptionMessage,
} from '../../src/eventstore/port.ts';

export interface ConformanceFixture {
  store: EventStore;
  /** Closes nothing itself: the suite closes `store` first, then calls this to open the same data again. */
  reopen?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** The embedded store promises positions 1, 2, 3, ... with no holes. */
  gapFreePositions?: boolean;
}

const metadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  organisationId: 'org-conformance',
  correlationId: randomUUID(),
  causationId: null,
  actor: { kind: 'system', component: 'router' },
  timestamp: '2025-01-01T09:00:00.000Z',
  schemaVersion: 1,
  ...overrides,
});

const callEvent = (n: number, extra: Partial<NewEvent> = {}): NewEvent => ({
  type: 'CallQueued',
  data: { n, queueId: 'queue-sales' },
  metadata: metadata(),
  ...extra,
});

const callEvents = (count: number, from = 0): NewEvent[] => Array.from({ length: count }, (_, i) => callEvent(from + i));

/** A run-unique stream-name prefix, so tests never see each other's (or other runs') events. */
const uniquePrefix = (category: string): string => `${category}${randomUUID().replaceAll('-', '').slice(0, 12)}-`;

const expectWrongRevision = async (
  attempt: Promise<unknown>,
  streamId: string,
  expected: ExpectedRevision,
  actual: number | null,
): Promise<void> => {
  const error: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  const wrong = error as WrongExpectedRevisionError;
  expect(wrong.streamId).toBe(streamId);
  expect(wrong.expected).toBe(expected);
  expect(wrong.actual).toBe(actual);
};

const withTimeout = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });

/** Pulls messages one at a time from a subscription, with a deadline for each. */
class SubscriptionReader {
  readonly #iterator: AsyncIterator<SubscriptionMessage>;
  constructor(subscription: AllSubscription) {
    this.#iterator = subscription[Symbol.asyncIterator]();
  }
  async next(ms = 10_000): Promise<SubscriptionMessage> {
    const result = await withTimeout(this.#iterator.next(), ms, 'a subscription message');
    if (result.done === true) throw new Error('The subscription ended unexpectedly');
    return result.value;
  }
  nextResult(ms = 10_000): Promise<IteratorResult<SubscriptionMessage>> {
    return withTimeout(this.#iterator.next(), ms, 'the subscription to end');
  }
  async events(count: number, ms = 10_000): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    while (events.length < count) {
      const message = await this.next(ms);
      if (message.kind !== 'event') throw new Error(`Expected an event, got ${message.kind}`);
      events.push(message.event);
    }
    return events;
  }
  /** Events up to the caughtUp message, and that message's position. */
  async untilCaughtUp(ms = 10_000): Promise<{ events: RecordedEvent[]; position: bigint }> {
    const events: RecordedEvent[] = [];
    for (;;) {
      const message = await this.next(ms);
      if (message.kind === 'caughtUp') return { events, position: message.position };
      events.push(message.event);
    }
  }
}

export const describeEventStoreConformance = (
  name: string,
  open: () => Promise<ConformanceFixture>,
  options: ConformanceOptions = {},
): void => {
  describe(name, () => {
    let fixture: ConformanceFixture;
    let store: EventStore;
    const subscriptions: AllSubscription[] = [];

    const subscribe = (...args: Parameters<EventStore['subscribeToAll']>): AllSubscription => {
      const subscription = store.subscribeToAll(...args);
      subscriptions.push(subscription);
      return subscription;
    };

    /** Appends one event to a throwaway stream: the global log after it holds only this test's events (per prefix). */
    const marker = async (): Promise<bigint> =>
      (await store.append(`marker-${randomUUID()}`, [callEvent(0)], { expectedRevision: 'no_stream' })).position;

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.stop()));
      await store.close();
      await fixture.cleanup();
    });

    describe('append and expected revisions', () => {
      it('no_stream creates a stream and fails once it exists', async () => {
        const stream = `call-${randomUUID()}`;
        const first = await store.append(stream, callEvents(2), { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(1);
        await expectWrongRevision(store.append(stream, callEvents(1), { expectedRevision: 'no_stream' }), stream, 'no_stream', 1);
        expect(await store.streamRevision(stream)).toBe(1);
      });

      it('stream_exists fails on a missing stream and appends to an existing one', async () => {
        const stream = `call-${randomUUID()}`;
        await expectWrongRevision(store.append(stream, callEvents(1), { expectedRevision: 'stream_exists' }), stream, 'stream_exists', null);
        expect(await store.streamRevision(stream)).toBeNull();
        await store.append(stream, callEvents(1), { expectedRevision: 'no_stream' });
        const next = await store.append(stream, callEvents(2), { expectedRevision: 'stream_exists' });
        expect(next.nextExpectedRevision).toBe(2);
      });

      it('any appends whether or not the stream exists', async () => {
        const stream = `call-${randomUUID()}`;
        expect((await store.append(stream, callEvents(1), { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
        expect((await store.append(stream, callEvents(3), { expectedRevision: 'any' })).nextExpectedRevision).toBe(3);
        expect(await readStreamToArray(store, stream)).toHaveLength(4);
      });

      it('an exact revision must equal the revision of the last event', async () => {
        const stream = `call-${randomUUID()}`;
        await expectWrongRevision(store.append(stream, callEvents(1), { expectedRevision: 0 }), stream, 0, null);
        const first = await store.append(stream, callEvents(3), { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(2);
        await expectWrongRevision(store.append(stream, callEvents(1), { expectedRevision: 1 }), stream, 1, 2);
        await expectWrongRevision(store.append(stream, callEvents(1), { expectedRevision: 3 }), stream, 3, 2);
        const second = await store.append(stream, callEvents(2), { expectedRevision: first.nextExpectedRevision });
        expect(second.nextExpectedRevision).toBe(4);
        expect((await readStreamToArray(store, stream)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      });

      it('a rejected append writes nothing', async () => {
        const stream = `call-${randomUUID()}`;
        await store.append(stream, callEvents(2), { expectedRevision: 'no_stream' });
        await store.append(stream, callEvents(5), { expectedRevision: 0 }).catch(() => undefined);
        expect(await readStreamToArray(store, stream)).toHaveLength(2);
        expect(await store.streamRevision(stream)).toBe(1);
      });

      it('appending zero events still checks the expected revision', async () => {
        const stream = `call-${randomUUID()}`;
        await store.append(stream, callEvents(2), { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.append(stream, [], { expectedRevision: 5 }), stream, 5, 1);
        await expectWrongRevision(store.append(stream, [], { expectedRevision: 'no_stream' }), stream, 'no_stream', 1);
        const empty = await store.append(stream, [], { expectedRevision: 1 });
        expect(empty.nextExpectedRevision).toBe(1);
        expect(await store.streamRevision(stream)).toBe(1);
      });

      it('streamRevision is null for a missing stream and the last revision otherwise', async () => {
        const stream = `agent-${randomUUID()}`;
        expect(await store.streamRevision(stream)).toBeNull();
        await store.append(stream, callEvents(4), { expectedRevision: 'no_stream' });
        expect(await store.streamRevision(stream)).toBe(3);
      });

      it('two concurrent appends with the same expected revision: exactly one wins', async () => {
        for (const expected of ['no_stream', 0] as const) {
          const stream = `queue-${randomUUID()}`;
          if (expected === 0) await store.append(stream, callEvents(1), { expectedRevision: 'no_stream' });
          const attempts = await Promise.allSettled([
            store.append(stream, [callEvent(100)], { expectedRevision: expected }),
            store.append(stream, [callEvent(200)], { expectedRevision: expected }),
          ]);
          const won = attempts.filter((a) => a.status === 'fulfilled');
          const lost = attempts.filter((a) => a.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
          const events = await readStreamToArray(store, stream);
          expect(events).toHaveLength(expected === 0 ? 2 : 1);
        }
      });
    });

    describe('reading a stream', () => {
      const seed = async (count: number): Promise<string> => {
        const stream = `call-${randomUUID()}`;
        await store.append(stream, callEvents(count), { expectedRevision: 'no_stream' });
        return stream;
      };
      const ns = (events: RecordedEvent[]): number[] => events.map((e) => (e.data as { n: number }).n);

      it('reads forwards and backwards in revision order', async () => {
        const stream = await seed(5);
        const forwards = await readStreamToArray(store, stream);
        expect(forwards.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(ns(forwards)).toEqual([0, 1, 2, 3, 4]);
        expect(forwards.every((e) => e.streamId === stream)).toBe(true);
        const backwards = await readStreamToArray(store, stream, { direction: 'backwards' });
        expect(backwards.map((e) => e.revision)).toEqual([4, 3, 2, 1, 0]);
      });

      it('honours fromRevision (inclusive) and maxCount in both directions', async () => {
        const stream = await seed(6);
        expect((await readStreamToArray(store, stream, { fromRevision: 2 })).map((e) => e.revision)).toEqual([2, 3, 4, 5]);
        expect((await readStreamToArray(store, stream, { fromRevision: 2, maxCount: 2 })).map((e) => e.revision)).toEqual([2, 3]);
        expect((await readStreamToArray(store, stream, { maxCount: 3 })).map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(
          (await readStreamToArray(store, stream, { direction: 'backwards', fromRevision: 3 })).map((e) => e.revision),
        ).toEqual([3, 2, 1, 0]);
        expect(
          (await readStreamToArray(store, stream, { direction: 'backwards', fromRevision: 'end', maxCount: 2 })).map((e) => e.revision),
        ).toEqual([5, 4]);
        expect(await readStreamToArray(store, stream, { fromRevision: 6 })).toEqual([]);
      });

      it('reads a long stream completely, in order', async () => {
        const stream = `call-${randomUUID()}`;
        for (let batch = 0; batch < 6; batch += 1) {
          await store.append(stream, callEvents(250, batch * 250), { expectedRevision: 'any' });
        }
        const forwards = await readStreamToArray(store, stream);
        expect(forwards.map((e) => e.revision)).toEqual(Array.from({ length: 1500 }, (_, i) => i));
        const backwards = await readStreamToArray(store, stream, { direction: 'backwards', maxCount: 700 });
        expect(backwards.map((e) => e.revision)).toEqual(Array.from({ length: 700 }, (_, i) => 1499 - i));
      });

      it('a missing stream reads as empty in both directions', async () => {
        const stream = `call-${randomUUID()}`;
        expect(await readStreamToArray(store, stream)).toEqual([]);
        expect(await readStreamToArray(store, stream, { direction: 'backwards' })).toEqual([]);
      });

      it('round-trips ids, types, data and every metadata field', async () => {
        const stream = `engagement-${randomUUID()}`;
        const id = randomUUID();
        const userMetadata = metadata({
          organisationId: 'org-7',
          causationId: randomUUID(),
          actor: { kind: 'user', userId: 'user-ä-42' },
          timestamp: '2025-06-30T23:59:59.999Z',
          schemaVersion: 3,
        });
        const data = { caller: '+44 20 7946 0000', note: 'naïve café ☎', nested: { list: [1, 2.5, null, true], empty: {} } };
        const appended = await store.append(
          stream,
          [
            { id, type: 'CallAnswered', data, metadata: userMetadata },
            { type: 'CallEnded', data: { reason: 'hangup' }, metadata: metadata() },
          ],
          { expectedRevision: 'no_stream' },
        );
        const [first, second] = await readStreamToArray(store, stream);
        expect(first).toEqual({
          id,
          streamId: stream,
          revision: 0,
          position: expect.any(BigInt) as unknown,
          type: 'CallAnswered',
          data,
          metadata: userMetadata,
        });
        expect(second?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
        expect(second?.metadata.causationId).toBeNull();
        expect(second?.position).toBe(appended.position);
      });
    });

    describe('global positions', () => {
      it('are bigints, increase with every event, and the append reports the last one', async () => {
        const stream = `call-${randomUUID()}`;
        const first = await store.append(stream, callEvents(3), { expectedRevision: 'no_stream' });
        const second = await store.append(`agent-${randomUUID()}`, callEvents(2), { expectedRevision: 'no_stream' });
        const third = await store.append(stream, callEvents(2), { expectedRevision: 2 });
        expect(typeof first.position).toBe('bigint');
        expect(second.position).toBeGreaterThan(first.position);
        expect(third.position).toBeGreaterThan(second.position);
        const events = await readStreamToArray(store, stream);
        const positions = events.map((e) => e.position);
        for (let i = 1; i < positions.length; i += 1) expect(positions[i]).toBeGreaterThan(positions[i - 1] as bigint);
        expect(positions[2]).toBe(first.position);
        expect(positions[4]).toBe(third.position);
      });

      it.runIf(options.gapFreePositions === true)('are gap-free: each event is one more than the last', async () => {
        const start = await marker();
        const stream = `call-${randomUUID()}`;
        await store.append(stream, callEvents(3), { expectedRevision: 'no_stream' });
        await store.append(stream, callEvents(1), { expectedRevision: 'no_stream' }).catch(() => undefined); // rejected
        await store.append(`agent-${randomUUID()}`, callEvents(2), { expectedRevision: 'no_stream' });
        const all = await store.readAll({ after: start, maxCount: 100 });
        expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n, 5n].map((p) => start + p));
      });
    });

    describe('readAll', () => {
      it('pages through the global log after a position, filtered by stream prefixes', async () => {
        const calls = uniquePrefix('call');
        const agents = uniquePrefix('agent');
        const start = await marker();
        const written: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          for (const prefix of [calls, agents]) {
            const stream = `${prefix}${i}`;
            await store.append(stream, callEvents(2, i * 10), { expectedRevision: 'no_stream' });
            written.push(`${stream}@0`, `${stream}@1`);
          }
        }
        const pageThrough = async (prefixes: string[], pageSize: number): Promise<RecordedEvent[]> => {
          const collected: RecordedEvent[] = [];
          let after = start;
          for (;;) {
            const page = await store.readAll({ after, maxCount: pageSize, streamPrefixes: prefixes });
            expect(page.length).toBeLessThanOrEqual(pageSize);
            const last = page[page.length - 1];
            if (last === undefined) return collected;
            collected.push(...page);
            after = last.position;
          }
        };
        const onlyCalls = await pageThrough([calls], 3);
        expect(onlyCalls.map((e) => `${e.streamId}@${e.revision}`)).toEqual(written.filter((w) => w.startsWith(calls)));
        const both = await pageThrough([calls, agents], 4);
        expect(both.map((e) => `${e.streamId}@${e.revision}`)).toEqual(written);
        for (let i = 1; i < both.length; i += 1) expect(both[i]?.position).toBeGreaterThan(both[i - 1]?.position as bigint);
      });

      it('returns nothing after the last position', async () => {
        const last = await marker();
        expect(await store.readAll({ after: last, maxCount: 10 })).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, says caughtUp once, then delivers live events', async () => {
        const prefix = uniquePrefix('call');
        await store.append(`${prefix}1`, callEvents(3), { expectedRevision: 'no_stream' });
        const reader = new SubscriptionReader(subscribe({ fromPosition: 'start', streamPrefixes: [prefix] }));
        const caughtUp = await reader.untilCaughtUp(30_000);
        expect(caughtUp.events.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(caughtUp.position).toBeGreaterThanOrEqual(caughtUp.events[2]?.position as bigint);
        const appended = await store.append(`${prefix}1`, callEvents(2, 3), { expectedRevision: 2 });
        const live = await reader.events(2);
        expect(live.map((e) => e.revision)).toEqual([3, 4]);
        expect(live[1]?.position).toBe(appended.position);
        await store.append(`${prefix}2`, callEvents(1), { expectedRevision: 'no_stream' });
        const more = await reader.next();
        expect(more.kind).toBe('event'); // no second caughtUp
      });

      it('from a checkpoint delivers only events strictly after it', async () => {
        const prefix = uniquePrefix('agent');
        const stream = `${prefix}1`;
        await store.append(stream, callEvents(2), { expectedRevision: 'no_stream' });
        const checkpoint = (await store.append(stream, callEvents(1, 2), { expectedRevision: 1 })).position;
        await store.append(stream, callEvents(2, 3), { expectedRevision: 2 });
        const reader = new SubscriptionReader(subscribe({ fromPosition: checkpoint, streamPrefixes: [prefix] }));
        const { events } = await reader.untilCaughtUp();
        expect(events.map((e) => e.revision)).toEqual([3, 4]);
        expect(events.every((e) => e.position > checkpoint)).toBe(true);
      });

      it("from 'end' delivers only events appended after subscribing", async () => {
        const prefix = uniquePrefix('queue');
        await store.append(`${prefix}1`, callEvents(2), { expectedRevision: 'no_stream' });
        const reader = new SubscriptionReader(subscribe({ fromPosition: 'end', streamPrefixes: [prefix] }));
        const caughtUp = await reader.untilCaughtUp();
        expect(caughtUp.events).toEqual([]);
        await store.append(`${prefix}2`, callEvents(1), { expectedRevision: 'no_stream' });
        const [live] = await reader.events(1);
        expect(live?.streamId).toBe(`${prefix}2`);
      });

      it('filters by stream prefix', async () => {
        const calls = uniquePrefix('call');
        const agents = uniquePrefix('agent');
        const start = await marker();
        for (let i = 0; i < 4; i += 1) {
          await store.append(`${calls}${i}`, callEvents(1), { expectedRevision: 'no_stream' });
          await store.append(`${agents}${i}`, callEvents(1), { expectedRevision: 'no_stream' });
        }
        const reader = new SubscriptionReader(subscribe({ fromPosition: start, streamPrefixes: [agents] }));
        const { events } = await reader.untilCaughtUp();
        expect(events.map((e) => e.streamId)).toEqual([0, 1, 2, 3].map((i) => `${agents}${i}`));
        await store.append(`${calls}live`, callEvents(1), { expectedRevision: 'no_stream' });
        await store.append(`${agents}live`, callEvents(1), { expectedRevision: 'no_stream' });
        const [live] = await reader.events(1);
        expect(live?.streamId).toBe(`${agents}live`);
      });

      it('stop() ends the iteration, including a pending next()', async () => {
        const prefix = uniquePrefix('callback');
        const subscription = subscribe({ fromPosition: 'end', streamPrefixes: [prefix] });
        const reader = new SubscriptionReader(subscription);
        await reader.untilCaughtUp();
        const pending = reader.nextResult();
        await subscription.stop();
        expect((await pending).done).toBe(true);
        expect((await reader.nextResult()).done).toBe(true);

        const looped = subscribe({ fromPosition: 'end', streamPrefixes: [prefix] });
        let seen = 0;
        const loop = (async () => {
          for await (const message of looped) {
            if (message.kind === 'caughtUp') setTimeout(() => void looped.stop(), 20);
            seen += 1;
          }
        })();
        await withTimeout(loop, 10_000, 'the for-await loop to end');
        expect(seen).toBe(1);
      });

      it('events appended while it catches up are neither lost nor duplicated', async () => {
        const prefix = uniquePrefix('call');
        const start = await marker();
        const streams = Array.from({ length: 10 }, (_, i) => `${prefix}${i}`);
        const appendRound = async (round: number): Promise<void> => {
          for (const stream of streams) await store.append(stream, callEvents(10, round * 10), { expectedRevision: 'any' });
        };
        for (let round = 0; round < 15; round += 1) await appendRound(round); // 1,500 before subscribing
        const reader = new SubscriptionReader(subscribe({ fromPosition: start, streamPrefixes: [prefix] }));
        let writing = true;
        const writer = (async () => {
          for (let round = 15; round < 35; round += 1) {
            await appendRound(round); // 2,000 more while the subscription catches up
            await new Promise((resolve) => setImmediate(resolve));
          }
          writing = false;
        })();
        const total = 35 * 10 * 10;
        const received: RecordedEvent[] = [];
        let caughtUpMessages = 0;
        while (received.length < total) {
          const message = await reader.next(30_000);
          if (message.kind === 'caughtUp') caughtUpMessages += 1;
          else received.push(message.event);
        }
        await writer;
        expect(writing).toBe(false);
        expect(caughtUpMessages).toBeLessThanOrEqual(1);
        for (let i = 1; i < received.length; i += 1) expect(received[i]?.position).toBeGreaterThan(received[i - 1]?.position as bigint);
        expect(new Set(received.map((e) => e.id)).size).toBe(total);
        for (const stream of streams) {
          expect(received.filter((e) => e.streamId === stream).map((e) => e.revision)).toEqual(Array.from({ length: 350 }, (_, i) => i));
        }
      });
    });

    describe('durability', () => {
      it('keeps every appended event across close and reopen', async () => {
        if (fixture.reopen === undefined) return;
        const stream = `call-${randomUUID()}`;
        const appended = await store.append(stream, callEvents(3), { expectedRevision: 'no_stream' });
        const before = await readStreamToArray(store, stream);
        await store.close();
        store = await fixture.reopen();
        expect(await readStreamToArray(store, stream)).toEqual(before);
        expect(await store.streamRevision(stream)).toBe(2);
        const next = await store.append(stream, callEvents(1, 3), { expectedRevision: 2 });
        expect(next.nextExpectedRevision).toBe(3);
        expect(next.position).toBeGreaterThan(appended.position);
      });
    });
  });
};
