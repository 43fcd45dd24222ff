/**
 * Embedded event store on `node:sqlite`: one file, one table, WAL journal.
 *
 * - Global position is the table's rowid (INTEGER PRIMARY KEY without AUTOINCREMENT): SQLite
 *   hands out max+1 inside the write transaction, so a rolled-back append leaves no hole and
 *   positions are gap-free (1, 2, 3, ...).
 * - Writers are serialised by `BEGIN IMMEDIATE` (takes SQLite's write lock before the revision
 *   check), so the check and the insert are atomic across connections and processes.
 * - Because writers are serialised and each commit is atomic, the rows a reader can see always
 *   form a prefix of the log: a subscription that has read up to position P never finds a row
 *   below P appearing later. That is what lets subscriptions page by position without skipping.
 */
import { randomUUID } from 'node:crypto';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { EventMetadata } from '../events/metadata.ts';
import {
  EventStoreError,
  WrongExpectedRevisionError,
  type AllSubscription,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
} from './port.ts';

export interface SqliteEventStoreOptions {
  /** A file path, or ':memory:' for a private in-process store (tests). */
  file: string;
  /** How often subscriptions look for events appended by other connections (default 50 ms). */
  pollIntervalMs?: number;
  /**
   * NORMAL (default) in WAL mode survives a crash of the process (kill -9): a committed
   * transaction is in the WAL file, which the OS holds. Only FULL (fsync on every commit)
   * also survives power loss or an OS crash, at a large cost in append latency.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another connection's write lock before failing (default 5000 ms). */
  busyTimeoutMs?: number;
}

interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
}

/** What a subscription needs from its store. */
interface SubscriptionSource {
  isClosed(): boolean;
  /** Highest position written (0n when empty). */
  head(): bigint;
  /** Rows in (after, upTo] whose stream matches one of the prefixes (all when none), at most `limit`. */
  page(after: bigint, upTo: bigint, limit: number, prefixes: readonly string[]): EventRow[];
  /** Calls the listener after each local commit; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void;
  forget(subscription: SqliteSubscription): void;
}

interface StreamHeadRow {
  revision: number;
  position: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position  INTEGER PRIMARY KEY,
    stream_id TEXT    NOT NULL,
    revision  INTEGER NOT NULL,
    event_id  TEXT    NOT NULL,
    type      TEXT    NOT NULL,
    data      TEXT    NOT NULL,
    metadata  TEXT    NOT NULL,
    UNIQUE (stream_id, revision)
  )`;

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata';
/** Rows per query when reading a stream or catching a subscription up: bounds memory per reader. */
const PAGE_SIZE = 500;

const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  streamId: row.stream_id,
  revision: row.revision,
  position: BigInt(row.position),
  type: row.type,
  data: JSON.parse(row.data) as unknown,
  metadata: JSON.parse(row.metadata) as EventMetadata,
});

/** An events row as an array, in COLUMNS order: what readAll asks SQLite for (no per-row key lookups). */
type EventTuple = [position: number, streamId: string, revision: number, eventId: string, type: string, data: string, metadata: string];

/** As toRecordedEvent (same properties, same order), from an array row. */
const tupleToRecordedEvent = (row: EventTuple): RecordedEvent => ({
  id: row[3],
  streamId: row[1],
  revision: row[2],
  position: BigInt(row[0]),
  type: row[4],
  data: JSON.parse(row[5]) as unknown,
  metadata: JSON.parse(row[6]) as EventMetadata,
});

/** Does the stream's actual revision satisfy what the writer expected? */
const revisionMatches = (expected: ExpectedRevision, actual: number | null): boolean => {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === null;
    case 'stream_exists':
      return actual !== null;
    default:
      // -1 is the revision "before the first event" (what an empty append to a missing stream returns).
      return expected === -1 ? actual === null : actual === expected;
  }
};

const assertValidExpected = (expected: ExpectedRevision): void => {
  if (typeof expected === 'number' && (!Number.isSafeInteger(expected) || expected < -1)) {
    throw new EventStoreError(`Invalid expected revision ${expected}`);
  }
};

/** Per-prefix-count SQL fragment: prefixes are compared with substr so '%' and '_' are literal. */
const prefixClause = (count: number): string =>
  count === 0 ? '' : ` AND (${Array.from({ length: count }, () => 'substr(stream_id, 1, ?) = ?').join(' OR ')})`;

const prefixParams = (prefixes: readonly string[]): (string | number)[] => {
  const params: (string | number)[] = [];
  for (const prefix of prefixes) params.push(prefix.length, prefix);
  return params;
};

