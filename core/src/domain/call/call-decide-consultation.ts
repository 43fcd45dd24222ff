/**
 * Consultations (attended transfers): the connected agent puts the caller on hold and talks to a
 * colleague or an external number first, then hands the caller over (CompleteConsultedTransfer) or
 * goes back to the caller (CancelConsultation; also when the colleague declines, does not answer or
 * hangs up). A consultation is the call's transfer in progress, so one transfer or consultation at a
 * time holds, and a consulted agent is reserved and rung through the transfer offer (OfferTransfer).
 */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { AnswerConsultation, CancelConsultation, CompleteConsultedTransfer, EndConsultation, StartConsultation } from './call-commands.ts';
import { callName, describeTarget, isE164, MAX_TIMER_SECONDS, requireConnectedAgent, requireNoTransfer, requireSeconds, startWrapUp } from './call-rules.ts';
import type { CallState, TransferInProgress } from './call-state.ts';

/** The consultation in progress (with `consultId` when given). */
const requireConsultation = (state: CallState, action: string, consultId?: string): TransferInProgress => {
  const transfer = state.transfer;
  if (transfer === null || transfer.consultation === undefined) {
    const instead = transfer === null ? '' : ` (transfer ${transfer.transferId} is a blind transfer)`;
    throw new DomainError('NoConsultation', `${callName(state)} has no consultation in progress to ${action}${instead}.`, {
      callId: state.callId,
      consultId: consultId ?? null,
    });
  }
  if (consultId !== undefined && transfer.transferId !== consultId) {
    throw new DomainError('NoConsultation', `${callName(state)} has no consultation ${consultId} to ${action}; consultation ${transfer.transferId} is in progress.`, {
      callId: state.callId,
      consultId,
    });
  }
  return transfer;
};

/** The consulted party answered: shared with AcceptTransfer, which is how a consulted agent's answer arrives. */
export const consultationAnswered = (state: CallState, transfer: TransferInProgress, agentId: string | null, at: string): CallEvent[] => {
  if (transfer.consultation?.answeredAt != null) {
    throw new DomainError('ConsultationAlreadyAnswered', `Consultation ${transfer.transferId} of ${callName(state)} was already answered.`, {
      callId: state.callId,
      consultId: transfer.transferId,
    });
  }
  return [{ type: 'ConsultationAnswered', data: { consultId: transfer.transferId, agentId, offerId: transfer.offer?.offerId ?? null, at } }];
};

export const startConsultation = ({ data }: StartConsultation, state: CallState): CallEvent[] => {
  requireConnectedAgent(state, data.agentId, 'consult anyone');
  requireNoTransfer(state);
  const { target } = data;
  if (target.kind === 'agent' && target.agentId === data.agentId) {
    throw new DomainError('TransferToSelf', `Agent ${data.agentId} cannot consult themselves about ${callName(state)}.`, { callId: state.callId, agentId: data.agentId });
  }
  if (target.kind === 'external' && !isE164(target.number)) {
    throw new DomainError('InvalidPhoneNumber', `'${target.number}' cannot be consulted: it is not an E.164 number such as +3225551234.`, {
      callId: state.callId,
      number: target.number,
    });
  }
  if (target.kind !== 'agent' && target.kind !== 'external') {
    // The command's type says so; a queue arriving through an untyped caller is still refused clearly.
    throw new DomainError('InvalidInput', `Only an agent or an external number can be consulted, not ${describeTarget(target)}.`, { callId: state.callId });
  }
  const started: CallEvent = { type: 'ConsultationStarted', data: { consultId: data.consultId, fromAgentId: data.agentId, target, at: data.at } };
  // The caller waits on hold (music) while the agent talks to the colleague; a call already held stays held.
  return state.onHold ? [started] : [started, { type: 'CallHeld', data: { agentId: data.agentId, at: data.at } }];
};

export const answerConsultation = ({ data }: AnswerConsultation, state: CallState): CallEvent[] => {
  const transfer = requireConsultation(state, 'answer', data.consultId);
  const expected = transfer.target.kind === 'agent' ? (transfer.offer?.agentId ?? null) : null;
  if (transfer.target.kind === 'agent' && (expected === null || expected !== data.agentId)) {
    throw new DomainError(
      'CallNotOfferedToAgent',
      `Consultation ${transfer.transferId} of ${callName(state)} is not ringing agent ${data.agentId ?? '(none)'} (it is ringing ${expected === null ? 'nobody yet' : `agent ${expected}`}).`,
      { callId: state.callId, consultId: transfer.transferId, agentId: data.agentId },
    );
  }
  return consultationAnswered(state, transfer, expected, data.at);
};

export const completeConsultedTransfer = ({ data }: CompleteConsultedTransfer, state: CallState): CallEvent[] => {
  requireSeconds(data.wrapUpSeconds, 'wrapUpSeconds', 0, MAX_TIMER_SECONDS);
  requireConnectedAgent(state, data.agentId, 'complete the transfer');
  const transfer = requireConsultation(state, 'complete');
  return handOver(state, transfer, data.wrapUpSeconds, data.at);
};

/** The caller goes to the consulted party; the consulting agent wraps up. Only once the consulted party answered. */
export const handOver = (state: CallState, transfer: TransferInProgress, wrapUpSeconds: number, at: string): CallEvent[] => {
  if (transfer.consultation?.answeredAt == null) {
    throw new DomainError(
      'ConsultationNotAnswered',
      `${describeTarget(transfer.target)} has not answered consultation ${transfer.transferId} yet: wait for them, or cancel the consultation.`,
      { callId: state.callId, consultId: transfer.transferId },
    );
  }
  const { transferId, fromAgentId, target } = transfer;
  const handedOver: CallEvent =
    target.kind === 'external'
      ? { type: 'CallTransferredExternally', data: { transferId, fromAgentId, number: target.number, consulted: true, at } }
      : { type: 'CallTransferAccepted', data: { transferId, fromAgentId, toAgentId: transfer.offer?.agentId ?? '', consulted: true, at } };
  return [handedOver, ...startWrapUp(fromAgentId, wrapUpSeconds, at)];
};

export const cancelConsultation = ({ data }: CancelConsultation, state: CallState): CallEvent[] => {
  requireConnectedAgent(state, data.agentId, 'cancel the consultation');
  return [consultationEnded(requireConsultation(state, 'cancel'), 'cancelled', data.at)];
};

export const endConsultation = ({ data }: EndConsultation, state: CallState): CallEvent[] => {
  return [consultationEnded(requireConsultation(state, 'end', data.consultId), data.reason, data.at)];
};

export const consultationEnded = (transfer: TransferInProgress, reason: 'cancelled' | 'hung-up' | 'failed', at: string): CallEvent => ({
  type: 'ConsultationEnded',
  data: { consultId: transfer.transferId, agentId: transfer.offer?.agentId ?? null, offerId: transfer.offer?.offerId ?? null, reason, at },
});

/** The caller stays on hold with the consulting agent until the consultation is over. */
export const requireNoConsultation = (state: CallState, agentId: string, action: string): void => {
  const transfer = state.transfer;
  if (transfer?.consultation === undefined) return;
  throw new DomainError(
    'ConsultationInProgress',
    `Agent ${agentId} cannot ${action} during consultation ${transfer.transferId} with ${describeTarget(transfer.target)}: complete the transfer or cancel the consultation first.`,
    { callId: state.callId, consultId: transfer.transferId, agentId },
  );
};
