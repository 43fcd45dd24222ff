/** The agent's dial pad on a call (call-dtmf.ts): tones to the caller through the SIP edge. */
import { requireCapability } from '../auth/viewer.ts';
import { sendDtmf } from '../calls/call-dtmf.ts';
import type { Resolvers } from './resolvers.ts';

export const dtmfTypeDefs = /* GraphQL */ `
  extend type Mutation {
    """
    Plays digits (1 to 32 of 0-9, *, #, A-D) to the caller as RFC 4733 tones, for the agent
    connected to the call; they are recorded on the call as the agent's key presses. Errors:
    BAD_USER_INPUT (digits), CALL_NOT_FOUND, FORBIDDEN (not your call), CALL_NOT_ON_GATEWAY (the
    call is not a SIP call of this server), DTMF_NOT_SUPPORTED (its media is not anchored).
    """
    sendDtmf(callId: ID!, digits: String!): Boolean!
  }
`;

export const dtmfResolvers: Resolvers = {
  Mutation: {
    sendDtmf: async (_: unknown, args: { callId: string; digits: string }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'send tones on calls');
      await sendDtmf(context.services, viewer, args.callId, args.digits);
      return true;
    },
  },
};
