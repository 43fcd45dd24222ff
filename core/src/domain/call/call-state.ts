/**
 * The call as its own stream tells it: state and evolve. Evolve trusts the events (they were decided
 * already) and never throws; every rule lives in decide.
 */
import type { Caller, CallChannel, CallEvent, TransferTarget } from '../../events/call-events.ts';

/** 'dialling': an agent's outbound call on its way to the callee (not yet answered). */
export type CallStatus = 'none' | 'waiting' | 'ringing' | 'dialling' | 'connected' | 'wrap-up' | 'external' | 'done';

/** How the call ended; null while it is still going. */
export type CallOutcome =
  | 'completed'
  | 'abandoned'
  | 'rejected'
  | 'expired'
  | 'force-ended'
  | 'transferred-externally'
  /** An outbound call that never connected (busy, no answer, cancelled...). */
  | 'failed';

export interface ActiveOffer {
  offerId: string;
  agentId: string;
  ringTimeoutAt: string;
}

export interface TransferInProgress {
  transferId: string;
  fromAgentId: string;
  target: TransferTarget;
  /** The ringing transfer offer to the target agent, once one was made (kept while a consulted agent talks). */
  offer: ActiveOffer | null;
  /** Present when this is a consultation (attended transfer): the agent talks to the target before handing over. */
  consultation?: { answeredAt: string | null };
}

/** The agent's side of an outbound call while it is being dialled. */
export interface OutboundDial {
  agentId: string;
  reservationId: string;
  dialTimeoutAt: string;
  ringing: boolean;
  earlyMedia: boolean;
}

export interface CallState {
  status: CallStatus;
  outcome: CallOutcome | null;
  callId: string | null;
  organisationId: string | null;
  queueId: string | null;
  priority: number;
  /** Place in line: kept when an offer fails or the call overflows. */
  queuedAt: string | null;
  maxWaitUntil: string | null;
  caller: Caller | null;
  channel: CallChannel | null;
  media: 'audio' | 'video' | null;
  dialedNumber: string | null;
  receivedAt: string | null;
  /** Ringing offers: several only under ring-all. */
  offers: ActiveOffer[];
  connectedAgentId: string | null;
  onHold: boolean;
  transfer: TransferInProgress | null;
  /** Agents still wrapping up this call, by agent id. */
  wrapUps: Record<string, { endsAt: string }>;
  answeredAt: string | null;
  endedAt: string | null;
  /** Offers declined or timed out. */
  missedOffers: number;
  holds: number;
  /** Set for outbound calls (kept after they connect, for who placed them). */
  outbound: OutboundDial | null;
}

export const initialCallState = (): CallState => ({
  status: 'none',
  outcome: null,
  callId: null,
  organisationId: null,
  queueId: null,
  priority: 0,
  queuedAt: null,
  maxWaitUntil: null,
  caller: null,
  channel: null,
  media: null,
  dialedNumber: null,
  receivedAt: null,
  offers: [],
  connectedAgentId: null,
  onHold: false,
  transfer: null,
  wrapUps: {},
  answeredAt: null,
  endedAt: null,
  missedOffers: 0,
  holds: 0,
  outbound: null,
});

export const callStatus = (state: CallState): CallStatus => state.status;

/** The call has ended (possibly with wrap-ups still pending). */
export const hasEnded = (state: CallState): boolean => state.status === 'done' || state.status === 'wrap-up';

const hasPendingWrapUps = (wrapUps: CallState['wrapUps']): boolean => Object.keys(wrapUps).length > 0;

/** Ending clears the live parts; the call is 'done' only once nobody is wrapping it up. */
const end = (state: CallState, outcome: CallOutcome, at: string): CallState => ({
  ...state,
  status: hasPendingWrapUps(state.wrapUps) ? 'wrap-up' : 'done',
  outcome,
  offers: [],
  connectedAgentId: null,
  onHold: false,
  transfer: null,
  endedAt: at,
});

/** An offer has gone: with none left, a ringing call waits again at its original place. */
const withoutOffer = (state: CallState, offerId: string): CallState => {
  const offers = state.offers.filter((offer) => offer.offerId !== offerId);
  const status = state.status === 'ringing' && offers.length === 0 ? 'waiting' : state.status;
  return { ...state, offers, status };
};

const withoutWrapUp = (wrapUps: CallState['wrapUps'], agentId: string): CallState['wrapUps'] => {
  const { [agentId]: _removed, ...rest } = wrapUps;
  return rest;
};

