/**
 * Applies batches of events to projections. One batch is one SQLite transaction holding the read
 * model changes and every projection's new checkpoint, so a crash leaves either both or neither:
 * an event is never applied twice and never skipped. Each projection only takes events after its
 * own checkpoint, so a projection being rebuilt (schema version changed) catches up alone while the
 * others skip what they already have.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { forgetStatements, type ProjectedEvent, type Projection } from './projection.ts';

const CHECKPOINTS = `
  CREATE TABLE IF NOT EXISTS checkpoints (
    projection     TEXT PRIMARY KEY,
    position       INTEGER NOT NULL,
    schema_version INTEGER NOT NULL
  )`;

/**
 * Present while a rebuild is under way. A rebuild writes without waiting for the disk (see
 * ReadModels.rebuild), so one that did not finish is not trusted: the next open starts it over.
 */
const REBUILDING = 'CREATE TABLE IF NOT EXISTS rebuilding (started_at TEXT NOT NULL)';

interface CheckpointRow {
  projection: string;
  position: number;
  schema_version: number;
}

export class ProjectionRunner {
  readonly #db: DatabaseSync;
  readonly projections: readonly Projection[];
  /** Position each projection has applied, by projection name. */
  readonly #positions = new Map<string, bigint>();
  readonly #saveCheckpoint: StatementSync;
  /** Projections built from the start whose query indexes are created once they have caught up. */
  readonly #deferredIndexes = new Set<Projection>();
  /** For each event type, the projections that read it (in order). */
  readonly #takers = new Map<string, readonly Projection[]>();

  constructor(db: DatabaseSync, projections: readonly Projection[]) {
    this.#db = db;
    this.projections = projections;
    db.exec(CHECKPOINTS);
    db.exec(REBUILDING);
    this.#saveCheckpoint = db.prepare(
      'INSERT INTO checkpoints (projection, position, schema_version) VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, schema_version = excluded.schema_version',
    );
  }

  /** Creates missing tables; a projection whose stored schema version differs is dropped and starts from 0. Returns the names reset. */
  prepare(): string[] {
    const unfinishedRebuild = this.#db.prepare('SELECT 1 FROM rebuilding LIMIT 1').get() !== undefined;
    const rows = new Map((this.#db.prepare('SELECT projection, position, schema_version FROM checkpoints').all() as unknown as CheckpointRow[]).map((row) => [row.projection, row]));
    const reset: string[] = [];
    for (const projection of this.projections) {
      const row = rows.get(projection.name);
      if (unfinishedRebuild || row === undefined || row.schema_version !== projection.version) {
        this.#reset(projection);
        reset.push(projection.name);
      } else {
        projection.setup(this.#db);
        if (projection.indexes !== undefined) this.#db.exec(projection.indexes);
        this.#positions.set(projection.name, BigInt(row.position));
      }
    }
    if (unfinishedRebuild) this.#db.exec('DELETE FROM rebuilding');
    return reset;
  }

  /**
   * Drops every projection's tables and checkpoint: the next batches replay the log from the start.
   * With `rebuilding`, the reset is marked unfinished until `rebuilt()`: reopening before that starts over.
   */
  resetAll(options: { rebuilding?: boolean } = {}): void {
    if (options.rebuilding === true) this.#db.prepare("INSERT INTO rebuilding (started_at) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))").run();
    for (const projection of this.projections) this.#reset(projection);
  }

  /** The rebuild started by `resetAll({ rebuilding: true })` is complete (and on disk). */
  rebuilt(): void {
    this.#db.exec('DELETE FROM rebuilding');
  }

  /** Creates the query indexes of projections that were built from the start (call once caught up). */
  createDeferredIndexes(): void {
    if (this.#deferredIndexes.size === 0) return;
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const projection of this.#deferredIndexes) if (projection.indexes !== undefined) db.exec(projection.indexes);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    this.#deferredIndexes.clear();
  }

  /** The lowest position any projection has reached: where reading the log resumes. */
  get position(): bigint {
    let lowest: bigint | null = null;
    for (const position of this.#positions.values()) if (lowest === null || position < lowest) lowest = position;
    return lowest ?? 0n;
  }

  /**
   * Applies the events (in log order) and moves every checkpoint to the last one, in one transaction.
   * `onApplied` sees each event with the projections that took it (for change notifications).
   */
  applyBatch(events: readonly ProjectedEvent[], onApplied?: (event: ProjectedEvent, projections: readonly Projection[]) => void): void {
    const last = events[events.length - 1];
    if (last === undefined) return;
    const db = this.#db;
    // Positions do not change within a batch: look them up once, not for every event.
    const applied = new Map<Projection, bigint>();
    for (const projection of this.projections) applied.set(projection, this.#positions.get(projection.name) ?? 0n);
    db.exec('BEGIN IMMEDIATE');
    try {
      const taking: Projection[] = [];
      for (const event of events) {
        taking.length = 0;
        for (const projection of this.#takersOf(event.type)) {
          if (event.position <= (applied.get(projection) as bigint)) continue;
          projection.apply(db, event);
          taking.push(projection);
        }
        if (taking.length > 0) onApplied?.(event, taking);
      }
      for (const projection of this.projections) {
        projection.flush?.(db);
        const position = this.#positions.get(projection.name) ?? 0n;
        if (last.position > position) this.#saveCheckpoint.run(projection.name, last.position, projection.version);
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      for (const projection of this.projections) projection.discard?.(db);
      throw error;
    }
    for (const projection of this.projections) {
      if (last.position > (this.#positions.get(projection.name) ?? 0n)) this.#positions.set(projection.name, last.position);
    }
  }

  #takersOf(type: string): readonly Projection[] {
    let takers = this.#takers.get(type);
    if (takers === undefined) {
      takers = this.projections.filter((projection) => projection.eventTypes.has(type));
      this.#takers.set(type, takers);
    }
    return takers;
  }

  #reset(projection: Projection): void {
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const table of projection.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
      projection.setup(db);
      this.#saveCheckpoint.run(projection.name, 0, projection.version);
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
    // Statements prepared against dropped tables must be prepared again.
    forgetStatements(db);
    projection.discard?.(db);
    this.#positions.set(projection.name, 0n);
    this.#deferredIndexes.add(projection);
  }
}
