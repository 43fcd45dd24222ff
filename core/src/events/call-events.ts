import type { DomainEventOf } from './event.ts';

export const CALL_CHANNELS = ['pstn', 'webrtc', 'widget', 'call-link', 'outbound'] as const;
export type CallChannel = (typeof CALL_CHANNELS)[number];

export interface Caller {
  /** E.164 number, or null for browser callers without one. */
  number: string | null;
  name: string | null;
  customerId: string | null;
}

export type TransferTarget =
  | { kind: 'agent'; agentId: string }
  | { kind: 'queue'; queueId: string }
  | { kind: 'external'; number: string };

export type EndedBy = 'caller' | 'agent' | 'supervisor' | 'system';

export interface OfferRef {
  offerId: string;
  agentId: string;
}

export type CallReceived = DomainEventOf<'CallReceived', {
  callId: string;
  organisationId: string;
  queueId: string;
  channel: CallChannel;
  caller: Caller;
  /** The number the caller dialled (E.164), when known. */
  dialedNumber: string | null;
  media: 'audio' | 'video';
  at: string;
}>;
/** The call waits in a queue. `queuedAt` is its place in line: kept when an offer fails and the call returns. */
export type CallQueued = DomainEventOf<'CallQueued', {
  queueId: string;
  priority: number;
  queuedAt: string;
  /** When max wait is reached (timer), or null. */
  maxWaitUntil: string | null;
  at: string;
}>;
export type CallRejected = DomainEventOf<'CallRejected', { reason: 'queue-closed' | 'queue-removed'; at: string }>;
export type CallOffered = DomainEventOf<'CallOffered', { offerId: string; agentId: string; ringTimeoutAt: string; at: string }>;
export type CallOfferDeclined = DomainEventOf<'CallOfferDeclined', { offerId: string; agentId: string; at: string }>;
export type CallOfferTimedOut = DomainEventOf<'CallOfferTimedOut', { offerId: string; agentId: string; at: string }>;
export type CallOfferWithdrawn = DomainEventOf<'CallOfferWithdrawn', {
  offerId: string;
  agentId: string;
  reason: 'answered-elsewhere' | 'agent-unavailable' | 'force-ended';
  at: string;
}>;
export type CallAnswered = DomainEventOf<'CallAnswered', { offerId: string; agentId: string; at: string }>;
export type CallHeld = DomainEventOf<'CallHeld', { agentId: string; at: string }>;
export type CallResumed = DomainEventOf<'CallResumed', { agentId: string; at: string }>;
export type CallTransferRequested = DomainEventOf<'CallTransferRequested', {
  transferId: string;
  fromAgentId: string;
  target: TransferTarget;
  at: string;
}>;
export type CallTransferOffered = DomainEventOf<'CallTransferOffered', {
  transferId: string;
  offerId: string;
  agentId: string;
  ringTimeoutAt: string;
  at: string;
}>;
/** `consulted`: completed after a consultation (attended transfer); absent on blind transfers and older events. */
export type CallTransferAccepted = DomainEventOf<'CallTransferAccepted', { transferId: string; fromAgentId: string; toAgentId: string; consulted?: boolean; at: string }>;
export type CallTransferRejected = DomainEventOf<'CallTransferRejected', {
  transferId: string;
  /** null when no agent had been offered the transfer yet (e.g. nobody could be reserved). */
  toAgentId: string | null;
  offerId: string | null;
  reason: 'rejected' | 'timeout' | 'unavailable' | 'call-ended';
  at: string;
}>;
export type CallTransferredToQueue = DomainEventOf<'CallTransferredToQueue', { transferId: string; fromAgentId: string; queueId: string; at: string }>;
export type CallTransferredExternally = DomainEventOf<'CallTransferredExternally', { transferId: string; fromAgentId: string; number: string; consulted?: boolean; at: string }>;
/** Whom an agent may consult before transferring: a colleague or an external number (not a queue). */
export type ConsultTarget = Exclude<TransferTarget, { kind: 'queue' }>;
/**
 * Attended transfer, first step: the connected agent consults `target` while the caller waits on
 * hold. It is the call's transfer in progress (id `consultId`): an agent target is reserved and rung
 * as a transfer offer (CallTransferOffered), an external one is dialled by the gateway.
 */
export type ConsultationStarted = DomainEventOf<'ConsultationStarted', { consultId: string; fromAgentId: string; target: ConsultTarget; at: string }>;
/** The consulted party answered and talks to the agent; the caller is still on hold. `agentId` null: an external number. */
export type ConsultationAnswered = DomainEventOf<'ConsultationAnswered', { consultId: string; agentId: string | null; offerId: string | null; at: string }>;
export const CONSULTATION_END_REASONS = ['cancelled', 'declined', 'timeout', 'unavailable', 'hung-up', 'failed', 'call-ended'] as const;
/**
 * The consultation ended without a transfer: the agent cancelled it, the colleague declined, did not
 * answer or could not be reserved, the consulted party hung up, the dial failed, or the call ended.
 * The caller stays with the agent, on hold, to be resumed.
 */
