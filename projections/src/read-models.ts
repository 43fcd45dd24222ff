/**
 * The read side as the API runs it: projections in their own SQLite file (WAL), fed from the event
 * log through one subscription with stored checkpoints, and the ReadSide queries over them.
 *
 * Catch-up (start, rebuild) reads the log in large pages, one transaction per page; live, events
 * that arrive together are applied together (a batch ends when the subscription has nothing more
 * ready), then listeners hear one change per organisation.
 */
import { DatabaseSync } from 'node:sqlite';
import { silentLogger, upcast, type AllSubscription, type CoreLogger, type EventStore } from '@cc/core';
import { ChangeCollector } from './framework/change-feed.ts';
import { forgetStatements, type ProjectedEvent, type Projection } from './framework/projection.ts';
import { ProjectionRunner } from './framework/projection-runner.ts';
import { agentActivityProjection } from './projections/agent-activity.ts';
import { callHistoryProjection } from './projections/call-history.ts';
import { directoryProjection } from './projections/directory.ts';
import { queueBoardProjection } from './projections/queue-board.ts';
import { metricsProjection } from './metrics/metrics-projection.ts';
import { agentBoard } from './queries/agent-board-query.ts';
import { agentList } from './queries/agent-list-query.ts';
import { callById, callHistory, customerNumber } from './queries/call-history-query.ts';
import { queueBoard } from './queries/queue-board-query.ts';
import { queueByNumber, queueList } from './queries/queue-list-query.ts';
import { teamList } from './queries/team-list-query.ts';
import { metrics } from './metrics/metrics-query.ts';
import type {
  AgentBoardRow,
  AgentListQuery,
  AgentListRow,
  CallHistoryEntry,
  CallHistoryFilter,
  CallHistoryPage,
  MetricsQuery,
  MetricsResult,
  QueueBoard,
  QueueBoardFilter,
  QueueListRow,
  ReadModelChange,
  ReadSide,
  TeamListRow,
} from './read-model-contract.ts';

interface Waiter {
  position: bigint;
  resolve: () => void;
}

export const ALL_PROJECTIONS: readonly Projection[] = [directoryProjection, agentActivityProjection, queueBoardProjection, callHistoryProjection, metricsProjection];

export interface ReadModelsOptions {
  /** `<DATA_DIR>/read-models.sqlite`, or ':memory:'. */
  file: string;
  store: EventStore;
  logger?: CoreLogger;
  /** Events per catch-up transaction (default 10,000). */
  catchUpBatchSize?: number;
  /** Events per transaction while rebuilding (default 20,000): fewer commits, each hot page written once. */
  rebuildBatchSize?: number;
  /** Most events in one live batch (default 2,000). */
  liveBatchSize?: number;
  /** The projections to run (default: all). Tests pass variants, e.g. with a new schema version. */
  projections?: readonly Projection[];
}

export class ReadModels implements ReadSide {
  readonly #db: DatabaseSync;
  readonly #store: EventStore;
  readonly #logger: CoreLogger;
  readonly #runner: ProjectionRunner;
  readonly #catchUpBatchSize: number;
  readonly #rebuildBatchSize: number;
  readonly #file: string;
  readonly #liveBatchSize: number;
  readonly #listeners = new Set<(change: ReadModelChange) => void>();
  readonly #changes = new ChangeCollector();
  #position = 0n;
  #caughtUp = false;
  #subscription: AllSubscription | null = null;
  #loop: Promise<void> | null = null;
  #pending: ProjectedEvent[] = [];
  #flushScheduled = false;
  #waiters: Waiter[] = [];
  #closed = false;

  private constructor(db: DatabaseSync, options: ReadModelsOptions) {
    this.#db = db;
    this.#store = options.store;
    this.#logger = options.logger ?? silentLogger;
    this.#catchUpBatchSize = options.catchUpBatchSize ?? 10_000;
    this.#rebuildBatchSize = options.rebuildBatchSize ?? 20_000;
    this.#file = options.file;
    this.#liveBatchSize = options.liveBatchSize ?? 2_000;
    this.#runner = new ProjectionRunner(db, options.projections ?? ALL_PROJECTIONS);
    const reset = this.#runner.prepare();
    if (reset.length > 0) this.#logger.info({ projections: reset }, 'read models to build from the log (new or new schema version)');
    this.#position = this.#runner.position;
  }

