/** The agent list for admin pages: search over name, username, email and extension; filters; sort. */
import type { DatabaseSync } from 'node:sqlite';
import { statement } from '../framework/projection.ts';
import type { AgentListQuery, AgentListRow } from '../read-model-contract.ts';
import { queueIdsByAgent } from './agent-board-query.ts';
import { teamIdsByAgent } from './team-list-query.ts';

interface Row {
  agent_id: string;
  full_name: string;
  username: string;
  alias: string | null;
  email: string | null;
  extension: string;
  typology: AgentListRow['typology'];
  external_uri: string | null;
  description: string | null;
  voicemail: number;
  status: AgentListRow['status'];
  status_reason: string | null;
  disabled: number;
  locked: number;
  created_at: string;
}

/** Sort keys to SQL, from a fixed map: never from the request. */
const SORT_COLUMNS: Record<NonNullable<AgentListQuery['sortBy']>, string> = {
  fullName: 'full_name COLLATE NOCASE',
  username: 'username COLLATE NOCASE',
  extension: 'extension',
  createdAt: 'created_at',
  status: 'status',
};

export const agentList = (db: DatabaseSync, organisationId: string, query: AgentListQuery): AgentListRow[] => {
  const where = ['organisation_id = ?', 'removed = 0'];
  const params: (string | number)[] = [organisationId];
  if (query.typology !== undefined) {
    where.push('typology = ?');
    params.push(query.typology);
  }
  if (query.status !== undefined) {
    where.push('status = ?');
    params.push(query.status);
  }
  if (query.disabled !== undefined) {
    where.push('disabled = ?');
    params.push(query.disabled ? 1 : 0);
  }
  if (query.queueId !== undefined) {
    where.push('agent_id IN (SELECT agent_id FROM dir_agent_queues WHERE queue_id = ?)');
    params.push(query.queueId);
  }
  if (query.teamId !== undefined) {
    where.push('agent_id IN (SELECT agent_id FROM dir_agent_teams WHERE team_id = ?)');
    params.push(query.teamId);
  }
  const direction = query.sortDirection === 'desc' ? 'DESC' : 'ASC';
  const order = `${SORT_COLUMNS[query.sortBy ?? 'fullName']} ${direction}, agent_id ${direction}`;
  const rows = statement(db, `SELECT * FROM dir_agents WHERE ${where.join(' AND ')} ORDER BY ${order}`).all(...params) as unknown as Row[];
  const needle = query.search?.trim().toLocaleLowerCase() ?? '';
  const memberships = queueIdsByAgent(db, organisationId);
  const teams = teamIdsByAgent(db, organisationId);
  return rows
    .filter((row) => needle === '' || [row.full_name, row.username, row.email, row.extension].some((value) => value !== null && value.toLocaleLowerCase().includes(needle)))
    .map((row) => ({
      agentId: row.agent_id,
      fullName: row.full_name,
      username: row.username,
      alias: row.alias,
      email: row.email,
      extension: row.extension,
      typology: row.typology,
      externalUri: row.external_uri,
      description: row.description,
      voicemail: row.voicemail === 1,
      status: row.status,
      statusReason: row.status_reason,
      disabled: row.disabled === 1,
      locked: row.locked === 1,
      queueIds: memberships.get(row.agent_id) ?? [],
      teamIds: teams.get(row.agent_id) ?? [],
      createdAt: row.created_at,
    }));
};
