import type { QueueSettings } from '@cc/core';
/**
 * What the read side offers the API: the contract between projections/ and api/. Read models are
 * built only from the event log; every query is scoped to one organisation.
 */

export type ReadModelName = 'queue-board' | 'agent-board' | 'calls' | 'agents' | 'queues' | 'metrics';

/** Emitted after a batch of events is applied, so subscriptions can push fresh data. */
export interface ReadModelChange {
  organisationId: string;
  models: ReadModelName[];
  /** Ids touched by the batch, for filtering (e.g. an agent's own offers). */
  callIds: string[];
  agentIds: string[];
  queueIds: string[];
  position: bigint;
}

export type BoardCallStatus = 'waiting' | 'ringing' | 'in-progress' | 'on-hold';

export interface QueueBoardRow {
  callId: string;
  queueId: string;
  queueName: string;
  status: BoardCallStatus;
  callerNumber: string | null;
  /** Masked (first character of each name part, rest '*') when the queue asks for it. */
  callerName: string | null;
  agentId: string | null;
  agentName: string | null;
  /** ISO time the caller joined the line (live queue time = now - queuedAt). */
  queuedAt: string;
  media: 'audio' | 'video';
}

export interface QueueBoardCards {
  total: number;
  active: number;
  waiting: number;
  longestWaitSeconds: number;
}

export interface QueueBoard {
  cards: QueueBoardCards;
  rows: QueueBoardRow[];
}

export interface QueueBoardFilter {
  queueId?: string;
  statuses?: BoardCallStatus[];
  /** Matches caller name, caller number or agent name, case-insensitive substring. */
  search?: string;
  /** 'now' for live wait figures (the clock is the caller's). */
  now: string;
}

export interface AgentBoardRow {
  agentId: string;
  fullName: string;
  status: 'online' | 'offline' | 'break' | 'meeting' | 'education';
  statusReason: string | null;
  since: string;
  currentCallId: string | null;
  /** 'ringing' | 'connected' | 'wrap-up' | null */
  activity: 'ringing' | 'connected' | 'wrap-up' | null;
  callsToday: number;
  missedOffersToday: number;
  queueIds: string[];
}

export type CallHistoryStatus = 'waiting' | 'ringing' | 'in-progress' | 'on-hold' | 'wrap-up' | 'completed' | 'abandoned' | 'rejected' | 'expired' | 'force-ended' | 'transferred-externally' | 'failed';

export interface CallTimelineEntry {
  at: string;
  /** The event type, e.g. 'CallOffered'. */
  type: string;
  /** A sentence a person reads: 'Offered to Ada Lovelace', 'Ended by caller'. */
  description: string;
  agentId: string | null;
  queueId: string | null;
}

export interface WrapUpRecord {
  agentId: string;
  notes: string | null;
  rating: number | null;
  conversationStatus: 'closed' | 'open';
  endedBy: 'agent' | 'timer' | 'system';
  completedAt: string;
}

export interface CallHistoryEntry {
  callId: string;
  organisationId: string;
  queueId: string;
  queueName: string;
  channel: string;
  media: 'audio' | 'video';
  callerNumber: string | null;
  callerName: string | null;
  /** The customer reference the call carried (a caller's, or the callee's of an outbound call), or null. */
  customerId: string | null;
  status: CallHistoryStatus;
  receivedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  /** Agent who answered first, and the one connected last. */
  firstAgentId: string | null;
  lastAgentId: string | null;
  endedBy: 'caller' | 'agent' | 'supervisor' | 'system' | null;
  waitSeconds: number | null;
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  missedOffers: number;
  transfers: number;
  wrapUps: WrapUpRecord[];
  timeline: CallTimelineEntry[];
  /** The call's stored recording (the last one, when a call was recorded more than once), or null. */
  recording: CallRecordingRecord | null;
}

/** A recording the gateway stored under the data directory (CallRecordingStored). */
export interface CallRecordingRecord {
  recordingId: string;
  format: 'wav' | 'pcap';
  durationSeconds: number;
  bytes: number;
  storedAt: string;
}

export interface CallHistoryFilter {
  from?: string;
  to?: string;
  queueId?: string;
  /** Calls this agent was offered or handled. */
  agentId?: string;
  status?: CallHistoryStatus;
  /** Substring of the caller number. */
  callerNumber?: string;
  /** Calls carrying exactly this customer reference. */
  customerId?: string;
  /** Page size (default 50, max 500). */
  first?: number;
  /** Opaque cursor from a previous page's endCursor. */
  after?: string;
}

