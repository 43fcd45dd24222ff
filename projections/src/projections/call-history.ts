/**
 * Call history: one row per call with its facts (see calls/call-account.ts) and its timeline, kept
 * as a JSON document; plain columns hold what lists filter and sort on. Timeline entries are stored
 * as facts (type, time, agent, queue, details); their sentences are written at query time with the
 * current names.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { CallEvent } from '@cc/core';
import { BatchCache } from '../framework/batch-cache.ts';
import { entityId, ms, statement, type ProjectedEvent, type Projection } from '../framework/projection.ts';
import { accountFor, historyStatus, newAccount, newOutboundAccount, type CallAccount } from '../calls/call-account.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS hist_calls (
    call_id         TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    received_ms     INTEGER NOT NULL,
    status          TEXT NOT NULL,
    caller_number   TEXT,
    customer_id     TEXT,
    doc             TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS hist_call_agents (
    agent_id TEXT NOT NULL,
    call_id  TEXT NOT NULL,
    PRIMARY KEY (agent_id, call_id)
  ) WITHOUT ROWID;
`;

/** Indexes only the queries read through: created once the projection has caught up. */
const INDEXES = `
  CREATE INDEX IF NOT EXISTS hist_calls_by_time ON hist_calls (organisation_id, received_ms DESC, call_id DESC);
  CREATE INDEX IF NOT EXISTS hist_calls_by_customer ON hist_calls (organisation_id, customer_id, received_ms DESC) WHERE customer_id IS NOT NULL;
`;

/** [epoch ms, event type, agent id, queue id, details] */
export type StoredTimelineEntry = [number, string, string | null, string | null, Record<string, unknown> | null];

export interface HistoryDocument {
  account: CallAccount;
  timeline: StoredTimelineEntry[];
}

/** What the timeline keeps of an event: who, where, and the details a sentence needs. */
const timelineEntry = (event: CallEvent, account: CallAccount): StoredTimelineEntry => {
  const at = ms(event.data.at);
  const entry = (agentId: string | null, queueId: string | null, details: Record<string, unknown> | null = null): StoredTimelineEntry => [
    at,
    event.type,
    agentId,
    queueId,
    details,
  ];
  switch (event.type) {
    case 'CallReceived':
      return entry(null, event.data.queueId, { channel: event.data.channel });
    case 'CallQueued':
      return entry(null, event.data.queueId);
    case 'CallRejected':
      return entry(null, account.queueId, { reason: event.data.reason });
    case 'CallOffered':
    case 'CallOfferDeclined':
    case 'CallOfferTimedOut':
    case 'CallAnswered':
    case 'CallHeld':
    case 'CallResumed':
    case 'WrapUpStarted':
      return entry(event.data.agentId, null);
    case 'CallOfferWithdrawn':
      return entry(event.data.agentId, null, { reason: event.data.reason });
    case 'CallTransferRequested': {
      const { target } = event.data;
      return entry(event.data.fromAgentId, target.kind === 'queue' ? target.queueId : null, { target });
    }
    case 'CallTransferOffered':
      return entry(event.data.agentId, null);
    case 'CallTransferAccepted':
      return entry(event.data.toAgentId, null, { fromAgentId: event.data.fromAgentId, ...(event.data.consulted === true ? { consulted: true } : {}) });
    case 'CallTransferRejected':
      return entry(event.data.toAgentId, null, { reason: event.data.reason });
    case 'CallTransferredToQueue':
      return entry(event.data.fromAgentId, event.data.queueId);
    case 'CallTransferredExternally':
      return entry(event.data.fromAgentId, null, { number: event.data.number, ...(event.data.consulted === true ? { consulted: true } : {}) });
    case 'CallTransferFailed':
      return entry(null, null, { reason: event.data.reason });
    case 'ConsultationStarted':
      return entry(event.data.fromAgentId, null, { target: event.data.target });
    case 'ConsultationAnswered':
      return entry(event.data.agentId, null);
    case 'ConsultationEnded':
      return entry(event.data.agentId, null, { reason: event.data.reason });
    case 'CallEnded':
      return entry(event.data.agentId, null, { endedBy: event.data.endedBy, reason: event.data.reason });
    case 'CallAbandoned':
      return entry(null, account.queueId, { while: event.data.while });
    case 'CallWaitExpired':
      return entry(null, event.data.queueId, { overflowQueueId: event.data.overflowQueueId });
    case 'WrapUpExtended':
      return entry(event.data.agentId, null, { bySeconds: event.data.bySeconds });
    case 'WrapUpCompleted':
      return entry(event.data.agentId, null, { endedBy: event.data.endedBy, rating: event.data.rating, notes: event.data.notes });
    case 'CallRecordingStored':
      return entry(null, null, { recordingId: event.data.recordingId, format: event.data.format, durationSeconds: event.data.durationSeconds, bytes: event.data.bytes });
    case 'CallChecklistItemTicked':
      return entry(event.data.agentId, null, { item: event.data.item, ticked: event.data.ticked });
    case 'DtmfReceived':
      // Digits may be a PIN or a card number: the history keeps how many, not which.
      return entry(null, null, { from: event.data.from, digits: event.data.digits.length });
    case 'OutboundCallPlaced':
      return entry(event.data.agentId, event.data.queueId, { number: event.data.callee.number, customerId: event.data.callee.customerId });
    case 'OutboundCallRinging':
      return entry(null, null, { earlyMedia: event.data.earlyMedia });
    case 'OutboundCallAnswered':
      return entry(event.data.agentId, null);
    case 'OutboundCallFailed':
      return entry(event.data.agentId, null, { reason: event.data.reason, sipStatus: event.data.sipStatus });
  }
};

