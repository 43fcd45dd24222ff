/**
 * A rebuild builds tables without their query indexes and writes without waiting for the disk: at
 * the end the indexes exist and the rebuild mark is gone; a rebuild that never finished is not
 * resumed but started over when the read models are opened again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReadModels } from '../src/read-models.ts';
import { Center } from './support/center.ts';
import { randomHistory, type HistoryShape } from './support/random-history.ts';
import { snapshotAll } from './support/snapshot.ts';

let directory: string;
let center: Center;
let shape: HistoryShape;
let live: unknown;

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'projections-rebuild-'));
  center = await Center.start();
  shape = await randomHistory(center, { seed: 99, calls: 200 });
  live = snapshotAll(center.readModels, shape, shape.endSeconds);
}, 120_000);

afterAll(async () => {
  await center.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

const QUERY_INDEXES = [
  'hist_calls_by_time',
  'met_calls_by_organisation',
  'met_call_agents_by_agent',
  'met_intervals_by_end',
  'act_day_log_by_agent',
  'qb_calls_by_organisation',
  'dir_queues_by_organisation',
  'dir_queues_by_number',
  'dir_agents_by_organisation',
  'dir_agent_queues_by_queue',
];

const inspect = <T>(file: string, read: (db: DatabaseSync) => T): T => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
};

const indexNames = (db: DatabaseSync): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").all() as unknown as { name: string }[]).map((row) => row.name);

describe('rebuild mode', () => {
  test('a rebuild ends with every query index, no rebuild mark, and the live answers', async () => {
    const file = path.join(directory, 'rebuilt.sqlite');
    const readModels = ReadModels.open({ file, store: center.sim.store, rebuildBatchSize: 41 });
    try {
      await readModels.start();
      const { events } = await readModels.rebuild();
      expect(BigInt(events)).toBe(center.readModels.position);
      expect(snapshotAll(readModels, shape, shape.endSeconds)).toEqual(live);
    } finally {
      await readModels.stop();
    }
    const { indexes, marks } = inspect(file, (db) => ({
      indexes: indexNames(db),
      marks: (db.prepare('SELECT count(*) AS n FROM rebuilding').get() as { n: number }).n,
    }));
    for (const name of QUERY_INDEXES) expect(indexes).toContain(name);
    expect(marks).toBe(0);
  }, 60_000);

  test('read models left in the middle of a rebuild are rebuilt from the log when opened again', async () => {
    const file = path.join(directory, 'interrupted.sqlite');
    const first = ReadModels.open({ file, store: center.sim.store });
    await first.start();
    await first.stop();
    // As a rebuild killed half-way leaves them: marked as rebuilding, with rows missing.
    const db = new DatabaseSync(file);
    db.exec("INSERT INTO rebuilding (started_at) VALUES ('2026-01-05T08:00:00.000Z'); DELETE FROM hist_calls; DELETE FROM met_calls;");
    db.close();
    const reopened = ReadModels.open({ file, store: center.sim.store });
    try {
      expect(reopened.position).toBe(0n);
      await reopened.start();
      expect(reopened.position).toBe(center.readModels.position);
      expect(snapshotAll(reopened, shape, shape.endSeconds)).toEqual(live);
    } finally {
      await reopened.stop();
    }
    expect(inspect(file, (read) => (read.prepare('SELECT count(*) AS n FROM rebuilding').get() as { n: number }).n)).toBe(0);
    expect(inspect(file, indexNames)).toEqual(expect.arrayContaining(QUERY_INDEXES));
  }, 60_000);
});
