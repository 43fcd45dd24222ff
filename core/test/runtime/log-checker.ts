/**
 * An independent reading of the event log, for property tests of the running core: it folds the
 * reservation, offer and connection events itself (no decider, no router, no call flow) and records
 * every breach of "one call per agent" as it sees each event.
 */
import { streamCategory, streamEntityId } from '../../src/events/index.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';

interface CheckedAgent {
  organisationId: string;
  reservation: { callId: string; offerId: string; kind: string } | null;
  /** The call this agent is ringing for (offer or transfer offer) or talking on, if any. */
  engagedWith: string | null;
}

export interface CheckedCall {
  callId: string;
  organisationId: string;
  /** offerId -> agentId */
  offers: Map<string, string>;
  transfer: { transferId: string; kind: 'agent' | 'queue' | 'external'; offer: { offerId: string; agentId: string } | null } | null;
  connectedAgentId: string | null;
  wrapUps: Set<string>;
  status: 'waiting' | 'ringing' | 'connected' | 'external' | 'ended';
}

type Data = Record<string, unknown>;
const str = (data: Data, key: string): string => String(data[key]);

export class LogChecker {
  readonly agents = new Map<string, CheckedAgent>();
  readonly calls = new Map<string, CheckedCall>();
  readonly violations: string[] = [];
  events = 0;

  observe(event: RecordedEvent): void {
    this.events += 1;
    const data = event.data as Data;
    const id = streamEntityId(event.streamId);
    const category = streamCategory(event.streamId);
    if (category === 'agent') this.#agentEvent(id, event.type, data);
    else if (category === 'call') this.#callEvent(id, event.type, data, event.position);
  }

  /** At rest (nothing in flight): whoever rings or talks holds the slot for that very call. */
  checkAtRest(label: string): void {
    for (const [agentId, agent] of this.agents) {
      if (agent.engagedWith !== null && agent.reservation?.callId !== agent.engagedWith) {
        this.violations.push(`${label}: ${agentId} rings/talks on ${agent.engagedWith} without holding its slot (${JSON.stringify(agent.reservation)})`);
      }
    }
  }

  /** Agents whose slot is held although no live call needs them (not ringing, talking or wrapping up). */
  heldWithoutCause(): string[] {
    const stray: string[] = [];
    for (const [agentId, agent] of this.agents) {
      const reservation = agent.reservation;
      if (reservation === null) continue;
      const call = this.calls.get(reservation.callId);
      const needed = call !== undefined && (agent.engagedWith === call.callId || call.wrapUps.has(agentId));
      if (!needed) stray.push(`${agentId} holds ${reservation.callId} (${reservation.kind})`);
    }
    return stray;
  }

