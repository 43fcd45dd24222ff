/**
 * Calls live in the queues: waiting, ringing, in progress or on hold; a call leaves the board when it
 * ends. Rows are changed in memory during a batch and written once at its end (most calls of a
 * catch-up arrive and leave within one batch and never touch the table).
 */
import type { DatabaseSync } from 'node:sqlite';
import { BatchCache } from '../framework/batch-cache.ts';
import { entityId, ms, statement, type ProjectedEvent, type Projection } from '../framework/projection.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS qb_calls (
    call_id         TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    status          TEXT NOT NULL,
    caller_number   TEXT,
    caller_name     TEXT,
    agent_id        TEXT,
    queued_at_ms    INTEGER NOT NULL,
    media           TEXT NOT NULL,
    ringing_offers  INTEGER NOT NULL DEFAULT 0
  );
`;

/** Indexes only the queries read through: created once the projection has caught up. */
const INDEXES = `
  CREATE INDEX IF NOT EXISTS qb_calls_by_organisation ON qb_calls (organisation_id, queued_at_ms);
`;

interface BoardCall {
  organisation_id: string;
  queue_id: string;
  status: 'waiting' | 'ringing' | 'in-progress' | 'on-hold';
  caller_number: string | null;
  caller_name: string | null;
  agent_id: string | null;
  queued_at_ms: number;
  media: string;
  ringing_offers: number;
  /** The row is in the table (so leaving the board means a DELETE). */
  stored: boolean;
  /** The call has left the board. */
  gone: boolean;
}

const caches = new WeakMap<DatabaseSync, BatchCache<BoardCall>>();

const cacheFor = (db: DatabaseSync): BatchCache<BoardCall> => {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new BatchCache<BoardCall>(
      (callId) => {
        const row = statement(db, 'SELECT * FROM qb_calls WHERE call_id = ?').get(callId) as Omit<BoardCall, 'stored' | 'gone'> | undefined;
        return row === undefined ? undefined : { ...row, stored: true, gone: false };
      },
      (callId, row) => {
        if (row.gone) {
          if (row.stored) statement(db, 'DELETE FROM qb_calls WHERE call_id = ?').run(callId);
          return;
        }
        statement(
          db,
          `INSERT OR REPLACE INTO qb_calls (call_id, organisation_id, queue_id, status, caller_number, caller_name, agent_id, queued_at_ms, media, ringing_offers)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(callId, row.organisation_id, row.queue_id, row.status, row.caller_number, row.caller_name, row.agent_id, row.queued_at_ms, row.media, row.ringing_offers);
      },
    );
    caches.set(db, cache);
  }
  return cache;
};

/** Changes a call on the board in place. */
const applyToCall = (call: BoardCall, event: ProjectedEvent): void => {
  switch (event.type) {
    case 'CallQueued':
      call.queue_id = event.data.queueId;
      call.queued_at_ms = ms(event.data.queuedAt);
      call.status = 'waiting';
      call.agent_id = null;
      call.ringing_offers = 0;
      return;
    case 'CallOffered':
      call.status = 'ringing';
      call.agent_id = event.data.agentId;
      call.ringing_offers += 1;
      return;
    case 'CallOfferDeclined':
    case 'CallOfferTimedOut':
    case 'CallOfferWithdrawn':
      if (call.status !== 'ringing') return;
      call.ringing_offers -= 1;
      if (call.ringing_offers <= 0) {
        call.ringing_offers = 0;
        call.status = 'waiting';
        call.agent_id = null;
      }
      return;
    case 'CallAnswered':
      call.status = 'in-progress';
      call.agent_id = event.data.agentId;
      call.ringing_offers = 0;
      return;
    case 'CallHeld':
      call.status = 'on-hold';
      return;
    case 'CallResumed':
      call.status = 'in-progress';
      return;
    case 'CallTransferAccepted':
      call.status = 'in-progress';
      call.agent_id = event.data.toAgentId;
      return;
    case 'CallTransferredToQueue':
      call.status = 'waiting';
      call.agent_id = null;
      call.queue_id = event.data.queueId;
      return;
    case 'CallWaitExpired':
      if (event.data.overflowQueueId === null) call.gone = true;
      return;
    case 'CallTransferredExternally':
    case 'CallEnded':
    case 'CallAbandoned':
    case 'CallRejected':
      call.gone = true;
      return;
    default:
      return;
  }
};

const applyEvent = (db: DatabaseSync, event: ProjectedEvent): void => {
  const callId = entityId(event.streamId);
  const cache = cacheFor(db);
  if (event.type === 'CallReceived') {
    const { data } = event;
    const existing = cache.get(callId);
    cache.set(callId, {
      organisation_id: data.organisationId,
      queue_id: data.queueId,
      status: 'waiting',
      caller_number: data.caller.number,
      caller_name: data.caller.name,
      agent_id: null,
      queued_at_ms: ms(data.at),
      media: data.media,
      ringing_offers: 0,
      stored: existing?.stored ?? false,
      gone: false,
    });
    return;
  }
  const call = cache.get(callId);
  if (call === undefined || call.gone) return;
  applyToCall(call, event);
  cache.set(callId, call);
};

export const queueBoardProjection: Projection = {
  name: 'queue-board',
  version: 1,
  models: ['queue-board'],
  eventTypes: new Set([
    'CallReceived',
    'CallQueued',
    'CallOffered',
    'CallOfferDeclined',
    'CallOfferTimedOut',
    'CallOfferWithdrawn',
    'CallAnswered',
    'CallHeld',
    'CallResumed',
    'CallTransferAccepted',
    'CallTransferredToQueue',
    'CallWaitExpired',
    'CallTransferredExternally',
    'CallEnded',
    'CallAbandoned',
    'CallRejected',
  ]),
  tables: ['qb_calls'],
  setup: (db) => db.exec(SCHEMA),
  indexes: INDEXES,
  apply: applyEvent,
  flush: (db) => cacheFor(db).flush(),
  discard: (db) => caches.get(db)?.discard(),
};