export class SqliteEventStore implements EventStore {
  readonly #db: DatabaseSync;
  readonly #pollIntervalMs: number;
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #insert: StatementSync;
  readonly #streamHead: StatementSync;
  readonly #head: StatementSync;
  readonly #readForwards: StatementSync;
  readonly #readBackwards: StatementSync;
  /** Statements for readAll / subscriptions, keyed by the number of stream prefixes. */
  readonly #pageStatements = new Map<number, StatementSync>();
  /** The same queries returning arrays, for readAll (catch-ups and rebuilds read millions of rows). */
  readonly #tupleStatements = new Map<number, StatementSync>();
  /** Wakes subscriptions of this instance right after a commit (no polling delay). */
  readonly #appendListeners = new Set<() => void>();
  readonly #subscriptions = new Set<SqliteSubscription>();
  /** The narrow view of the store that subscriptions read through. */
  readonly #source: SubscriptionSource;
  #closed = false;

  private constructor(db: DatabaseSync, pollIntervalMs: number) {
    this.#db = db;
    this.#pollIntervalMs = pollIntervalMs;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#insert = db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // Served by the UNIQUE (stream_id, revision) index: one index seek, no stream scan.
    this.#streamHead = db.prepare('SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1');
    this.#head = db.prepare('SELECT coalesce(max(position), 0) AS head FROM events');
    this.#readForwards = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    );
    this.#readBackwards = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.#source = {
      isClosed: () => this.#closed,
      head: () => this.#headPosition(),
      page: (after, upTo, limit, prefixes) => this.#page(after, upTo, limit, prefixes),
      onAppend: (listener) => {
        this.#appendListeners.add(listener);
        return () => this.#appendListeners.delete(listener);
      },
      forget: (subscription) => this.#subscriptions.delete(subscription),
    };
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const db = new DatabaseSync(options.file);
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      if (options.file !== ':memory:') {
        db.exec('PRAGMA journal_mode = WAL');
        // Each small append dirties a table page and a (stream_id, revision) index page. Checkpointing
        // every 10,000 WAL pages instead of 1,000 lets a checkpoint write a hot page once for many
        // commits: about 20% more single-event appends per second, for a WAL of up to ~40 MB.
        db.exec('PRAGMA wal_autocheckpoint = 10000');
      }
      db.exec(`PRAGMA synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      db.exec(SCHEMA);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteEventStore(db, options.pollIntervalMs ?? 50);
  }

  async append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    this.#assertOpen();
    const expected = options.expectedRevision;
    assertValidExpected(expected);
    let result: AppendResult;
    this.#begin.run();
    try {
      const head = this.#streamHead.get(streamId) as StreamHeadRow | undefined;
      const actual = head === undefined ? null : head.revision;
      if (!revisionMatches(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
      let revision = actual ?? -1;
      let position = head === undefined ? 0 : head.position;
      for (const event of events) {
        revision += 1;
        const written = this.#insert.run(
          streamId,
          revision,
          event.id ?? randomUUID(),
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
        );
        position = Number(written.lastInsertRowid);
      }
      this.#commit.run();
      result = { nextExpectedRevision: revision, position: BigInt(position) };
    } catch (error) {
      if (this.#db.isTransaction) this.#rollback.run();
      throw error;
    }
    if (events.length > 0) for (const wake of this.#appendListeners) wake();
    return result;
  }

  async *readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    this.#assertOpen();
    const backwards = options.direction === 'backwards';
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    const from = options.fromRevision ?? (backwards ? 'end' : 'start');
    // Next revision to read (inclusive), walking in the read direction.
    let cursor: number;
    if (from === 'start') cursor = 0;
    else if (from === 'end') cursor = backwards ? Number.MAX_SAFE_INTEGER : Number.POSITIVE_INFINITY;
    else cursor = from;
    if (!backwards && cursor === Number.POSITIVE_INFINITY) return; // forwards from the end: nothing yet
    const statement = backwards ? this.#readBackwards : this.#readForwards;
    while (remaining > 0 && cursor >= 0) {
      this.#assertOpen();
      const rows = statement.all(streamId, cursor, Math.min(PAGE_SIZE, remaining)) as unknown as EventRow[];
      for (const row of rows) yield toRecordedEvent(row);
      if (rows.length < Math.min(PAGE_SIZE, remaining)) return;
      remaining -= rows.length;
      const last = rows[rows.length - 1] as EventRow;
      cursor = backwards ? last.revision - 1 : last.revision + 1;
    }
  }

  async readAll(options: { after: bigint; maxCount: number; streamPrefixes?: readonly string[] }): Promise<RecordedEvent[]> {
    this.#assertOpen();
    if (options.maxCount <= 0) return [];
    const prefixes = options.streamPrefixes ?? [];
    const rows = this.#pageStatement(this.#tupleStatements, prefixes.length, true).all(
      options.after,
      this.#headPosition(),
      ...prefixParams(prefixes),
      options.maxCount,
    ) as unknown as EventTuple[];
    const events = new Array<RecordedEvent>(rows.length);
    for (let i = 0; i < rows.length; i++) events[i] = tupleToRecordedEvent(rows[i] as EventTuple);
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions): AllSubscription {
    this.#assertOpen();
    const start = options.fromPosition === 'start' ? 0n : options.fromPosition === 'end' ? this.#headPosition() : options.fromPosition;
    const subscription = new SqliteSubscription(this.#source, start, options.streamPrefixes ?? [], this.#pollIntervalMs);
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async streamRevision(streamId: string): Promise<number | null> {
    this.#assertOpen();
    const head = this.#streamHead.get(streamId) as StreamHeadRow | undefined;
    return head === undefined ? null : head.revision;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#subscriptions].map((subscription) => subscription.stop()));
    this.#closed = true;
    this.#db.close();
  }

  #headPosition(): bigint {
    const row = this.#head.get() as { head: number };
    return BigInt(row.head);
  }

  #page(after: bigint, upTo: bigint, limit: number, prefixes: readonly string[]): EventRow[] {
    const statement = this.#pageStatement(this.#pageStatements, prefixes.length, false);
    return statement.all(after, upTo, ...prefixParams(prefixes), limit) as unknown as EventRow[];
  }

  #pageStatement(cache: Map<number, StatementSync>, prefixCount: number, arrays: boolean): StatementSync {
    let statement = cache.get(prefixCount);
    if (statement === undefined) {
      statement = this.#db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ?${prefixClause(prefixCount)} ORDER BY position ASC LIMIT ?`,
      );
      if (arrays) statement.setReturnArrays(true);
      cache.set(prefixCount, statement);
    }
    return statement;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreError('The event store is closed');
  }
}

