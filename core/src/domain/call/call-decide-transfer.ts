/**
 * Transfers by the connected agent: to another agent (offered, then accepted or rejected), blind to a
 * queue (the call waits there at once), or to an external number (the gateway completes or fails it).
 */
import type { CallEvent, TransferTarget } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type {
  AcceptTransfer,
  CancelTransfer,
  CompleteExternalTransfer,
  FailTransfer,
  OfferTransfer,
  RejectTransfer,
  RequestTransfer,
  TimeOutTransfer,
} from './call-commands.ts';
import { consultationAnswered } from './call-decide-consultation.ts';
import { queuedIn } from './call-decide-queueing.ts';
import {
  addSeconds,
  callName,
  describeTarget,
  isAtOrAfter,
  isE164,
  MAX_TIMER_SECONDS,
  requireConnectedAgent,
  requireNoTransfer,
  requireSeconds,
  startWrapUp,
} from './call-rules.ts';
import type { ActiveOffer, CallState, TransferInProgress } from './call-state.ts';

/** The transfer in progress, of `kind` and with `transferId` when given. */
const requireTransfer = (
  state: CallState,
  action: string,
  expected: { transferId?: string; kind?: TransferTarget['kind']; consultation?: boolean } = {},
): TransferInProgress => {
  const transfer = state.transfer;
  const details = { callId: state.callId, status: state.status, transferId: expected.transferId ?? null };
  if (transfer === null) {
    throw new DomainError('NoTransferInProgress', `${callName(state)} (${state.status}) has no transfer in progress to ${action}.`, details);
  }
  if (expected.transferId !== undefined && transfer.transferId !== expected.transferId) {
    throw new DomainError(
      'NoTransferInProgress',
      `${callName(state)} has no transfer ${expected.transferId} to ${action}; transfer ${transfer.transferId} is in progress.`,
      { ...details, transferInProgressId: transfer.transferId },
    );
  }
  if (expected.kind !== undefined && transfer.target.kind !== expected.kind) {
    throw new DomainError(
      'NoTransferInProgress',
      `${callName(state)} has no ${expected.kind} transfer to ${action}; transfer ${transfer.transferId} goes to ${describeTarget(transfer.target)}.`,
      { ...details, transferInProgressId: transfer.transferId },
    );
  }
  if (expected.consultation !== undefined && (transfer.consultation !== undefined) !== expected.consultation) {
    const what = transfer.consultation === undefined ? 'a blind transfer' : 'a consultation';
    throw new DomainError('NoTransferInProgress', `${callName(state)} cannot ${action} transfer ${transfer.transferId}: it is ${what}.`, {
      ...details,
      transferInProgressId: transfer.transferId,
    });
  }
  return transfer;
};

/** The ringing transfer offer made to `agentId`. */
const requireTransferOfferTo = (state: CallState, agentId: string, action: string): { transfer: TransferInProgress; offer: ActiveOffer } => {
  const transfer = requireTransfer(state, action);
  const offer = transfer.offer;
  if (offer === null || offer.agentId !== agentId) {
    const ringing = offer === null ? 'nobody yet' : `agent ${offer.agentId}`;
    throw new DomainError(
      'CallNotOfferedToAgent',
      `Transfer ${transfer.transferId} of ${callName(state)} is not offered to agent ${agentId} (it is ringing ${ringing}), so they cannot ${action} it.`,
      { callId: state.callId, transferId: transfer.transferId, agentId },
    );
  }
  return { transfer, offer };
};

/** A consultation that ends this way ends as a consultation (the caller stays on hold), with the matching reason. */
const CONSULTATION_REASON = { rejected: 'declined', timeout: 'timeout', unavailable: 'unavailable', 'call-ended': 'call-ended' } as const;

