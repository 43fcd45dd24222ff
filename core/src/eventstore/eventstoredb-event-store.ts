/**
 * EventStoreDB adapter: a thin translation of the port onto `@eventstore/db-client` (v6).
 * Positions are commit positions; metadata is the event's JSON metadata; system streams
 * (`$...`) and binary events are invisible through the port.
 */
import {
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type JSONType,
} from '@eventstore/db-client';
import type {
  AllSubscription,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  SubscriptionMessage,
} from './port.ts';
import { EventStoreError } from './port.ts';
import {
  fromEsdbPosition,
  fromEsdbResolvedEvent,
  isStreamNotFound,
  mapAppendError,
  matchesPrefixes,
  toEsdbExpectedRevision,
  toEsdbReadPosition,
  toEsdbReadRevision,
} from './eventstoredb-mapping.ts';

/** Subscription messages held before the gRPC stream is paused (backpressure for slow consumers). */
const HIGH_WATER_MARK = 512;

export class EventStoreDbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #subscriptions = new Set<EsdbSubscription>();
  #closed = false;

  private constructor(client: EventStoreDBClient) {
    this.#client = client;
  }

  /** e.g. `esdb://127.0.0.1:2113?tls=false`; the client connects lazily on the first call. */
  static connect(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    this.#assertOpen();
    const expected = options.expectedRevision;
    const proposed = events.map((event) =>
      jsonEvent({
        ...(event.id === undefined ? {} : { id: event.id }),
        type: event.type,
        // The port's data is any JSON value the caller chose; the client types it as JSONType.
        data: event.data as JSONType,
        metadata: event.metadata,
      }),
    );
    try {
      const result = await this.#client.appendToStream(streamId, proposed, { expectedRevision: toEsdbExpectedRevision(expected) });
      const nextExpectedRevision = Number(result.nextExpectedRevision);
      const position = result.position === undefined ? await this.#streamHeadPosition(streamId) : fromEsdbPosition(result.position);
      return { nextExpectedRevision, position };
    } catch (error) {
      throw mapAppendError(error, streamId, expected);
    }
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    this.#assertOpen();
    const backwards = options.direction === 'backwards';
    if (options.maxCount !== undefined && options.maxCount <= 0) return;
    const read = this.#client.readStream(streamId, {
      direction: backwards ? 'backwards' : 'forwards',
      fromRevision: toEsdbReadRevision(options.fromRevision, backwards),
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    try {
      for await (const resolved of read) {
        const event = fromEsdbResolvedEvent(resolved);
        if (event !== null) yield event;
      }
    } catch (error) {
      if (isStreamNotFound(error)) return;
      throw error;
    }
  }

  async readAll(options: { after: bigint; maxCount: number; streamPrefixes?: readonly string[] }): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const page: RecordedEvent[] = [];
    if (options.maxCount <= 0) return page;
    // Prefixes are applied here: the v6 client's readAll takes no server-side filter.
    const read = this.#client.readAll({ fromPosition: toEsdbReadPosition(options.after), direction: 'forwards' });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const event = fromEsdbResolvedEvent(resolved);
        if (event === null || event.position <= options.after || !matchesPrefixes(event.streamId, options.streamPrefixes)) continue;
        page.push(event);
        if (page.length >= options.maxCount) break;
      }
    } finally {
      await read.cancel().catch(() => undefined);
    }
    return page;
  }

  subscribeToAll(options: SubscribeToAllOptions): AllSubscription {
    this.#assertOpen();
    const prefixes = options.streamPrefixes ?? [];
    const filter = prefixes.length > 0 ? streamNameFilter({ prefixes: [...prefixes] }) : excludeSystemEvents();
    const open = async (): Promise<{ source: AllStreamSubscription; start: bigint }> => {
      // 'end' is resolved to a concrete position so the caughtUp message can name it.
      const start =
        options.fromPosition === 'start' ? 0n : options.fromPosition === 'end' ? await this.#logHeadPosition() : options.fromPosition;
      const source = this.#client.subscribeToAll({ fromPosition: toEsdbReadPosition(start), filter });
      return { source, start };
    };
    const subscription = new EsdbSubscription(open(), () => this.#subscriptions.delete(subscription));
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async streamRevision(streamId: string): Promise<number | null> {
    for await (const event of this.readStream(streamId, { direction: 'backwards', maxCount: 1 })) return event.revision;
    return null;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    await this.#client.dispose();
  }

  async #streamHeadPosition(streamId: string): Promise<bigint> {
    for await (const event of this.readStream(streamId, { direction: 'backwards', maxCount: 1 })) return event.position;
    return 0n;
  }

  /** Commit position of the last record in $all (system records included), 0n when empty. */
  async #logHeadPosition(): Promise<bigint> {
    const read = this.#client.readAll({ fromPosition: 'end', direction: 'backwards', maxCount: 1 });
    for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
      const position = resolved.event?.position.commit ?? resolved.commitPosition;
      if (position !== undefined) return position;
    }
    return 0n;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreError('The event store is closed');
  }
}

