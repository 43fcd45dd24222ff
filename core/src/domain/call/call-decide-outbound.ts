/** Outbound calls: an agent dials a number (or a customer), the far end rings, answers or fails. */
import type { CallEvent } from '../../events/call-events.ts';
import { OUTBOUND_FAILURES } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import { isBlank } from '../validation.ts';
import type { AnswerOutboundCall, FailOutboundCall, PlaceOutboundCall, ReportOutboundRinging } from './call-commands.ts';
import { addSeconds, callName, isE164, MAX_TIMER_SECONDS, requireSeconds } from './call-rules.ts';
import { hasEnded, type CallState, type OutboundDial } from './call-state.ts';

const present = (value: string | null): value is string => value !== null && !isBlank(value);

export const placeOutboundCall = ({ data }: PlaceOutboundCall, state: CallState): CallEvent[] => {
  if (state.status !== 'none') {
    // A retry of the same placement (same agent, same reservation) changes nothing.
    if (state.outbound?.agentId === data.agentId && state.outbound.reservationId === data.reservationId) return [];
    throw new DomainError('CallAlreadyExists', `Call ${data.callId} already exists (${state.status}).`, { callId: data.callId, status: state.status });
  }
  for (const [field, value] of [['callId', data.callId], ['organisationId', data.organisationId], ['agentId', data.agentId], ['reservationId', data.reservationId]] as const) {
    if (!present(value)) throw new DomainError('InvalidInput', `PlaceOutboundCall needs ${field}.`, { field });
  }
  if (!present(data.number) && !present(data.customerId)) {
    throw new DomainError('InvalidCallee', 'An outbound call needs a number to dial (E.164, e.g. +3225551234) or a customer id.', {
      number: data.number,
      customerId: data.customerId,
    });
  }
  if (data.number !== null && !isE164(data.number)) {
    throw new DomainError('InvalidPhoneNumber', `'${data.number}' is not an E.164 number: '+', the country code and the number, digits only (e.g. +3225551234).`, {
      number: data.number,
    });
  }
  if (data.callerId !== null && !isE164(data.callerId)) {
    throw new DomainError('InvalidPhoneNumber', `Caller id '${data.callerId}' is not an E.164 number.`, { callerId: data.callerId });
  }
  requireSeconds(data.dialTimeoutSeconds, 'dialTimeoutSeconds', 1, MAX_TIMER_SECONDS);
  return [
    {
      type: 'OutboundCallPlaced',
      data: {
        callId: data.callId,
        organisationId: data.organisationId,
        agentId: data.agentId,
        reservationId: data.reservationId,
        queueId: data.queueId,
        callee: { number: data.number, customerId: present(data.customerId) ? data.customerId : null },
        callerId: data.callerId,
        media: 'audio',
        dialTimeoutAt: addSeconds(data.at, data.dialTimeoutSeconds),
        at: data.at,
      },
    },
  ];
};

const requireDialling = (state: CallState, action: string): OutboundDial => {
  if (state.status !== 'dialling' || state.outbound === null) {
    throw new DomainError('CallNotDialling', `${callName(state)} is ${state.status}, so it cannot ${action}: only an outbound call being dialled can.`, {
      callId: state.callId,
      status: state.status,
    });
  }
  return state.outbound;
};

export const reportOutboundRinging = ({ data }: ReportOutboundRinging, state: CallState): CallEvent[] => {
  const dial = requireDialling(state, 'ring');
  // 180 then 183 (or repeated 18x): only news is recorded.
  if (dial.ringing && (dial.earlyMedia || !data.earlyMedia)) return [];
  return [{ type: 'OutboundCallRinging', data: { earlyMedia: data.earlyMedia, at: data.at } }];
};

export const answerOutboundCall = ({ data }: AnswerOutboundCall, state: CallState): CallEvent[] => {
  // A retransmitted 200 OK after the answer was recorded.
  if (state.status === 'connected' && state.outbound !== null && state.answeredAt !== null) return [];
  const dial = requireDialling(state, 'be answered');
  return [{ type: 'OutboundCallAnswered', data: { agentId: dial.agentId, at: data.at } }];
};

export const failOutboundCall = ({ data }: FailOutboundCall, state: CallState): CallEvent[] => {
  if (!(OUTBOUND_FAILURES as readonly string[]).includes(data.reason)) {
    throw new DomainError('InvalidInput', `'${data.reason}' is not an outbound failure (${OUTBOUND_FAILURES.join(', ')}).`, { reason: data.reason });
  }
  if (hasEnded(state)) {
    throw new DomainError('CallAlreadyEnded', `${callName(state)} has already ended (${state.outcome ?? state.status}).`, { callId: state.callId, outcome: state.outcome });
  }
  const dial = requireDialling(state, 'fail');
  return [{ type: 'OutboundCallFailed', data: { agentId: dial.agentId, reason: data.reason, sipStatus: data.sipStatus, at: data.at } }];
};

/** Anyone hanging up before the callee answered cancels the dial: nobody talked, so there is no wrap-up. */
export const cancelDial = (state: CallState, byAgentId: string | null, at: string): CallEvent[] => {
  const dial = requireDialling(state, 'be cancelled');
  if (byAgentId !== null && byAgentId !== dial.agentId) {
    throw new DomainError('NotCallAgent', `Agent ${byAgentId} cannot hang up ${callName(state)}: agent ${dial.agentId} is dialling it.`, {
      callId: state.callId,
      agentId: byAgentId,
    });
  }
  return [{ type: 'OutboundCallFailed', data: { agentId: dial.agentId, reason: 'cancelled', sipStatus: null, at } }];
};
