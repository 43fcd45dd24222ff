/** HangUp: whoever ends the call, in whatever state it is. */
import type { CallEvent } from '../../events/call-events.ts';
import { DomainError } from '../errors.ts';
import type { HangUp } from './call-commands.ts';
import { consultationEnded, handOver } from './call-decide-consultation.ts';
import { cancelDial } from './call-decide-outbound.ts';
import { transferEndedWithCall } from './call-decide-transfer.ts';
import { callName, MAX_TIMER_SECONDS, requireConnectedAgent, requireSeconds, startWrapUp } from './call-rules.ts';
import { hasEnded, type CallState } from './call-state.ts';

export const hangUp = ({ data }: HangUp, state: CallState): CallEvent[] => {
  requireSeconds(data.wrapUpSeconds, 'wrapUpSeconds', 0, MAX_TIMER_SECONDS);
  if (hasEnded(state)) {
    throw new DomainError('CallAlreadyEnded', `${callName(state)} has already ended (${state.outcome ?? state.status}).`, {
      callId: state.callId,
      status: state.status,
      outcome: state.outcome,
    });
  }
  if (state.status === 'dialling') return cancelDial(state, data.by === 'agent' ? (data.agentId ?? '(none)') : null, data.at);
  const consultation = state.transfer?.consultation === undefined ? null : state.transfer;
  if (data.by === 'agent' && consultation !== null && consultation.offer !== null && data.agentId === consultation.offer.agentId) {
    // The consulted colleague hung up: the consultation ends, the caller stays on hold with the first agent.
    return [consultationEnded(consultation, 'hung-up', data.at)];
  }
  if (data.by === 'agent' && consultation?.consultation?.answeredAt != null && data.agentId === state.connectedAgentId) {
    // The consulting agent hangs up while the colleague is on the line: the caller goes to the colleague (never lost).
    return handOver(state, consultation, data.wrapUpSeconds, data.at);
  }
  if (data.by === 'agent') {
    const agentId = data.agentId ?? '(none)';
    if (state.status !== 'connected') {
      throw new DomainError('NotCallAgent', `Agent ${agentId} cannot hang up ${callName(state)}: it is ${state.status}, with no agent on it.`, {
        callId: state.callId,
        status: state.status,
        agentId: data.agentId,
      });
    }
    requireConnectedAgent(state, agentId, 'hang up the call');
  }
  const ended = (agentId: string | null): CallEvent => ({
    type: 'CallEnded',
    data: { endedBy: data.by, agentId, reason: data.reason, at: data.at },
  });

  switch (state.status) {
    case 'waiting':
    case 'ringing':
      if (data.by === 'caller') {
        return [
          {
            type: 'CallAbandoned',
            data: {
              while: state.status,
              offers: state.offers.map(({ offerId, agentId }) => ({ offerId, agentId })),
              at: data.at,
            },
          },
        ];
      }
      // Supervisor or platform: release every ringing agent first, then end the call.
      return [
        ...state.offers.map(
          (offer): CallEvent => ({
            type: 'CallOfferWithdrawn',
            data: { offerId: offer.offerId, agentId: offer.agentId, reason: 'force-ended', at: data.at },
          }),
        ),
        ended(null),
      ];
    case 'connected': {
      const agentId = state.connectedAgentId ?? '';
      return [...transferEndedWithCall(state, data.at), ended(agentId), ...startWrapUp(agentId, data.wrapUpSeconds, data.at)];
    }
    case 'external':
      return [ended(null)];
    default:
      // 'none' is refused by decideCall before it gets here.
      return [];
  }
};
