/** Ringing agents: OfferCall, AnswerCall, DeclineOffer and the offer timers. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { AnswerCall, DeclineOffer, OfferCall, TimeOutOffer, WithdrawOffer } from './call-commands.ts';
import { addSeconds, callName, isAtOrAfter, MAX_TIMER_SECONDS, requireSeconds } from './call-rules.ts';
import type { ActiveOffer, CallState } from './call-state.ts';

const offerTo = (state: CallState, agentId: string): ActiveOffer | undefined => state.offers.find((offer) => offer.agentId === agentId);

export const offerCall = ({ data }: OfferCall, state: CallState): CallEvent[] => {
  requireSeconds(data.ringTimeoutSeconds, 'ringTimeoutSeconds', 1, MAX_TIMER_SECONDS);
  const ringingAgain = state.status === 'ringing' && data.ringAll;
  if (state.status !== 'waiting' && !ringingAgain) {
    const why = state.status === 'ringing' ? ' and the queue does not ring all agents at once' : '';
    throw new DomainError(
      'CallNotWaiting',
      `${callName(state)} is ${state.status}${why}, so it cannot be offered to agent ${data.agentId}.`,
      { callId: state.callId, status: state.status, agentId: data.agentId },
    );
  }
  const existing = offerTo(state, data.agentId);
  if (existing !== undefined) {
    throw new DomainError(
      'CallNotWaiting',
      `${callName(state)} is already ringing agent ${data.agentId} (offer ${existing.offerId}); it cannot be offered to them twice.`,
      { callId: state.callId, status: state.status, agentId: data.agentId, offerId: existing.offerId },
    );
  }
  if (state.offers.some((offer) => offer.offerId === data.offerId)) {
    throw new DomainError('InvalidInput', `${callName(state)} already has an offer ${data.offerId}; each offer needs its own id.`, {
      callId: state.callId,
      offerId: data.offerId,
    });
  }
  return [
    {
      type: 'CallOffered',
      data: { offerId: data.offerId, agentId: data.agentId, ringTimeoutAt: addSeconds(data.at, data.ringTimeoutSeconds), at: data.at },
    },
  ];
};

/** The ringing offer made to `agentId`, or the reason there is none. */
const requireOfferTo = (state: CallState, agentId: string, action: string): ActiveOffer => {
  if (state.status !== 'ringing') {
    throw new DomainError('CallNotRinging', `${callName(state)} is ${state.status}, not ringing, so agent ${agentId} cannot ${action} it.`, {
      callId: state.callId,
      status: state.status,
      agentId,
    });
  }
  const offer = offerTo(state, agentId);
  if (offer === undefined) {
    const ringing = state.offers.map((o) => o.agentId).join(', ');
    throw new DomainError(
      'CallNotOfferedToAgent',
      `${callName(state)} is not offered to agent ${agentId} (it is ringing ${ringing}), so they cannot ${action} it.`,
      { callId: state.callId, agentId, ringingAgentIds: state.offers.map((o) => o.agentId) },
    );
  }
  return offer;
};

export const answerCall = ({ data }: AnswerCall, state: CallState): CallEvent[] => {
  const answered = requireOfferTo(state, data.agentId, 'answer');
  const others = state.offers.filter((offer) => offer.offerId !== answered.offerId);
  return [
    { type: 'CallAnswered', data: { offerId: answered.offerId, agentId: answered.agentId, at: data.at } },
    ...others.map(
      (offer): CallEvent => ({
        type: 'CallOfferWithdrawn',
        data: { offerId: offer.offerId, agentId: offer.agentId, reason: 'answered-elsewhere', at: data.at },
      }),
    ),
  ];
};

export const declineOffer = ({ data }: DeclineOffer, state: CallState): CallEvent[] => {
  const offer = requireOfferTo(state, data.agentId, 'decline');
  return [{ type: 'CallOfferDeclined', data: { offerId: offer.offerId, agentId: offer.agentId, at: data.at } }];
};

export const timeOutOffer = ({ data }: TimeOutOffer, state: CallState): CallEvent[] => {
  const offer = state.offers.find((o) => o.offerId === data.offerId);
  // Answered, declined, withdrawn or not due yet: the timer is stale.
  if (offer === undefined || !isAtOrAfter(data.at, offer.ringTimeoutAt)) return [];
  return [{ type: 'CallOfferTimedOut', data: { offerId: offer.offerId, agentId: offer.agentId, at: data.at } }];
};

export const withdrawOffer = ({ data }: WithdrawOffer, state: CallState): CallEvent[] => {
  const offer = state.offers.find((o) => o.offerId === data.offerId);
  if (offer === undefined) return [];
  return [{ type: 'CallOfferWithdrawn', data: { offerId: offer.offerId, agentId: offer.agentId, reason: data.reason, at: data.at } }];
};