  #fail(position: bigint, message: string): void {
    this.violations.push(`@${position}: ${message}`);
  }

  #agent(agentId: string): CheckedAgent {
    let agent = this.agents.get(agentId);
    if (agent === undefined) {
      agent = { organisationId: '', reservation: null, engagedWith: null };
      this.agents.set(agentId, agent);
    }
    return agent;
  }

  #agentEvent(agentId: string, type: string, data: Data): void {
    const agent = this.#agent(agentId);
    switch (type) {
      case 'AgentRegistered':
        agent.organisationId = str(data, 'organisationId');
        return;
      case 'AgentReserved': {
        const callId = str(data, 'callId');
        if (agent.reservation !== null) this.violations.push(`${agentId} reserved for ${callId} while holding ${agent.reservation.callId}`);
        const call = this.calls.get(callId);
        if (call !== undefined && call.organisationId !== agent.organisationId) {
          this.violations.push(`${agentId} (${agent.organisationId}) reserved for ${callId} of ${call.organisationId}`);
        }
        agent.reservation = { callId, offerId: str(data, 'offerId'), kind: str(data, 'kind') };
        return;
      }
      case 'AgentReleased': {
        const callId = str(data, 'callId');
        if (agent.reservation?.callId !== callId) this.violations.push(`${agentId} released from ${callId} but held ${agent.reservation?.callId ?? 'nothing'}`);
        if (agent.engagedWith === callId) this.violations.push(`${agentId} released from ${callId} while still ringing or talking on it`);
        if (this.calls.get(callId)?.wrapUps.has(agentId) === true) this.violations.push(`${agentId} released from ${callId} while still wrapping it up`);
        agent.reservation = null;
        return;
      }
      default:
        return;
    }
  }

  #engage(agentId: string, call: CheckedCall, offerId: string | null, position: bigint, what: string): void {
    const agent = this.#agent(agentId);
    if (agent.engagedWith !== null && agent.engagedWith !== call.callId) {
      this.#fail(position, `${agentId} ${what} ${call.callId} while ringing/talking on ${agent.engagedWith}`);
    }
    if (agent.organisationId !== call.organisationId) this.#fail(position, `${agentId} (${agent.organisationId}) ${what} ${call.callId} of ${call.organisationId}`);
    if (offerId !== null && (agent.reservation?.callId !== call.callId || agent.reservation.offerId !== offerId)) {
      this.#fail(position, `${agentId} ${what} ${call.callId} (offer ${offerId}) without that reservation (${JSON.stringify(agent.reservation)})`);
    }
    agent.engagedWith = call.callId;
  }

  #disengage(agentId: string | null, callId: string): void {
    if (agentId === null) return;
    const agent = this.#agent(agentId);
    if (agent.engagedWith === callId) agent.engagedWith = null;
  }

  #callEvent(callId: string, type: string, data: Data, position: bigint): void {
    if (type === 'CallReceived') {
      this.calls.set(callId, {
        callId,
        organisationId: str(data, 'organisationId'),
        offers: new Map(),
        transfer: null,
        connectedAgentId: null,
        wrapUps: new Set(),
        status: 'waiting',
      });
      return;
    }
    const call = this.calls.get(callId);
    if (call === undefined) return;
    const endOffer = (): void => {
      const offerId = str(data, 'offerId');
      this.#disengage(call.offers.get(offerId) ?? null, callId);
      call.offers.delete(offerId);
      if (call.offers.size === 0 && call.status === 'ringing') call.status = 'waiting';
    };
    const leaveAgent = (): void => {
      this.#disengage(call.connectedAgentId, callId);
      call.connectedAgentId = null;
    };
    const endTransfer = (): void => {
      if (call.transfer?.offer != null) this.#disengage(call.transfer.offer.agentId, callId);
      call.transfer = null;
    };
    switch (type) {
      case 'CallQueued':
        call.status = 'waiting';
        return;
      case 'CallRejected':
        call.status = 'ended';
        return;
      case 'CallOffered': {
        if (call.status !== 'waiting' && call.status !== 'ringing') this.#fail(position, `${callId} offered while ${call.status}`);
        const agentId = str(data, 'agentId');
        this.#engage(agentId, call, str(data, 'offerId'), position, 'offered');
        call.offers.set(str(data, 'offerId'), agentId);
        call.status = 'ringing';
        return;
      }
      case 'CallOfferDeclined':
      case 'CallOfferTimedOut':
      case 'CallOfferWithdrawn':
        endOffer();
        return;
      case 'CallAnswered': {
        const agentId = str(data, 'agentId');
        if (call.connectedAgentId !== null) this.#fail(position, `${callId} answered by ${agentId} while connected to ${call.connectedAgentId}`);
        if (call.offers.get(str(data, 'offerId')) !== agentId) this.#fail(position, `${callId} answered by ${agentId} without a ringing offer`);
        call.offers.delete(str(data, 'offerId'));
        this.#engage(agentId, call, null, position, 'connected to');
        call.connectedAgentId = agentId;
        call.status = 'connected';
        return;
      }
      case 'CallTransferRequested': {
        const target = data['target'] as { kind: 'agent' | 'queue' | 'external' };
        call.transfer = { transferId: str(data, 'transferId'), kind: target.kind, offer: null };
        return;
      }
      case 'CallTransferOffered': {
        const agentId = str(data, 'agentId');
        if (call.status !== 'connected') this.#fail(position, `${callId} transfer offered while ${call.status}`);
        if (agentId === call.connectedAgentId) this.#fail(position, `${callId} transfer offered to its own agent ${agentId}`);
        this.#engage(agentId, call, str(data, 'offerId'), position, 'offered a transfer of');
        if (call.transfer !== null) call.transfer.offer = { offerId: str(data, 'offerId'), agentId };
        return;
      }
      case 'CallTransferAccepted': {
        const toAgentId = str(data, 'toAgentId');
        if (call.transfer?.offer?.agentId !== toAgentId) this.#fail(position, `${callId} transfer accepted by ${toAgentId}, who was not offered it`);
        leaveAgent();
        call.transfer = null;
        call.connectedAgentId = toAgentId;
        return;
      }
      case 'CallTransferRejected':
      case 'CallTransferFailed':
        endTransfer();
        return;
      case 'CallTransferredToQueue':
        leaveAgent();
        call.transfer = null;
        call.status = 'waiting';
        return;
      case 'CallTransferredExternally':
        leaveAgent();
        call.transfer = null;
        call.status = 'external';
        return;
      case 'CallEnded':
      case 'CallAbandoned':
        if (call.offers.size > 0 && type === 'CallEnded') this.#fail(position, `${callId} ended with offers still ringing`);
        for (const agentId of call.offers.values()) this.#disengage(agentId, callId);
        call.offers.clear();
        endTransfer();
        leaveAgent();
        call.status = 'ended';
        return;
      case 'CallWaitExpired':
        if (data['overflowQueueId'] === null) call.status = 'ended';
        return;
      case 'WrapUpStarted':
        call.wrapUps.add(str(data, 'agentId'));
        return;
      case 'WrapUpCompleted':
        call.wrapUps.delete(str(data, 'agentId'));
        return;
      default:
        return;
    }
  }
}