/**
 * A pull-based subscription: each `next()` serves the current page or queries the next one, so
 * a slow consumer holds at most one page in memory. When nothing is left it waits for a local
 * append (immediate) or the poll timer (appends by other connections).
 */
class SqliteSubscription implements AllSubscription {
  readonly #store: SubscriptionSource;
  readonly #prefixes: readonly string[];
  readonly #pollIntervalMs: number;
  /** Every event at or below this position has been delivered or filtered out. */
  #checked: bigint;
  #page: EventRow[] = [];
  #pageIndex = 0;
  #caughtUpSent = false;
  #stopped = false;
  /** Resolves the current wait (append, poll tick or stop). */
  #wake: (() => void) | null = null;
  /** Serialises concurrent next() calls so messages keep their order. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(store: SubscriptionSource, start: bigint, prefixes: readonly string[], pollIntervalMs: number) {
    this.#store = store;
    this.#checked = start;
    this.#prefixes = prefixes;
    this.#pollIntervalMs = pollIntervalMs;
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => {
        const result = this.#queue.then(() => this.#next());
        this.#queue = result.catch(() => undefined);
        return result;
      },
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#page = [];
    this.#wake?.();
    this.#store.forget(this);
  }

  async #next(): Promise<IteratorResult<SubscriptionMessage>> {
    for (;;) {
      if (this.#stopped || this.#store.isClosed()) return { done: true, value: undefined };
      const row = this.#page[this.#pageIndex];
      if (row !== undefined) {
        this.#pageIndex += 1;
        return { done: false, value: { kind: 'event', event: toRecordedEvent(row) } };
      }
      const head = this.#store.head();
      if (head > this.#checked) {
        const rows = this.#store.page(this.#checked, head, PAGE_SIZE, this.#prefixes);
        this.#page = rows;
        this.#pageIndex = 0;
        // A short page means everything up to `head` was seen (the rest was filtered out).
        const last = rows[rows.length - 1];
        this.#checked = rows.length < PAGE_SIZE || last === undefined ? head : BigInt(last.position);
        continue;
      }
      if (!this.#caughtUpSent) {
        this.#caughtUpSent = true;
        return { done: false, value: { kind: 'caughtUp', position: this.#checked } };
      }
      await this.#waitForAppend();
    }
  }

  #waitForAppend(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.#pollIntervalMs);
      const unsubscribe = this.#store.onAppend(done);
      this.#wake = done;
    });
  }
}
