/**
 * Facts for metrics, so that a metrics query is SQL aggregation and never a replay:
 * - met_calls: one row per call (organisation and queue figures), in the bucket of its arrival;
 * - met_call_agents: one row per call and agent who was offered or handled it (agent figures);
 * - met_intervals: logged-in (status not offline) and busy (call slot reserved: ringing, talk, hold,
 *   wrap-up) intervals per agent, open ones with end_ms NULL, for occupancy;
 * - met_queues / met_agent_queues: the service-level threshold of each queue and who serves it;
 * - met_clock: time of the latest event seen, where open intervals end by default.
 * A call keeps its running facts as JSON in `state` until it is settled (ended, wrap-ups done,
 * none about to start: a wrap-up is appended with the end of the call but may fall in the next batch).
 */
import type { DatabaseSync } from 'node:sqlite';
import type { CallEvent } from '@cc/core';
import { BatchCache } from '../framework/batch-cache.ts';
import { entityId, ms, statement, type ProjectedEvent, type Projection } from '../framework/projection.ts';
import { accountFor, isSettled, newAccount, type AgentLeg, type CallAccount } from '../calls/call-account.ts';

export const BUCKET_MS = 15 * 60 * 1000;

const FACT_COLUMNS = `
    offered         INTEGER NOT NULL,
    answered        INTEGER NOT NULL,
    handled         INTEGER NOT NULL,
    abandoned       INTEGER NOT NULL,
    abandoned_in_sl INTEGER NOT NULL,
    answered_in_sl  INTEGER NOT NULL,
    wait_s          REAL,
    waited_s        REAL,
    talk_s          REAL NOT NULL,
    hold_s          REAL NOT NULL,
    wrapup_s        REAL NOT NULL,
    transfers       INTEGER NOT NULL,
    missed_offers   INTEGER NOT NULL,
    rating_sum      INTEGER NOT NULL,
    rating_count    INTEGER NOT NULL`;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS met_calls (
    call_id         TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    arrived_ms      INTEGER NOT NULL,
    bucket_ms       INTEGER NOT NULL,
    sl_seconds      REAL NOT NULL,
    state           TEXT,
    ${FACT_COLUMNS}
  );
  CREATE TABLE IF NOT EXISTS met_call_agents (
    call_id         TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    arrived_ms      INTEGER NOT NULL,
    bucket_ms       INTEGER NOT NULL,
    ${FACT_COLUMNS},
    PRIMARY KEY (call_id, agent_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS met_intervals (
    organisation_id TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    start_ms        INTEGER NOT NULL,
    end_ms          INTEGER
  );
  -- Closing an interval finds the open one through this index while applying events.
  CREATE INDEX IF NOT EXISTS met_intervals_open ON met_intervals (agent_id, kind) WHERE end_ms IS NULL;
  CREATE TABLE IF NOT EXISTS met_queues (
    queue_id        TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    sl_seconds      REAL NOT NULL
  );
  CREATE TABLE IF NOT EXISTS met_agent_queues (
    agent_id TEXT NOT NULL,
    queue_id TEXT NOT NULL,
    PRIMARY KEY (queue_id, agent_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS met_clock (
    organisation_id TEXT PRIMARY KEY,
    latest_ms       INTEGER NOT NULL
  );
`;

/** Indexes only the queries read through: created once the projection has caught up. */
const INDEXES = `
  -- Queue figures filter this range on queue_id: one index less to maintain per call.
  CREATE INDEX IF NOT EXISTS met_calls_by_organisation ON met_calls (organisation_id, arrived_ms);
  CREATE INDEX IF NOT EXISTS met_call_agents_by_agent ON met_call_agents (agent_id, arrived_ms);
  -- Open intervals (end_ms NULL) sort first: "ends after from, or still open" is one index range.
  CREATE INDEX IF NOT EXISTS met_intervals_by_end ON met_intervals (organisation_id, end_ms);
`;

interface RunningCall {
  account: CallAccount;
  /** Service-level threshold of the arrival queue when the call arrived. */
  slSeconds: number;
}

const seconds = (millis: number): number => millis / 1000;

const saveCall = (db: DatabaseSync, callId: string, call: RunningCall): void => {
  const { account, slSeconds } = call;
  const answered = account.answeredAt !== null;
  const waitSeconds = answered ? seconds((account.answeredAt as number) - account.receivedAt) : null;
  const abandoned = account.abandonedUnanswered;
  const abandonedInSl = abandoned && account.endedAt !== null && seconds(account.endedAt - account.receivedAt) <= slSeconds;
  const bucket = account.receivedAt - (account.receivedAt % BUCKET_MS);
  statement(
    db,
    `INSERT OR REPLACE INTO met_calls (call_id, organisation_id, queue_id, arrived_ms, bucket_ms, sl_seconds, state,
       offered, answered, handled, abandoned, abandoned_in_sl, answered_in_sl, wait_s, waited_s, talk_s, hold_s, wrapup_s,
       transfers, missed_offers, rating_sum, rating_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    callId,
    account.organisationId,
    account.arrivalQueueId,
    account.receivedAt,
    bucket,
    slSeconds,
    isSettled(account) ? null : JSON.stringify(call),
    account.outcome === 'rejected' ? 0 : 1,
    answered ? 1 : 0,
    answered ? 1 : 0,
    abandoned ? 1 : 0,
    abandonedInSl ? 1 : 0,
    waitSeconds !== null && waitSeconds <= slSeconds ? 1 : 0,
    waitSeconds,
    account.waitEndedAt === null ? null : seconds(account.waitEndedAt - account.receivedAt),
    seconds(account.talkMs),
    seconds(account.holdMs),
    seconds(account.wrapUpMs),
    account.transfers,
    account.missedOffers,
    account.ratingSum,
    account.ratingCount,
  );
  for (const [agentId, leg] of Object.entries(account.legs)) saveLeg(db, callId, agentId, leg, call, bucket);
};

const saveLeg = (db: DatabaseSync, callId: string, agentId: string, leg: AgentLeg, call: RunningCall, bucket: number): void => {
  const { account, slSeconds } = call;
  const waitSeconds = leg.answered === 1 && leg.waitMs !== null ? seconds(leg.waitMs) : null;
  const abandonedInSl = leg.abandonedWhileRinging === 1 && account.endedAt !== null && seconds(account.endedAt - account.receivedAt) <= slSeconds;
  statement(
    db,
    `INSERT OR REPLACE INTO met_call_agents (call_id, agent_id, organisation_id, queue_id, arrived_ms, bucket_ms,
       offered, answered, handled, abandoned, abandoned_in_sl, answered_in_sl, wait_s, waited_s, talk_s, hold_s, wrapup_s,
       transfers, missed_offers, rating_sum, rating_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    callId,
    agentId,
    account.organisationId,
    account.arrivalQueueId,
    account.receivedAt,
    bucket,
    leg.offers > 0 ? 1 : 0,
    leg.answered,
    leg.answered === 1 || leg.transfersIn === 1 ? 1 : 0,
    leg.abandonedWhileRinging,
    abandonedInSl ? 1 : 0,
    waitSeconds !== null && waitSeconds <= slSeconds ? 1 : 0,
    waitSeconds,
    waitSeconds,
    seconds(leg.talkMs),
    seconds(leg.holdMs),
    seconds(leg.wrapUpMs),
    leg.transfersOut,
    leg.missed,
    leg.ratingSum,
    leg.ratingCount,
  );
};

interface OpenInterval {
  organisationId: string;
  start: number;
}

interface BatchState {
  calls: BatchCache<RunningCall>;
  /** Intervals opened in this batch, by agent id + NUL + kind. */
  openIntervals: Map<string, OpenInterval>;
  /** Latest event time per organisation in the batch. */
  latest: Map<string, number>;
}

const batches = new WeakMap<DatabaseSync, BatchState>();

const batchFor = (db: DatabaseSync): BatchState => {
  let batch = batches.get(db);
  if (batch === undefined) {
    batch = {
      calls: new BatchCache<RunningCall>(
        (callId) => {
          const row = statement(db, 'SELECT state FROM met_calls WHERE call_id = ?').get(callId) as { state: string | null } | undefined;
          return row?.state == null ? undefined : (JSON.parse(row.state) as RunningCall);
        },
        (callId, call) => saveCall(db, callId, call),
      ),
      latest: new Map(),
      openIntervals: new Map(),
    };
    batches.set(db, batch);
  }
  return batch;
};

const insertInterval = (db: DatabaseSync, key: string, interval: OpenInterval, end: number | null): void => {
  const [agentId, kind] = key.split('\u0000') as [string, string];
  statement(db, 'INSERT INTO met_intervals (organisation_id, agent_id, kind, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)').run(
    interval.organisationId,
    agentId,
    kind,
    interval.start,
    end === null ? null : Math.max(end, interval.start),
  );
};

/**
 * Intervals opened in this batch stay in memory: one closed in the same batch is written once,
 * already closed; one still open is written at flush. Busy intervals (reserve/release) and
 * logged-in ones (not offline / offline) alternate, so an open finds none open before it.
 */
const openInterval = (db: DatabaseSync, batch: BatchState, organisationId: string, agentId: string, kind: 'logged-in' | 'busy', at: number): void => {
  const key = `${agentId}\u0000${kind}`;
  const pending = batch.openIntervals.get(key);
  if (pending !== undefined) insertInterval(db, key, pending, at);
  batch.openIntervals.set(key, { organisationId, start: at });
};

const closeInterval = (db: DatabaseSync, batch: BatchState, agentId: string, kind: 'logged-in' | 'busy', at: number): void => {
  const key = `${agentId}\u0000${kind}`;
  const pending = batch.openIntervals.get(key);
  if (pending !== undefined) {
    insertInterval(db, key, pending, at);
    batch.openIntervals.delete(key);
    return;
  }
  statement(db, 'UPDATE met_intervals SET end_ms = max(start_ms, ?) WHERE agent_id = ? AND kind = ? AND end_ms IS NULL').run(at, agentId, kind);
};

const CALL_TYPES = new Set<string>([
  'CallReceived',
  'CallQueued',
  'CallRejected',
  'CallOffered',
  'CallOfferDeclined',
  'CallOfferTimedOut',
  'CallOfferWithdrawn',
  'CallAnswered',
  'CallHeld',
  'CallResumed',
  'CallTransferAccepted',
  'CallTransferredToQueue',
  'CallTransferredExternally',
  'CallEnded',
  'CallAbandoned',
  'CallWaitExpired',
  'WrapUpStarted',
  'WrapUpCompleted',
]);

const applyCallEvent = (db: DatabaseSync, batch: BatchState, recorded: ProjectedEvent): void => {
  const event = recorded as ProjectedEvent & CallEvent;
  const callId = entityId(recorded.streamId);
  if (event.type === 'CallReceived') {
    const queue = statement(db, 'SELECT sl_seconds FROM met_queues WHERE queue_id = ?').get(event.data.queueId) as { sl_seconds: number } | undefined;
    batch.calls.set(callId, { account: newAccount(event.data), slSeconds: queue?.sl_seconds ?? 20 });
    return;
  }
  const call = batch.calls.get(callId);
  if (call === undefined) return;
  accountFor(call.account, event);
  batch.calls.set(callId, call);
};

const applyEvent = (db: DatabaseSync, event: ProjectedEvent): void => {
  const batch = batchFor(db);
  const organisationId = event.metadata.organisationId;
  const at = ms(event.metadata.timestamp);
  if (!((batch.latest.get(organisationId) ?? 0) >= at)) batch.latest.set(organisationId, at);
  if (CALL_TYPES.has(event.type)) {
    applyCallEvent(db, batch, event);
    return;
  }
  const id = entityId(event.streamId);
  switch (event.type) {
    case 'QueueCreated':
      statement(db, 'INSERT OR REPLACE INTO met_queues (queue_id, organisation_id, sl_seconds) VALUES (?, ?, ?)').run(
        event.data.queueId,
        event.data.organisationId,
        event.data.settings.serviceLevelSeconds,
      );
      return;
    case 'QueueUpdated':
      if (event.data.changes.serviceLevelSeconds !== undefined) {
        statement(db, 'UPDATE met_queues SET sl_seconds = ? WHERE queue_id = ?').run(event.data.changes.serviceLevelSeconds, id);
      }
      return;
    case 'AgentJoinedQueue':
      statement(db, 'INSERT OR IGNORE INTO met_agent_queues (agent_id, queue_id) VALUES (?, ?)').run(id, event.data.queueId);
      return;
    case 'AgentLeftQueue':
      statement(db, 'DELETE FROM met_agent_queues WHERE agent_id = ? AND queue_id = ?').run(id, event.data.queueId);
      return;
    case 'AgentStatusChanged': {
      const when = ms(event.data.at);
      if (event.data.status === 'offline') closeInterval(db, batch, id, 'logged-in', when);
      else if (event.data.previousStatus === 'offline') openInterval(db, batch, organisationId, id, 'logged-in', when);
      return;
    }
    case 'AgentReserved':
      openInterval(db, batch, organisationId, id, 'busy', ms(event.data.at));
      return;
    case 'AgentReleased':
      closeInterval(db, batch, id, 'busy', ms(event.data.at));
      return;
    case 'AgentRemoved': {
      const when = ms(event.data.at);
      closeInterval(db, batch, id, 'logged-in', when);
      closeInterval(db, batch, id, 'busy', when);
      statement(db, 'DELETE FROM met_agent_queues WHERE agent_id = ?').run(id);
      return;
    }
    default:
      return;
  }
};

const flush = (db: DatabaseSync): void => {
  const batch = batchFor(db);
  batch.calls.flush();
  for (const [key, interval] of batch.openIntervals) insertInterval(db, key, interval, null);
  batch.openIntervals.clear();
  for (const [organisationId, latest] of batch.latest) {
    statement(
      db,
      'INSERT INTO met_clock (organisation_id, latest_ms) VALUES (?, ?) ON CONFLICT (organisation_id) DO UPDATE SET latest_ms = max(latest_ms, excluded.latest_ms)',
    ).run(organisationId, latest);
  }
  batch.latest.clear();
};

export const metricsProjection: Projection = {
  name: 'metrics',
  version: 1,
  models: ['metrics'],
  eventTypes: new Set([...CALL_TYPES, 'QueueCreated', 'QueueUpdated', 'AgentJoinedQueue', 'AgentLeftQueue', 'AgentStatusChanged', 'AgentReserved', 'AgentReleased', 'AgentRemoved']),
  tables: ['met_calls', 'met_call_agents', 'met_intervals', 'met_queues', 'met_agent_queues', 'met_clock'],
  setup: (db) => db.exec(SCHEMA),
  indexes: INDEXES,
  apply: applyEvent,
  flush,
  discard: (db) => {
    const batch = batches.get(db);
    batch?.calls.discard();
    batch?.latest.clear();
    batch?.openIntervals.clear();
  },
};
