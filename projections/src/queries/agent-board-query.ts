/** The agent board: status and since when, current call and activity, today's calls and missed offers. */
import type { DatabaseSync } from 'node:sqlite';
import { statement } from '../framework/projection.ts';
import type { AgentBoardRow } from '../read-model-contract.ts';
import { requireTime } from './input.ts';
import { startOfLocalDay } from './time-zone.ts';

interface Row {
  agent_id: string;
  full_name: string;
  status: AgentBoardRow['status'];
  status_reason: string | null;
  status_since: string;
  current_call_id: string | null;
  activity: AgentBoardRow['activity'];
  calls_today: number;
  missed_today: number;
}

const SELECT = `
  SELECT a.agent_id, a.full_name, a.status, a.status_reason, a.status_since, x.current_call_id, x.activity,
    (SELECT count(*) FROM act_day_log l WHERE l.agent_id = a.agent_id AND l.kind = 'call' AND l.at_ms >= ? AND l.at_ms <= ?) AS calls_today,
    (SELECT count(*) FROM act_day_log l WHERE l.agent_id = a.agent_id AND l.kind = 'missed' AND l.at_ms >= ? AND l.at_ms <= ?) AS missed_today
  FROM dir_agents a
  LEFT JOIN act_agents x ON x.agent_id = a.agent_id
  WHERE a.organisation_id = ? AND a.removed = 0`;

const ORDER = ' ORDER BY a.full_name COLLATE NOCASE, a.agent_id';

/** Memberships of every agent of the organisation, sorted. */
export const queueIdsByAgent = (db: DatabaseSync, organisationId: string): Map<string, string[]> => {
  const byAgent = new Map<string, string[]>();
  const rows = statement(db, 'SELECT agent_id, queue_id FROM dir_agent_queues WHERE organisation_id = ? ORDER BY agent_id, queue_id').all(organisationId) as unknown as {
    agent_id: string;
    queue_id: string;
  }[];
  for (const row of rows) {
    const list = byAgent.get(row.agent_id);
    if (list === undefined) byAgent.set(row.agent_id, [row.queue_id]);
    else list.push(row.queue_id);
  }
  return byAgent;
};

/** "Today" is the organisation's local day (its time zone, from OrganisationCreated/Updated) containing `now`. */
export const agentBoard = (db: DatabaseSync, organisationId: string, options: { queueId?: string; now: string }): AgentBoardRow[] => {
  const now = requireTime(options.now, 'now');
  const organisation = statement(db, 'SELECT time_zone FROM dir_organisations WHERE organisation_id = ?').get(organisationId) as { time_zone: string } | undefined;
  const dayStart = startOfLocalDay(now, organisation?.time_zone ?? 'UTC');
  const rows = (
    options.queueId === undefined
      ? statement(db, SELECT + ORDER).all(dayStart, now, dayStart, now, organisationId)
      : statement(db, `${SELECT} AND EXISTS (SELECT 1 FROM dir_agent_queues m WHERE m.agent_id = a.agent_id AND m.queue_id = ?)${ORDER}`).all(
          dayStart,
          now,
          dayStart,
          now,
          organisationId,
          options.queueId,
        )
  ) as unknown as Row[];
  const memberships = queueIdsByAgent(db, organisationId);
  return rows.map((row) => ({
    agentId: row.agent_id,
    fullName: row.full_name,
    status: row.status,
    statusReason: row.status_reason,
    since: row.status_since,
    currentCallId: row.current_call_id,
    activity: row.activity,
    callsToday: row.calls_today,
    missedOffersToday: row.missed_today,
    queueIds: memberships.get(row.agent_id) ?? [],
  }));
};
