/**
 * A projection: a named, versioned function of (read model, event). It owns its tables, creates them
 * in `setup`, and changes them only in `apply`, from events (architecture invariant 2). The framework
 * runs `apply` for a batch of events and stores the checkpoint in the same transaction, then calls
 * `flush` (still inside that transaction) so a projection may keep per-batch state in memory.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { DomainEvent, RecordedEvent } from '@cc/core';
import type { ReadModelName } from '../read-model-contract.ts';
import { isoToMillis } from './iso-time.ts';

/** A recorded event whose type and data are one of the catalogue's. */
export type ProjectedEvent = RecordedEvent & DomainEvent;

export interface Projection {
  readonly name: string;
  /** Bump when the tables or the meaning of a column change: the projection is then rebuilt from the log. */
  readonly version: number;
  /** Read models this projection feeds, for change notifications. */
  readonly models: readonly ReadModelName[];
  /** Event types the projection reads; others are not passed to `apply`. */
  readonly eventTypes: ReadonlySet<string>;
  /** Tables (and their indexes, dropped with them) the projection owns. */
  readonly tables: readonly string[];
  /** Creates the tables (and the indexes `apply` itself reads through). */
  setup(db: DatabaseSync): void;
  /**
   * Secondary indexes only queries use (`apply` never reads through them), as SQL with IF NOT EXISTS.
   * A projection built from the start of the log gets them once it has caught up: one sort at the
   * end instead of scattered index writes for every row.
   */
  readonly indexes?: string;
  apply(db: DatabaseSync, event: ProjectedEvent): void;
  /** Writes per-batch state kept in memory; called once per batch, inside the batch's transaction. */
  flush?(db: DatabaseSync): void;
  /** Forgets per-batch state after a failed (rolled back) batch. */
  discard?(db: DatabaseSync): void;
}

const cache = new WeakMap<DatabaseSync, Map<string, StatementSync>>();

/** A statement prepared once per database connection and reused: apply runs for every event. */
export const statement = (db: DatabaseSync, sql: string): StatementSync => {
  let statements = cache.get(db);
  if (statements === undefined) {
    statements = new Map();
    cache.set(db, statements);
  }
  let prepared = statements.get(sql);
  if (prepared === undefined) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
};

/** Forgets the statements of a connection (before it is closed, or after tables were dropped). */
export const forgetStatements = (db: DatabaseSync): void => {
  cache.delete(db);
};

/** ISO time -> epoch milliseconds, the unit read-model tables store times in. */
export const ms = isoToMillis;

/** Id of the entity a stream is about: `call-7f3` -> `7f3`. */
export const entityId = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);
