/** Sentences for a call's timeline, written at query time with the names agents and queues have now. */
import type { TransferTarget } from '@cc/core';
import type { CallTimelineEntry } from '../read-model-contract.ts';
import type { StoredTimelineEntry } from '../projections/call-history.ts';
import { iso } from './input.ts';

export interface Names {
  agent(agentId: string | null): string;
  queue(queueId: string | null): string;
}

const OFFER_WITHDRAWN: Record<string, string> = {
  'answered-elsewhere': 'answered by someone else',
  'agent-unavailable': 'agent no longer available',
  'force-ended': 'call ended by a supervisor',
};

const TRANSFER_REJECTED: Record<string, string> = {
  rejected: 'rejected by',
  timeout: 'not answered by',
  unavailable: 'not possible: target unavailable',
  'call-ended': 'cancelled: the call ended',
};

const CONSULTATION_ENDED: Record<string, string> = {
  cancelled: 'cancelled',
  declined: 'declined',
  timeout: 'not answered',
  unavailable: 'not possible: colleague unavailable',
  'hung-up': 'ended: the consulted party hung up',
  failed: 'failed: the number could not be reached',
  'call-ended': 'ended with the call',
};

const target = (value: TransferTarget, names: Names): string =>
  value.kind === 'agent' ? names.agent(value.agentId) : value.kind === 'queue' ? `queue ${names.queue(value.queueId)}` : value.number;

const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));

const sentence = (entry: StoredTimelineEntry, names: Names): string => {
  const [, type, agentId, queueId, details] = entry;
  const d = details ?? {};
  const agent = names.agent(agentId);
  switch (type) {
    case 'CallReceived':
      return `Call received (${str(d.channel)}) for ${names.queue(queueId)}`;
    case 'CallQueued':
      return `Queued in ${names.queue(queueId)}`;
    case 'CallRejected':
      return d.reason === 'queue-closed' ? `Rejected: ${names.queue(queueId)} is closed` : `Rejected: ${names.queue(queueId)} was removed`;
    case 'CallOffered':
      return `Offered to ${agent}`;
    case 'CallOfferDeclined':
      return `Declined by ${agent}`;
    case 'CallOfferTimedOut':
      return `Not answered by ${agent} (ring timeout)`;
    case 'CallOfferWithdrawn':
      return `Offer to ${agent} withdrawn (${OFFER_WITHDRAWN[str(d.reason)] ?? str(d.reason)})`;
    case 'CallAnswered':
      return `Answered by ${agent}`;
    case 'CallHeld':
      return `Put on hold by ${agent}`;
    case 'CallResumed':
      return `Resumed by ${agent}`;
    case 'CallTransferRequested':
      return `${agent} asked to transfer the call to ${target(d.target as TransferTarget, names)}`;
    case 'CallTransferOffered':
      return `Transfer offered to ${agent}`;
    case 'CallTransferAccepted':
      return `Transferred from ${names.agent(typeof d.fromAgentId === 'string' ? d.fromAgentId : null)} to ${agent}${d.consulted === true ? ' after a consultation' : ''}`;
    case 'CallTransferRejected': {
      const reason = TRANSFER_REJECTED[str(d.reason)] ?? str(d.reason);
      return agentId === null || d.reason === 'unavailable' || d.reason === 'call-ended' ? `Transfer ${reason}` : `Transfer ${reason} ${agent}`;
    }
    case 'CallTransferredToQueue':
      return `Transferred by ${agent} to queue ${names.queue(queueId)}`;
    case 'CallTransferredExternally':
      return `Transferred by ${agent} to ${str(d.number)}${d.consulted === true ? ' after a consultation' : ''}`;
    case 'ConsultationStarted':
      return `${agent} put the caller on hold to consult ${target(d.target as TransferTarget, names)}`;
    case 'ConsultationAnswered':
      return agentId === null ? 'Consultation answered' : `Consultation answered by ${agent}`;
    case 'ConsultationEnded':
      return `Consultation ${CONSULTATION_ENDED[str(d.reason)] ?? str(d.reason)}; the caller is back with the agent, on hold`;
    case 'CallTransferFailed':
      return `External transfer failed (${str(d.reason)})`;
    case 'CallEnded':
      switch (d.endedBy) {
        case 'caller':
          return 'Ended by caller';
        case 'agent':
          return `Ended by ${agent}`;
        case 'supervisor':
          return 'Ended by a supervisor';
        default:
          return 'Ended by the system';
      }
    case 'CallAbandoned':
      return d.while === 'ringing' ? 'Caller hung up while the call was ringing' : 'Caller hung up while waiting';
    case 'CallWaitExpired':
      return typeof d.overflowQueueId === 'string'
        ? `Maximum wait reached in ${names.queue(queueId)}: moved to ${names.queue(d.overflowQueueId)}`
        : `Maximum wait reached in ${names.queue(queueId)}: call ended`;
    case 'WrapUpStarted':
      return `${agent} started wrap-up`;
    case 'WrapUpExtended':
      return `${agent} extended wrap-up by ${str(d.bySeconds)} s`;
    case 'WrapUpCompleted': {
      const parts = [d.endedBy === 'agent' ? `${agent} completed wrap-up` : `Wrap-up of ${agent} ended (${d.endedBy === 'timer' ? 'time up' : 'no wrap-up time'})`];
      if (typeof d.rating === 'number') parts.push(`rating ${d.rating}/5`);
      if (typeof d.notes === 'string' && d.notes !== '') parts.push(`notes: ${d.notes}`);
      return parts.join('; ');
    }
    case 'DtmfReceived':
      return `${d.from === 'agent' ? 'Agent' : 'Caller'} sent ${str(d.digits)} DTMF digit${d.digits === 1 ? '' : 's'}`;
    case 'CallChecklistItemTicked':
      return `${agent} ${d.ticked === true ? 'ticked' : 'unticked'} checklist item "${str(d.item)}"`;
    case 'CallRecordingStored':
      return d.format === 'wav' ? `Recording stored (${Math.round(Number(d.durationSeconds))} s)` : 'Recording stored as captured media (no playable audio)';
    case 'OutboundCallPlaced':
      return `${agent} dialled ${typeof d.number === 'string' ? d.number : `customer ${str(d.customerId)}`}`;
    case 'OutboundCallRinging':
      return d.earlyMedia === true ? 'Callee ringing (early media)' : 'Callee ringing';
    case 'OutboundCallAnswered':
      return `Callee answered; connected to ${agent}`;
    case 'OutboundCallFailed':
      return `Outbound call not connected: ${str(d.reason)}${typeof d.sipStatus === 'number' ? ` (SIP ${d.sipStatus})` : ''}`;
    default:
      return type;
  }
};

export const describeTimeline = (timeline: readonly StoredTimelineEntry[], names: Names): CallTimelineEntry[] =>
  timeline.map((entry) => ({ at: iso(entry[0]), type: entry[1], description: sentence(entry, names), agentId: entry[2], queueId: entry[3] }));
