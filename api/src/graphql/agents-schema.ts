/** Agent management: create, update, disable, unlock, delete, invite, queues, list and CSV export. */
import type { AgentTypology } from '@cc/core';
import type { AgentListQuery } from '../read-side.ts';
import { requireCapability } from '../auth/viewer.ts';
import { agentViewFromRow, type AgentView } from '../management/agent-view.ts';
import { toCsv } from '../management/csv.ts';
import { fromEnum, toEnum } from './context.ts';
import type { Resolvers } from './resolvers.ts';

export const agentTypeDefs = /* GraphQL */ `
  enum AgentStatus { ONLINE OFFLINE BREAK MEETING EDUCATION }
  enum AgentTypology { WEBRTC PHONEBAR EXTERNAL MOBILE }
  enum AgentSortField { FULL_NAME USERNAME EXTENSION CREATED_AT STATUS }
  enum SortDirection { ASC DESC }

  type Agent {
    id: ID!
    fullName: String!
    username: String!
    alias: String
    email: String
    extension: String!
    typology: AgentTypology!
    externalUri: String
    description: String
    voicemail: Boolean!
    wrapUpSeconds: Int
    status: AgentStatus!
    statusReason: String
    disabled: Boolean!
    locked: Boolean!
    queueIds: [ID!]!
    teamIds: [ID!]!
    "The agent's live teams, by name."
    teams: [Team!]!
    createdAt: String
  }

  input CreateAgentInput {
    fullName: String!
    "Letters, digits, '.' and '_'; unique across the platform."
    username: String!
    alias: String
    email: String!
    "8+ characters with upper and lower case, a digit and one of ~!@#$%^&-_=+[{]}."
    password: String!
    typology: AgentTypology!
    "SIP URI or E.164 number; required for EXTERNAL and MOBILE."
    externalUri: String
    "Generated (unique in the organisation) when left out."
    extension: String
    description: String
    voicemail: Boolean
    wrapUpSeconds: Int
    queueIds: [ID!]
  }

  input UpdateAgentInput {
    fullName: String
    alias: String
    typology: AgentTypology
    externalUri: String
    extension: String
    description: String
    voicemail: Boolean
    wrapUpSeconds: Int
  }

  input AgentFilter { typology: AgentTypology, status: AgentStatus, queueId: ID, teamId: ID, disabled: Boolean }
  input AgentSort { field: AgentSortField!, direction: SortDirection }

  type InviteLink { token: String!, url: String!, expiresAt: String! }

  extend type Query {
    agents(search: String, filter: AgentFilter, sort: AgentSort): [Agent!]!
    agent(id: ID!): Agent!
    "CSV of the given agents (all agents when empty)."
    exportAgentsCsv(agentIds: [ID!]): String!
  }

  extend type Mutation {
    createAgent(input: CreateAgentInput!): Agent!
    updateAgent(agentId: ID!, input: UpdateAgentInput!): Agent!
    disableAgent(agentId: ID!): Agent!
    enableAgent(agentId: ID!): Agent!
    unlockAgent(agentId: ID!): Agent!
    deleteAgent(agentId: ID!): Boolean!
    agentInviteLink(agentId: ID!): InviteLink!
    "Redeems an invite token once; needs no session (the token is the proof)."
    setPasswordFromInvite(token: String!, password: String!): Boolean!
    setAgentQueues(agentId: ID!, queueIds: [ID!]!): Agent!
  }
`;

export const agentView = (view: AgentView) => ({ ...view, typology: toEnum(view.typology), status: toEnum(view.status) });

const SORT_FIELDS: Record<string, NonNullable<AgentListQuery['sortBy']>> = {
  FULL_NAME: 'fullName',
  USERNAME: 'username',
  EXTENSION: 'extension',
  CREATED_AT: 'createdAt',
  STATUS: 'status',
};

interface AgentsArgs {
  search?: string | null;
  filter?: { typology?: string | null; status?: string | null; queueId?: string | null; teamId?: string | null; disabled?: boolean | null } | null;
  sort?: { field: string; direction?: 'ASC' | 'DESC' | null } | null;
}