export const evolveCall = (state: CallState, event: CallEvent): CallState => {
  switch (event.type) {
    case 'CallReceived': {
      const { data } = event;
      return {
        ...state,
        status: 'waiting',
        callId: data.callId,
        organisationId: data.organisationId,
        queueId: data.queueId,
        caller: data.caller,
        channel: data.channel,
        media: data.media,
        dialedNumber: data.dialedNumber,
        receivedAt: data.at,
      };
    }
    case 'CallQueued': {
      const { data } = event;
      return {
        ...state,
        status: 'waiting',
        queueId: data.queueId,
        priority: data.priority,
        queuedAt: data.queuedAt,
        maxWaitUntil: data.maxWaitUntil,
      };
    }
    case 'CallRejected':
      return end(state, 'rejected', event.data.at);
    case 'CallOffered': {
      const { offerId, agentId, ringTimeoutAt } = event.data;
      return { ...state, status: 'ringing', offers: [...state.offers, { offerId, agentId, ringTimeoutAt }] };
    }
    case 'CallOfferDeclined':
    case 'CallOfferTimedOut':
      return { ...withoutOffer(state, event.data.offerId), missedOffers: state.missedOffers + 1 };
    case 'CallOfferWithdrawn':
      return withoutOffer(state, event.data.offerId);
    case 'CallAnswered': {
      const { offerId, agentId, at } = event.data;
      // Other offers leave through their own CallOfferWithdrawn events.
      return {
        ...state,
        status: 'connected',
        offers: state.offers.filter((offer) => offer.offerId !== offerId),
        connectedAgentId: agentId,
        onHold: false,
        maxWaitUntil: null,
        answeredAt: state.answeredAt ?? at,
      };
    }
    case 'CallHeld':
      return { ...state, onHold: true, holds: state.holds + 1 };
    case 'CallResumed':
      return { ...state, onHold: false };
    case 'CallTransferRequested': {
      const { transferId, fromAgentId, target } = event.data;
      return { ...state, transfer: { transferId, fromAgentId, target, offer: null } };
    }
    case 'CallTransferOffered': {
      if (state.transfer === null) return state;
      const { offerId, agentId, ringTimeoutAt } = event.data;
      return { ...state, transfer: { ...state.transfer, offer: { offerId, agentId, ringTimeoutAt } } };
    }
    case 'CallTransferAccepted':
      // The new agent is bridged to the caller: whatever hold the consult used is over.
      return { ...state, connectedAgentId: event.data.toAgentId, onHold: false, transfer: null };
    case 'CallTransferRejected':
    case 'CallTransferFailed':
      return { ...state, transfer: null };
    case 'ConsultationStarted': {
      const { consultId, fromAgentId, target } = event.data;
      return { ...state, transfer: { transferId: consultId, fromAgentId, target, offer: null, consultation: { answeredAt: null } } };
    }
    case 'ConsultationAnswered':
      if (state.transfer?.consultation === undefined) return state;
      return { ...state, transfer: { ...state.transfer, consultation: { answeredAt: event.data.at } } };
    case 'ConsultationEnded':
      // The caller stays on hold with the agent who consulted.
      return { ...state, transfer: null };
    case 'CallTransferredToQueue':
      // CallQueued follows with the new place in line.
      return { ...state, status: 'waiting', queueId: event.data.queueId, connectedAgentId: null, onHold: false, transfer: null };
    case 'CallTransferredExternally':
      return { ...state, status: 'external', connectedAgentId: null, onHold: false, transfer: null };
    case 'CallEnded': {
      const outcome: CallOutcome =
        state.status === 'external' ? 'transferred-externally' : state.status === 'connected' ? 'completed' : 'force-ended';
      return end(state, outcome, event.data.at);
    }
    case 'CallAbandoned':
      return end(state, 'abandoned', event.data.at);
    case 'CallWaitExpired':
      return event.data.overflowQueueId === null
        ? end({ ...state, maxWaitUntil: null }, 'expired', event.data.at)
        : { ...state, maxWaitUntil: null };
    case 'WrapUpStarted': {
      const { agentId, endsAt } = event.data;
      return {
        ...state,
        status: state.status === 'done' ? 'wrap-up' : state.status,
        wrapUps: { ...state.wrapUps, [agentId]: { endsAt } },
      };
    }
    case 'WrapUpExtended': {
      const { agentId, endsAt } = event.data;
      return { ...state, wrapUps: { ...state.wrapUps, [agentId]: { endsAt } } };
    }
    case 'WrapUpCompleted': {
      const wrapUps = withoutWrapUp(state.wrapUps, event.data.agentId);
      const status = state.status === 'wrap-up' && !hasPendingWrapUps(wrapUps) ? 'done' : state.status;
      return { ...state, wrapUps, status };
    }
    // DTMF, recordings and checklist ticks are read from the call's events where they are shown; no rule depends on them.
    case 'DtmfReceived':
    case 'CallRecordingStored':
    case 'CallChecklistItemTicked':
      return state;
    case 'OutboundCallPlaced': {
      const { data } = event;
      return {
        ...state,
        status: 'dialling',
        callId: data.callId,
        organisationId: data.organisationId,
        queueId: data.queueId,
        caller: { number: data.callee.number, name: null, customerId: data.callee.customerId },
        channel: 'outbound',
        media: data.media,
        dialedNumber: data.callee.number,
        receivedAt: data.at,
        outbound: { agentId: data.agentId, reservationId: data.reservationId, dialTimeoutAt: data.dialTimeoutAt, ringing: false, earlyMedia: false },
      };
    }
    case 'OutboundCallRinging':
      if (state.outbound === null) return state;
      return { ...state, outbound: { ...state.outbound, ringing: true, earlyMedia: state.outbound.earlyMedia || event.data.earlyMedia } };
    case 'OutboundCallAnswered':
      return { ...state, status: 'connected', connectedAgentId: event.data.agentId, onHold: false, answeredAt: state.answeredAt ?? event.data.at };
    case 'OutboundCallFailed':
      return end(state, 'failed', event.data.at);
  }
};
