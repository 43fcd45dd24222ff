/** Call history: filters, cursor pages in a stable order (received desc, then call id desc), one call with its timeline. */
import type { DatabaseSync } from 'node:sqlite';
import { DomainError } from '@cc/core';
import { historyStatus } from '../calls/call-account.ts';
import { statement } from '../framework/projection.ts';
import { parseDocument, type HistoryDocument } from '../projections/call-history.ts';
import type { CallHistoryEntry, CallHistoryFilter, CallHistoryPage, CallRecordingRecord } from '../read-model-contract.ts';
import { iso, requireTime } from './input.ts';
import { describeTimeline, type Names } from './timeline-descriptions.ts';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;

interface Cursor {
  receivedMs: number;
  callId: string;
}

const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.receivedMs, cursor.callId])).toString('base64url');

const decodeCursor = (value: string): Cursor => {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') return { receivedMs: parsed[0], callId: parsed[1] };
  } catch {
    // reported below
  }
  throw new DomainError('InvalidInput', 'The cursor is not one this list gave out.', { after: value });
};

/** Names of the agents and queues a set of documents mention, from the organisation's own rows only. */
const namesFor = (db: DatabaseSync, organisationId: string, docs: readonly HistoryDocument[]): Names => {
  const agentIds = new Set<string>();
  const queueIds = new Set<string>();
  for (const doc of docs) {
    queueIds.add(doc.account.queueId);
    for (const entry of doc.timeline) {
      if (entry[2] !== null) agentIds.add(entry[2]);
      if (entry[3] !== null) queueIds.add(entry[3]);
      const details = entry[4];
      if (details !== null) {
        if (typeof details.fromAgentId === 'string') agentIds.add(details.fromAgentId);
        if (typeof details.overflowQueueId === 'string') queueIds.add(details.overflowQueueId);
        const target = details.target as { kind?: string; agentId?: string; queueId?: string } | undefined;
        if (target?.kind === 'agent' && target.agentId !== undefined) agentIds.add(target.agentId);
        if (target?.kind === 'queue' && target.queueId !== undefined) queueIds.add(target.queueId);
      }
    }
  }
  const agents = new Map(
    (statement(db, 'SELECT agent_id AS id, full_name AS name FROM dir_agents WHERE organisation_id = ? AND agent_id IN (SELECT value FROM json_each(?))').all(
      organisationId,
      JSON.stringify([...agentIds]),
    ) as unknown as { id: string; name: string }[]).map((row) => [row.id, row.name]),
  );
  const queues = new Map(
    (statement(db, 'SELECT queue_id AS id, name FROM dir_queues WHERE organisation_id = ? AND queue_id IN (SELECT value FROM json_each(?))').all(
      organisationId,
      JSON.stringify([...queueIds]),
    ) as unknown as { id: string; name: string }[]).map((row) => [row.id, row.name]),
  );
  return {
    agent: (agentId) => (agentId === null ? 'nobody' : (agents.get(agentId) ?? `agent ${agentId}`)),
    queue: (queueId) => (queueId === null ? 'no queue' : (queues.get(queueId) ?? queueId)),
  };
};

const seconds = (millis: number): number => millis / 1000;

/** The last CallRecordingStored on the timeline (its details hold the recording's facts). */
const recordingOf = (doc: HistoryDocument): CallRecordingRecord | null => {
  for (let i = doc.timeline.length - 1; i >= 0; i -= 1) {
    const [at, type, , , details] = doc.timeline[i] as HistoryDocument['timeline'][number];
    if (type !== 'CallRecordingStored' || details === null) continue;
    const { recordingId, format, durationSeconds, bytes } = details as { recordingId: string; format: 'wav' | 'pcap'; durationSeconds: number; bytes: number };
    return { recordingId, format, durationSeconds, bytes, storedAt: iso(at) };
  }
  return null;
};

