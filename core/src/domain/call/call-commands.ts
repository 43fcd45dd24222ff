/**
 * What may be asked of a call. Names are a contract: the router, the timers, the gateway and the API
 * all send these. Every command carries `at` (ISO-8601): the decider never reads a clock.
 */
import type { CommandOf } from '../decider.ts';
import type { Caller, CallChannel, ConsultTarget, EndedBy, OutboundFailure, TransferTarget } from '../../events/call-events.ts';
import type { QueueSettings } from '../../events/queue-events.ts';

/** A queue as the caller of a command saw it when deciding: its settings and whether it is open now. */
export interface QueueSnapshot {
  queueId: string;
  settings: QueueSettings;
  open: boolean;
}

export type ReceiveCall = CommandOf<'ReceiveCall', {
  callId: string;
  organisationId: string;
  queue: QueueSnapshot;
  channel: CallChannel;
  caller: Caller;
  dialedNumber: string | null;
  media: 'audio' | 'video';
  /** Added to the queue's priority (e.g. a VIP caller); 0 when absent. */
  priorityBoost?: number;
  at: string;
}>;

export type OfferCall = CommandOf<'OfferCall', {
  offerId: string;
  agentId: string;
  ringTimeoutSeconds: number;
  /** Ring-all strategy: the call may ring several agents at once. */
  ringAll: boolean;
  at: string;
}>;
export type AnswerCall = CommandOf<'AnswerCall', { agentId: string; at: string }>;
export type DeclineOffer = CommandOf<'DeclineOffer', { agentId: string; at: string }>;
/** Ring-timeout timer. */
export type TimeOutOffer = CommandOf<'TimeOutOffer', { offerId: string; at: string }>;
export type WithdrawOffer = CommandOf<'WithdrawOffer', { offerId: string; reason: 'answered-elsewhere' | 'agent-unavailable' | 'force-ended'; at: string }>;

export type HoldCall = CommandOf<'HoldCall', { agentId: string; at: string }>;
export type ResumeCall = CommandOf<'ResumeCall', { agentId: string; at: string }>;

export type RequestTransfer = CommandOf<'RequestTransfer', {
  transferId: string;
  agentId: string;
  target: TransferTarget;
  /** Required when target.kind is 'queue'. */
  targetQueue?: QueueSnapshot;
  /** Wrap-up time of the transferring agent, started when the call leaves them. */
  wrapUpSeconds: number;
  at: string;
}>;
export type OfferTransfer = CommandOf<'OfferTransfer', { transferId: string; offerId: string; agentId: string; ringTimeoutSeconds: number; at: string }>;
export type AcceptTransfer = CommandOf<'AcceptTransfer', { agentId: string; wrapUpSeconds: number; at: string }>;
export type RejectTransfer = CommandOf<'RejectTransfer', { agentId: string; at: string }>;
/** Transfer ring-timeout timer. */
export type TimeOutTransfer = CommandOf<'TimeOutTransfer', { offerId: string; at: string }>;
/** Nobody could be reserved for the transfer target. */
export type CancelTransfer = CommandOf<'CancelTransfer', { reason: 'unavailable'; at: string }>;
export type CompleteExternalTransfer = CommandOf<'CompleteExternalTransfer', { transferId: string; wrapUpSeconds: number; at: string }>;
export type FailTransfer = CommandOf<'FailTransfer', { transferId: string; reason: string; at: string }>;

/** The connected agent consults a colleague or a number before transferring; the caller is held meanwhile. */
export type StartConsultation = CommandOf<'StartConsultation', { consultId: string; agentId: string; target: ConsultTarget; at: string }>;
/**
 * The consulted party answered. A consulted agent's answer also arrives as AcceptTransfer (their
 * phone or console answers the transfer offer); the gateway sends this for an external number (`agentId` null).
 */