/**
 * Turns the client's catch-up subscription (a Readable plus a `caughtUp` event) into the port's
 * ordered message stream. `caughtUp` is emitted while earlier events may still sit in the
 * Readable's buffer, so it is queued behind exactly those events. Exported for tests only.
 */
export class EsdbSubscription implements AllSubscription {
  readonly #opened: Promise<{ source: AllStreamSubscription; start: bigint }>;
  readonly #onStop: () => void;
  #source: AllStreamSubscription | null = null;
  readonly #queue: SubscriptionMessage[] = [];
  #waiting: ((result: IteratorResult<SubscriptionMessage>) => void) | null = null;
  #failWaiting: ((error: unknown) => void) | null = null;
  #received = 0;
  #caughtUpAfter: number | null = null;
  #caughtUpSent = false;
  #lastPosition = 0n;
  #ended = false;
  #error: unknown = null;

  constructor(opened: Promise<{ source: AllStreamSubscription; start: bigint }>, onStop: () => void) {
    this.#onStop = onStop;
    this.#opened = opened.then((value) => {
      this.#attach(value.source, value.start);
      return value;
    });
    this.#opened.catch((error: unknown) => this.#finish(error));
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.#next(),
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  async stop(): Promise<void> {
    if (this.#ended) return;
    this.#finish(null, true);
    const source = this.#source ?? (await this.#opened.then((value) => value.source).catch(() => null));
    await source?.unsubscribe();
  }

  #attach(source: AllStreamSubscription, start: bigint): void {
    this.#source = source;
    this.#lastPosition = start;
    if (this.#ended) return;
    source.on('data', (resolved: AllStreamResolvedEvent) => {
      this.#received += 1;
      const event = fromEsdbResolvedEvent(resolved);
      if (event !== null) {
        this.#lastPosition = event.position;
        this.#push({ kind: 'event', event });
      }
      this.#maybeCaughtUp();
      if (this.#queue.length >= HIGH_WATER_MARK) source.pause();
    });
    source.on('caughtUp', () => {
      if (this.#caughtUpAfter !== null) return; // the port says caughtUp once
      this.#caughtUpAfter = this.#received + source.readableLength;
      this.#maybeCaughtUp();
    });
    source.on('error', (error: unknown) => this.#finish(error));
    source.on('end', () => this.#finish(null));
  }

  #maybeCaughtUp(): void {
    if (this.#caughtUpSent || this.#caughtUpAfter === null || this.#received < this.#caughtUpAfter) return;
    this.#caughtUpSent = true;
    this.#push({ kind: 'caughtUp', position: this.#lastPosition });
  }

  #push(message: SubscriptionMessage): void {
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      this.#failWaiting = null;
      waiting({ done: false, value: message });
    } else {
      this.#queue.push(message);
    }
  }

  #next(): Promise<IteratorResult<SubscriptionMessage>> {
    const message = this.#queue.shift();
    if (message !== undefined) {
      if (this.#queue.length < HIGH_WATER_MARK / 2 && this.#source?.isPaused() === true) this.#source.resume();
      return Promise.resolve({ done: false, value: message });
    }
    if (this.#error !== null) return Promise.reject(this.#error instanceof Error ? this.#error : new Error(String(this.#error)));
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    this.#source?.resume();
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  /** `discard`: stop() ends the iteration now, dropping what was queued; a server end drains it first. */
  #finish(error: unknown, discard = false): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#onStop();
    if (discard) this.#queue.length = 0;
    const waiting = this.#waiting;
    const fail = this.#failWaiting;
    this.#waiting = null;
    this.#failWaiting = null;
    if (error !== null && fail !== null) fail(error);
    else waiting?.({ done: true, value: undefined });
  }
}