const toEntry = (doc: HistoryDocument, names: Names): CallHistoryEntry => {
  const { account } = doc;
  return {
    callId: account.callId,
    organisationId: account.organisationId,
    queueId: account.queueId,
    queueName: names.queue(account.queueId),
    channel: account.channel,
    media: account.media,
    callerNumber: account.callerNumber,
    callerName: account.callerName,
    // Documents stored before version 3 had no customer id.
    customerId: account.customerId ?? null,
    status: historyStatus(account),
    receivedAt: iso(account.receivedAt),
    answeredAt: account.answeredAt === null ? null : iso(account.answeredAt),
    endedAt: account.endedAt === null ? null : iso(account.endedAt),
    firstAgentId: account.firstAgentId,
    lastAgentId: account.lastAgentId,
    endedBy: account.endedBy,
    waitSeconds: account.waitEndedAt === null ? null : seconds(account.waitEndedAt - account.receivedAt),
    talkSeconds: seconds(account.talkMs),
    holdSeconds: seconds(account.holdMs),
    wrapUpSeconds: seconds(account.wrapUpMs),
    missedOffers: account.missedOffers,
    transfers: account.transfers,
    wrapUps: account.wrapUps,
    timeline: describeTimeline(doc.timeline, names),
    recording: recordingOf(doc),
  };
};

export const callHistory = (db: DatabaseSync, organisationId: string, filter: CallHistoryFilter): CallHistoryPage => {
  const where = ['organisation_id = ?'];
  const params: (string | number)[] = [organisationId];
  if (filter.from !== undefined) {
    where.push('received_ms >= ?');
    params.push(requireTime(filter.from, 'from'));
  }
  if (filter.to !== undefined) {
    where.push('received_ms < ?');
    params.push(requireTime(filter.to, 'to'));
  }
  if (filter.queueId !== undefined) {
    where.push('queue_id = ?');
    params.push(filter.queueId);
  }
  if (filter.agentId !== undefined) {
    where.push('call_id IN (SELECT call_id FROM hist_call_agents WHERE agent_id = ?)');
    params.push(filter.agentId);
  }
  if (filter.status !== undefined) {
    where.push('status = ?');
    params.push(filter.status);
  }
  if (filter.callerNumber !== undefined && filter.callerNumber !== '') {
    where.push('instr(caller_number, ?) > 0');
    params.push(filter.callerNumber);
  }
  if (filter.customerId !== undefined && filter.customerId !== '') {
    where.push('customer_id = ?');
    params.push(filter.customerId);
  }
  const first = Math.max(1, Math.min(MAX_PAGE, Math.trunc(filter.first ?? DEFAULT_PAGE)));
  const total = statement(db, `SELECT count(*) AS n FROM hist_calls WHERE ${where.join(' AND ')}`).get(...params) as { n: number };
  if (filter.after !== undefined && filter.after !== '') {
    const cursor = decodeCursor(filter.after);
    where.push('(received_ms < ? OR (received_ms = ? AND call_id < ?))');
    params.push(cursor.receivedMs, cursor.receivedMs, cursor.callId);
  }
  const rows = statement(db, `SELECT doc FROM hist_calls WHERE ${where.join(' AND ')} ORDER BY received_ms DESC, call_id DESC LIMIT ?`).all(
    ...params,
    first + 1,
  ) as unknown as { doc: string }[];
  const docs = rows.slice(0, first).map((row) => parseDocument(row.doc));
  const names = namesFor(db, organisationId, docs);
  const last = docs[docs.length - 1];
  return {
    calls: docs.map((doc) => toEntry(doc, names)),
    endCursor: last === undefined ? null : encodeCursor({ receivedMs: last.account.receivedAt, callId: last.account.callId }),
    hasNextPage: rows.length > first,
    totalCount: total.n,
  };
};

export const callById = (db: DatabaseSync, organisationId: string, callId: string): CallHistoryEntry | null => {
  const row = statement(db, 'SELECT doc FROM hist_calls WHERE call_id = ? AND organisation_id = ?').get(callId, organisationId) as { doc: string } | undefined;
  if (row === undefined) return null;
  const doc = parseDocument(row.doc);
  return toEntry(doc, namesFor(db, organisationId, [doc]));
};

export const customerNumber = (db: DatabaseSync, organisationId: string, customerId: string): string | null => {
  const row = statement(
    db,
    'SELECT caller_number AS number FROM hist_calls WHERE organisation_id = ? AND customer_id = ? AND caller_number IS NOT NULL ORDER BY received_ms DESC LIMIT 1',
  ).get(organisationId, customerId) as { number: string } | undefined;
  return row?.number ?? null;
};
