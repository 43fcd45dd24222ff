/** Key presses: the caller in the queue's IVR or on the call, or the agent on the call. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { ReceiveDtmf } from './call-commands.ts';
import { callName } from './call-rules.ts';
import type { CallState } from './call-state.ts';

const DTMF_DIGITS = /^[0-9*#A-D]{1,32}$/;

export const receiveDtmf = ({ data }: ReceiveDtmf, state: CallState): CallEvent[] => {
  if (typeof data.digits !== 'string' || !DTMF_DIGITS.test(data.digits)) {
    throw new DomainError('InvalidInput', `DTMF digits must be 1 to 32 of 0-9, *, #, A-D; got '${String(data.digits)}'.`, {
      callId: state.callId,
      digits: data.digits,
    });
  }
  // A ringing call is still in the queue for the caller (the IVR keeps listening).
  const callerCanPress = state.status === 'waiting' || state.status === 'ringing' || state.status === 'connected';
  const allowed = data.from === 'caller' ? callerCanPress : state.status === 'connected';
  if (!allowed) {
    throw new DomainError('InvalidInput', `${callName(state)} is ${state.status}, so it takes no key presses from the ${data.from}.`, {
      callId: state.callId,
      status: state.status,
      from: data.from,
    });
  }
  return [{ type: 'DtmfReceived', data: { digits: data.digits, from: data.from, at: data.at } }];
};