  static open(options: ReadModelsOptions): ReadModels {
    const db = new DatabaseSync(options.file);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      if (options.file !== ':memory:') {
        db.exec('PRAGMA journal_mode = WAL');
      }
      db.exec('PRAGMA synchronous = NORMAL');
      // Read models are rebuilt from the log: a big page cache pays off during rebuilds.
      db.exec('PRAGMA cache_size = -65536');
      db.exec('PRAGMA temp_store = MEMORY');
      return new ReadModels(db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  get position(): bigint {
    return this.#position;
  }

  /** Catches up with the log, then follows it; resolves once caught up. */
  async start(): Promise<void> {
    if (this.#subscription !== null) throw new Error('ReadModels already started');
    await this.#catchUp();
    await this.#follow();
  }

  async stop(): Promise<void> {
    if (this.#closed) return;
    await this.#stopFollowing();
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters = [];
    forgetStatements(this.#db);
    this.#db.close();
  }

  /**
   * Drops every read model and replays the whole log; following (if started) resumes afterwards.
   *
   * A rebuild writes with `synchronous = OFF`: SQLite then hands pages to the OS without waiting for
   * the disk. A killed process loses nothing the OS has; only an OS crash or power loss can leave a
   * half-written file, and a rebuild that has not finished is not trusted anyway: it is marked as
   * under way, and reopening the read models starts it over from the log. At the end everything is
   * checkpointed to disk with the usual setting before the mark is removed.
   */
  async rebuild(): Promise<{ events: number; seconds: number }> {
    const wasFollowing = this.#subscription !== null;
    await this.#stopFollowing();
    const started = performance.now();
    this.#runner.resetAll({ rebuilding: true });
    this.#position = 0n;
    this.#db.exec('PRAGMA synchronous = OFF');
    let events: number;
    try {
      events = await this.#catchUp(this.#rebuildBatchSize);
    } finally {
      this.#db.exec('PRAGMA synchronous = NORMAL');
    }
    if (this.#file !== ':memory:') this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    this.#runner.rebuilt();
    const seconds = (performance.now() - started) / 1000;
    if (wasFollowing) await this.#follow();
    return { events, seconds };
  }

  /** Resolves once every event up to and including `position` is in the read models. */
  whenCaughtUpTo(position: bigint): Promise<void> {
    if (this.#position >= position || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ position, resolve }));
  }

  onChange(listener: (change: ReadModelChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  // ---- Queries ---------------------------------------------------------------------------------------

  queueBoard(organisationId: string, filter: QueueBoardFilter): QueueBoard {
    return queueBoard(this.#db, organisationId, filter);
  }

  agentBoard(organisationId: string, options: { queueId?: string; now: string }): AgentBoardRow[] {
    return agentBoard(this.#db, organisationId, options);
  }

  calls(organisationId: string, filter: CallHistoryFilter): CallHistoryPage {
    return callHistory(this.#db, organisationId, filter);
  }

  call(organisationId: string, callId: string): CallHistoryEntry | null {
    return callById(this.#db, organisationId, callId);
  }

  customerNumber(organisationId: string, customerId: string): string | null {
    return customerNumber(this.#db, organisationId, customerId);
  }

  metrics(organisationId: string, query: MetricsQuery): MetricsResult {
    return metrics(this.#db, organisationId, query);
  }

  agents(organisationId: string, query: AgentListQuery): AgentListRow[] {
    return agentList(this.#db, organisationId, query);
  }

  queues(organisationId: string): QueueListRow[] {
    return queueList(this.#db, organisationId);
  }

  teams(organisationId: string): TeamListRow[] {
    return teamList(this.#db, organisationId);
  }

  queueByNumber(number: string): QueueListRow | null {
    return queueByNumber(this.#db, number);
  }

  // ---- Feeding the projections -------------------------------------------------------------------------

  /** Reads the log in large pages from the current position until it is exhausted. */
  async #catchUp(batchSize = this.#catchUpBatchSize): Promise<number> {
    let applied = 0;
    for (;;) {
      const page = await this.#store.readAll({ after: this.#position, maxCount: batchSize });
      if (page.length === 0) {
        this.#runner.createDeferredIndexes();
        return applied;
      }
      const events = page.map((event) => upcast(event) as ProjectedEvent);
      this.#runner.applyBatch(events);
      applied += events.length;
      this.#advanceTo((events[events.length - 1] as ProjectedEvent).position);
    }
  }

  async #follow(): Promise<void> {
    const subscription = this.#store.subscribeToAll({ fromPosition: this.#position });
    this.#subscription = subscription;
    let caughtUp!: () => void;
    let failed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      failed = reject;
    });
    this.#loop = this.#consume(subscription, caughtUp).catch((error: unknown) => {
      this.#logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'read models stopped following the log');
      this.#caughtUp = false;
      failed(error);
    });
    await ready;
  }

  async #consume(subscription: AllSubscription, caughtUp: () => void): Promise<void> {
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') {
        this.#flush();
        this.#caughtUp = true;
        if (message.position > this.#position) this.#advanceTo(message.position);
        caughtUp();
        continue;
      }
      if (message.event.position <= this.#position) continue;
      this.#pending.push(upcast(message.event) as ProjectedEvent);
      if (this.#pending.length >= this.#liveBatchSize) this.#flush();
      else this.#scheduleFlush();
    }
    this.#flush();
    caughtUp(); // stopped before catching up: start() must not wait forever
  }

  /** Events already delivered are read in microtasks; setImmediate runs once the subscription has to wait. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#closed) return;
      try {
        this.#flush();
      } catch (error) {
        this.#logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'read-model batch failed');
        void this.#stopFollowing();
      }
    });
  }

  #flush(): void {
    const events = this.#pending;
    if (events.length === 0) return;
    this.#pending = [];
    try {
      this.#runner.applyBatch(events, (event, projections) => this.#changes.record(event, projections));
    } catch (error) {
      this.#changes.clear();
      throw error;
    }
    const position = (events[events.length - 1] as ProjectedEvent).position;
    this.#advanceTo(position);
    for (const change of this.#changes.drain(position)) {
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch (error) {
          this.#logger.error({ err: error instanceof Error ? error.message : String(error) }, 'read-model change listener failed');
        }
      }
    }
  }

  #advanceTo(position: bigint): void {
    this.#position = position;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.position <= position) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }

  async #stopFollowing(): Promise<void> {
    const subscription = this.#subscription;
    if (subscription === null) return;
    this.#subscription = null;
    await subscription.stop();
    await this.#loop;
    this.#loop = null;
    this.#caughtUp = false;
  }
}
