/** Customers as the platform knows them: by the customer reference calls carry (no customer records). */
import { requireCapability } from '../auth/viewer.ts';
import { customerNumberOf } from '../calls/customer-number.ts';
import { badInput } from '../errors.ts';
import type { Resolvers } from './resolvers.ts';

export const customerTypeDefs = /* GraphQL */ `
  extend type Call {
    "The customer reference the call carried: a caller's (e.g. a website visitor's email), or the callee's of an outbound call."
    customerId: ID
  }

  extend type Query {
    """
    The number placeCall(customerId) dials: the one the customer last called from or was called on
    in this organisation. CUSTOMER_NUMBER_UNKNOWN when no call of theirs had a number.
    """
    customerNumber(customerId: ID!): String!
  }
`;

export const customerResolvers: Resolvers = {
  Query: {
    customerNumber: (_: unknown, args: { customerId: string }, context) => {
      // Whoever may place a call may learn the number it would dial.
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'look up customers to call');
      const customerId = args.customerId.trim();
      if (customerId === '') throw badInput('Give the customer id to look up.', 'customerId');
      return customerNumberOf(context.services.readSide, viewer.organisationId, customerId);
    },
  },
};
