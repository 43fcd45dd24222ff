/**
 * The facts of one call as its events tell them: where it waited, who rang, who talked and for how
 * long, holds, transfers, wrap-ups and how it ended. Pure (no I/O): the call-history and the metrics
 * projections both fold a call's events through `accountFor`, so talk, hold and wrap-up time mean
 * the same everywhere. Times are epoch milliseconds.
 */
import type { CallEvent, EndedBy, OutboundCallPlaced } from '@cc/core';
import type { CallHistoryStatus, WrapUpRecord } from '../read-model-contract.ts';
import { isoToMillis } from '../framework/iso-time.ts';

/** One agent's part in a call. */
export interface AgentLeg {
  /** Queue offers made to the agent (transfer offers not included). */
  offers: number;
  /** Offers the agent declined or let time out. */
  missed: number;
  /** 1 when the agent answered the call from the queue. */
  answered: number;
  /** 1 when the agent took the call over by accepting a transfer. */
  transfersIn: number;
  /** Wait of the caller until this agent answered (from arrival), when it did. */
  waitMs: number | null;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  /** Transfers away from this agent that went through (to an agent, a queue or a number). */
  transfersOut: number;
  /** 1 when the caller hung up while this agent's offer was ringing. */
  abandonedWhileRinging: number;
  ratingSum: number;
  ratingCount: number;
}

/** 'failed': an outbound call that never connected. */
export type Outcome = 'completed' | 'abandoned' | 'rejected' | 'expired' | 'force-ended' | 'transferred-externally' | 'failed';
export type LiveStatus = 'waiting' | 'ringing' | 'in-progress' | 'on-hold' | 'transferred-externally';

export interface CallAccount {
  callId: string;
  organisationId: string;
  /** The queue the caller reached first (metrics count the call there). */
  arrivalQueueId: string;
  /** The queue the call is (or was last) in. */
  queueId: string;
  channel: string;
  media: 'audio' | 'video';
  callerNumber: string | null;
  callerName: string | null;
  /** The caller's (or callee's) customer reference, when the call carried one. */
  customerId: string | null;
  receivedAt: number;
  queuedAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  endedBy: EndedBy | null;
  live: LiveStatus;
  outcome: Outcome | null;
  /** Ringing queue offers. */
  offers: { offerId: string; agentId: string }[];
  connectedAgentId: string | null;
  /** Start of the current talk or hold segment of the connected agent. */
  segmentStart: number | null;
  firstAgentId: string | null;
  lastAgentId: string | null;
  talkMs: number;
  holdMs: number;
  wrapUpMs: number;
  /** Wrap-ups in progress: agent id -> start. */
  openWrapUps: Record<string, number>;
  /** Ended with an agent connected: that agent's WrapUpStarted comes next (in the same append). */
  wrapUpExpected: boolean;
  missedOffers: number;
  transfers: number;
  holds: number;
  /** The caller hung up before anyone had answered. */
  abandonedUnanswered: boolean;
  /** When the caller stopped waiting: answered, abandoned, expired or rejected (for the longest wait). */
  waitEndedAt: number | null;
  ratingSum: number;
  ratingCount: number;
  legs: Record<string, AgentLeg>;
  wrapUps: WrapUpRecord[];
}

export const newAccount = (data: {
  callId: string;
  organisationId: string;
  queueId: string;
  channel: string;
  media: 'audio' | 'video';
  caller: { number: string | null; name: string | null; customerId?: string | null };
  at: string;
}): CallAccount => ({
  callId: data.callId,
  organisationId: data.organisationId,
  arrivalQueueId: data.queueId,
  queueId: data.queueId,
  channel: data.channel,
  media: data.media,
  callerNumber: data.caller.number,
  callerName: data.caller.name,
  customerId: data.caller.customerId ?? null,
  receivedAt: isoToMillis(data.at),
  queuedAt: null,
  answeredAt: null,
  endedAt: null,
  endedBy: null,
  live: 'waiting',
  outcome: null,
  offers: [],
  connectedAgentId: null,
  segmentStart: null,
  firstAgentId: null,
  lastAgentId: null,
  talkMs: 0,
  holdMs: 0,
  wrapUpMs: 0,
  openWrapUps: {},
  wrapUpExpected: false,
  missedOffers: 0,
  transfers: 0,
  holds: 0,
  abandonedUnanswered: false,
  waitEndedAt: null,
  ratingSum: 0,
  ratingCount: 0,
  legs: {},
  wrapUps: [],
});

