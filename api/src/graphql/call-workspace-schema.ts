/**
 * What the agent sees beside a call: the caller's previous calls (by number), the call's documents,
 * and the queue's checklist as ticked on this call. A Call is only ever resolved for someone allowed
 * to see it (calls-schema checks), so these fields add no access rule of their own.
 */
import { requireCapability, requireViewer } from '../auth/viewer.ts';
import { checklistOf, tickChecklistItem } from '../calls/call-checklist.ts';
import { CallDocuments, documentsDirOf } from '../calls/call-documents.ts';
import { documentUrl } from '../calls/documents-routes.ts';
import { badInput } from '../errors.ts';
import { readCall } from './calls-schema.ts';
import type { ApiContext } from './context.ts';
import { toEnum } from './context.ts';
import type { Resolvers } from './resolvers.ts';

export const callWorkspaceTypeDefs = /* GraphQL */ `
  type CallDocument { id: ID!, name: String!, size: Int!, contentType: String!, uploadedAt: String!, "Download (GET, same session)." url: String! }
  type ChecklistTick { item: String!, ticked: Boolean!, agentId: ID!, at: String! }
  "One of the caller's earlier calls, as the agent on a new call needs it."
  type PreviousCall {
    id: ID!
    queueName: String!
    status: CallStatus!
    receivedAt: String!
    answeredAt: String
    talkSeconds: Float!
    lastAgentId: ID
    "Wrap-up notes of that call."
    notes: [String!]!
    checklist: [ChecklistTick!]!
  }

  extend type Call {
    documents: [CallDocument!]!
    "The last tick of each checklist item on this call."
    checklist: [ChecklistTick!]!
    """
    Earlier calls from the same number, newest first; for a caller without a number (a website
    visitor who gave only an email), earlier calls with the same customer id; none when the call has
    neither. Anyone who may see this call may see them: the agent on a call needs the caller's
    history, whoever handled it.
    """
    previousCalls(first: Int): [PreviousCall!]!
  }

  extend type Mutation {
    "The signed-in agent ticks (ticked: true) or unticks an item of the queue's checklist, on the call or in its wrap-up."
    tickChecklistItem(callId: ID!, item: String!, ticked: Boolean!): Call!
  }
`;

interface CallParent {
  id: string;
  callerNumber: string | null;
  customerId: string | null;
  receivedAt: string;
}

export const callWorkspaceResolvers: Resolvers = {
  Call: {
    documents: async (call: CallParent, _: unknown, context: ApiContext) => {
      const viewer = requireViewer(context.viewer);
      const documents = await new CallDocuments(documentsDirOf(context.services)).list(viewer.organisationId, call.id);
      return documents.map((document) => ({ ...document, url: documentUrl(call.id, document.id) }));
    },
    checklist: (call: CallParent, _: unknown, context: ApiContext) => checklistOf(context.services, call.id),
    previousCalls: async (call: CallParent, args: { first?: number | null }, context: ApiContext) => {
      const viewer = requireViewer(context.viewer);
      const same = call.callerNumber !== null ? { callerNumber: call.callerNumber } : call.customerId !== null ? { customerId: call.customerId } : null;
      if (same === null) return [];
      const first = args.first ?? 10;
      if (first < 1 || first > 50) throw badInput('Ask for 1 to 50 previous calls.', 'first');
      // The history is newest first: this call and any later one are skipped.
      const page = context.services.readSide.calls(viewer.organisationId, { ...same, first: first + 20 });
      const earlier = page.calls.filter((entry) => entry.callId !== call.id && entry.receivedAt <= call.receivedAt).slice(0, first);
      return Promise.all(
        earlier.map(async (entry) => ({
          id: entry.callId,
          queueName: entry.queueName,
          status: toEnum(entry.status),
          receivedAt: entry.receivedAt,
          answeredAt: entry.answeredAt,
          talkSeconds: entry.talkSeconds,
          lastAgentId: entry.lastAgentId,
          notes: entry.wrapUps.flatMap((wrapUp) => (wrapUp.notes === null || wrapUp.notes === '' ? [] : [wrapUp.notes])),
          checklist: await checklistOf(context.services, entry.callId),
        })),
      );
    },
  },
  Mutation: {
    tickChecklistItem: async (_: unknown, args: { callId: string; item: string; ticked: boolean }, context: ApiContext) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'tick a call checklist');
      await tickChecklistItem(context.services, viewer, args.callId, args.item, args.ticked);
      return readCall(viewer, context, args.callId);
    },
  },
};
