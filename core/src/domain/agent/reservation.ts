import { DomainError } from '../errors.ts';
import { RELEASE_REASONS, type AgentEvent, type AgentStatus } from '../../events/agent-events.ts';
import type { ReleaseAgent, ReservationKind, ReserveAgent } from './commands.ts';
import { agentNotFound, forceOffline } from './live-agent.ts';
import type { AgentState } from './state.ts';

const KINDS: readonly string[] = ['offer', 'transfer', 'outbound', 'pick-up'];

/**
 * The statuses in which an agent may take each kind of call. The router and transfers offer only to
 * Online agents; an agent may place a call, or pick up a waiting call from the queue board, from an
 * aux status too (Break, Meeting, Education): a deliberate choice, as contact-center desktops allow.
 * Offline never takes a call that rings.
 */
const allowedStatus = (kind: ReservationKind, status: AgentStatus): boolean =>
  kind === 'outbound' || (kind === 'pick-up' ? status !== 'offline' : status === 'online');

const notAvailable = (agentId: string, why: string, details: Record<string, unknown>): DomainError =>
  new DomainError('AgentNotAvailable', `Agent ${agentId} cannot take call ${String(details['callId'])}: ${why}.`, { agentId, ...details });

/**
 * The one-call-per-agent rule lives here: the slot is taken only when free, and a retry of the
 * reservation already held (same call and offer) changes nothing.
 */
export const reserve = ({ data }: ReserveAgent, state: AgentState): AgentEvent[] => {
  if (!state.exists || state.agentId === null) throw agentNotFound(state);
  const agentId = state.agentId;
  const facts = { callId: data.callId, offerId: data.offerId, kind: data.kind };
  if (!KINDS.includes(data.kind)) {
    throw new DomainError('InvalidInput', `Agent ${agentId}: '${data.kind}' is not a reservation kind (${KINDS.join(', ')}).`, { agentId, ...facts });
  }
  if (state.removed) throw notAvailable(agentId, 'the agent was removed', facts);
  if (data.organisationId !== state.organisationId) {
    throw notAvailable(agentId, `the call belongs to organisation ${data.organisationId}, the agent to ${String(state.organisationId)}`, facts);
  }
  const held = state.reservation;
  if (held !== null && held.callId === data.callId && held.offerId === data.offerId) return [];
  if (held !== null) {
    throw notAvailable(agentId, `already reserved for call ${held.callId} (offer ${held.offerId})`, { ...facts, reservedFor: held });
  }
  if (state.disabled) throw notAvailable(agentId, 'the agent is disabled', facts);
  if (state.locked) throw notAvailable(agentId, 'the agent is locked', facts);
  if (!allowedStatus(data.kind, state.status)) {
    const why = data.kind === 'pick-up' ? 'status is offline; a call can be picked up in any other status' : `status is ${state.status}, not online`;
    throw notAvailable(agentId, why, { ...facts, status: state.status });
  }
  if (data.queueId !== null && state.queues[data.queueId] === undefined) {
    throw new DomainError('NotInQueue', `Agent ${agentId} is not a member of queue ${data.queueId}, so cannot take call ${data.callId} from it.`, {
      agentId,
      queueId: data.queueId,
      ...facts,
    });
  }
  return [{ type: 'AgentReserved', data: { callId: data.callId, offerId: data.offerId, kind: data.kind, at: data.at } }];
};

/**
 * Frees the slot only when it is held for this call: a late or repeated release (a stale ring
 * timeout) must never free a slot another call has taken since.
 */
export const release = ({ data }: ReleaseAgent, state: AgentState): AgentEvent[] => {
  if (!state.exists || state.agentId === null) throw agentNotFound(state);
  const agentId = state.agentId;
  if (!(RELEASE_REASONS as readonly string[]).includes(data.reason)) {
    throw new DomainError('InvalidInput', `Agent ${agentId}: '${data.reason}' is not a release reason (${RELEASE_REASONS.join(', ')}).`, {
      agentId,
      callId: data.callId,
      reason: data.reason,
    });
  }
  const max = data.maxMissedOffersInRow;
  if (max !== null && !(Number.isInteger(max) && max >= 1)) {
    throw new DomainError('InvalidInput', `Agent ${agentId}: missed offers in a row must be a whole number of at least 1, or none; got ${max}.`, {
      agentId,
      maxMissedOffersInRow: max,
    });
  }
  const held = state.reservation;
  if (held === null || held.callId !== data.callId || held.offerId !== data.offerId) return [];

  const released: AgentEvent = { type: 'AgentReleased', data: { callId: data.callId, offerId: data.offerId, reason: data.reason, at: data.at } };
  if (data.reason === 'missed' && max !== null && state.missedOffersInRow + 1 >= max) {
    return [released, ...forceOffline(state, 'missed-offers', data.at)];
  }
  return [released];
};
