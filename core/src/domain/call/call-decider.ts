/** decide for the call: one switch that routes each command to the rule set of its area. */
import type { CallEvent } from '../../events/call-events.ts';
import type { Decider } from '../decider.ts';
import type { CallCommand } from './call-commands.ts';
import { receiveDtmf } from './call-decide-dtmf.ts';
import { answerConsultation, cancelConsultation, completeConsultedTransfer, endConsultation, startConsultation } from './call-decide-consultation.ts';
import { tickChecklistItem } from './call-decide-checklist.ts';
import { storeRecording } from './call-decide-recording.ts';
import { hangUp } from './call-decide-hang-up.ts';
import { answerOutboundCall, failOutboundCall, placeOutboundCall, reportOutboundRinging } from './call-decide-outbound.ts';
import { holdCall, resumeCall } from './call-decide-hold.ts';
import { answerCall, declineOffer, offerCall, timeOutOffer, withdrawOffer } from './call-decide-offers.ts';
import { expireWait, receiveCall } from './call-decide-queueing.ts';
import {
  acceptTransfer,
  cancelTransfer,
  completeExternalTransfer,
  failTransfer,
  offerTransfer,
  rejectTransfer,
  requestTransfer,
  timeOutTransfer,
} from './call-decide-transfer.ts';
import { completeWrapUp, endWrapUp, extendWrapUp } from './call-decide-wrap-up.ts';
import { requireCall, requireValidTime } from './call-rules.ts';
import { evolveCall, initialCallState, type CallState } from './call-state.ts';

export const decideCall = (command: CallCommand, state: CallState): CallEvent[] => {
  requireValidTime(command.data.at, command.type);
  if (command.type === 'ReceiveCall') return receiveCall(command, state);
  if (command.type === 'PlaceOutboundCall') return placeOutboundCall(command, state);
  requireCall(state, command.type);
  switch (command.type) {
    case 'OfferCall':
      return offerCall(command, state);
    case 'AnswerCall':
      return answerCall(command, state);
    case 'DeclineOffer':
      return declineOffer(command, state);
    case 'TimeOutOffer':
      return timeOutOffer(command, state);
    case 'WithdrawOffer':
      return withdrawOffer(command, state);
    case 'HoldCall':
      return holdCall(command, state);
    case 'ResumeCall':
      return resumeCall(command, state);
    case 'RequestTransfer':
      return requestTransfer(command, state);
    case 'OfferTransfer':
      return offerTransfer(command, state);
    case 'AcceptTransfer':
      return acceptTransfer(command, state);
    case 'RejectTransfer':
      return rejectTransfer(command, state);
    case 'TimeOutTransfer':
      return timeOutTransfer(command, state);
    case 'CancelTransfer':
      return cancelTransfer(command, state);
    case 'CompleteExternalTransfer':
      return completeExternalTransfer(command, state);
    case 'FailTransfer':
      return failTransfer(command, state);
    case 'StartConsultation':
      return startConsultation(command, state);
    case 'AnswerConsultation':
      return answerConsultation(command, state);
    case 'CompleteConsultedTransfer':
      return completeConsultedTransfer(command, state);
    case 'CancelConsultation':
      return cancelConsultation(command, state);
    case 'EndConsultation':
      return endConsultation(command, state);
    case 'HangUp':
      return hangUp(command, state);
    case 'ExpireWait':
      return expireWait(command, state);
    case 'ExtendWrapUp':
      return extendWrapUp(command, state);
    case 'CompleteWrapUp':
      return completeWrapUp(command, state);
    case 'EndWrapUp':
      return endWrapUp(command, state);
    case 'TickChecklistItem':
      return tickChecklistItem(command, state);
    case 'ReceiveDtmf':
      return receiveDtmf(command, state);
    case 'StoreRecording':
      return storeRecording(command, state);
    case 'ReportOutboundRinging':
      return reportOutboundRinging(command, state);
    case 'AnswerOutboundCall':
      return answerOutboundCall(command, state);
    case 'FailOutboundCall':
      return failOutboundCall(command, state);
  }
};

export const callDecider: Decider<CallCommand, CallEvent, CallState> = {
  decide: decideCall,
  evolve: evolveCall,
  initialState: initialCallState,
};
