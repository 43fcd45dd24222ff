/** Teams of an organisation, and which agents are in them (from the directory projection). */
import type { DatabaseSync } from 'node:sqlite';
import { statement } from '../framework/projection.ts';
import type { TeamListRow } from '../read-model-contract.ts';

export const teamList = (db: DatabaseSync, organisationId: string): TeamListRow[] => {
  const rows = statement(db, 'SELECT team_id, name, created_at FROM dir_teams WHERE organisation_id = ? AND removed = 0 ORDER BY name COLLATE NOCASE, team_id').all(
    organisationId,
  ) as unknown as { team_id: string; name: string; created_at: string }[];
  return rows.map((row) => ({ teamId: row.team_id, organisationId, name: row.name, createdAt: row.created_at }));
};

export const teamIdsByAgent = (db: DatabaseSync, organisationId: string): Map<string, string[]> => {
  const byAgent = new Map<string, string[]>();
  const rows = statement(db, 'SELECT agent_id, team_id FROM dir_agent_teams WHERE organisation_id = ? ORDER BY agent_id, team_id').all(organisationId) as unknown as {
    agent_id: string;
    team_id: string;
  }[];
  for (const row of rows) {
    const list = byAgent.get(row.agent_id);
    if (list === undefined) byAgent.set(row.agent_id, [row.team_id]);
    else list.push(row.team_id);
  }
  return byAgent;
};
