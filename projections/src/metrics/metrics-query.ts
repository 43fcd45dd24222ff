/**
 * Metrics for a time range, overall and per 15-minute bucket: SQL sums over the fact tables, turned
 * into figures by definitions.ts. Call figures count calls by arrival time (bucket of arrival);
 * occupancy splits each agent's logged-in and busy intervals across the buckets they overlap.
 */
import type { DatabaseSync } from 'node:sqlite';
import { DomainError } from '@cc/core';
import { statement } from '../framework/projection.ts';
import { iso, requireTime } from '../queries/input.ts';
import type { MetricsQuery, MetricsResult } from '../read-model-contract.ts';
import { CALL_SUMS_SQL, emptySums, figuresFrom, type CallSums, type TimeSums } from './definitions.ts';
import { BUCKET_MS } from './metrics-projection.ts';

/** A year of 15-minute buckets: longer ranges are asked without intervals. */
const MAX_BUCKETS = 366 * 96;

interface IntervalRow {
  kind: 'logged-in' | 'busy';
  start_ms: number;
  end_ms: number | null;
}

const callSums = (db: DatabaseSync, organisationId: string, from: number, to: number, query: MetricsQuery, byBucket: boolean): Map<number, CallSums> => {
  const table = query.agentId === undefined ? 'met_calls' : 'met_call_agents';
  const where = ['organisation_id = ?', 'arrived_ms >= ?', 'arrived_ms < ?'];
  const params: (string | number)[] = [organisationId, from, to];
  if (query.queueId !== undefined) {
    where.push('queue_id = ?');
    params.push(query.queueId);
  }
  if (query.agentId !== undefined) {
    where.push('agent_id = ?');
    params.push(query.agentId);
  }
  const sql = byBucket
    ? `SELECT bucket_ms AS bucket, ${CALL_SUMS_SQL} FROM ${table} WHERE ${where.join(' AND ')} GROUP BY bucket_ms`
    : `SELECT 0 AS bucket, ${CALL_SUMS_SQL} FROM ${table} WHERE ${where.join(' AND ')}`;
  const rows = statement(db, sql).all(...params) as unknown as (CallSums & { bucket: number })[];
  const sums = new Map<number, CallSums>();
  for (const { bucket, ...row } of rows) sums.set(bucket, row);
  return sums;
};

/** Logged-in and busy intervals overlapping [from, to) of the agents in scope; open ones end at `now`. */
const intervals = (db: DatabaseSync, organisationId: string, from: number, to: number, query: MetricsQuery): IntervalRow[] => {
  // Ends after `from` or still open (NULLs first in the index), and started before `to`.
  const where = ['organisation_id = ?', '(end_ms IS NULL OR end_ms > ?)', 'start_ms < ?'];
  const params: (string | number)[] = [organisationId, from, to];
  if (query.agentId !== undefined) {
    where.push('agent_id = ?');
    params.push(query.agentId);
  }
  if (query.queueId !== undefined) {
    where.push('agent_id IN (SELECT agent_id FROM met_agent_queues WHERE queue_id = ?)');
    params.push(query.queueId);
  }
  return statement(db, `SELECT kind, start_ms, end_ms FROM met_intervals WHERE ${where.join(' AND ')}`).all(...params) as unknown as IntervalRow[];
};

const addTime = (time: TimeSums, kind: IntervalRow['kind'], millis: number): void => {
  if (kind === 'busy') time.busySeconds += millis / 1000;
  else time.loggedInSeconds += millis / 1000;
};

export const metrics = (db: DatabaseSync, organisationId: string, query: MetricsQuery): MetricsResult => {
  const from = requireTime(query.from, 'from');
  const to = requireTime(query.to, 'to');
  if (to <= from) throw new DomainError('InvalidInput', `The range must end after it starts (from ${query.from}, to ${query.to}).`, { from: query.from, to: query.to });
  const firstBucket = from - (from % BUCKET_MS);
  const bucketCount = Math.ceil((to - firstBucket) / BUCKET_MS);
  if (query.intervals === true && bucketCount > MAX_BUCKETS) {
    throw new DomainError('InvalidInput', `Intervals are given for at most ${MAX_BUCKETS / 96} days; ask for a shorter range.`, { from: query.from, to: query.to });
  }
  const clock = statement(db, 'SELECT latest_ms FROM met_clock WHERE organisation_id = ?').get(organisationId) as { latest_ms: number } | undefined;
  const now = query.now === undefined ? (clock?.latest_ms ?? from) : requireTime(query.now, 'now');

  const overallTime: TimeSums = { busySeconds: 0, loggedInSeconds: 0 };
  const bucketTime = new Map<number, TimeSums>();
  for (const interval of intervals(db, organisationId, from, to, query)) {
    const start = Math.max(interval.start_ms, from);
    const end = Math.min(interval.end_ms ?? Math.max(now, interval.start_ms), to);
    if (end <= start) continue;
    addTime(overallTime, interval.kind, end - start);
    if (query.intervals !== true) continue;
    for (let bucket = start - (start % BUCKET_MS); bucket < end; bucket += BUCKET_MS) {
      const piece = Math.min(end, bucket + BUCKET_MS) - Math.max(start, bucket);
      let time = bucketTime.get(bucket);
      if (time === undefined) {
        time = { busySeconds: 0, loggedInSeconds: 0 };
        bucketTime.set(bucket, time);
      }
      addTime(time, interval.kind, piece);
    }
  }

  const overall = figuresFrom(callSums(db, organisationId, from, to, query, false).get(0) ?? emptySums(), overallTime);
  const result: MetricsResult = { from: query.from, to: query.to, overall, intervals: [] };
  if (query.intervals !== true) return result;
  const byBucket = callSums(db, organisationId, from, to, query, true);
  for (let n = 0; n < bucketCount; n++) {
    const bucket = firstBucket + n * BUCKET_MS;
    result.intervals.push({
      start: iso(bucket),
      figures: figuresFrom(byBucket.get(bucket) ?? emptySums(), bucketTime.get(bucket) ?? { busySeconds: 0, loggedInSeconds: 0 }),
    });
  }
  return result;
};
