/** One shape for an agent in API answers, from the core's agent state or from a read-model row. */
import type { AgentListRow } from '../read-side.ts';
import type { AgentState } from '../core-internals.ts';

export interface AgentView {
  id: string;
  organisationId: string;
  fullName: string;
  username: string;
  alias: string | null;
  email: string | null;
  extension: string;
  typology: string;
  externalUri: string | null;
  description: string | null;
  voicemail: boolean;
  wrapUpSeconds: number | null;
  status: string;
  statusReason: string | null;
  disabled: boolean;
  locked: boolean;
  queueIds: string[];
  /** May name a team removed since; Agent.teams shows only live ones. */
  teamIds: string[];
  createdAt: string | null;
}

export const agentViewFromState = (state: AgentState): AgentView | null => {
  if (!state.exists || state.removed || state.profile === null || state.agentId === null || state.organisationId === null) return null;
  const { profile } = state;
  return {
    id: state.agentId,
    organisationId: state.organisationId,
    fullName: profile.fullName,
    username: profile.username,
    alias: profile.alias,
    email: profile.email,
    extension: profile.extension,
    typology: profile.typology,
    externalUri: profile.externalUri,
    description: profile.description,
    voicemail: profile.voicemail,
    wrapUpSeconds: profile.wrapUpSeconds,
    status: state.status,
    statusReason: state.statusReason,
    disabled: state.disabled,
    locked: state.locked,
    queueIds: Object.keys(state.queues),
    teamIds: state.teamIds,
    createdAt: null,
  };
};

export const agentViewFromRow = (organisationId: string, row: AgentListRow): AgentView => ({
  id: row.agentId,
  organisationId,
  fullName: row.fullName,
  username: row.username,
  alias: row.alias,
  email: row.email,
  extension: row.extension,
  typology: row.typology,
  externalUri: row.externalUri,
  description: row.description,
  voicemail: row.voicemail,
  wrapUpSeconds: null,
  status: row.status,
  statusReason: row.statusReason,
  disabled: row.disabled,
  locked: row.locked,
  queueIds: row.queueIds,
  teamIds: row.teamIds,
  createdAt: row.createdAt,
});
