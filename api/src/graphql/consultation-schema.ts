/** Consultations (attended transfers) on a call: call-consultation.ts. */
import { streams } from '@cc/core';
import { requireCapability, requireViewer } from '../auth/viewer.ts';
import { CallConsultations, type ConsultTargetInput } from '../calls/call-consultation.ts';
import type { ApiContext } from './context.ts';
import { readCall } from './calls-schema.ts';
import type { Resolvers } from './resolvers.ts';

export const consultationTypeDefs = /* GraphQL */ `
  input ConsultTargetInput { agentId: ID, "E.164" externalNumber: String }

  "A consultation in progress: the caller waits on hold while the agent talks to agentId or number."
  type Consultation {
    id: ID!
    agentId: ID
    agentName: String
    number: String
    "The consulted party answered: the transfer can be completed."
    answered: Boolean!
    "The agent who consults (the caller's agent)."
    startedBy: ID!
  }

  extend type Call {
    "The consultation in progress on this call, live from the core; null when there is none."
    consultation: Consultation
  }

  extend type Mutation {
    """
    The agent on the call (agentId: a supervisor acting for them) consults a colleague or an
    external number; the caller is put on hold (music on hold). A colleague is rung like a transfer.
    Errors: CALL_NOT_CONNECTED, NOT_CALL_AGENT, AGENT_UNAVAILABLE (reason), AGENT_NOT_FOUND,
    INVALID_PHONE_NUMBER, TRANSFER_TO_SELF, TRANSFER_IN_PROGRESS.
    """
    startConsultation(callId: ID!, target: ConsultTargetInput!, agentId: ID): Call!
    "Hands the caller to the consulted party; the agent goes to wrap-up. NO_CONSULTATION, CONSULTATION_NOT_ANSWERED."
    completeConsultedTransfer(callId: ID!, agentId: ID): Call!
    "Ends the consultation; the caller stays on hold with the agent, to be resumed (resumeCall). NO_CONSULTATION."
    cancelConsultation(callId: ID!, agentId: ID): Call!
  }
`;

type Args = { callId: string; agentId?: string | null };
const consultations = (context: ApiContext): CallConsultations => new CallConsultations(context.services, context.calls);

export const consultationResolvers: Resolvers = {
  Call: {
    consultation: async (call: { callId: string }, _: unknown, context) => {
      const viewer = requireViewer(context.viewer);
      const current = await consultations(context).current(viewer.organisationId, call.callId);
      if (current === null) return null;
      const agentName = current.agentId === null ? null : ((await context.services.core.states.agents.load(streams.agent(current.agentId))).state.profile?.fullName ?? null);
      return { ...current, agentName };
    },
  },
  Mutation: {
    startConsultation: async (_: unknown, args: Args & { target: ConsultTargetInput }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'consult about calls');
      await consultations(context).start(viewer, args.callId, args.target, args.agentId);
      return readCall(viewer, context, args.callId);
    },
    completeConsultedTransfer: async (_: unknown, args: Args, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'transfer calls');
      await consultations(context).complete(viewer, args.callId, args.agentId);
      return readCall(viewer, context, args.callId);
    },
    cancelConsultation: async (_: unknown, args: Args, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'consult about calls');
      await consultations(context).cancel(viewer, args.callId, args.agentId);
      return readCall(viewer, context, args.callId);
    },
  },
};
