/**
 * What the supervisor board reads: agent rows from agentBoardChanged, the waiting calls from
 * queueBoardChanged, and today's figures per queue from the metrics query (one aliased request).
 */
import { graphql } from '$lib/api/graphql';
import type { AgentStatus, QueueRow } from '$lib/api/types';

export interface BoardAgent {
  agentId: string;
  fullName: string;
  status: AgentStatus;
  statusReason: string | null;
  since: string;
  currentCallId: string | null;
  activity: 'RINGING' | 'CONNECTED' | 'WRAP_UP' | null;
  callsToday: number;
  missedOffersToday: number;
  queueIds: string[];
}

export const AGENT_BOARD_SUBSCRIPTION = `subscription($q: ID) { agentBoardChanged(queueId: $q) {
  agentId fullName status statusReason since currentCallId activity callsToday missedOffersToday queueIds } }`;

export const QUEUE_BOARD_SUBSCRIPTION = `subscription { queueBoardChanged {
  cards { total active waiting longestWaitSeconds }
  rows { callId queueId queueName status callerNumber callerName agentId agentName queuedAt } } }`;

export interface LiveBoard {
  rows: QueueRow[];
}

export interface QueueToday {
  offered: number;
  answered: number;
  abandoned: number;
  asaSeconds: number | null;
  serviceLevel: number | null;
}

export const ACTIVITY_LABELS: Record<NonNullable<BoardAgent['activity']>, string> = { RINGING: 'Ringing', CONNECTED: 'On a call', WRAP_UP: 'Wrap-up' };

/** Today's figures of every queue in one request, one aliased `metrics` field per queue. */
export const queueFiguresToday = async (queueIds: string[], from: Date): Promise<Map<string, QueueToday>> => {
  if (queueIds.length === 0) return new Map();
  const variables: Record<string, unknown> = { from: from.toISOString(), to: new Date(Date.now() + 1000).toISOString() };
  const fields = queueIds.map((id, index) => {
    variables[`q${index}`] = id;
    return `m${index}: metrics(from: $from, to: $to, queueId: $q${index}) { overall { offered answered abandoned asaSeconds serviceLevel } }`;
  });
  const declarations = queueIds.map((_, index) => `$q${index}: ID!`).join(', ');
  const data = await graphql<Record<string, { overall: QueueToday }>>(`query($from: String!, $to: String!, ${declarations}) { ${fields.join('\n')} }`, variables);
  return new Map(queueIds.map((id, index) => [id, data[`m${index}`]?.overall ?? { offered: 0, answered: 0, abandoned: 0, asaSeconds: null, serviceLevel: null }]));
};