export type AnswerConsultation = CommandOf<'AnswerConsultation', { consultId: string; agentId: string | null; at: string }>;
/** The consulting agent hands the caller over to the consulted party and wraps up. */
export type CompleteConsultedTransfer = CommandOf<'CompleteConsultedTransfer', { agentId: string; wrapUpSeconds: number; at: string }>;
/** The consulting agent ends the consultation; the caller stays on hold with them. */
export type CancelConsultation = CommandOf<'CancelConsultation', { agentId: string; at: string }>;
/** The gateway: the consulted party hung up, or the external dial failed. */
export type EndConsultation = CommandOf<'EndConsultation', { consultId: string; reason: 'hung-up' | 'failed'; at: string }>;

export type HangUp = CommandOf<'HangUp', {
  by: EndedBy;
  /** The agent hanging up when `by` is 'agent'. */
  agentId: string | null;
  reason: string | null;
  /** Wrap-up time of the connected agent; 0 = none. */
  wrapUpSeconds: number;
  at: string;
}>;
/** Max-wait timer. `overflowQueue` is the waiting queue's overflow target, or null. */
export type ExpireWait = CommandOf<'ExpireWait', { overflowQueue: QueueSnapshot | null; at: string }>;

export type ExtendWrapUp = CommandOf<'ExtendWrapUp', { agentId: string; seconds: number; at: string }>;
export type CompleteWrapUp = CommandOf<'CompleteWrapUp', {
  agentId: string;
  notes: string | null;
  rating: number | null;
  conversationStatus: 'closed' | 'open';
  at: string;
}>;
/** Wrap-up end timer. */
export type EndWrapUp = CommandOf<'EndWrapUp', { agentId: string; at: string }>;

export type ReceiveDtmf = CommandOf<'ReceiveDtmf', { digits: string; from: 'caller' | 'agent'; at: string }>;
/** The gateway stored the call's recording (accepted once the call was answered, in any later state). */
export type StoreRecording = CommandOf<'StoreRecording', { recordingId: string; format: 'wav' | 'pcap'; durationSeconds: number; bytes: number; at: string }>;

/** An agent dials a number or a customer; the agent's reservation (`reservationId`) is taken before. */
export type PlaceOutboundCall = CommandOf<'PlaceOutboundCall', {
  callId: string;
  organisationId: string;
  agentId: string;
  reservationId: string;
  queueId: string | null;
  number: string | null;
  customerId: string | null;
  callerId: string | null;
  /** How long the far end may take to answer. */
  dialTimeoutSeconds: number;
  at: string;
}>;
/** The gateway heard 180/183 from the far end. */
export type ReportOutboundRinging = CommandOf<'ReportOutboundRinging', { earlyMedia: boolean; at: string }>;
/** The gateway got 200 OK from the far end. */
export type AnswerOutboundCall = CommandOf<'AnswerOutboundCall', { at: string }>;
/** The far end refused or never answered (or the dial could not start). */
export type FailOutboundCall = CommandOf<'FailOutboundCall', { reason: OutboundFailure; sipStatus: number | null; at: string }>;

/** The agent on the call (or wrapping it up) ticks or unticks an item of the queue's checklist. */
export type TickChecklistItem = CommandOf<'TickChecklistItem', { agentId: string; item: string; ticked: boolean; at: string }>;

export type CallCommand =
  | ReceiveCall
  | OfferCall
  | AnswerCall
  | DeclineOffer
  | TimeOutOffer
  | WithdrawOffer
  | HoldCall
  | ResumeCall
  | RequestTransfer
  | OfferTransfer
  | AcceptTransfer
  | RejectTransfer
  | TimeOutTransfer
  | CancelTransfer
  | CompleteExternalTransfer
  | FailTransfer
  | StartConsultation
  | AnswerConsultation
  | CompleteConsultedTransfer
  | CancelConsultation
  | EndConsultation
  | HangUp
  | ExpireWait
  | ExtendWrapUp
  | CompleteWrapUp
  | EndWrapUp
  | ReceiveDtmf
  | StoreRecording
  | PlaceOutboundCall
  | ReportOutboundRinging
  | AnswerOutboundCall
  | FailOutboundCall
  | TickChecklistItem;

export type CallCommandType = CallCommand['type'];
