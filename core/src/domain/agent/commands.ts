import type { CommandOf } from '../decider.ts';
import type { AgentProfile, AgentReserved, AgentStatus, ReleaseReason } from '../../events/agent-events.ts';

export type RegisterAgent = CommandOf<'RegisterAgent', { agentId: string; organisationId: string; profile: AgentProfile; at: string }>;
export type UpdateAgentProfile = CommandOf<'UpdateAgentProfile', { changes: Partial<AgentProfile>; at: string }>;
export type SetAgentStatus = CommandOf<'SetAgentStatus', { status: AgentStatus; reason: string | null; at: string }>;
/** penalty: 0..10, the caller supplies the default 0. */
export type JoinQueue = CommandOf<'JoinQueue', { queueId: string; penalty: number; skills: string[]; at: string }>;
export type LeaveQueue = CommandOf<'LeaveQueue', { queueId: string; at: string }>;
export type DisableAgent = CommandOf<'DisableAgent', { at: string }>;
export type EnableAgent = CommandOf<'EnableAgent', { at: string }>;
export type LockAgent = CommandOf<'LockAgent', { reason: string; at: string }>;
export type UnlockAgent = CommandOf<'UnlockAgent', { at: string }>;
export type RemoveAgent = CommandOf<'RemoveAgent', { at: string }>;
/** Replaces the agent's teams; the caller checks that the teams exist in the agent's organisation. */
export type SetAgentTeams = CommandOf<'SetAgentTeams', { teamIds: string[]; at: string }>;

export type ReservationKind = AgentReserved['data']['kind'];

/** Takes the agent's single call slot; queueId (when given) must be one of the agent's queues. */
export type ReserveAgent = CommandOf<'ReserveAgent', {
  callId: string;
  /** The call's organisation: an agent only ever takes calls of its own. */
  organisationId: string;
  offerId: string;
  kind: ReservationKind;
  queueId: string | null;
  at: string;
}>;

/** Frees the slot held for callId and offerId; maxMissedOffersInRow comes from the organisation (null = never go Offline). */
export type ReleaseAgent = CommandOf<'ReleaseAgent', {
  callId: string;
  /** The exact reservation to free: a late release for an earlier offer of the same call must not free a newer one. */
  offerId: string;
  reason: ReleaseReason;
  maxMissedOffersInRow: number | null;
  at: string;
}>;

export type AgentCommand =
  | RegisterAgent
  | UpdateAgentProfile
  | SetAgentStatus
  | JoinQueue
  | LeaveQueue
  | DisableAgent
  | EnableAgent
  | LockAgent
  | UnlockAgent
  | RemoveAgent
  | SetAgentTeams
  | ReserveAgent
  | ReleaseAgent;
