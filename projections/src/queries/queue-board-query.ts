/** The live queue board: calls waiting, ringing, in progress or on hold, with cards computed against `now`. */
import type { DatabaseSync } from 'node:sqlite';
import { statement } from '../framework/projection.ts';
import type { BoardCallStatus, QueueBoard, QueueBoardFilter, QueueBoardRow } from '../read-model-contract.ts';
import { iso, requireTime } from './input.ts';
import { maskCallerName } from './masking.ts';

interface BoardRow {
  call_id: string;
  queue_id: string;
  queue_name: string | null;
  mask: number | null;
  status: BoardCallStatus;
  caller_number: string | null;
  caller_name: string | null;
  agent_id: string | null;
  agent_name: string | null;
  queued_at_ms: number;
  media: 'audio' | 'video';
}

const SELECT = `
  SELECT c.call_id, c.queue_id, q.name AS queue_name, json_extract(q.settings, '$.maskCallerName') AS mask, c.status,
         c.caller_number, c.caller_name, c.agent_id, a.full_name AS agent_name, c.queued_at_ms, c.media
  FROM qb_calls c
  LEFT JOIN dir_queues q ON q.queue_id = c.queue_id AND q.organisation_id = c.organisation_id
  LEFT JOIN dir_agents a ON a.agent_id = c.agent_id AND a.organisation_id = c.organisation_id
  WHERE c.organisation_id = ?`;

const ORDER = ' ORDER BY c.queued_at_ms, c.call_id';

const toRow = (row: BoardRow): QueueBoardRow => ({
  callId: row.call_id,
  queueId: row.queue_id,
  queueName: row.queue_name ?? row.queue_id,
  status: row.status,
  callerNumber: row.caller_number,
  callerName: row.caller_name === null ? null : row.mask === 1 ? maskCallerName(row.caller_name) : row.caller_name,
  agentId: row.agent_id,
  agentName: row.agent_name,
  queuedAt: iso(row.queued_at_ms),
  media: row.media,
});

/**
 * Cards cover every call on the board of the chosen queue (or all queues): `total` calls, `active`
 * with an agent (in progress or on hold), `waiting` for one (waiting or ringing), and the longest
 * current wait of those. `statuses` and `search` narrow the rows only. Search matches what is shown
 * (a masked name stays masked).
 */
export const queueBoard = (db: DatabaseSync, organisationId: string, filter: QueueBoardFilter): QueueBoard => {
  const now = requireTime(filter.now, 'now');
  const rows = (
    filter.queueId === undefined
      ? statement(db, SELECT + ORDER).all(organisationId)
      : statement(db, `${SELECT} AND c.queue_id = ?${ORDER}`).all(organisationId, filter.queueId)
  ) as unknown as BoardRow[];
  let active = 0;
  let waiting = 0;
  let longestWaitMs = 0;
  for (const row of rows) {
    if (row.status === 'in-progress' || row.status === 'on-hold') active += 1;
    else {
      waiting += 1;
      longestWaitMs = Math.max(longestWaitMs, now - row.queued_at_ms);
    }
  }
  const statuses = filter.statuses === undefined || filter.statuses.length === 0 ? null : new Set(filter.statuses);
  const needle = filter.search?.trim().toLowerCase() ?? '';
  const shown = rows
    .map(toRow)
    .filter((row) => statuses === null || statuses.has(row.status))
    .filter(
      (row) =>
        needle === '' ||
        [row.callerName, row.callerNumber, row.agentName].some((value) => value !== null && value.toLowerCase().includes(needle)),
    );
  return {
    cards: { total: rows.length, active, waiting, longestWaitSeconds: Math.floor(longestWaitMs / 1000) },
    rows: shown,
  };
};