const CALL_EVENTS = new Set<string>([
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
  'CallTransferRequested',
  'CallTransferOffered',
  'CallTransferAccepted',
  'CallTransferRejected',
  'CallTransferredToQueue',
  'CallTransferredExternally',
  'CallTransferFailed',
  'ConsultationStarted',
  'ConsultationAnswered',
  'ConsultationEnded',
  'CallEnded',
  'CallAbandoned',
  'CallWaitExpired',
  'WrapUpStarted',
  'WrapUpExtended',
  'WrapUpCompleted',
  'DtmfReceived',
  'CallRecordingStored',
  'CallChecklistItemTicked',
  'OutboundCallPlaced',
  'OutboundCallRinging',
  'OutboundCallAnswered',
  'OutboundCallFailed',
]);

/**
 * How a document is stored: `[account values, timeline]`, the account's values in the order below
 * (no key names: about a third of the text) and without the per-agent legs, which only the metrics
 * read, from their own copy of the account. A call still going gets its legs back, empty, when read.
 */
const ACCOUNT_FIELDS: Record<Exclude<keyof CallAccount, 'legs'>, true> = {
  callId: true,
  organisationId: true,
  arrivalQueueId: true,
  queueId: true,
  channel: true,
  media: true,
  callerNumber: true,
  callerName: true,
  receivedAt: true,
  queuedAt: true,
  answeredAt: true,
  endedAt: true,
  endedBy: true,
  live: true,
  outcome: true,
  offers: true,
  connectedAgentId: true,
  segmentStart: true,
  firstAgentId: true,
  lastAgentId: true,
  talkMs: true,
  holdMs: true,
  wrapUpMs: true,
  openWrapUps: true,
  wrapUpExpected: true,
  missedOffers: true,
  transfers: true,
  holds: true,
  abandonedUnanswered: true,
  waitEndedAt: true,
  ratingSum: true,
  ratingCount: true,
  wrapUps: true,
  customerId: true,
};
const ACCOUNT_KEYS = Object.keys(ACCOUNT_FIELDS) as Exclude<keyof CallAccount, 'legs'>[];

