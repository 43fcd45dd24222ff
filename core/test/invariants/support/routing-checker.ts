/**
 * An independent check of invariant 1 over a whole log. It folds the events itself (no decider, no
 * runtime code), so a bug shared by the deciders and the router cannot hide here:
 * - an agent is reserved only when its slot is free (and, for offers, while Online);
 * - every AgentReleased frees the reservation actually held;
 * - every CallOffered to agent X comes while X holds a reservation for that call with the same offerId;
 * - an agent never has two calls ringing or connected at once;
 * - a call is never connected to two agents, and is answered at most once (no transfers in these runs);
 * - global positions are gap-free.
 */
import type { RecordedEvent } from '../../../src/eventstore/port.ts';

interface Held {
  callId: string;
  offerId: string;
}

interface CallFacts {
  /** Ringing offers: offerId -> agentId. */
  ringing: Map<string, string>;
  connectedAgentId: string | null;
  answers: number;
}

export interface RoutingCheck {
  violations: string[];
  reservations: number;
  offers: number;
  answers: number;
  /** Offers appended by the router (metadata.actor.component 'router'). */
  routerOffers: number;
}

const entityOf = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);
const categoryOf = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'));

export const checkRoutingInvariants = (events: readonly RecordedEvent[]): RoutingCheck => {
  const violations: string[] = [];
  const held = new Map<string, Held | null>();
  const status = new Map<string, string>();
  /** Calls ringing or connected, by agent. */
  const engaged = new Map<string, Set<string>>();
  const calls = new Map<string, CallFacts>();
  const result: RoutingCheck = { violations, reservations: 0, offers: 0, answers: 0, routerOffers: 0 };

  const fail = (event: RecordedEvent, why: string): void => {
    if (violations.length < 50) violations.push(`@${event.position} ${event.type} ${event.streamId}: ${why}`);
  };
  const engagementsOf = (agentId: string): Set<string> => {
    const set = engaged.get(agentId) ?? new Set<string>();
    engaged.set(agentId, set);
    return set;
  };
  const callOf = (callId: string): CallFacts => {
    const facts = calls.get(callId) ?? { ringing: new Map<string, string>(), connectedAgentId: null, answers: 0 };
    calls.set(callId, facts);
    return facts;
  };
  const endOffer = (event: RecordedEvent, callId: string, offerId: string): void => {
    const call = callOf(callId);
    const agentId = call.ringing.get(offerId);
    if (agentId === undefined) {
      fail(event, `offer ${offerId} ends but was not ringing`);
      return;
    }
    call.ringing.delete(offerId);
    engagementsOf(agentId).delete(callId);
  };

  events.forEach((event, index) => {
    if (event.position !== BigInt(index + 1)) fail(event, `expected global position ${index + 1} (positions must be gap-free)`);
    const id = entityOf(event.streamId);
    const data = event.data as Record<string, unknown>;
    if (categoryOf(event.streamId) === 'agent') {
      switch (event.type) {
        case 'AgentStatusChanged':
          status.set(id, String(data['status']));
          return;
        case 'AgentReserved': {
          result.reservations += 1;
          const current = held.get(id) ?? null;
          if (current !== null) fail(event, `agent ${id} reserved for ${String(data['callId'])} while holding ${current.callId}/${current.offerId}`);
          if (data['kind'] === 'offer' && status.get(id) !== 'online') fail(event, `agent ${id} reserved for an offer while ${status.get(id) ?? 'offline'}`);
          held.set(id, { callId: String(data['callId']), offerId: String(data['offerId']) });
          return;
        }
        case 'AgentReleased': {
          const current = held.get(id) ?? null;
          if (current === null || current.callId !== data['callId'] || current.offerId !== data['offerId']) {
            fail(event, `agent ${id} released ${String(data['callId'])}/${String(data['offerId'])} but held ${current === null ? 'nothing' : `${current.callId}/${current.offerId}`}`);
          }
          held.set(id, null);
          return;
        }
        default:
          return;
      }
    }
    if (categoryOf(event.streamId) !== 'call') return;
    const call = callOf(id);
    switch (event.type) {
      case 'CallOffered': {
        result.offers += 1;
        const actor = event.metadata.actor;
        if (actor.kind === 'system' && actor.component === 'router') result.routerOffers += 1;
        const agentId = String(data['agentId']);
        const offerId = String(data['offerId']);
        const current = held.get(agentId) ?? null;
        if (current === null || current.callId !== id || current.offerId !== offerId) {
          fail(event, `offer ${offerId} to agent ${agentId} without that reservation (agent holds ${current === null ? 'nothing' : `${current.callId}/${current.offerId}`})`);
        }
        const busy = engagementsOf(agentId);
        if (busy.size > 0) fail(event, `agent ${agentId} offered ${id} while already ringing or connected on ${[...busy].join(', ')}`);
        busy.add(id);
        call.ringing.set(offerId, agentId);
        return;
      }
      case 'CallOfferDeclined':
      case 'CallOfferTimedOut':
      case 'CallOfferWithdrawn':
        endOffer(event, id, String(data['offerId']));
        return;
      case 'CallAnswered': {
        result.answers += 1;
        call.answers += 1;
        const agentId = String(data['agentId']);
        if (call.answers > 1) fail(event, `call answered ${call.answers} times (last by ${agentId})`);
        if (call.connectedAgentId !== null) fail(event, `call connected to ${agentId} while connected to ${call.connectedAgentId}`);
        if (call.ringing.get(String(data['offerId'])) !== agentId) fail(event, `answered by ${agentId} without a ringing offer ${String(data['offerId'])} to them`);
        call.ringing.delete(String(data['offerId']));
        // Still engaged, now connected rather than ringing.
        engagementsOf(agentId).add(id);
        call.connectedAgentId = agentId;
        return;
      }
      case 'CallAbandoned':
        for (const offer of (data['offers'] as Array<{ offerId: string }> | undefined) ?? []) endOffer(event, id, offer.offerId);
        return;
      case 'CallEnded': {
        for (const [offerId] of call.ringing) endOffer(event, id, offerId);
        if (call.connectedAgentId !== null) engagementsOf(call.connectedAgentId).delete(id);
        call.connectedAgentId = null;
        return;
      }
      default:
        return;
    }
  });
  return result;
};
