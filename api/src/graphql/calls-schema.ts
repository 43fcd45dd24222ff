/** The call queue board, the agent board, call history, metrics and call control. */
import { DomainError, type AgentStatus } from '@cc/core';
import { can, requireCapability, requireViewer, type Viewer } from '../auth/viewer.ts';
import { badInput, forbidden } from '../errors.ts';
import type { AgentBoardRow, BoardCallStatus, CallHistoryEntry, CallHistoryFilter, CallHistoryStatus, MetricsFigures, QueueBoard } from '../read-side.ts';
import type { ApiContext } from './context.ts';
import { fromEnum, toEnum } from './context.ts';
import type { Resolvers } from './resolvers.ts';
import { agentView } from './agents-schema.ts';

export const callTypeDefs = /* GraphQL */ `
  enum BoardCallStatus { WAITING RINGING IN_PROGRESS ON_HOLD }
  enum CallStatus { WAITING RINGING IN_PROGRESS ON_HOLD WRAP_UP COMPLETED ABANDONED REJECTED EXPIRED FORCE_ENDED TRANSFERRED_EXTERNALLY FAILED }
  enum ConversationStatus { CLOSED OPEN }
  enum AgentActivity { RINGING CONNECTED WRAP_UP }

  type QueueCards { total: Int!, active: Int!, waiting: Int!, longestWaitSeconds: Int! }
  type QueueRow {
    callId: ID!
    queueId: ID!
    queueName: String!
    status: BoardCallStatus!
    callerNumber: String
    callerName: String
    agentId: ID
    agentName: String
    queuedAt: String!
    media: String!
  }
  type CallQueue { cards: QueueCards!, rows: [QueueRow!]! }

  type AgentBoardRow {
    agentId: ID!
    fullName: String!
    status: AgentStatus!
    statusReason: String
    since: String!
    currentCallId: ID
    activity: AgentActivity
    callsToday: Int!
    missedOffersToday: Int!
    queueIds: [ID!]!
  }

  type TimelineEntry { at: String!, type: String!, description: String!, agentId: ID, queueId: ID }
  type WrapUp { agentId: ID!, notes: String, rating: Int, conversationStatus: ConversationStatus!, endedBy: String!, completedAt: String! }
  type Call {
    id: ID!
    queueId: ID!
    queueName: String!
    channel: String!
    media: String!
    callerNumber: String
    callerName: String
    status: CallStatus!
    receivedAt: String!
    answeredAt: String
    endedAt: String
    firstAgentId: ID
    lastAgentId: ID
    endedBy: String
    waitSeconds: Float
    talkSeconds: Float!
    holdSeconds: Float!
    wrapUpSeconds: Float!
    missedOffers: Int!
    transfers: Int!
    wrapUps: [WrapUp!]!
    timeline: [TimelineEntry!]!
    "The call's recording (up to a transfer), when it was recorded."
    recording: CallRecording
  }
  "url: GET it with the same bearer token (null when only the captured media could be kept, e.g. Opus)."
  type CallRecording { url: String, format: String!, durationSeconds: Float!, bytes: Int!, storedAt: String! }
  type PageInfo { endCursor: String, hasNextPage: Boolean! }
  type CallPage { nodes: [Call!]!, pageInfo: PageInfo!, totalCount: Int! }
  input CallFilter { from: String, to: String, queueId: ID, agentId: ID, status: CallStatus, callerNumber: String }

  type MetricsFigures {
    offered: Int!
    answered: Int!
    abandoned: Int!
    missedOffers: Int!
    asaSeconds: Float
    ahtSeconds: Float
    averageTalkSeconds: Float
    averageHoldSeconds: Float
    averageWrapUpSeconds: Float
    longestWaitSeconds: Float
    serviceLevel: Float
    serviceLevelExcludingShortAbandons: Float
    abandonmentRate: Float
    occupancy: Float
    transfers: Int!
    csatAverage: Float
  }
  type MetricsInterval { start: String!, figures: MetricsFigures! }
  type Metrics { from: String!, to: String!, overall: MetricsFigures!, intervals: [MetricsInterval!]! }

  input TransferTargetInput { agentId: ID, queueId: ID, "E.164" externalNumber: String }

  extend type Query {
    callQueue(queueId: ID, statuses: [BoardCallStatus!], search: String): CallQueue!
    agentBoard(queueId: ID): [AgentBoardRow!]!
    "History, newest first; agents see only calls they were offered or handled."
    calls(filter: CallFilter, first: Int, after: String): CallPage!
    call(id: ID!): Call
    "Agents may read only their own figures (agentId defaults to theirs)."
    metrics(from: String!, to: String!, queueId: ID, agentId: ID, intervals: Boolean): Metrics!
  }

  extend type Mutation {
    "agentId defaults to the signed-in agent."
    setAgentStatus(agentId: ID, status: AgentStatus!, reason: String): Agent!
    answerCall(callId: ID!, agentId: ID): Call!
    declineCall(callId: ID!, agentId: ID): Call!
    holdCall(callId: ID!, agentId: ID): Call!
    resumeCall(callId: ID!, agentId: ID): Call!
    transferCall(callId: ID!, target: TransferTargetInput!, agentId: ID): Call!
    hangupCall(callId: ID!, agentId: ID): Call!
    """
    The signed-in agent calls out: an E.164 number, or a customer id, dialled on the number that
    customer last called from or was called on (customerNumber) and kept on the call
    (CUSTOMER_NUMBER_UNKNOWN, nothing recorded, when no call of theirs had one). queueId reports the call under a queue and presents its
    number as caller id. This records the call and reserves the agent; the gateway does not yet dial
    API-placed calls (a softphone dials by sending INVITE sip:<number>@<SIP domain>), so an
    unanswered call fails as no-answer after 120 s, or when the agent hangs it up (hangupCall).
    """
    placeCall(number: String, customerId: ID, queueId: ID): Call!
    extendWrapUp(callId: ID!, seconds: Int!, agentId: ID): Call!
    completeWrapUp(callId: ID!, notes: String, rating: Int, conversationStatus: ConversationStatus, agentId: ID): Call!
    "Ends every active call of the organisation (supervisors)."
    forceEndAllCalls: Boolean!
  }
`;