export interface CallHistoryPage {
  calls: CallHistoryEntry[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number;
}

/** Definitions as in ../shared/ARCHITECTURE.md "Metrics"; written once in projections/src/metrics. */
export interface MetricsFigures {
  offered: number;
  answered: number;
  abandoned: number;
  missedOffers: number;
  /** Average speed of answer: mean wait until answered, seconds (null with no answered call). */
  asaSeconds: number | null;
  /** Average handle time: talk + hold + wrap-up per handled call, seconds. */
  ahtSeconds: number | null;
  averageTalkSeconds: number | null;
  averageHoldSeconds: number | null;
  averageWrapUpSeconds: number | null;
  longestWaitSeconds: number | null;
  /** Answered within the queue's service-level threshold / offered (0..1; null with nothing offered). */
  serviceLevel: number | null;
  /** Same, excluding calls abandoned within the threshold from the denominator. */
  serviceLevelExcludingShortAbandons: number | null;
  /** Abandoned / queued (0..1). */
  abandonmentRate: number | null;
  /** Busy (talk + hold + wrap-up + ringing) / logged-in (not offline) time (0..1). */
  occupancy: number | null;
  transfers: number;
  csatAverage: number | null;
}

export interface MetricsInterval {
  /** Start of the 15-minute bucket (ISO). */
  start: string;
  figures: MetricsFigures;
}

export interface MetricsQuery {
  from: string;
  to: string;
  queueId?: string;
  agentId?: string;
  /** Also return 15-minute intervals. */
  intervals?: boolean;
  /**
   * Where intervals still open (an agent logged in now, a call slot taken now) end, for occupancy.
   * Default: the time of the organisation's latest event the read models have seen. (Added by projections.)
   */
  now?: string;
}

export interface MetricsResult {
  from: string;
  to: string;
  overall: MetricsFigures;
  intervals: MetricsInterval[];
}

export interface AgentListRow {
  agentId: string;
  fullName: string;
  username: string;
  alias: string | null;
  email: string | null;
  extension: string;
  typology: 'webrtc' | 'phonebar' | 'external' | 'mobile';
  externalUri: string | null;
  description: string | null;
  voicemail: boolean;
  status: 'online' | 'offline' | 'break' | 'meeting' | 'education';
  /** Why the agent is in this status (Break: "Lunch"), or null. */
  statusReason: string | null;
  disabled: boolean;
  locked: boolean;
  queueIds: string[];
  /** Live teams the agent belongs to, sorted by id. */
  teamIds: string[];
  createdAt: string;
}

export interface TeamListRow {
  teamId: string;
  organisationId: string;
  name: string;
  createdAt: string;
}

export interface AgentListQuery {
  search?: string;
  typology?: AgentListRow['typology'];
  status?: AgentListRow['status'];
  queueId?: string;
  teamId?: string;
  disabled?: boolean;
  sortBy?: 'fullName' | 'username' | 'extension' | 'createdAt' | 'status';
  sortDirection?: 'asc' | 'desc';
}

export interface QueueListRow {
  queueId: string;
  organisationId: string;
  /** All settings as the last QueueCreated/QueueUpdated left them. */
  settings: QueueSettings;
  removed: boolean;
  createdAt: string;
}

/** The read side as the API uses it. `now` arguments come from the API's clock. */
export interface ReadSide {
  readonly caughtUp: boolean;
  readonly position: bigint;
  onChange(listener: (change: ReadModelChange) => void): () => void;
  queueBoard(organisationId: string, filter: QueueBoardFilter): QueueBoard;
  agentBoard(organisationId: string, options: { queueId?: string; now: string }): AgentBoardRow[];
  calls(organisationId: string, filter: CallHistoryFilter): CallHistoryPage;
  call(organisationId: string, callId: string): CallHistoryEntry | null;
  /** The number of the organisation's newest call with this customer reference and a number (called from or called on), or null. */
  customerNumber(organisationId: string, customerId: string): string | null;
  metrics(organisationId: string, query: MetricsQuery): MetricsResult;
  agents(organisationId: string, query: AgentListQuery): AgentListRow[];
  queues(organisationId: string): QueueListRow[];
  /** The organisation's live teams, by name. */
  teams(organisationId: string): TeamListRow[];
  /** Organisation that owns a queue with this E.164 number (numbers are unique across the platform). */
  queueByNumber(number: string): QueueListRow | null;
}
