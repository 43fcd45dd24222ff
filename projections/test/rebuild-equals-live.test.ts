/**
 * Invariant 3: read models rebuilt from the whole log equal the ones maintained live. A few thousand
 * seeded random calls go through the real core while one ReadModels follows live; then a fresh
 * ReadModels (catching up in small batches, so calls straddle batch boundaries) and a rebuild of the
 * live one must answer every query exactly as the live one did.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ReadModels } from '../src/read-models.ts';
import { Center } from './support/center.ts';
import { randomHistory, type HistoryShape } from './support/random-history.ts';
import { snapshotAll } from './support/snapshot.ts';

let center: Center;
let shape: HistoryShape;
let live: unknown;

beforeAll(async () => {
  center = await Center.start();
  shape = await randomHistory(center, { seed: 20260105, calls: 3000 });
  live = snapshotAll(center.readModels, shape, shape.endSeconds);
}, 300_000);

afterAll(async () => center.stop());

describe('rebuild equals live', () => {
  test('the history is rich enough to mean something', () => {
    const calls = shape.organisations.flatMap((org) => center.readModels.calls(org, { first: 500, status: 'completed' }).calls);
    expect(shape.callIds.length).toBe(3000);
    expect(calls.length).toBeGreaterThan(100);
    const statuses = new Set(shape.organisations.flatMap((org) => ['abandoned', 'expired', 'completed'].filter((status) => center.readModels.calls(org, { status: status as 'abandoned' }).totalCount > 0)));
    expect(statuses).toEqual(new Set(['abandoned', 'expired', 'completed']));
    const overall = center.readModels.metrics('org-a', { from: '2026-01-05T00:00:00Z', to: '2026-01-07T00:00:00Z' }).overall;
    expect(overall.transfers).toBeGreaterThan(0);
    expect(overall.missedOffers).toBeGreaterThan(0);
    expect(overall.averageHoldSeconds).toBeGreaterThan(0);
    expect(overall.occupancy).toBeGreaterThan(0);
  });

  test('a fresh ReadModels catching up in small batches answers every query as the live one', async () => {
    const fresh = ReadModels.open({ file: ':memory:', store: center.sim.store, catchUpBatchSize: 37 });
    await fresh.start();
    try {
      expect(fresh.position).toBe(center.readModels.position);
      expect(snapshotAll(fresh, shape, shape.endSeconds)).toEqual(live);
    } finally {
      await fresh.stop();
    }
  }, 120_000);

  test('rebuilding the live read models in place gives the same answers', async () => {
    const { events, seconds } = await center.readModels.rebuild();
    expect(BigInt(events)).toBe(center.readModels.position);
    expect(seconds).toBeGreaterThan(0);
    expect(center.readModels.caughtUp).toBe(true);
    expect(snapshotAll(center.readModels, shape, shape.endSeconds)).toEqual(live);
  }, 120_000);
});