export const queueBoardView = (board: QueueBoard) => ({ cards: board.cards, rows: board.rows.map((row) => ({ ...row, status: toEnum(row.status) })) });

export const agentBoardView = (rows: AgentBoardRow[]) =>
  rows.map((row) => ({ ...row, status: toEnum(row.status), activity: row.activity === null ? null : toEnum(row.activity) }));

/** Where a call's WAV recording is served (api/src/recordings/recording-route.ts). */
export const recordingPath = (callId: string): string => `/recordings/${encodeURIComponent(callId)}.wav`;

const callView = (entry: CallHistoryEntry) => ({
  ...entry,
  id: entry.callId,
  recording: entry.recording == null ? null : { ...entry.recording, url: entry.recording.format === 'wav' ? recordingPath(entry.callId) : null },
  status: toEnum(entry.status),
  wrapUps: entry.wrapUps.map((w) => ({ ...w, conversationStatus: toEnum(w.conversationStatus) })),
});

const figures = (value: MetricsFigures) => value;

export const boardQuery = (viewer: Viewer, context: ApiContext, args: { queueId?: string | null; statuses?: string[] | null; search?: string | null }) =>
  queueBoardView(
    context.services.readSide.queueBoard(viewer.organisationId, {
      now: context.services.now(),
      ...(args.queueId == null ? {} : { queueId: args.queueId }),
      ...(args.statuses == null ? {} : { statuses: args.statuses.map((s) => fromEnum<BoardCallStatus>(s)) }),
      ...(args.search == null || args.search.trim() === '' ? {} : { search: args.search.trim() }),
    }),
  );

/** The call as the read models have it now, or CallNotFound (also for another organisation's call). */
export const readCall = (viewer: Viewer, context: ApiContext, callId: string) => {
  const entry = context.services.readSide.call(viewer.organisationId, callId);
  if (entry === null) throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
  if (!can(viewer, 'readAllCalls') && !involves(entry, viewer.agentId)) throw forbidden("see other agents' calls");
  return callView(entry);
};

export const involves = (entry: CallHistoryEntry, agentId: string | null): boolean =>
  agentId !== null && (entry.firstAgentId === agentId || entry.lastAgentId === agentId || entry.timeline.some((t) => t.agentId === agentId));

type CallArgs = { callId: string; agentId?: string | null };

const control = (action: 'answer' | 'decline' | 'hold' | 'resume' | 'hangup') => async (_: unknown, args: CallArgs, context: ApiContext) => {
  const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'control calls');
  await context.calls.act(viewer, args.callId, action, args.agentId);
  return readCall(viewer, context, args.callId);
};