const rejected = (
  transfer: TransferInProgress,
  reason: 'rejected' | 'timeout' | 'unavailable' | 'call-ended',
  at: string,
): CallEvent =>
  transfer.consultation === undefined
    ? {
        type: 'CallTransferRejected',
        data: { transferId: transfer.transferId, toAgentId: transfer.offer?.agentId ?? null, offerId: transfer.offer?.offerId ?? null, reason, at },
      }
    : {
        type: 'ConsultationEnded',
        data: { consultId: transfer.transferId, agentId: transfer.offer?.agentId ?? null, offerId: transfer.offer?.offerId ?? null, reason: CONSULTATION_REASON[reason], at },
      };

/** A pending transfer ends with the call (used by HangUp). */
export const transferEndedWithCall = (state: CallState, at: string): CallEvent[] =>
  state.transfer === null ? [] : [rejected(state.transfer, 'call-ended', at)];

const requireTargetAllowed = ({ data }: RequestTransfer, state: CallState): void => {
  const { target } = data;
  switch (target.kind) {
    case 'agent':
      if (target.agentId === data.agentId) {
        throw new DomainError('TransferToSelf', `Agent ${data.agentId} cannot transfer ${callName(state)} to themselves.`, {
          callId: state.callId,
          agentId: data.agentId,
        });
      }
      return;
    case 'external':
      if (!isE164(target.number)) {
        throw new DomainError(
          'InvalidPhoneNumber',
          `${callName(state)} cannot be transferred to '${target.number}': it is not an E.164 number such as +3225551234.`,
          { callId: state.callId, number: target.number },
        );
      }
      return;
    case 'queue': {
      const queue = data.targetQueue;
      if (queue === undefined || queue.queueId !== target.queueId) {
        throw new DomainError(
          'InvalidInput',
          `Transferring ${callName(state)} to queue ${target.queueId} needs that queue's settings (targetQueue), got ${queue === undefined ? 'none' : `queue ${queue.queueId}`}.`,
          { callId: state.callId, queueId: target.queueId },
        );
      }
      if (!queue.open) {
        throw new DomainError('QueueClosed', `Queue ${queue.queueId} is closed, so ${callName(state)} cannot be transferred to it.`, {
          callId: state.callId,
          queueId: queue.queueId,
        });
      }
      return;
    }
  }
};

export const requestTransfer = (command: RequestTransfer, state: CallState): CallEvent[] => {
  const { data } = command;
  requireSeconds(data.wrapUpSeconds, 'wrapUpSeconds', 0, MAX_TIMER_SECONDS);
  requireConnectedAgent(state, data.agentId, 'transfer the call');
  requireNoTransfer(state);
  requireTargetAllowed(command, state);
  const requested: CallEvent = {
    type: 'CallTransferRequested',
    data: { transferId: data.transferId, fromAgentId: data.agentId, target: data.target, at: data.at },
  };
  if (data.target.kind !== 'queue' || data.targetQueue === undefined) return [requested];
  // Blind transfer: the call leaves the agent now and takes a new place in the target queue's line.
  return [
    requested,
    { type: 'CallTransferredToQueue', data: { transferId: data.transferId, fromAgentId: data.agentId, queueId: data.target.queueId, at: data.at } },
    ...startWrapUp(data.agentId, data.wrapUpSeconds, data.at),
    queuedIn(data.targetQueue, data.at, data.at),
  ];
};

export const offerTransfer = ({ data }: OfferTransfer, state: CallState): CallEvent[] => {
  requireSeconds(data.ringTimeoutSeconds, 'ringTimeoutSeconds', 1, MAX_TIMER_SECONDS);
  const transfer = requireTransfer(state, 'offer', { transferId: data.transferId });
  if (transfer.target.kind !== 'agent' || transfer.target.agentId !== data.agentId) {
    throw new DomainError(
      'InvalidInput',
      `Transfer ${transfer.transferId} of ${callName(state)} goes to ${describeTarget(transfer.target)}; it cannot be offered to agent ${data.agentId}.`,
      { callId: state.callId, transferId: transfer.transferId, agentId: data.agentId },
    );
  }
  if (transfer.offer !== null) {
    throw new DomainError(
      'TransferInProgress',
      `Transfer ${transfer.transferId} of ${callName(state)} is already ringing agent ${transfer.offer.agentId} (offer ${transfer.offer.offerId}).`,
      { callId: state.callId, transferId: transfer.transferId, offerId: transfer.offer.offerId },
    );
  }
  return [
    {
      type: 'CallTransferOffered',
      data: {
        transferId: transfer.transferId,
        offerId: data.offerId,
        agentId: data.agentId,
        ringTimeoutAt: addSeconds(data.at, data.ringTimeoutSeconds),
        at: data.at,
      },
    },
  ];
};

