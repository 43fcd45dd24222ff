/**
 * Subscriptions over SSE, fed by the read side's change feed and the core's events, filtered by the
 * viewer's organisation (and, for offers, by the viewer's own agent).
 */
import { streams, type CallOffered, type CallTransferOffered, type RecordedEvent } from '@cc/core';
import { requireCapability } from '../auth/viewer.ts';
import { agentNameOf, transferOrigin } from '../calls/offer-origin.ts';
import { badInput } from '../errors.ts';
import type { ReadModelChange } from '../read-side.ts';
import { agentBoardView, boardQuery } from './calls-schema.ts';
import type { ApiContext } from './context.ts';
import { feed } from './feed.ts';
import type { Resolvers } from './resolvers.ts';

export const subscriptionTypeDefs = /* GraphQL */ `
  "What an offer asks of the agent it rings."
  enum OfferKind {
    "A call from the queue (or one the agent picked up)."
    OFFER
    "A colleague hands the call over (blind transfer): answering takes the caller."
    TRANSFER
    "A colleague consults the agent (attended transfer) while the caller waits on hold: answering talks to the colleague, who may then hand the caller over."
    CONSULTATION
  }
  type CallOffer {
    callId: ID!
    offerId: ID!
    agentId: ID!
    kind: OfferKind!
    "The full name of the agent who transfers or consults (TRANSFER, CONSULTATION); null for an OFFER."
    fromAgentName: String
    queueId: ID
    queueName: String
    callerNumber: String
    callerName: String
    channel: String
    media: String
    ringTimeoutAt: String!
    offeredAt: String!
  }

  type Subscription {
    "The call queue board, sent now and after every change in the organisation."
    queueBoardChanged(queueId: ID, statuses: [BoardCallStatus!], search: String): CallQueue!
    agentBoardChanged(queueId: ID): [AgentBoardRow!]!
    "Calls offered to the signed-in agent (new calls, transfers and consultations)."
    myCallOffers: CallOffer!
    "The call's id each time something happens on it (once the read models show it): a consultation answered or ended, a hold, a hang-up."
    callChanged(callId: ID!): ID!
  }
`;

const changesOf = (context: ApiContext, organisationId: string, model: ReadModelChange['models'][number], signal: AbortSignal | undefined) =>
  feed<ReadModelChange>(
    (push) =>
      context.services.readSide.onChange((change) => {
        if (change.organisationId === organisationId && change.models.includes(model)) push(change);
      }),
    signal,
  );

/** The current value first, then one per change. */
async function* snapshots<T>(first: () => T, changes: AsyncIterableIterator<unknown>): AsyncGenerator<T> {
  try {
    yield first();
    for await (const _change of changes) yield first();
  } finally {
    await changes.return?.();
  }
}

const offerOf = async (context: ApiContext, event: RecordedEvent) => {
  const data = event.data as CallOffered['data'] | CallTransferOffered['data'];
  const { state: call } = await context.services.core.states.calls.load(event.streamId);
  const queue = call.queueId === null ? null : (await context.services.core.states.queues.load(streams.queue(call.queueId))).state;
  const masked = queue?.settings?.maskCallerName === true && call.caller?.name != null;
  const origin = event.type === 'CallTransferOffered' ? await transferOrigin(context.services, call, (data as CallTransferOffered['data']).transferId) : null;
  return {
    callId: call.callId ?? event.streamId.slice('call-'.length),
    offerId: data.offerId,
    agentId: data.agentId,
    // A transfer whose start cannot be found is still offered as a transfer.
    kind: event.type !== 'CallTransferOffered' ? 'OFFER' : origin?.consultation === true ? 'CONSULTATION' : 'TRANSFER',
    fromAgentName: origin === null ? null : await agentNameOf(context.services, origin.fromAgentId),
    queueId: call.queueId,
    queueName: queue?.settings?.name ?? null,
    callerNumber: call.caller?.number ?? null,
    callerName: masked ? (call.caller?.name ?? '').split(/\s+/).map((part) => part.slice(0, 1) + '*'.repeat(Math.max(0, part.length - 1))).join(' ') : (call.caller?.name ?? null),
    channel: call.channel,
    media: call.media,
    ringTimeoutAt: data.ringTimeoutAt,
    offeredAt: data.at,
  };
};

type SubscriptionArgs = { queueId?: string | null; statuses?: string[] | null; search?: string | null };

export const subscriptionResolvers: Resolvers = {
  Subscription: {
    queueBoardChanged: {
      subscribe: (_: unknown, args: SubscriptionArgs, context: ApiContext & { request?: Request }) => {
        const viewer = requireCapability(context.viewer, 'readQueueBoard', 'see the call queue');
        return snapshots(() => boardQuery(viewer, context, args), changesOf(context, viewer.organisationId, 'queue-board', context.request?.signal));
      },
      resolve: (value: unknown) => value,
    },
    agentBoardChanged: {
      subscribe: (_: unknown, args: { queueId?: string | null }, context: ApiContext & { request?: Request }) => {
        const viewer = requireCapability(context.viewer, 'readAgentBoard', 'see the agent board');
        const read = () =>
          agentBoardView(context.services.readSide.agentBoard(viewer.organisationId, { now: context.services.now(), ...(args.queueId == null ? {} : { queueId: args.queueId }) }));
        return snapshots(read, changesOf(context, viewer.organisationId, 'agent-board', context.request?.signal));
      },
      resolve: (value: unknown) => value,
    },
    myCallOffers: {
      subscribe: async function* (_: unknown, __: unknown, context: ApiContext & { request?: Request }) {
        const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'receive call offers');
        if (viewer.agentId === null) throw badInput('You are not an agent in this organisation, so no calls are offered to you.');
        const agentId = viewer.agentId;
        const offers = feed<RecordedEvent>(
          (push) =>
            context.services.core.onEvent((event) => {
              if (event.type !== 'CallOffered' && event.type !== 'CallTransferOffered') return;
              if (event.metadata.organisationId !== viewer.organisationId) return;
              if ((event.data as { agentId: string }).agentId === agentId) push(event);
            }),
          context.request?.signal,
        );
        try {
          for await (const event of offers) yield await offerOf(context, event);
        } finally {
          await offers.return?.();
        }
      },
      resolve: (value: unknown) => value,
    },
    callChanged: {
      subscribe: async function* (_: unknown, args: { callId: string }, context: ApiContext & { request?: Request }) {
        const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'follow a call');
        const stream = streams.call(args.callId);
        // Only the call's own events, of the viewer's organisation: the id given is all it tells.
        const changes = feed<RecordedEvent>(
          (push) =>
            context.services.core.onEvent((event) => {
              if (event.streamId === stream && event.metadata.organisationId === viewer.organisationId) push(event);
            }),
          context.request?.signal,
        );
        try {
          for await (const event of changes) {
            await context.services.readSide.whenCaughtUpTo(event.position);
            yield args.callId;
          }
        } finally {
          await changes.return?.();
        }
      },
      resolve: (value: unknown) => value,
    },
  },
};