const storedDocument = (doc: HistoryDocument): string => {
  const values: unknown[] = new Array<unknown>(ACCOUNT_KEYS.length);
  for (let i = 0; i < ACCOUNT_KEYS.length; i++) values[i] = doc.account[ACCOUNT_KEYS[i] as keyof CallAccount];
  return JSON.stringify([values, doc.timeline]);
};

/** A stored document read back (the queries read it too). */
export const parseDocument = (text: string): HistoryDocument => {
  const [values, timeline] = JSON.parse(text) as [unknown[], StoredTimelineEntry[]];
  const account: Record<string, unknown> = {};
  for (let i = 0; i < ACCOUNT_KEYS.length; i++) account[ACCOUNT_KEYS[i] as string] = values[i];
  account.legs = {};
  return { account: account as unknown as CallAccount, timeline };
};

/** One cache per database connection: the projection object itself is shared. */
const caches = new WeakMap<DatabaseSync, BatchCache<HistoryDocument>>();

const cacheFor = (db: DatabaseSync): BatchCache<HistoryDocument> => {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new BatchCache<HistoryDocument>(
      (callId) => {
        const row = statement(db, 'SELECT doc FROM hist_calls WHERE call_id = ?').get(callId) as { doc: string } | undefined;
        return row === undefined ? undefined : parseDocument(row.doc);
      },
      (callId, doc) => {
        const { account } = doc;
        statement(
          db,
          'INSERT OR REPLACE INTO hist_calls (call_id, organisation_id, queue_id, received_ms, status, caller_number, customer_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(callId, account.organisationId, account.queueId, account.receivedAt, historyStatus(account), account.callerNumber, account.customerId, storedDocument(doc));
      },
    );
    caches.set(db, cache);
  }
  return cache;
};

/** Agents already linked to a call in this batch (an offer and its answer name the same agent). */
const involved = new WeakMap<DatabaseSync, Set<string>>();

const involve = (db: DatabaseSync, agentId: string, callId: string): void => {
  let seen = involved.get(db);
  if (seen === undefined) {
    seen = new Set();
    involved.set(db, seen);
  }
  const key = `${agentId}\u0000${callId}`;
  if (seen.has(key)) return;
  seen.add(key);
  statement(db, 'INSERT OR IGNORE INTO hist_call_agents (agent_id, call_id) VALUES (?, ?)').run(agentId, callId);
};

const applyEvent = (db: DatabaseSync, recorded: ProjectedEvent): void => {
  const event = recorded as ProjectedEvent & CallEvent;
  const callId = entityId(recorded.streamId);
  const cache = cacheFor(db);
  let doc = cache.get(callId);
  if (event.type === 'CallReceived') {
    doc = { account: newAccount(event.data), timeline: [] };
  } else if (event.type === 'OutboundCallPlaced') {
    doc = { account: newOutboundAccount(event.data), timeline: [] };
  } else if (doc === undefined) {
    return; // a call whose arrival this read model never saw (cannot happen with a whole log)
  } else {
    accountFor(doc.account, event);
  }
  doc.timeline.push(timelineEntry(event, doc.account));
  cache.set(callId, doc);
  switch (event.type) {
    case 'CallOffered':
    case 'CallAnswered':
    case 'CallTransferOffered':
      involve(db, event.data.agentId, callId);
      return;
    case 'CallTransferAccepted':
      involve(db, event.data.toAgentId, callId);
      return;
    case 'OutboundCallPlaced':
      involve(db, event.data.agentId, callId);
      return;
    default:
      return;
  }
};

export const callHistoryProjection: Projection = {
  name: 'call-history',
  // 2: documents stored as [account values, timeline] (see storedDocument). 3: the customer id (column and account).
  version: 3,
  models: ['calls'],
  eventTypes: CALL_EVENTS,
  tables: ['hist_calls', 'hist_call_agents'],
  setup: (db) => db.exec(SCHEMA),
  indexes: INDEXES,
  apply: applyEvent,
  flush: (db) => {
    cacheFor(db).flush();
    involved.get(db)?.clear();
  },
  discard: (db) => {
    caches.get(db)?.discard();
    involved.get(db)?.clear();
  },
};
