/** "Pick up" on the call queue board (call-pick-up.ts): the signed-in agent takes a waiting call now. */
import { requireCapability } from '../auth/viewer.ts';
import { pickUpCall } from '../calls/call-pick-up.ts';
import { readCall } from './calls-schema.ts';
import type { Resolvers } from './resolvers.ts';

export const pickUpTypeDefs = /* GraphQL */ `
  extend type Mutation {
    """
    The signed-in agent picks up a waiting call of one of their queues, ahead of the router's order:
    it is offered to them (myCallOffers) as any offer, and answering it connects it. Any status but
    Offline may pick up (Online, or Break / Meeting / Education as a deliberate choice); the router
    itself offers only to Online agents. Errors: CALL_NOT_FOUND (no such call in your organisation),
    CALL_NOT_WAITING (extensions.status: it already rings, is connected or ended; also when the
    router or another agent got it first), AGENT_NOT_IN_QUEUE, AGENT_UNAVAILABLE (extensions.reason:
    OFFLINE, RINGING, ON_CALL, WRAP_UP, DISABLED, LOCKED, BUSY).
    """
    pickUpCall(callId: ID!): Call!
  }
`;

export const pickUpResolvers: Resolvers = {
  Mutation: {
    pickUpCall: async (_: unknown, args: { callId: string }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'pick up calls');
      await pickUpCall(context.services, viewer, args.callId);
      return readCall(viewer, context, args.callId);
    },
  },
};