/**
 * An agent's outbound call: the callee stands where a caller would ('channel' is 'outbound'); it
 * rings from the start and never waits in a queue. Metrics never open such an account (they count
 * calls from their CallReceived), so outbound calls stay out of inbound ASA and abandonment.
 */
export const newOutboundAccount = (data: OutboundCallPlaced['data']): CallAccount => ({
  ...newAccount({
    callId: data.callId,
    organisationId: data.organisationId,
    queueId: data.queueId ?? '',
    channel: 'outbound',
    media: data.media,
    caller: { number: data.callee.number, name: null, customerId: data.callee.customerId },
    at: data.at,
  }),
  live: 'ringing',
  firstAgentId: data.agentId,
  lastAgentId: data.agentId,
});

const emptyLeg = (): AgentLeg => ({
  offers: 0,
  missed: 0,
  answered: 0,
  transfersIn: 0,
  waitMs: null,
  talkMs: 0,
  holdMs: 0,
  wrapUpMs: 0,
  transfersOut: 0,
  abandonedWhileRinging: 0,
  ratingSum: 0,
  ratingCount: 0,
});

export const legOf = (account: CallAccount, agentId: string): AgentLeg => {
  let leg = account.legs[agentId];
  if (leg === undefined) {
    leg = emptyLeg();
    account.legs[agentId] = leg;
  }
  return leg;
};

/** The history status: live while going, 'wrap-up' while an agent still wraps up the ended call. */
export const historyStatus = (account: CallAccount): CallHistoryStatus => {
  if (account.outcome === null) return account.live;
  return Object.keys(account.openWrapUps).length > 0 ? 'wrap-up' : account.outcome;
};

/** The call is over, nobody wraps it up and no wrap-up is about to start: no later event changes its figures. */
export const isSettled = (account: CallAccount): boolean =>
  account.outcome !== null && !account.wrapUpExpected && Object.keys(account.openWrapUps).length === 0;

/** Closes the connected agent's current talk or hold segment at `at`. */
const closeSegment = (account: CallAccount, at: number): void => {
  const agentId = account.connectedAgentId;
  if (agentId === null || account.segmentStart === null) return;
  const elapsed = Math.max(0, at - account.segmentStart);
  const leg = legOf(account, agentId);
  if (account.live === 'on-hold') {
    account.holdMs += elapsed;
    leg.holdMs += elapsed;
  } else {
    account.talkMs += elapsed;
    leg.talkMs += elapsed;
  }
  account.segmentStart = null;
};

const withoutOffer = (account: CallAccount, offerId: string): void => {
  account.offers = account.offers.filter((offer) => offer.offerId !== offerId);
  if (account.live === 'ringing' && account.offers.length === 0) account.live = 'waiting';
};

const end = (account: CallAccount, outcome: Outcome, at: number, endedBy: EndedBy | null): void => {
  account.outcome = outcome;
  account.endedAt = at;
  account.endedBy = endedBy;
  account.offers = [];
  account.connectedAgentId = null;
  account.segmentStart = null;
};

