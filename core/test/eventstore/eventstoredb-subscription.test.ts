/** The EventStoreDB subscription wrapper, driven by a stand-in for the client's Readable (no server). */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AllStreamSubscription } from '@eventstore/db-client';
import { EsdbSubscription } from '../../src/eventstore/eventstoredb-event-store.ts';
import type { SubscriptionMessage } from '../../src/eventstore/port.ts';

const resolved = (n: number) => ({
  event: {
    streamId: 'call-1',
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    isJson: true,
    revision: BigInt(n),
    type: 'CallQueued',
    created: new Date(0),
    data: { n },
    metadata: {},
    position: { commit: BigInt(100 + n), prepare: BigInt(100 + n) },
  },
});

const fakeSource = (): { source: AllStreamSubscription; stream: PassThrough; unsubscribed: () => boolean } => {
  const stream = new PassThrough({ objectMode: true });
  let unsubscribed = false;
  const source = Object.assign(stream, {
    unsubscribe: async () => {
      unsubscribed = true;
      stream.end();
    },
  });
  // A PassThrough with unsubscribe() is what the wrapper uses of the client's subscription.
  return { source: source as unknown as AllStreamSubscription, stream, unsubscribed: () => unsubscribed };
};

const describeMessage = (message: SubscriptionMessage): string =>
  message.kind === 'caughtUp' ? `caughtUp@${message.position}` : `event@${message.event.position}`;

describe('EsdbSubscription', () => {
  it('places caughtUp behind the events that were already buffered, and sends it once', async () => {
    const { source, stream } = fakeSource();
    stream.pause(); // events pile up in the Readable buffer, as with a slow consumer
    for (let n = 0; n < 3; n += 1) stream.write(resolved(n));
    const subscription = new EsdbSubscription(Promise.resolve({ source, start: 0n }), () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    stream.emit('caughtUp');
    stream.write(resolved(3));
    stream.emit('caughtUp'); // after a fellBehind: the port still says it once
    stream.write(resolved(4));
    const iterator = subscription[Symbol.asyncIterator]();
    const seen: string[] = [];
    for (let i = 0; i < 6; i += 1) seen.push(describeMessage((await iterator.next()).value as SubscriptionMessage));
    expect(seen).toEqual(['event@100', 'event@101', 'event@102', 'caughtUp@102', 'event@103', 'event@104']);
  });

  it('reports the start position when it catches up with nothing to deliver', async () => {
    const { source, stream } = fakeSource();
    const subscription = new EsdbSubscription(Promise.resolve({ source, start: 555n }), () => undefined);
    const iterator = subscription[Symbol.asyncIterator]();
    const next = iterator.next();
    await new Promise((resolve) => setImmediate(resolve));
    stream.emit('caughtUp');
    expect((await next).value).toEqual({ kind: 'caughtUp', position: 555n });
  });

  it('stop() resolves a pending next() with done and unsubscribes', async () => {
    const { source, unsubscribed } = fakeSource();
    let forgotten = false;
    const subscription = new EsdbSubscription(Promise.resolve({ source, start: 0n }), () => (forgotten = true));
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();
    await subscription.stop();
    expect((await pending).done).toBe(true);
    expect((await iterator.next()).done).toBe(true);
    expect(unsubscribed()).toBe(true);
    expect(forgotten).toBe(true);
  });

  it('surfaces a stream error to the consumer after the queued events', async () => {
    const { source, stream } = fakeSource();
    const subscription = new EsdbSubscription(Promise.resolve({ source, start: 0n }), () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    stream.write(resolved(0));
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy(new Error('connection lost'));
    await new Promise((resolve) => setImmediate(resolve));
    const iterator = subscription[Symbol.asyncIterator]();
    expect(describeMessage((await iterator.next()).value as SubscriptionMessage)).toBe('event@100');
    await expect(iterator.next()).rejects.toThrow('connection lost');
  });
});