const toQuery = (args: AgentsArgs): AgentListQuery => {
  const query: AgentListQuery = {};
  if (args.search != null && args.search.trim() !== '') query.search = args.search.trim();
  if (args.filter?.typology != null) query.typology = fromEnum<NonNullable<AgentListQuery['typology']>>(args.filter.typology);
  if (args.filter?.status != null) query.status = fromEnum<NonNullable<AgentListQuery['status']>>(args.filter.status);
  if (args.filter?.queueId != null) query.queueId = args.filter.queueId;
  if (args.filter?.teamId != null) query.teamId = args.filter.teamId;
  if (args.filter?.disabled != null) query.disabled = args.filter.disabled;
  if (args.sort != null) {
    const sortBy = SORT_FIELDS[args.sort.field];
    if (sortBy !== undefined) query.sortBy = sortBy;
    query.sortDirection = args.sort.direction === 'DESC' ? 'desc' : 'asc';
  }
  return query;
};

const CSV_HEADER = ['id', 'fullName', 'username', 'alias', 'email', 'extension', 'typology', 'externalUri', 'status', 'disabled', 'locked', 'queueIds', 'description', 'voicemail', 'createdAt'];

export const agentResolvers: Resolvers = {
  Query: {
    agents: (_: unknown, args: AgentsArgs, context) => {
      const viewer = requireCapability(context.viewer, 'readAgents', 'list agents');
      return context.services.readSide.agents(viewer.organisationId, toQuery(args)).map((row) => agentView(agentViewFromRow(viewer.organisationId, row)));
    },
    agent: async (_: unknown, args: { id: string }, context) => {
      const viewer = context.viewer?.agentId === args.id ? context.viewer : requireCapability(context.viewer, 'readAgents', 'see other agents');
      return agentView(await context.agents.agent(viewer.organisationId, args.id));
    },
    exportAgentsCsv: (_: unknown, args: { agentIds?: string[] | null }, context) => {
      const viewer = requireCapability(context.viewer, 'manageAgents', 'export agents');
      const wanted = args.agentIds == null || args.agentIds.length === 0 ? null : new Set(args.agentIds);
      const rows = context.services.readSide
        .agents(viewer.organisationId, { sortBy: 'fullName', sortDirection: 'asc' })
        .filter((row) => wanted === null || wanted.has(row.agentId))
        .map((row) => [row.agentId, row.fullName, row.username, row.alias, row.email, row.extension, row.typology, row.externalUri, row.status, row.disabled, row.locked, row.queueIds.join(' '), row.description, row.voicemail, row.createdAt]);
      return toCsv(CSV_HEADER, rows);
    },
  },
  Mutation: {
    createAgent: async (_: unknown, args: { input: Record<string, unknown> & { typology: string } }, context) => {
      const viewer = requireCapability(context.viewer, 'manageAgents', 'create agents');
      const input = { ...args.input, typology: fromEnum<AgentTypology>(args.input.typology) } as Parameters<typeof context.agents.create>[1];
      return agentView(await context.agents.create(viewer, input));
    },
    updateAgent: async (_: unknown, args: { agentId: string; input: Record<string, unknown> }, context) => {
      const viewer = requireCapability(context.viewer, 'manageAgents', 'update agents');
      const input = Object.fromEntries(Object.entries(args.input).map(([key, value]) => [key, key === 'typology' && typeof value === 'string' ? fromEnum(value) : value]));
      return agentView(await context.agents.update(viewer, args.agentId, input));
    },
    disableAgent: async (_: unknown, args: { agentId: string }, context) =>
      agentView(await context.agents.disable(requireCapability(context.viewer, 'manageAgents', 'disable agents'), args.agentId)),
    enableAgent: async (_: unknown, args: { agentId: string }, context) =>
      agentView(await context.agents.enable(requireCapability(context.viewer, 'manageAgents', 'enable agents'), args.agentId)),
    unlockAgent: async (_: unknown, args: { agentId: string }, context) =>
      agentView(await context.agents.unlock(requireCapability(context.viewer, 'manageAgents', 'unlock agents'), args.agentId)),
    deleteAgent: (_: unknown, args: { agentId: string }, context) => context.agents.remove(requireCapability(context.viewer, 'manageAgents', 'delete agents'), args.agentId),
    agentInviteLink: (_: unknown, args: { agentId: string }, context) => context.agents.invite(requireCapability(context.viewer, 'manageAgents', 'invite agents'), args.agentId),
    setPasswordFromInvite: (_: unknown, args: { token: string; password: string }, context) => context.agents.setPasswordFromInvite(args.token, args.password),
    setAgentQueues: async (_: unknown, args: { agentId: string; queueIds: string[] }, context) =>
      agentView(await context.agents.setQueues(requireCapability(context.viewer, 'manageAgents', "change agents' queues"), args.agentId, args.queueIds)),
  },
};