export const callResolvers: Resolvers = {
  Query: {
    callQueue: (_: unknown, args: { queueId?: string | null; statuses?: string[] | null; search?: string | null }, context) =>
      boardQuery(requireCapability(context.viewer, 'readQueueBoard', 'see the call queue'), context, args),
    agentBoard: (_: unknown, args: { queueId?: string | null }, context) => {
      const viewer = requireCapability(context.viewer, 'readAgentBoard', 'see the agent board');
      return agentBoardView(context.services.readSide.agentBoard(viewer.organisationId, { now: context.services.now(), ...(args.queueId == null ? {} : { queueId: args.queueId }) }));
    },
    calls: (_: unknown, args: { filter?: Record<string, string | null> | null; first?: number | null; after?: string | null }, context) => {
      const viewer = requireViewer(context.viewer);
      const filter: CallHistoryFilter = {};
      for (const [key, value] of Object.entries(args.filter ?? {})) if (value != null) (filter as Record<string, string>)[key] = value;
      if (filter.status !== undefined) filter.status = fromEnum<CallHistoryStatus>(filter.status);
      if (!can(viewer, 'readAllCalls')) {
        if (!can(viewer, 'readOwnCalls') || viewer.agentId === null) throw forbidden('see call history');
        if (filter.agentId !== undefined && filter.agentId !== viewer.agentId) throw forbidden("see other agents' calls");
        filter.agentId = viewer.agentId;
      }
      if (args.first != null) {
        if (args.first < 1 || args.first > 500) throw badInput('Ask for 1 to 500 calls per page.', 'first');
        filter.first = args.first;
      }
      if (args.after != null) filter.after = args.after;
      const page = context.services.readSide.calls(viewer.organisationId, filter);
      return { nodes: page.calls.map(callView), pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage }, totalCount: page.totalCount };
    },
    call: (_: unknown, args: { id: string }, context) => {
      const viewer = requireViewer(context.viewer);
      if (!can(viewer, 'readAllCalls') && !can(viewer, 'readOwnCalls')) throw forbidden('see calls');
      return readCall(viewer, context, args.id);
    },
    metrics: (_: unknown, args: { from: string; to: string; queueId?: string | null; agentId?: string | null; intervals?: boolean | null }, context) => {
      const viewer = requireViewer(context.viewer);
      // An agent's own dashboard: agents may read their own figures, never another agent's or the organisation's.
      const ownOnly = !can(viewer, 'readMetrics');
      if (ownOnly) {
        if (viewer.agentId === null || !can(viewer, 'readOwnCalls')) throw forbidden('read metrics');
        if (args.agentId != null && args.agentId !== viewer.agentId) throw forbidden("read other agents' metrics");
        if (args.queueId != null) throw forbidden("read a queue's metrics");
      }
      const agentId = ownOnly ? viewer.agentId : args.agentId;
      if (Number.isNaN(Date.parse(args.from)) || Number.isNaN(Date.parse(args.to)) || Date.parse(args.from) >= Date.parse(args.to)) {
        throw badInput('Give metrics a time range: from and to as ISO-8601 times, from before to.', 'from');
      }
      const result = context.services.readSide.metrics(viewer.organisationId, {
        from: args.from,
        to: args.to,
        ...(args.queueId == null ? {} : { queueId: args.queueId }),
        ...(agentId == null ? {} : { agentId }),
        intervals: args.intervals === true,
      });
      return { ...result, overall: figures(result.overall) };
    },
  },
  Mutation: {
    setAgentStatus: async (_: unknown, args: { agentId?: string | null; status: string; reason?: string | null }, context) => {
      const viewer = requireViewer(context.viewer);
      const agentId = await context.calls.setStatus(viewer, args.agentId, fromEnum<AgentStatus>(args.status), args.reason ?? null);
      return agentView(await context.agents.agent(viewer.organisationId, agentId));
    },
    answerCall: control('answer'),
    declineCall: control('decline'),
    holdCall: control('hold'),
    resumeCall: control('resume'),
    hangupCall: control('hangup'),
    placeCall: async (_: unknown, args: { number?: string | null; customerId?: string | null; queueId?: string | null }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'place calls');
      const callId = await context.calls.placeCall(viewer, { number: args.number ?? null, customerId: args.customerId ?? null, queueId: args.queueId ?? null });
      return readCall(viewer, context, callId);
    },
    transferCall: async (_: unknown, args: CallArgs & { target: { agentId?: string | null; queueId?: string | null; externalNumber?: string | null } }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'transfer calls');
      await context.calls.transfer(viewer, args.callId, args.target, args.agentId);
      return readCall(viewer, context, args.callId);
    },
    extendWrapUp: async (_: unknown, args: CallArgs & { seconds: number }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'extend wrap-up');
      await context.calls.extendWrapUp(viewer, args.callId, args.seconds, args.agentId);
      return readCall(viewer, context, args.callId);
    },
    completeWrapUp: async (_: unknown, args: CallArgs & { notes?: string | null; rating?: number | null; conversationStatus?: string | null }, context) => {
      const viewer = requireCapability(context.viewer, 'controlOwnCalls', 'complete wrap-up');
      const conversationStatus = args.conversationStatus === 'OPEN' ? 'open' : 'closed';
      await context.calls.completeWrapUp(viewer, args.callId, { notes: args.notes ?? null, rating: args.rating ?? null, conversationStatus }, args.agentId);
      return readCall(viewer, context, args.callId);
    },
    forceEndAllCalls: async (_: unknown, __: unknown, context) => {
      await context.calls.forceEndAll(requireCapability(context.viewer, 'forceEndAllCalls', 'force-end all calls'));
      return true;
    },
  },
};
