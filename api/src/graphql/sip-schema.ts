/**
 * SIP credentials for the signed-in agent's softphone (JsSIP in the console, or a phone bar):
 * issued per session by the SIP edge, never the login password, valid while the session is.
 */
import { requireViewer } from '../auth/viewer.ts';
import { apiError } from '../errors.ts';
import type { Resolvers } from './resolvers.ts';

export const sipTypeDefs = /* GraphQL */ `
  "What JsSIP needs to register: UA uri, authorization_user, password, and the WebSocket URL."
  type SipCredentials { uri: String! authorizationUser: String! password: String! wsUrl: String! realm: String! }

  extend type Query {
    "SIP credentials for the signed-in agent, tied to this session (signing out ends them)."
    sipCredentials: SipCredentials!
  }
`;

export const sipResolvers: Resolvers = {
  Query: {
    sipCredentials: (_: unknown, __: unknown, context) => {
      const viewer = requireViewer(context.viewer);
      if (viewer.agentId === null) throw apiError('FORBIDDEN', 'Only agents have SIP credentials: your membership in this organisation has no agent.');
      const sip = context.services.sip;
      if (sip === undefined || sip === null) throw apiError('NOT_FOUND', 'This server runs without the SIP edge (SIP_PORT=off), so there are no SIP credentials.');
      return sip.issue({ sessionId: viewer.sessionId, agentId: viewer.agentId, organisationId: viewer.organisationId });
    },
  },
};
