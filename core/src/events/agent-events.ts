import type { DomainEventOf } from './event.ts';

export const AGENT_STATUSES = ['online', 'offline', 'break', 'meeting', 'education'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const AGENT_TYPOLOGIES = ['webrtc', 'phonebar', 'external', 'mobile'] as const;
export type AgentTypology = (typeof AGENT_TYPOLOGIES)[number];

export interface AgentProfile {
  fullName: string;
  username: string;
  alias: string | null;
  email: string | null;
  extension: string;
  typology: AgentTypology;
  /** SIP URI or E.164 number where an External/Mobile agent is rung. */
  externalUri: string | null;
  /** Overrides the queue's wrap-up time; null = use the queue's. */
  wrapUpSeconds: number | null;
  description: string | null;
  voicemail: boolean;
}

export type AgentRegistered = DomainEventOf<'AgentRegistered', { agentId: string; organisationId: string; profile: AgentProfile; at: string }>;
export type AgentProfileUpdated = DomainEventOf<'AgentProfileUpdated', { changes: Partial<AgentProfile>; at: string }>;
export type AgentStatusChanged = DomainEventOf<'AgentStatusChanged', {
  status: AgentStatus;
  /** Custom reason ('Lunch', 'Coaching') or why the platform changed it ('missed-offers'). */
  reason: string | null;
  previousStatus: AgentStatus;
  at: string;
}>;
export type AgentJoinedQueue = DomainEventOf<'AgentJoinedQueue', {
  queueId: string;
  /** Tier for skills routing: lower is tried first (0 best). */
  penalty: number;
  skills: string[];
  at: string;
}>;
export type AgentLeftQueue = DomainEventOf<'AgentLeftQueue', { queueId: string; at: string }>;
export type AgentDisabled = DomainEventOf<'AgentDisabled', { at: string }>;
export type AgentEnabled = DomainEventOf<'AgentEnabled', { at: string }>;
export type AgentLocked = DomainEventOf<'AgentLocked', { reason: string; at: string }>;
export type AgentUnlocked = DomainEventOf<'AgentUnlocked', { at: string }>;
export type AgentRemoved = DomainEventOf<'AgentRemoved', { at: string }>;
/** The agent's teams, replaced as a whole (sorted, no duplicates). */
export type AgentTeamsSet = DomainEventOf<'AgentTeamsSet', { teamIds: string[]; at: string }>;

/**
 * The agent's single call slot is taken: the serialisation point of "one call per agent".
 * Appended (with the agent stream's expected revision) before the call is offered to the agent.
 */
export type AgentReserved = DomainEventOf<'AgentReserved', {
  callId: string;
  /** The offer (or transfer offer) this reservation is for. */
  offerId: string;
  /** 'pick-up': the agent chose the waiting call themselves on the queue board (pickUpCall). */
  kind: 'offer' | 'transfer' | 'outbound' | 'pick-up';
  at: string;
}>;

export const RELEASE_REASONS = ['declined', 'missed', 'withdrawn', 'abandoned', 'wrap-up-done', 'transfer-rejected', 'offer-failed', 'outbound-failed'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** The agent's call slot is free again. */
export type AgentReleased = DomainEventOf<'AgentReleased', { callId: string; offerId: string; reason: ReleaseReason; at: string }>;

export type AgentEvent =
  | AgentRegistered
  | AgentProfileUpdated
  | AgentStatusChanged
  | AgentJoinedQueue
  | AgentLeftQueue
  | AgentDisabled
  | AgentEnabled
  | AgentLocked
  | AgentUnlocked
  | AgentRemoved
  | AgentTeamsSet
  | AgentReserved
  | AgentReleased;
