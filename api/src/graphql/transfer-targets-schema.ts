/**
 * Where the agent on a call can transfer it: the other agents of the call's queue (available ones
 * first) and the organisation's queues. Agents may read this, unlike the admin `agents` list.
 */
import { DomainError, streams } from '@cc/core';
import { can, requireViewer, type Viewer } from '../auth/viewer.ts';
import { forbidden } from '../errors.ts';
import type { ApiContext } from './context.ts';
import { toEnum } from './context.ts';
import { queueView } from './queues-schema.ts';
import type { Resolvers } from './resolvers.ts';

export const transferTargetTypeDefs = /* GraphQL */ `
  type TransferAgentTarget {
    agentId: ID!
    fullName: String!
    extension: String!
    status: AgentStatus!
    "Online, enabled, unlocked and not ringing, talking or wrapping up: a transfer can ring them now."
    available: Boolean!
  }

  type TransferTargets {
    callId: ID!
    queueId: ID!
    "Agents of the call's queue other than the one on the call: available first, then by name."
    agents: [TransferAgentTarget!]!
    queues: [Queue!]!
  }

  extend type Query {
    "For the agent on the call, or a supervisor."
    transferTargets(callId: ID!): TransferTargets!
  }
`;

const callOf = async (viewer: Viewer, context: ApiContext, callId: string) => {
  const { state } = await context.services.core.states.calls.load(streams.call(callId));
  if (state.callId === null || state.organisationId !== viewer.organisationId || state.queueId === null) {
    throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
  }
  const onTheCall = viewer.agentId !== null && state.connectedAgentId === viewer.agentId;
  if (!onTheCall && !can(viewer, 'controlAnyCall')) throw forbidden("see transfer targets of a call you are not on");
  return { queueId: state.queueId, connectedAgentId: state.connectedAgentId };
};

export const transferTargetResolvers: Resolvers = {
  Query: {
    transferTargets: async (_: unknown, args: { callId: string }, context) => {
      const viewer = requireViewer(context.viewer);
      const call = await callOf(viewer, context, args.callId);
      const { readSide } = context.services;
      const activity = new Map(readSide.agentBoard(viewer.organisationId, { queueId: call.queueId, now: context.services.now() }).map((row) => [row.agentId, row.activity]));
      const agents = readSide
        .agents(viewer.organisationId, { queueId: call.queueId, sortBy: 'fullName', sortDirection: 'asc' })
        .filter((row) => row.agentId !== call.connectedAgentId && row.agentId !== viewer.agentId)
        .map((row) => ({
          agentId: row.agentId,
          fullName: row.fullName,
          extension: row.extension,
          status: toEnum(row.status),
          available: row.status === 'online' && !row.disabled && !row.locked && (activity.get(row.agentId) ?? null) === null,
        }));
      // A stable sort keeps the name order inside each group.
      agents.sort((a, b) => Number(b.available) - Number(a.available));
      const queues = readSide
        .queues(viewer.organisationId)
        .filter((row) => !row.removed)
        .map((row) => queueView(row.queueId, row.settings, row.removed));
      return { callId: args.callId, queueId: call.queueId, agents, queues };
    },
  },
};