export type ConsultationEnded = DomainEventOf<'ConsultationEnded', {
  consultId: string;
  /** The consulted agent (null: an external number, or nobody could be reserved). */
  agentId: string | null;
  offerId: string | null;
  reason: (typeof CONSULTATION_END_REASONS)[number];
  at: string;
}>;
/** An external transfer failed: the call is back with the agent who asked for it. */
export type CallTransferFailed = DomainEventOf<'CallTransferFailed', { transferId: string; reason: string; at: string }>;
/** A connected (or force-ended) call ended. */
export type CallEnded = DomainEventOf<'CallEnded', {
  endedBy: EndedBy;
  /** Agent connected at the end, if any. */
  agentId: string | null;
  reason: string | null;
  at: string;
}>;
/** The caller hung up before an agent answered. */
export type CallAbandoned = DomainEventOf<'CallAbandoned', {
  while: 'waiting' | 'ringing';
  /** Offers that were ringing when the caller left (their agents must be released). */
  offers: OfferRef[];
  at: string;
}>;
/** Max wait reached: the call overflows to `overflowQueueId` (a CallQueued follows) or ends with outcome 'expired'. */
export type CallWaitExpired = DomainEventOf<'CallWaitExpired', { queueId: string; overflowQueueId: string | null; at: string }>;
export type WrapUpStarted = DomainEventOf<'WrapUpStarted', { agentId: string; endsAt: string; at: string }>;
export type WrapUpExtended = DomainEventOf<'WrapUpExtended', { agentId: string; bySeconds: number; endsAt: string; at: string }>;
export type WrapUpCompleted = DomainEventOf<'WrapUpCompleted', {
  agentId: string;
  notes: string | null;
  /** Call-quality / CSAT rating 1..5, or null. */
  rating: number | null;
  conversationStatus: 'closed' | 'open';
  endedBy: 'agent' | 'timer' | 'system';
  at: string;
}>;
export type DtmfReceived = DomainEventOf<'DtmfReceived', { digits: string; from: 'caller' | 'agent'; at: string }>;
/**
 * The call's recording (from the answer up to a transfer, or to the end) was stored by the gateway.
 * 'wav': 8 kHz 16-bit stereo, caller left, agent right; 'pcap': the media as captured, when its
 * codec could not be decoded. `bytes` is the stored file's size.
 */
export type CallRecordingStored = DomainEventOf<'CallRecordingStored', { recordingId: string; format: 'wav' | 'pcap'; durationSeconds: number; bytes: number; at: string }>;

/**
 * Why an outbound call never connected: the trunk's final answer, or the agent (or a supervisor)
 * gave up. `agent-no-answer`: a call placed from the platform (click-to-dial) rings the agent's own
 * phone first, and that phone did not answer (no answer in time, declined, or no phone to ring).
 */
export const OUTBOUND_FAILURES = ['busy', 'no-answer', 'rejected', 'unreachable', 'failed', 'cancelled', 'agent-no-answer'] as const;
export type OutboundFailure = (typeof OUTBOUND_FAILURES)[number];

/**
 * An agent dials out. The agent's slot is taken first (AgentReserved, kind 'outbound', with
 * `reservationId` as its offer id), so the one-call-per-agent rule holds for outbound calls too.
 * `callee.number` is E.164; `callee.customerId` is an opaque reference the platform resolves
 * elsewhere (the core keeps no customer records). At least one of the two is set.
 */
export type OutboundCallPlaced = DomainEventOf<'OutboundCallPlaced', {
  callId: string;
  organisationId: string;
  agentId: string;
  reservationId: string;
  /** The queue the call is reported under (and whose number may be shown), or null. */
  queueId: string | null;
  callee: { number: string | null; customerId: string | null };
  /** The E.164 number presented to the callee, or null for anonymous. */
  callerId: string | null;
  media: 'audio';
  /** Unanswered by then, the call fails as 'no-answer' (a timer): the agent is never left reserved. */
  dialTimeoutAt: string;
  at: string;
}>;
/** The far end is ringing (180), possibly with early media (183 + SDP) the agent hears. */
export type OutboundCallRinging = DomainEventOf<'OutboundCallRinging', { earlyMedia: boolean; at: string }>;
/** The callee answered: the call is connected to the agent, as an answered inbound call is. */
export type OutboundCallAnswered = DomainEventOf<'OutboundCallAnswered', { agentId: string; at: string }>;
/** The call never connected; the agent's slot is freed without wrap-up. `sipStatus` is the trunk's final status, when there was one. */
export type OutboundCallFailed = DomainEventOf<'OutboundCallFailed', { agentId: string; reason: OutboundFailure; sipStatus: number | null; at: string }>;

/**
 * An item of the queue's checklist ticked (or unticked) by the agent during the call or its wrap-up.
 * `item` is the checklist text as the queue had it then (the queue's list may change later).
 */
export type CallChecklistItemTicked = DomainEventOf<'CallChecklistItemTicked', { item: string; ticked: boolean; agentId: string; at: string }>;

export type CallEvent =
  | CallReceived
  | CallQueued
  | CallRejected
  | CallOffered
  | CallOfferDeclined
  | CallOfferTimedOut
  | CallOfferWithdrawn
  | CallAnswered
  | CallHeld
  | CallResumed
  | CallTransferRequested
  | CallTransferOffered
  | CallTransferAccepted
  | CallTransferRejected
  | CallTransferredToQueue
  | CallTransferredExternally
  | CallTransferFailed
  | ConsultationStarted
  | ConsultationAnswered
  | ConsultationEnded
  | CallEnded
  | CallAbandoned
  | CallWaitExpired
  | WrapUpStarted
  | WrapUpExtended
  | WrapUpCompleted
  | DtmfReceived
  | CallRecordingStored
  | OutboundCallPlaced
  | OutboundCallRinging
  | OutboundCallAnswered
  | OutboundCallFailed
  | CallChecklistItemTicked;
