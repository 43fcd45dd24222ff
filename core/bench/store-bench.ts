/**
 * The embedded store against raw node:sqlite on the same payloads: the same batches (one transaction
 * per append), the same pragmas (WAL, synchronous=NORMAL). The raw side skips everything the store
 * adds: revision checks, id generation, JSON of metadata, subscription wake-ups.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteEventStore } from '../src/eventstore/sqlite-event-store.ts';
import type { NewEvent } from '../src/eventstore/port.ts';

export interface AppendBatch {
  streamId: string;
  events: NewEvent[];
}

export interface StoreBenchResult {
  storeEventsPerSecond: number;
  rawEventsPerSecond: number;
  ratio: number;
}

const timeStoreAppends = async (batches: readonly AppendBatch[], file: string): Promise<number> => {
  const store = SqliteEventStore.open({ file });
  const revisions = new Map<string, number>();
  let events = 0;
  const started = performance.now();
  for (const batch of batches) {
    const current = revisions.get(batch.streamId);
    const result = await store.append(batch.streamId, batch.events, { expectedRevision: current === undefined ? 'no_stream' : current });
    revisions.set(batch.streamId, result.nextExpectedRevision);
    events += batch.events.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return events / seconds;
};

const timeRawInserts = (batches: readonly AppendBatch[], file: string): number => {
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;');
  db.exec('CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO events (stream_id, revision, id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)');
  const revisions = new Map<string, number>();
  let events = 0;
  const started = performance.now();
  for (const batch of batches) {
    let revision = revisions.get(batch.streamId) ?? -1;
    db.exec('BEGIN');
    for (const event of batch.events) {
      revision += 1;
      insert.run(batch.streamId, revision, event.id ?? randomUUID(), event.type, JSON.stringify(event.data), JSON.stringify(event.metadata));
    }
    db.exec('COMMIT');
    revisions.set(batch.streamId, revision);
    events += batch.events.length;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return events / seconds;
};

export const benchStore = async (batches: readonly AppendBatch[]): Promise<StoreBenchResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-store-bench-'));
  try {
    // Alternate and repeat so neither side benefits from a warmer cache or a quieter moment.
    const store: number[] = [];
    const raw: number[] = [];
    for (let round = 0; round < 2; round++) {
      raw.push(timeRawInserts(batches, join(dir, `raw-${round}.sqlite`)));
      store.push(await timeStoreAppends(batches, join(dir, `store-${round}.sqlite`)));
    }
    const storeEventsPerSecond = Math.max(...store);
    const rawEventsPerSecond = Math.max(...raw);
    return { storeEventsPerSecond, rawEventsPerSecond, ratio: storeEventsPerSecond / rawEventsPerSecond };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
