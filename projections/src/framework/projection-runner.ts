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

  constructor(db: DatabaseSync, projections: readonly Projection[]) {
    this.#db = db;
    this.projections = projections;
    db.exec(CHECKPOINTS);
    this.#saveCheckpoint = db.prepare(
      'INSERT INTO checkpoints (projection, position, schema_version) VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE SET position = excluded.position, schema_version = excluded.schema_version',
    );
  }

  /** Creates missing tables; a projection whose stored schema version differs is dropped and starts from 0. Returns the names reset. */
  prepare(): string[] {
    const rows = new Map((this.#db.prepare('SELECT projection, position, schema_version FROM checkpoints').all() as unknown as CheckpointRow[]).map((row) => [row.projection, row]));
    const reset: string[] = [];
    for (const projection of this.projections) {
      const row = rows.get(projection.name);
      if (row === undefined || row.schema_version !== projection.version) {
        this.#reset(projection);
        reset.push(projection.name);
      } else {
        projection.setup(this.#db);
        this.#positions.set(projection.name, BigInt(row.position));
      }
    }
    return reset;
  }

  /** Drops every projection's tables and checkpoint: the next batches replay the log from the start. */
  resetAll(): void {
    for (const projection of this.projections) this.#reset(projection);
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
    db.exec('BEGIN IMMEDIATE');
    try {
      const taking: Projection[] = [];
      for (const event of events) {
        taking.length = 0;
        for (const projection of this.projections) {
          if (!projection.eventTypes.has(event.type)) continue;
          if (event.position <= (this.#positions.get(projection.name) ?? 0n)) continue;
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
  }
}