export const acceptTransfer = ({ data }: AcceptTransfer, state: CallState): CallEvent[] => {
  requireSeconds(data.wrapUpSeconds, 'wrapUpSeconds', 0, MAX_TIMER_SECONDS);
  const { transfer, offer } = requireTransferOfferTo(state, data.agentId, 'accept');
  // A consulted agent answering talks to the consulting agent; the caller is handed over only on CompleteConsultedTransfer.
  if (transfer.consultation !== undefined) return consultationAnswered(state, transfer, data.agentId, data.at);
  return [
    { type: 'CallTransferAccepted', data: { transferId: transfer.transferId, fromAgentId: transfer.fromAgentId, toAgentId: offer.agentId, at: data.at } },
    ...startWrapUp(transfer.fromAgentId, data.wrapUpSeconds, data.at),
  ];
};

export const rejectTransfer = ({ data }: RejectTransfer, state: CallState): CallEvent[] => {
  const { transfer } = requireTransferOfferTo(state, data.agentId, 'reject');
  if (transfer.consultation?.answeredAt != null) {
    throw new DomainError('ConsultationAlreadyAnswered', `Agent ${data.agentId} already answered consultation ${transfer.transferId} of ${callName(state)}: hang up to end it.`, {
      callId: state.callId,
      consultId: transfer.transferId,
      agentId: data.agentId,
    });
  }
  return [rejected(transfer, 'rejected', data.at)];
};

export const timeOutTransfer = ({ data }: TimeOutTransfer, state: CallState): CallEvent[] => {
  const transfer = state.transfer;
  const offer = transfer?.offer;
  // Accepted, rejected, cancelled, a consultation already answered, or not due yet: the timer is stale.
  if (transfer === null || offer === null || offer === undefined || transfer.consultation?.answeredAt != null) return [];
  if (offer.offerId !== data.offerId || !isAtOrAfter(data.at, offer.ringTimeoutAt)) return [];
  return [rejected(transfer, 'timeout', data.at)];
};

export const cancelTransfer = ({ data }: CancelTransfer, state: CallState): CallEvent[] => {
  const transfer = requireTransfer(state, 'cancel', { kind: 'agent' });
  return [rejected(transfer, data.reason, data.at)];
};

export const completeExternalTransfer = ({ data }: CompleteExternalTransfer, state: CallState): CallEvent[] => {
  requireSeconds(data.wrapUpSeconds, 'wrapUpSeconds', 0, MAX_TIMER_SECONDS);
  const transfer = requireTransfer(state, 'complete', { transferId: data.transferId, kind: 'external', consultation: false });
  const number = transfer.target.kind === 'external' ? transfer.target.number : '';
  return [
    { type: 'CallTransferredExternally', data: { transferId: transfer.transferId, fromAgentId: transfer.fromAgentId, number, at: data.at } },
    ...startWrapUp(transfer.fromAgentId, data.wrapUpSeconds, data.at),
  ];
};

export const failTransfer = ({ data }: FailTransfer, state: CallState): CallEvent[] => {
  const transfer = requireTransfer(state, 'fail', { transferId: data.transferId, kind: 'external', consultation: false });
  return [{ type: 'CallTransferFailed', data: { transferId: transfer.transferId, reason: data.reason, at: data.at } }];
};
