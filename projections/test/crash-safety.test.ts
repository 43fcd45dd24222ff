/**
 * A batch and its checkpoint commit together: a read-model process that dies half-way (SIGKILL, or
 * a projection failing mid-batch) leaves whole batches only, and reopening carries on from the
 * checkpoint without counting anything twice. Also: a projection whose schema version changed is
 * rebuilt by itself.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteEventStore } from '@cc/core/eventstore';
import type { Projection } from '../src/framework/projection.ts';
import { ALL_PROJECTIONS, ReadModels } from '../src/read-models.ts';
import { Center } from './support/center.ts';
import { randomHistory, type HistoryShape } from './support/random-history.ts';
import { snapshotAll } from './support/snapshot.ts';

let directory: string;
let eventsFile: string;
let center: Center;
let shape: HistoryShape;
let live: unknown;

beforeAll(async () => {
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'projections-crash-'));
  eventsFile = path.join(directory, 'events.sqlite');
  center = await Center.start({ store: SqliteEventStore.open({ file: eventsFile }) });
  shape = await randomHistory(center, { seed: 7, calls: 150 });
  live = snapshotAll(center.readModels, shape, shape.endSeconds);
}, 120_000);

afterAll(async () => {
  await center.stop();
  fs.rmSync(directory, { recursive: true, force: true });
});

const checkpoints = (file: string): { projection: string; position: number; schema_version: number }[] => {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare('SELECT projection, position, schema_version FROM checkpoints ORDER BY projection').all() as unknown as {
      projection: string;
      position: number;
      schema_version: number;
    }[];
  } finally {
    db.close();
  }
};

const reopenAndCompare = async (file: string): Promise<void> => {
  const reopened = ReadModels.open({ file, store: center.sim.store });
  try {
    await reopened.start();
    expect(reopened.position).toBe(center.readModels.position);
    expect(snapshotAll(reopened, shape, shape.endSeconds)).toEqual(live);
  } finally {
    await reopened.stop();
  }
};

describe('crash safety', () => {
  test('a process killed with SIGKILL while catching up resumes from its checkpoint, counting nothing twice', async () => {
    const file = path.join(directory, 'killed.sqlite');
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(import.meta.dirname, 'support', 'catch-up-child.ts'), eventsFile, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Kill once a few batches are in (whole batches of 13 events), well before the end of the log.
    const head = Number(center.readModels.position);
    let killedAt = 0;
    for (let attempt = 0; attempt < 2000 && killedAt === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!fs.existsSync(file)) continue;
      let positions: number[] = [];
      try {
        positions = checkpoints(file).map((row) => row.position);
      } catch {
        continue; // tables not created yet
      }
      const lowest = Math.min(...positions);
      if (positions.length > 0 && lowest > head / 4) {
        child.kill('SIGKILL');
        killedAt = lowest;
      }
    }
    await exited;
    expect(killedAt).toBeGreaterThan(0);
    const after = checkpoints(file);
    expect(Math.min(...after.map((row) => row.position))).toBeLessThan(head);
    // Every checkpoint is at a batch boundary (multiples of 13 events from the start).
    for (const row of after) expect(row.position % 13 === 0 || row.position === head).toBe(true);
    await reopenAndCompare(file);
  }, 60_000);

  test('a projection failing mid-batch rolls the whole batch back, checkpoints included', async () => {
    const file = path.join(directory, 'failing.sqlite');
    let answered = 0;
    const failing: Projection = {
      name: 'failing',
      version: 1,
      models: [],
      eventTypes: new Set(['CallAnswered']),
      tables: [],
      setup: () => undefined,
      apply: () => {
        answered += 1;
        if (answered === 40) throw new Error('projection bug');
      },
    };
    const broken = ReadModels.open({ file, store: center.sim.store, catchUpBatchSize: 50, projections: [...ALL_PROJECTIONS, failing] });
    await expect(broken.start()).rejects.toThrow('projection bug');
    const stuckAt = broken.position;
    await broken.stop();
    expect(stuckAt).toBeGreaterThan(0n);
    expect(stuckAt % 50n).toBe(0n);
    for (const row of checkpoints(file)) expect(BigInt(row.position)).toBe(stuckAt);
    await reopenAndCompare(file);
  }, 60_000);

  test('a projection with a new schema version is rebuilt alone; the others keep their checkpoints', async () => {
    const file = path.join(directory, 'versioned.sqlite');
    const first = ReadModels.open({ file, store: center.sim.store });
    await first.start();
    await first.stop();
    const metricsV2 = ALL_PROJECTIONS.map((projection) => (projection.name === 'metrics' ? { ...projection, version: projection.version + 1 } : projection));
    const second = ReadModels.open({ file, store: center.sim.store, projections: metricsV2 });
    const before = checkpoints(file);
    expect(before.find((row) => row.projection === 'metrics')?.position).toBe(0);
    expect(before.find((row) => row.projection === 'metrics')?.schema_version).toBe(2);
    expect(before.find((row) => row.projection === 'call-history')?.position).toBe(Number(center.readModels.position));
    try {
      await second.start();
      expect(snapshotAll(second, shape, shape.endSeconds)).toEqual(live);
    } finally {
      await second.stop();
    }
    expect(new Set(checkpoints(file).map((row) => row.position))).toEqual(new Set([Number(center.readModels.position)]));
  }, 60_000);
});
