/** The whole schema: one module per area, merged. */
import { createSchema } from 'graphql-yoga';
import { agentResolvers, agentTypeDefs } from './agents-schema.ts';
import { authResolvers, authTypeDefs } from './auth-schema.ts';
import { callResolvers, callTypeDefs } from './calls-schema.ts';
import { callWorkspaceResolvers, callWorkspaceTypeDefs } from './call-workspace-schema.ts';
import type { ApiContext } from './context.ts';
import { consultationResolvers, consultationTypeDefs } from './consultation-schema.ts';
import { customerResolvers, customerTypeDefs } from './customer-schema.ts';
import { dtmfResolvers, dtmfTypeDefs } from './dtmf-schema.ts';
import { pickUpResolvers, pickUpTypeDefs } from './pick-up-schema.ts';
import { queueResolvers, queueTypeDefs } from './queues-schema.ts';
import type { Resolvers } from './resolvers.ts';
import { sipResolvers, sipTypeDefs } from './sip-schema.ts';
import { subscriptionResolvers, subscriptionTypeDefs } from './subscriptions-schema.ts';
import { teamResolvers, teamTypeDefs } from './teams-schema.ts';
import { transferTargetResolvers, transferTargetTypeDefs } from './transfer-targets-schema.ts';

const rootTypeDefs = /* GraphQL */ `
  type Query { _version: String! }
  type Mutation { _noop: Boolean }
`;

const merge = (...maps: Resolvers[]): Resolvers => {
  const merged: Resolvers = {};
  for (const map of maps) for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...fields };
  return merged;
};

export const buildSchema = () =>
  createSchema<ApiContext>({
    typeDefs: [rootTypeDefs, authTypeDefs, agentTypeDefs, queueTypeDefs, callTypeDefs, callWorkspaceTypeDefs, subscriptionTypeDefs, sipTypeDefs, teamTypeDefs, transferTargetTypeDefs, dtmfTypeDefs, pickUpTypeDefs, customerTypeDefs, consultationTypeDefs],
    resolvers: merge({ Query: { _version: () => '1' }, Mutation: { _noop: () => null } }, authResolvers, agentResolvers, queueResolvers, callResolvers, callWorkspaceResolvers, subscriptionResolvers, sipResolvers, teamResolvers, transferTargetResolvers, dtmfResolvers, pickUpResolvers, customerResolvers, consultationResolvers) as never,
  });