/** Folds one event of the call's stream (after CallReceived, which `newAccount` takes) into the account, in place. */
export const accountFor = (account: CallAccount, event: CallEvent): void => {
  switch (event.type) {
    case 'CallReceived':
      return;
    case 'CallQueued':
      account.queueId = event.data.queueId;
      account.queuedAt = isoToMillis(event.data.queuedAt);
      if (account.outcome === null) account.live = 'waiting';
      return;
    case 'CallRejected': {
      const at = isoToMillis(event.data.at);
      account.waitEndedAt ??= at;
      end(account, 'rejected', at, 'system');
      return;
    }
    case 'CallOffered':
      account.offers.push({ offerId: event.data.offerId, agentId: event.data.agentId });
      account.live = 'ringing';
      legOf(account, event.data.agentId).offers += 1;
      return;
    case 'CallOfferDeclined':
    case 'CallOfferTimedOut':
      withoutOffer(account, event.data.offerId);
      account.missedOffers += 1;
      legOf(account, event.data.agentId).missed += 1;
      return;
    case 'CallOfferWithdrawn':
      withoutOffer(account, event.data.offerId);
      return;
    case 'CallAnswered': {
      const at = isoToMillis(event.data.at);
      const agentId = event.data.agentId;
      account.offers = account.offers.filter((offer) => offer.offerId !== event.data.offerId);
      account.live = 'in-progress';
      account.connectedAgentId = agentId;
      account.segmentStart = at;
      account.answeredAt ??= at;
      account.waitEndedAt ??= at;
      account.firstAgentId ??= agentId;
      account.lastAgentId = agentId;
      const leg = legOf(account, agentId);
      leg.answered = 1;
      leg.waitMs ??= Math.max(0, at - account.receivedAt);
      return;
    }
    case 'CallHeld': {
      const at = isoToMillis(event.data.at);
      closeSegment(account, at);
      account.live = 'on-hold';
      account.segmentStart = at;
      account.holds += 1;
      return;
    }
    case 'CallResumed': {
      const at = isoToMillis(event.data.at);
      closeSegment(account, at);
      account.live = 'in-progress';
      account.segmentStart = at;
      return;
    }
    case 'CallTransferRequested':
    case 'CallTransferOffered':
    case 'CallTransferRejected':
    case 'CallTransferFailed':
      return;
    case 'CallTransferAccepted': {
      const at = isoToMillis(event.data.at);
      closeSegment(account, at);
      account.transfers += 1;
      legOf(account, event.data.fromAgentId).transfersOut += 1;
      legOf(account, event.data.toAgentId).transfersIn = 1;
      account.connectedAgentId = event.data.toAgentId;
      account.lastAgentId = event.data.toAgentId;
      account.live = 'in-progress';
      account.segmentStart = at;
      return;
    }
    case 'CallTransferredToQueue':
    case 'CallTransferredExternally': {
      closeSegment(account, isoToMillis(event.data.at));
      account.transfers += 1;
      legOf(account, event.data.fromAgentId).transfersOut += 1;
      account.connectedAgentId = null;
      if (event.type === 'CallTransferredToQueue') {
        account.queueId = event.data.queueId;
        account.live = 'waiting';
      } else {
        account.live = 'transferred-externally';
      }
      return;
    }
    case 'CallEnded': {
      const at = isoToMillis(event.data.at);
      closeSegment(account, at);
      // As the call decider: ending a connected call completes it; an external one was transferred; else it was forced.
      const outcome: Outcome =
        account.live === 'transferred-externally' ? 'transferred-externally' : account.live === 'in-progress' || account.live === 'on-hold' ? 'completed' : 'force-ended';
      if (outcome === 'force-ended') account.waitEndedAt ??= at;
      end(account, outcome, at, event.data.endedBy);
      account.wrapUpExpected = event.data.agentId !== null;
      return;
    }
    case 'CallAbandoned': {
      const at = isoToMillis(event.data.at);
      for (const offer of event.data.offers) legOf(account, offer.agentId).abandonedWhileRinging = 1;
      account.abandonedUnanswered = account.answeredAt === null;
      account.waitEndedAt ??= at;
      end(account, 'abandoned', at, 'caller');
      return;
    }
    case 'CallWaitExpired': {
      if (event.data.overflowQueueId !== null) return;
      const at = isoToMillis(event.data.at);
      account.waitEndedAt ??= at;
      end(account, 'expired', at, 'system');
      return;
    }
    case 'WrapUpStarted':
      account.openWrapUps[event.data.agentId] = isoToMillis(event.data.at);
      account.wrapUpExpected = false;
      return;
    case 'WrapUpExtended':
      return;
    case 'WrapUpCompleted': {
      const { agentId, rating } = event.data;
      const at = isoToMillis(event.data.at);
      const started = account.openWrapUps[agentId];
      if (started !== undefined) {
        const elapsed = Math.max(0, at - started);
        account.wrapUpMs += elapsed;
        legOf(account, agentId).wrapUpMs += elapsed;
        delete account.openWrapUps[agentId];
      }
      if (rating !== null) {
        account.ratingSum += rating;
        account.ratingCount += 1;
        const leg = legOf(account, agentId);
        leg.ratingSum += rating;
        leg.ratingCount += 1;
      }
      account.wrapUps.push({
        agentId,
        notes: event.data.notes,
        rating,
        conversationStatus: event.data.conversationStatus,
        endedBy: event.data.endedBy,
        completedAt: event.data.at,
      });
      return;
    }
    case 'DtmfReceived':
    case 'CallRecordingStored':
    case 'OutboundCallPlaced':
    case 'OutboundCallRinging':
      return;
    case 'OutboundCallAnswered': {
      const at = isoToMillis(event.data.at);
      account.live = 'in-progress';
      account.connectedAgentId = event.data.agentId;
      account.segmentStart = at;
      account.answeredAt ??= at;
      account.waitEndedAt ??= at;
      return;
    }
    case 'OutboundCallFailed':
      end(account, 'failed', isoToMillis(event.data.at), event.data.reason === 'cancelled' ? 'agent' : 'system');
      return;
  }
};
