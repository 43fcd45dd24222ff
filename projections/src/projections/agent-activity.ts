/**
 * What each agent is doing with calls right now (ringing, connected, wrap-up, and which call), and
 * a day log of calls handled and offers missed, for the agent board's "today" figures.
 */
import type { DatabaseSync } from 'node:sqlite';
import { BatchCache } from '../framework/batch-cache.ts';
import { entityId, ms, statement, type ProjectedEvent, type Projection } from '../framework/projection.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS act_agents (
    agent_id        TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    current_call_id TEXT,
    activity        TEXT,
    activity_since  TEXT
  );
  CREATE TABLE IF NOT EXISTS act_day_log (
    agent_id        TEXT NOT NULL,
    at_ms           INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    organisation_id TEXT NOT NULL
  );
`;

/** Indexes only the queries read through: created once the projection has caught up. */
const INDEXES = `
  CREATE INDEX IF NOT EXISTS act_day_log_by_agent ON act_day_log (agent_id, at_ms);
`;

type Activity = 'ringing' | 'connected' | 'wrap-up';

interface AgentActivity {
  organisationId: string;
  callId: string | null;
  activity: Activity | null;
  since: string | null;
}

/** Agents touched in a batch are changed in memory and written once at its end. */
const caches = new WeakMap<DatabaseSync, BatchCache<AgentActivity>>();

const cacheFor = (db: DatabaseSync): BatchCache<AgentActivity> => {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new BatchCache<AgentActivity>(
      (agentId) => {
        const row = statement(db, 'SELECT organisation_id, current_call_id, activity, activity_since FROM act_agents WHERE agent_id = ?').get(agentId) as
          | { organisation_id: string; current_call_id: string | null; activity: Activity | null; activity_since: string | null }
          | undefined;
        return row === undefined ? undefined : { organisationId: row.organisation_id, callId: row.current_call_id, activity: row.activity, since: row.activity_since };
      },
      (agentId, row) => {
        statement(db, 'INSERT OR REPLACE INTO act_agents (agent_id, organisation_id, current_call_id, activity, activity_since) VALUES (?, ?, ?, ?, ?)').run(
          agentId,
          row.organisationId,
          row.callId,
          row.activity,
          row.since,
        );
      },
    );
    caches.set(db, cache);
  }
  return cache;
};

const setActivity = (db: DatabaseSync, organisationId: string, agentId: string, callId: string, activity: Activity, at: string): void => {
  cacheFor(db).set(agentId, { organisationId, callId, activity, since: at });
};

/** Clears the agent's activity if it is still about this call (and, when given, in this activity). */
const clearActivity = (db: DatabaseSync, agentId: string, callId: string, only: Activity | null = null): void => {
  const cache = cacheFor(db);
  const row = cache.get(agentId);
  if (row === undefined || row.callId !== callId || (only !== null && row.activity !== only)) return;
  cache.set(agentId, { organisationId: row.organisationId, callId: null, activity: null, since: null });
};

const log = (db: DatabaseSync, organisationId: string, agentId: string, kind: 'call' | 'missed', at: string): void => {
  statement(db, 'INSERT INTO act_day_log (agent_id, at_ms, kind, organisation_id) VALUES (?, ?, ?, ?)').run(agentId, ms(at), kind, organisationId);
};

const applyEvent = (db: DatabaseSync, event: ProjectedEvent): void => {
  const organisationId = event.metadata.organisationId;
  const id = entityId(event.streamId);
  switch (event.type) {
    case 'AgentRegistered':
      if (cacheFor(db).get(event.data.agentId) === undefined) {
        cacheFor(db).set(event.data.agentId, { organisationId: event.data.organisationId, callId: null, activity: null, since: null });
      }
      return;
    case 'AgentReleased':
      clearActivity(db, id, event.data.callId);
      return;
    case 'CallOffered':
    case 'CallTransferOffered':
      setActivity(db, organisationId, event.data.agentId, id, 'ringing', event.data.at);
      return;
    case 'CallOfferDeclined':
    case 'CallOfferTimedOut':
      clearActivity(db, event.data.agentId, id, 'ringing');
      log(db, organisationId, event.data.agentId, 'missed', event.data.at);
      return;
    case 'CallOfferWithdrawn':
      clearActivity(db, event.data.agentId, id, 'ringing');
      return;
    case 'CallTransferRejected':
      if (event.data.toAgentId !== null) clearActivity(db, event.data.toAgentId, id, 'ringing');
      return;
    case 'ConsultationAnswered':
      // The consulted colleague talks to the agent about this call.
      if (event.data.agentId !== null) setActivity(db, organisationId, event.data.agentId, id, 'connected', event.data.at);
      return;
    case 'ConsultationEnded':
      if (event.data.agentId !== null) clearActivity(db, event.data.agentId, id);
      return;
    case 'CallAbandoned':
      for (const offer of event.data.offers) clearActivity(db, offer.agentId, id, 'ringing');
      return;
    case 'CallAnswered':
      setActivity(db, organisationId, event.data.agentId, id, 'connected', event.data.at);
      log(db, organisationId, event.data.agentId, 'call', event.data.at);
      return;
    case 'CallTransferAccepted':
      setActivity(db, organisationId, event.data.toAgentId, id, 'connected', event.data.at);
      log(db, organisationId, event.data.toAgentId, 'call', event.data.at);
      return;
    case 'WrapUpStarted':
      setActivity(db, organisationId, event.data.agentId, id, 'wrap-up', event.data.at);
      return;
    case 'WrapUpCompleted':
      clearActivity(db, event.data.agentId, id);
      return;
    default:
      return;
  }
};

export const agentActivityProjection: Projection = {
  name: 'agent-activity',
  version: 1,
  models: ['agent-board'],
  eventTypes: new Set([
    'AgentRegistered',
    'AgentReleased',
    'CallOffered',
    'CallTransferOffered',
    'CallOfferDeclined',
    'CallOfferTimedOut',
    'CallOfferWithdrawn',
    'CallTransferRejected',
    'ConsultationAnswered',
    'ConsultationEnded',
    'CallAbandoned',
    'CallAnswered',
    'CallTransferAccepted',
    'WrapUpStarted',
    'WrapUpCompleted',
  ]),
  tables: ['act_agents', 'act_day_log'],
  setup: (db) => db.exec(SCHEMA),
  indexes: INDEXES,
  apply: applyEvent,
  flush: (db) => cacheFor(db).flush(),
  discard: (db) => caches.get(db)?.discard(),
};
