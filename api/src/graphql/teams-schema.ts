/** Teams: admins create, rename and remove them and set an agent's teams; `Agent.teams` resolves them. */
import type { TeamListRow } from '../read-side.ts';
import { requireCapability } from '../auth/viewer.ts';
import type { AgentView } from '../management/agent-view.ts';
import type { TeamView } from '../management/team-admin.ts';
import { agentView } from './agents-schema.ts';
import type { ApiContext } from './context.ts';
import type { Resolvers } from './resolvers.ts';

export const teamTypeDefs = /* GraphQL */ `
  type Team {
    id: ID!
    name: String!
  }

  extend type Query {
    "The organisation's teams, by name."
    teams: [Team!]!
  }

  extend type Mutation {
    createTeam(name: String!): Team!
    renameTeam(teamId: ID!, name: String!): Team!
    removeTeam(teamId: ID!): Boolean!
    "Replaces the agent's teams (an empty list clears them)."
    setAgentTeams(agentId: ID!, teamIds: [ID!]!): Agent!
  }
`;

const teamView = (row: TeamListRow): TeamView => ({ id: row.teamId, organisationId: row.organisationId, name: row.name });

export const teamResolvers: Resolvers = {
  Query: {
    teams: (_: unknown, _args: unknown, context) => {
      const viewer = requireCapability(context.viewer, 'readAgents', 'list teams');
      return context.services.readSide.teams(viewer.organisationId).map(teamView);
    },
  },
  Mutation: {
    createTeam: (_: unknown, args: { name: string }, context) => context.teams.create(requireCapability(context.viewer, 'manageTeams', 'create teams'), args.name),
    renameTeam: (_: unknown, args: { teamId: string; name: string }, context) =>
      context.teams.rename(requireCapability(context.viewer, 'manageTeams', 'rename teams'), args.teamId, args.name),
    removeTeam: (_: unknown, args: { teamId: string }, context) => context.teams.remove(requireCapability(context.viewer, 'manageTeams', 'remove teams'), args.teamId),
    setAgentTeams: async (_: unknown, args: { agentId: string; teamIds: string[] }, context) =>
      agentView(await context.teams.setAgentTeams(requireCapability(context.viewer, 'manageTeams', "change agents' teams"), args.agentId, args.teamIds)),
  },
  Agent: {
    // Whoever could read the agent may see its team names; the read model drops removed teams.
    teams: (agent: AgentView, _args: unknown, context: ApiContext) => {
      const wanted = new Set(agent.teamIds);
      return context.services.readSide.teams(agent.organisationId).filter((row) => wanted.has(row.teamId)).map(teamView);
    },
  },
};
