/** What the router hands out and what it lets others read. */
import type { AgentStatus } from '../events/agent-events.ts';
import type { OfferRef } from '../events/call-events.ts';
import type { QueueStrategy } from '../events/queue-events.ts';

/**
 * One routing decision: offer `callId` to `agentIds` (one agent, or every eligible member for a
 * ring-all queue). Until settled or abandoned, the call and the agents are pending in the index.
 */
export interface Assignment {
  callId: string;
  queueId: string;
  organisationId: string;
  agentIds: string[];
  ringTimeoutSeconds: number;
  ringAll: boolean;
}

export interface AgentStatsView {
  /** Calls answered plus transfers accepted. */
  answeredCalls: number;
  /** Finished talk segments (answer or transfer-accept until the call ended or was transferred away). */
  talkSeconds: number;
  /** Last time this agent was offered a call of each queue (round-robin), ISO-8601. */
  lastOfferAt: Record<string, string>;
}

export interface AgentView {
  agentId: string;
  organisationId: string;
  registered: boolean;
  removed: boolean;
  disabled: boolean;
  locked: boolean;
  status: AgentStatus;
  /** Registered, enabled, unlocked, online and with a free call slot (pending router decisions aside). */
  available: boolean;
  /**
   * The router's decision for this agent not yet seen in the log (no AgentReserved yet), or null;
   * `settled` once the lead said the offer was stored.
   */
  pending: { callId: string; settled: boolean; refused?: boolean } | null;
  reservation: { callId: string; offerId: string; kind: 'offer' | 'transfer' | 'outbound' | 'pick-up' } | null;
  /** End of the running wrap-up (the agent stays reserved until released), or null. */
  wrapUpEndsAt: string | null;
  queues: { queueId: string; penalty: number }[];
  idleSince: string | null;
  stats: AgentStatsView;
}

/** 'received': known, but in no queue's line (just arrived, or between two queues). */
export type RoutedCallStatus = 'received' | 'waiting' | 'ringing' | 'connected';

export interface CallView {
  callId: string;
  organisationId: string;
  queueId: string | null;
  status: RoutedCallStatus;
  priority: number;
  queuedAt: string | null;
  /** In its queue's line, waiting for an agent (a ringing ring-all call stays in line). */
  inLine: boolean;
  offers: OfferRef[];
  /** Ring-all: agents whose offer for this call ended while others still ring; not rung again this round. */
  declinedBy: string[];
  /** The router's decision for this call not yet seen in the log (no CallOffered yet), or null. */
  pending: { agentIds: string[]; settled: boolean; refused?: boolean } | null;
  connectedAgentId: string | null;
}

export interface QueueView {
  queueId: string;
  organisationId: string;
  strategy: QueueStrategy;
  ringTimeoutSeconds: number;
  removed: boolean;
  members: { agentId: string; penalty: number }[];
}
