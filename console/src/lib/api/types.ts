/** The shapes the console reads from the GraphQL schema (api/src/graphql/**), as queried here. */

export type Role = 'OWNER' | 'ADMIN' | 'SUPERVISOR' | 'AGENT' | 'ANALYST';
export type AgentStatus = 'ONLINE' | 'OFFLINE' | 'BREAK' | 'MEETING' | 'EDUCATION';
export type BoardCallStatus = 'WAITING' | 'RINGING' | 'IN_PROGRESS' | 'ON_HOLD';
export type CallStatus = BoardCallStatus | 'WRAP_UP' | 'COMPLETED' | 'ABANDONED' | 'REJECTED' | 'EXPIRED' | 'FORCE_ENDED' | 'TRANSFERRED_EXTERNALLY' | 'FAILED';

export interface Organisation {
  id: string;
  name: string;
}

export interface MeAgent {
  id: string;
  fullName: string;
  extension: string;
  status: AgentStatus;
  statusReason: string | null;
  wrapUpSeconds: number | null;
  queueIds: string[];
}

export interface Me {
  user: { id: string; email: string; username: string; displayName: string; memberships: Array<{ organisation: Organisation; role: Role; agentId: string | null }> };
  organisation: Organisation & { timeZone: string };
  role: Role;
  agent: MeAgent | null;
}

export interface CallOffer {
  callId: string;
  offerId: string;
  /** CONSULTATION: a colleague consults the agent while the caller waits on hold (attended transfer). */
  kind: 'OFFER' | 'TRANSFER' | 'CONSULTATION';
  /** Who transfers or consults (TRANSFER, CONSULTATION); null for a plain offer or when not known. */
  fromAgentName: string | null;
  queueId: string | null;
  queueName: string | null;
  callerNumber: string | null;
  callerName: string | null;
  ringTimeoutAt: string;
  offeredAt: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  description: string;
  agentId: string | null;
  queueId: string | null;
}

export interface Call {
  id: string;
  queueId: string;
  queueName: string;
  callerNumber: string | null;
  callerName: string | null;
  /** The customer reference the call carried (e.g. a website visitor's email), or null. */
  customerId: string | null;
  status: CallStatus;
  receivedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  lastAgentId: string | null;
  talkSeconds: number;
  holdSeconds: number;
  waitSeconds: number | null;
  wrapUps: Array<{ agentId: string; notes: string | null; rating: number | null; conversationStatus: 'CLOSED' | 'OPEN'; endedBy: string }>;
  timeline: TimelineEntry[];
  /** Only read for the agent's current call (CURRENT_CALL_FIELDS): the core is asked per call. */
  consultation?: Consultation | null;
}

/** A consultation in progress: the caller on hold while the agent talks to a colleague or a number. */
export interface Consultation {
  id: string;
  agentId: string | null;
  agentName: string | null;
  number: string | null;
  /** The consulted party answered: the transfer can be completed. */
  answered: boolean;
  startedBy: string;
}

export const CALL_FIELDS = `id queueId queueName callerNumber callerName customerId status receivedAt answeredAt endedAt lastAgentId talkSeconds holdSeconds waitSeconds
  wrapUps { agentId notes rating conversationStatus endedBy } timeline { at type description agentId queueId }`;

/** The workspace's own call: its fields plus the consultation in progress. */
export const CURRENT_CALL_FIELDS = `${CALL_FIELDS} consultation { id agentId agentName number answered startedBy }`;

export interface QueueRow {
  callId: string;
  queueId: string;
  queueName: string;
  status: BoardCallStatus;
  callerNumber: string | null;
  callerName: string | null;
  agentId: string | null;
  agentName: string | null;
  queuedAt: string;
}

export interface CallQueue {
  cards: { total: number; active: number; waiting: number; longestWaitSeconds: number };
  rows: QueueRow[];
}

export interface Queue {
  id: string;
  name: string;
  number: string | null;
  strategy: string;
  ringTimeoutSeconds: number;
  wrapUpSeconds: number;
  maxWaitSeconds: number | null;
  priority: number;
  maskCallerName: boolean;
  /** Video calls: the in-call page shows the video beside the customer panel. */
  video: boolean;
  /** What the agent ticks during each call. */
  checklist: string[];
}

export const QUEUE_FIELDS = 'id name number strategy ringTimeoutSeconds wrapUpSeconds maxWaitSeconds priority maskCallerName video checklist';

/** The customer panel beside a call (`call(id)`'s documents, checklist and previousCalls). */
export interface CallDocument {
  id: string;
  name: string;
  size: number;
  uploadedAt: string;
  url: string;
}

export interface ChecklistTick {
  item: string;
  ticked: boolean;
  agentId: string;
  at: string;
}

export interface PreviousCall {
  id: string;
  queueName: string;
  status: CallStatus;
  receivedAt: string;
  answeredAt: string | null;
  talkSeconds: number;
  lastAgentId: string | null;
  notes: string[];
  checklist: ChecklistTick[];
}

/** `transferTargets(callId)`: the call's queue agents (available first, then by name) and the queues. */
export interface TransferAgentTarget {
  agentId: string;
  fullName: string;
  extension: string;
  status: AgentStatus;
  available: boolean;
}

export interface TransferTargets {
  callId: string;
  queueId: string;
  agents: TransferAgentTarget[];
  queues: Queue[];
}

export interface Agent {
  id: string;
  fullName: string;
  username: string;
  email: string | null;
  extension: string;
  typology: string;
  status: AgentStatus;
  disabled: boolean;
  locked: boolean;
  queueIds: string[];
}

export const AGENT_FIELDS = 'id fullName username email extension typology status disabled locked queueIds';

export interface AgentBoardRow {
  agentId: string;
  fullName: string;
  status: AgentStatus;
  since: string;
  currentCallId: string | null;
  activity: 'RINGING' | 'CONNECTED' | 'WRAP_UP' | null;
  queueIds: string[];
}
