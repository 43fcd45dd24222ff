/** Queues: create, update, remove, list. */
import type { QueueSettings, QueueStrategy } from '@cc/core';
import { requireCapability } from '../auth/viewer.ts';
import type { QueueView } from '../management/queue-admin.ts';
import { fromEnum, toEnum } from './context.ts';
import type { Resolvers } from './resolvers.ts';

export const queueTypeDefs = /* GraphQL */ `
  enum QueueStrategy { LONGEST_IDLE ROUND_ROBIN FEWEST_CALLS LEAST_TALK_TIME RING_ALL SKILLS }

  type OpeningWindow { day: Int!, open: String!, close: String! }
  type BusinessHours { timeZone: String!, windows: [OpeningWindow!]! }

  type Queue {
    id: ID!
    name: String!
    "E.164 number callers dial; unique across the platform."
    number: String
    strategy: QueueStrategy!
    ringTimeoutSeconds: Int!
    wrapUpSeconds: Int!
    maxWaitSeconds: Int
    overflowQueueId: ID
    priority: Int!
    serviceLevelSeconds: Int!
    businessHours: BusinessHours
    maskCallerName: Boolean!
    video: Boolean!
    announcement: String
    musicOnHold: String
    "Answered calls are recorded (up to a transfer); RECORD_CALLS=all records every queue's calls whatever this says."
    recordCalls: Boolean!
    "What the agent ticks during each call (the console's checklist)."
    checklist: [String!]!
    removed: Boolean!
  }

  input OpeningWindowInput { day: Int!, open: String!, close: String! }
  input BusinessHoursInput { timeZone: String!, windows: [OpeningWindowInput!]! }

  input CreateQueueInput {
    name: String!
    number: String
    strategy: QueueStrategy
    ringTimeoutSeconds: Int
    wrapUpSeconds: Int
    maxWaitSeconds: Int
    overflowQueueId: ID
    priority: Int
    serviceLevelSeconds: Int
    businessHours: BusinessHoursInput
    maskCallerName: Boolean
    video: Boolean
    announcement: String
    musicOnHold: String
    recordCalls: Boolean
    checklist: [String!]
  }

  input UpdateQueueInput {
    name: String
    number: String
    strategy: QueueStrategy
    ringTimeoutSeconds: Int
    wrapUpSeconds: Int
    maxWaitSeconds: Int
    overflowQueueId: ID
    priority: Int
    serviceLevelSeconds: Int
    businessHours: BusinessHoursInput
    maskCallerName: Boolean
    video: Boolean
    announcement: String
    musicOnHold: String
    recordCalls: Boolean
    checklist: [String!]
  }

  extend type Query {
    queues(includeRemoved: Boolean): [Queue!]!
    queue(id: ID!): Queue!
  }

  extend type Mutation {
    createQueue(input: CreateQueueInput!): Queue!
    updateQueue(queueId: ID!, input: UpdateQueueInput!): Queue!
    removeQueue(queueId: ID!): Boolean!
  }
`;

export const queueView = (id: string, settings: QueueSettings, removed: boolean) => ({ ...settings, id, removed, strategy: toEnum(settings.strategy), recordCalls: settings.recordCalls === true, checklist: settings.checklist ?? [] });
const fromView = (view: QueueView) => queueView(view.id, view, view.removed);

const toSettings = (input: Record<string, unknown>): Partial<QueueSettings> => {
  const settings = { ...input } as Record<string, unknown>;
  if (typeof input['strategy'] === 'string') settings['strategy'] = fromEnum<QueueStrategy>(input['strategy']);
  return settings as Partial<QueueSettings>;
};

export const queueResolvers: Resolvers = {
  Query: {
    queues: (_: unknown, args: { includeRemoved?: boolean | null }, context) => {
      const viewer = requireCapability(context.viewer, 'readQueues', 'list queues');
      return context.services.readSide
        .queues(viewer.organisationId)
        .filter((row) => args.includeRemoved === true || !row.removed)
        .map((row) => queueView(row.queueId, row.settings, row.removed));
    },
    queue: async (_: unknown, args: { id: string }, context) => {
      const viewer = requireCapability(context.viewer, 'readQueues', 'see queues');
      return fromView(await context.queues.queue(viewer.organisationId, args.id));
    },
  },
  Mutation: {
    createQueue: async (_: unknown, args: { input: Record<string, unknown> & { name: string } }, context) => {
      const viewer = requireCapability(context.viewer, 'manageQueues', 'create queues');
      return fromView(await context.queues.create(viewer, { ...toSettings(args.input), name: args.input.name }));
    },
    updateQueue: async (_: unknown, args: { queueId: string; input: Record<string, unknown> }, context) => {
      const viewer = requireCapability(context.viewer, 'manageQueues', 'update queues');
      return fromView(await context.queues.update(viewer, args.queueId, toSettings(args.input)));
    },
    removeQueue: (_: unknown, args: { queueId: string }, context) => context.queues.remove(requireCapability(context.viewer, 'manageQueues', 'remove queues'), args.queueId),
  },
};
