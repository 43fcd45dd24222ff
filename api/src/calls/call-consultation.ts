/**
 * Consultations (attended transfers) for the agent on a call: consult a colleague or a number while
 * the caller waits on hold, then hand the caller over or go back to them. The core decides
 * (call-decide-consultation.ts); this checks the request, names refusals for people
 * (CALL_NOT_CONNECTED, AGENT_UNAVAILABLE, NO_CONSULTATION, CONSULTATION_NOT_ANSWERED...) and answers
 * once the read models show the result.
 */
import { DomainError, streams, type CallState, type ConsultTarget, type RecordedEvent } from '@cc/core';
import type { Viewer } from '../auth/viewer.ts';
import { isE164 } from '../core-internals.ts';
import { apiError, badInput } from '../errors.ts';
import { contextOf } from '../management/agent-admin.ts';
import { settle, type Services } from '../services.ts';
import type { CallControl } from './call-control.ts';

export interface ConsultTargetInput {
  agentId?: string | null;
  externalNumber?: string | null;
}

/** Why a colleague cannot be consulted now, or null when they can be rung. */
const unavailability = (agent: { status: string; disabled: boolean; locked: boolean; reservation: unknown }): string | null => {
  if (agent.disabled) return 'their account is disabled';
  if (agent.locked) return 'their account is locked';
  if (agent.status !== 'online') return `they are ${agent.status === 'offline' ? 'Offline' : `on ${agent.status}`}`;
  if (agent.reservation !== null) return 'they are ringing, on a call or wrapping up';
  return null;
};

export class CallConsultations {
  readonly #services: Services;
  readonly #calls: CallControl;

  constructor(services: Services, calls: CallControl) {
    this.#services = services;
    this.#calls = calls;
  }

  async start(viewer: Viewer, callId: string, input: ConsultTargetInput, agentId: string | null | undefined): Promise<void> {
    const call = await this.#callOf(viewer, callId);
    const acting = this.#calls.actingAgent(viewer, agentId, 'controlAnyCall');
    const given = [input.agentId, input.externalNumber].filter((value) => value !== undefined && value !== null);
    if (given.length !== 1) throw badInput('Name exactly one party to consult: an agent or an external E.164 number.', 'target');
    // The call's own refusals first: they say more than anything about the colleague.
    if (call.status !== 'connected') throw new DomainError('CallNotConnected', `This call is ${call.status}: consult a colleague once you are connected to the caller.`, { callId, status: call.status });
    if (call.connectedAgentId !== acting) throw new DomainError('NotCallAgent', `Agent ${acting} is not on this call, so they cannot consult anyone about it.`, { callId, agentId: acting });
    const target = await this.#targetOf(viewer, input, acting, call.queueId);
    const { core } = this.#services;
    const result = await core.startConsultation(callId, acting, target, contextOf(viewer));
    await this.#settle(result.events);
    const consultId = (result.events.find((event) => event.type === 'ConsultationStarted')?.data as { consultId?: string } | undefined)?.consultId;
    // The colleague's slot is taken by the call flow after the start: they may have taken another call in between.
    const { state } = await core.states.calls.load(streams.call(callId));
    if (target.kind === 'agent' && state.transfer?.transferId !== consultId && state.connectedAgentId === acting) {
      throw apiError('AGENT_UNAVAILABLE', 'Your colleague just took another call, so the consultation ended. The caller is still on hold: resume them or consult someone else.', {
        reason: 'BUSY',
      });
    }
  }

  async complete(viewer: Viewer, callId: string, agentId: string | null | undefined): Promise<void> {
    await this.#callOf(viewer, callId);
    const acting = this.#calls.actingAgent(viewer, agentId, 'controlAnyCall');
    await this.#settle((await this.#services.core.completeConsultedTransfer(callId, acting, contextOf(viewer))).events);
  }

  async cancel(viewer: Viewer, callId: string, agentId: string | null | undefined): Promise<void> {
    await this.#callOf(viewer, callId);
    const acting = this.#calls.actingAgent(viewer, agentId, 'controlAnyCall');
    await this.#settle((await this.#services.core.cancelConsultation(callId, acting, contextOf(viewer))).events);
  }

  /** The consultation of the call as the core has it now (for the agent's in-call panel), or null. */
  async current(organisationId: string, callId: string): Promise<{ id: string; agentId: string | null; number: string | null; answered: boolean; startedBy: string } | null> {
    const { state } = await this.#services.core.states.calls.load(streams.call(callId));
    const transfer = state.organisationId === organisationId ? state.transfer : null;
    if (transfer?.consultation === undefined) return null;
    const { target } = transfer;
    return {
      id: transfer.transferId,
      agentId: target.kind === 'agent' ? target.agentId : null,
      number: target.kind === 'external' ? target.number : null,
      answered: transfer.consultation.answeredAt !== null,
      startedBy: transfer.fromAgentId,
    };
  }

  async #targetOf(viewer: Viewer, input: ConsultTargetInput, acting: string, queueId: string | null): Promise<ConsultTarget> {
    if (input.agentId != null) {
      const { state: agent } = await this.#services.core.states.agents.load(streams.agent(input.agentId));
      if (!agent.exists || agent.removed || agent.organisationId !== viewer.organisationId) {
        throw new DomainError('AgentNotFound', `There is no agent ${input.agentId} in your organisation.`, { agentId: input.agentId });
      }
      // Consulting oneself is the core's refusal (TRANSFER_TO_SELF), not a matter of availability.
      const why = input.agentId === acting ? null : unavailability(agent);
      const name = agent.profile?.fullName ?? input.agentId;
      if (why !== null) throw apiError('AGENT_UNAVAILABLE', `${name} cannot be consulted now: ${why}. Try another colleague.`, { reason: agent.status === 'online' ? 'BUSY' : agent.status.toUpperCase() });
      // As for a transfer: the colleague must be able to take the call, so they serve its queue.
      if (queueId !== null && input.agentId !== acting && agent.queues[queueId] === undefined) {
        throw apiError('AGENT_NOT_IN_QUEUE', `${name} is not an agent of this call's queue, so they cannot take it over: consult a colleague of the queue, or an external number.`);
      }
      return { kind: 'agent', agentId: input.agentId };
    }
    const number = (input.externalNumber ?? '').replace(/[\s().-]/g, '');
    if (!isE164(number)) throw new DomainError('InvalidPhoneNumber', `'${input.externalNumber ?? ''}' is not an E.164 number such as '+3225551234'.`, { number: input.externalNumber });
    return { kind: 'external', number };
  }

  async #callOf(viewer: Viewer, callId: string): Promise<CallState> {
    const { state } = await this.#services.core.states.calls.load(streams.call(callId));
    if (state.callId === null || state.organisationId !== viewer.organisationId) {
      throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
    }
    return state;
  }

  async #settle(events: readonly RecordedEvent[]): Promise<void> {
    // The colleague's reservation and offer follow from the core's reactions: the answer shows them.
    await this.#services.core.whenIdle();
    await settle(this.#services, events);
  }
}
