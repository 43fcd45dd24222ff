/**
 * The orderings the router keeps its heaps in. Every ordering ends on a unique field so that two
 * indexes fed the same events make the same decisions.
 */
import type { QueueStrategy } from '../events/queue-events.ts';

/** A call's place in line: higher priority first, then who queued first, then log order. */
export interface CallKey {
  callId: string;
  priority: number;
  queuedAt: number;
  /** Log position of the CallQueued that gave the call this place. */
  position: bigint;
}

export const compareCalls = (a: CallKey, b: CallKey): number => {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.queuedAt !== b.queuedAt) return a.queuedAt - b.queuedAt;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0;
};

/** An available agent's place in one queue: lowest rank first, then longest idle. */
export interface AgentKey {
  agentId: string;
  /** What the queue's strategy sorts on before idle time (0 when it sorts on idle time only). */
  rank: number;
  idleSince: number;
}

export const compareAgents = (a: AgentKey, b: AgentKey): number => {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.idleSince !== b.idleSince) return a.idleSince - b.idleSince;
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
};

export interface AgentRankInputs {
  penalty: number;
  answeredCalls: number;
  talkSeconds: number;
  /** Last offer of a call of this queue, or undefined when never. */
  lastOfferAt: number | undefined;
}

export const strategyRank = (strategy: QueueStrategy, agent: AgentRankInputs): number => {
  switch (strategy) {
    case 'round-robin':
      return agent.lastOfferAt ?? Number.NEGATIVE_INFINITY;
    case 'fewest-calls':
      return agent.answeredCalls;
    case 'least-talk-time':
      return agent.talkSeconds;
    case 'skills':
      return agent.penalty;
    case 'longest-idle':
    case 'ring-all':
      return 0;
  }
};

/** Event times arrive as ISO-8601 strings; an unreadable one sorts as the oldest rather than poisoning a heap with NaN. */
export const timeOf = (iso: string): number => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
};

export const isoOf = (ms: number): string => new Date(ms).toISOString();
