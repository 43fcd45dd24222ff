/**
 * Organisations, queues and agents as their own streams describe them: names, settings, time zone,
 * agent profile, status (and since when), queue memberships, teams and their agents. Feeds the agent list, the queue list
 * and the names every other query shows.
 */
import type { DatabaseSync } from 'node:sqlite';
import type { AgentProfile, QueueSettings } from '@cc/core';
import { entityId, statement, type ProjectedEvent, type Projection } from '../framework/projection.ts';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS dir_organisations (
    organisation_id TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    time_zone       TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dir_queues (
    queue_id        TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    name            TEXT NOT NULL,
    number          TEXT,
    settings        TEXT NOT NULL,
    removed         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dir_agents (
    agent_id        TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    full_name       TEXT NOT NULL,
    username        TEXT NOT NULL,
    alias           TEXT,
    email           TEXT,
    extension       TEXT NOT NULL,
    typology        TEXT NOT NULL,
    external_uri    TEXT,
    description     TEXT,
    voicemail       INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'offline',
    status_reason   TEXT,
    status_since    TEXT NOT NULL,
    disabled        INTEGER NOT NULL DEFAULT 0,
    locked          INTEGER NOT NULL DEFAULT 0,
    removed         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dir_agent_queues (
    agent_id        TEXT NOT NULL,
    queue_id        TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    PRIMARY KEY (agent_id, queue_id)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS dir_teams (
    team_id         TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL,
    name            TEXT NOT NULL,
    removed         INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS dir_agent_teams (
    agent_id        TEXT NOT NULL,
    team_id         TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    PRIMARY KEY (agent_id, team_id)
  ) WITHOUT ROWID;
`;

/** Indexes only the queries read through: created once the projection has caught up. */
const INDEXES = `
  CREATE INDEX IF NOT EXISTS dir_queues_by_organisation ON dir_queues (organisation_id, name);
  CREATE INDEX IF NOT EXISTS dir_queues_by_number ON dir_queues (number);
  CREATE INDEX IF NOT EXISTS dir_agents_by_organisation ON dir_agents (organisation_id, full_name);
  CREATE INDEX IF NOT EXISTS dir_agent_queues_by_queue ON dir_agent_queues (queue_id, agent_id);
  CREATE INDEX IF NOT EXISTS dir_teams_by_organisation ON dir_teams (organisation_id, name);
  CREATE INDEX IF NOT EXISTS dir_agent_teams_by_team ON dir_agent_teams (team_id, agent_id);
`;

const PROFILE_COLUMNS: Record<keyof AgentProfile, string | null> = {
  fullName: 'full_name',
  username: 'username',
  alias: 'alias',
  email: 'email',
  extension: 'extension',
  typology: 'typology',
  externalUri: 'external_uri',
  description: 'description',
  voicemail: 'voicemail',
  wrapUpSeconds: null,
};

const sqlValue = (value: unknown): string | number | null =>
  value === null || value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : String(value);

const applyEvent = (db: DatabaseSync, event: ProjectedEvent): void => {
  const organisationId = event.metadata.organisationId;
  const id = entityId(event.streamId);
  switch (event.type) {
    case 'OrganisationCreated':
      statement(db, 'INSERT OR REPLACE INTO dir_organisations (organisation_id, name, time_zone) VALUES (?, ?, ?)').run(
        event.data.organisationId,
        event.data.name,
        event.data.timeZone,
      );
      return;
    case 'OrganisationUpdated': {
      const { name, timeZone } = event.data.changes;
      if (name !== undefined) statement(db, 'UPDATE dir_organisations SET name = ? WHERE organisation_id = ?').run(name, id);
      if (timeZone !== undefined) statement(db, 'UPDATE dir_organisations SET time_zone = ? WHERE organisation_id = ?').run(timeZone, id);
      return;
    }
    case 'QueueCreated': {
      const { settings } = event.data;
      statement(
        db,
        'INSERT OR REPLACE INTO dir_queues (queue_id, organisation_id, name, number, settings, removed, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
      ).run(event.data.queueId, event.data.organisationId, settings.name, settings.number, JSON.stringify(settings), event.data.at);
      return;
    }
    case 'QueueUpdated': {
      const row = statement(db, 'SELECT settings FROM dir_queues WHERE queue_id = ? AND organisation_id = ?').get(id, organisationId) as
        | { settings: string }
        | undefined;
      if (row === undefined) return;
      const settings: QueueSettings = { ...(JSON.parse(row.settings) as QueueSettings), ...event.data.changes };
      statement(db, 'UPDATE dir_queues SET name = ?, number = ?, settings = ? WHERE queue_id = ?').run(settings.name, settings.number, JSON.stringify(settings), id);
      return;
    }
    case 'QueueRemoved':
      statement(db, 'UPDATE dir_queues SET removed = 1 WHERE queue_id = ? AND organisation_id = ?').run(id, organisationId);
      return;
    case 'AgentRegistered': {
      const p = event.data.profile;
      statement(
        db,
        `INSERT OR REPLACE INTO dir_agents (agent_id, organisation_id, full_name, username, alias, email, extension, typology, external_uri,
           description, voicemail, status, status_reason, status_since, disabled, locked, removed, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'offline', NULL, ?, 0, 0, 0, ?)`,
      ).run(
        event.data.agentId,
        event.data.organisationId,
        p.fullName,
        p.username,
        p.alias,
        p.email,
        p.extension,
        p.typology,
        p.externalUri,
        p.description,
        p.voicemail ? 1 : 0,
        event.data.at,
        event.data.at,
      );
      return;
    }
    case 'AgentProfileUpdated':
      for (const [key, value] of Object.entries(event.data.changes)) {
        const column = PROFILE_COLUMNS[key as keyof AgentProfile];
        if (column === null || column === undefined) continue;
        // Column names come from the fixed map above, never from the event.
        statement(db, `UPDATE dir_agents SET ${column} = ? WHERE agent_id = ? AND organisation_id = ?`).run(sqlValue(value), id, organisationId);
      }
      return;
    case 'AgentStatusChanged':
      statement(db, 'UPDATE dir_agents SET status = ?, status_reason = ?, status_since = ? WHERE agent_id = ? AND organisation_id = ?').run(
        event.data.status,
        event.data.reason,
        event.data.at,
        id,
        organisationId,
      );
      return;
    case 'AgentJoinedQueue':
      statement(db, 'INSERT OR IGNORE INTO dir_agent_queues (agent_id, queue_id, organisation_id) VALUES (?, ?, ?)').run(id, event.data.queueId, organisationId);
      return;
    case 'AgentLeftQueue':
      statement(db, 'DELETE FROM dir_agent_queues WHERE agent_id = ? AND queue_id = ?').run(id, event.data.queueId);
      return;
    case 'AgentDisabled':
    case 'AgentEnabled':
      statement(db, 'UPDATE dir_agents SET disabled = ? WHERE agent_id = ? AND organisation_id = ?').run(event.type === 'AgentDisabled' ? 1 : 0, id, organisationId);
      return;
    case 'AgentLocked':
    case 'AgentUnlocked':
      statement(db, 'UPDATE dir_agents SET locked = ? WHERE agent_id = ? AND organisation_id = ?').run(event.type === 'AgentLocked' ? 1 : 0, id, organisationId);
      return;
    case 'AgentRemoved':
      statement(db, 'UPDATE dir_agents SET removed = 1 WHERE agent_id = ? AND organisation_id = ?').run(id, organisationId);
      statement(db, 'DELETE FROM dir_agent_queues WHERE agent_id = ?').run(id);
      statement(db, 'DELETE FROM dir_agent_teams WHERE agent_id = ?').run(id);
      return;
    case 'AgentTeamsSet': {
      statement(db, 'DELETE FROM dir_agent_teams WHERE agent_id = ?').run(id);
      const insert = statement(db, 'INSERT OR IGNORE INTO dir_agent_teams (agent_id, team_id, organisation_id) VALUES (?, ?, ?)');
      for (const teamId of event.data.teamIds) insert.run(id, teamId, organisationId);
      return;
    }
    case 'TeamCreated':
      statement(db, 'INSERT OR REPLACE INTO dir_teams (team_id, organisation_id, name, removed, created_at) VALUES (?, ?, ?, 0, ?)').run(
        event.data.teamId,
        event.data.organisationId,
        event.data.name,
        event.data.at,
      );
      return;
    case 'TeamRenamed':
      statement(db, 'UPDATE dir_teams SET name = ? WHERE team_id = ? AND organisation_id = ?').run(event.data.name, id, organisationId);
      return;
    case 'TeamRemoved':
      // A removed team lets go of its agents here; their AgentTeamsSet history keeps the old id.
      statement(db, 'UPDATE dir_teams SET removed = 1 WHERE team_id = ? AND organisation_id = ?').run(id, organisationId);
      statement(db, 'DELETE FROM dir_agent_teams WHERE team_id = ?').run(id);
      return;
    default:
      return;
  }
};

export const directoryProjection: Projection = {
  name: 'directory',
  version: 2,
  models: ['agents', 'queues', 'agent-board'],
  eventTypes: new Set([
    'OrganisationCreated',
    'OrganisationUpdated',
    'QueueCreated',
    'QueueUpdated',
    'QueueRemoved',
    'AgentRegistered',
    'AgentProfileUpdated',
    'AgentStatusChanged',
    'AgentJoinedQueue',
    'AgentLeftQueue',
    'AgentDisabled',
    'AgentEnabled',
    'AgentLocked',
    'AgentUnlocked',
    'AgentRemoved',
    'AgentTeamsSet',
    'TeamCreated',
    'TeamRenamed',
    'TeamRemoved',
  ]),
  tables: ['dir_organisations', 'dir_queues', 'dir_agents', 'dir_agent_queues', 'dir_teams', 'dir_agent_teams'],
  setup: (db) => db.exec(SCHEMA),
  indexes: INDEXES,
  apply: applyEvent,
};
