/**
 * Call control for agents and supervisors. An agent acts only as themselves; supervisors and owners
 * may act for any agent of the organisation. A call or agent of another organisation reads as
 * not found. Each mutation calls the core, then waits until the read models include the result.
 */
import { DomainError, streams, type AgentStatus, type RecordedEvent, type TransferTarget } from '@cc/core';
import { can, type Viewer } from '../auth/viewer.ts';
import { isE164, type CallState } from '../core-internals.ts';
import { badInput, forbidden } from '../errors.ts';
import { customerNumberOf } from './customer-number.ts';
import { contextOf } from '../management/agent-admin.ts';
import { settle, type Services } from '../services.ts';

export const MAX_STATUS_REASON_LENGTH = 60;

export type CallAction = 'answer' | 'decline' | 'hold' | 'resume' | 'hangup';

export class CallControl {
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  /** The agent the viewer acts as: the one named (when allowed) or their own. */
  actingAgent(viewer: Viewer, agentId: string | null | undefined, capability: 'controlAnyCall' | 'setAnyAgentStatus'): string {
    if (agentId === undefined || agentId === null || agentId === viewer.agentId) {
      if (viewer.agentId === null) throw badInput('You are not an agent in this organisation; name the agent to act for.', 'agentId');
      if (!can(viewer, 'controlOwnCalls') && !can(viewer, capability)) throw forbidden('control calls');
      return viewer.agentId;
    }
    if (!can(viewer, capability)) throw forbidden(capability === 'setAnyAgentStatus' ? "change another agent's status" : "control another agent's calls");
    return agentId;
  }

  async setStatus(viewer: Viewer, agentId: string | null | undefined, status: AgentStatus, reason: string | null): Promise<string> {
    const acting = this.actingAgent(viewer, agentId, 'setAnyAgentStatus');
    // A reason is a short label on the supervisor's board (the console checks the same limit).
    if (reason !== null && reason.trim().length > MAX_STATUS_REASON_LENGTH) {
      throw badInput(`A status reason has at most ${MAX_STATUS_REASON_LENGTH} characters (this one has ${reason.trim().length}).`, 'reason');
    }
    await this.#agentOf(viewer, acting);
    const { core } = this.#services;
    const result = await core.execute('agent', acting, { type: 'SetAgentStatus', data: { status, reason, at: core.now() } }, contextOf(viewer));
    await this.#settle(result.events);
    return acting;
  }

  async act(viewer: Viewer, callId: string, action: CallAction, agentId: string | null | undefined): Promise<void> {
    const call = await this.#callOf(viewer, callId);
    const { core } = this.#services;
    const context = contextOf(viewer);
    const at = core.now();
    if (action === 'hangup' && (agentId === undefined || agentId === null) && viewer.agentId !== call.connectedAgentId && can(viewer, 'controlAnyCall')) {
      // A supervisor ends a call they are not on.
      await this.#settle((await core.hangUp(callId, 'supervisor', call.connectedAgentId, 'ended by a supervisor', context)).events);
      return;
    }
    const acting = this.actingAgent(viewer, agentId, 'controlAnyCall');
    const transferOffered = call.transfer?.offer?.agentId === acting;
    let events: RecordedEvent[];
    switch (action) {
      case 'answer':
        events = transferOffered
          ? (await core.acceptTransfer(callId, acting, context)).events
          : (await core.execute('call', callId, { type: 'AnswerCall', data: { agentId: acting, at } }, context)).events;
        break;
      case 'decline':
        events = transferOffered
          ? (await core.execute('call', callId, { type: 'RejectTransfer', data: { agentId: acting, at } }, context)).events
          : (await core.execute('call', callId, { type: 'DeclineOffer', data: { agentId: acting, at } }, context)).events;
        break;
      case 'hold':
        events = (await core.execute('call', callId, { type: 'HoldCall', data: { agentId: acting, at } }, context)).events;
        break;
      case 'resume':
        events = (await core.execute('call', callId, { type: 'ResumeCall', data: { agentId: acting, at } }, context)).events;
        break;
      case 'hangup':
        events = (await core.hangUp(callId, 'agent', acting, null, context)).events;
        break;
    }
    await this.#settle(events);
  }

  async transfer(viewer: Viewer, callId: string, target: { agentId?: string | null; queueId?: string | null; externalNumber?: string | null }, agentId: string | null | undefined): Promise<void> {
    await this.#callOf(viewer, callId);
    const acting = this.actingAgent(viewer, agentId, 'controlAnyCall');
    const given = [target.agentId, target.queueId, target.externalNumber].filter((value) => value !== undefined && value !== null);
    if (given.length !== 1) throw badInput('Name exactly one transfer target: an agent, a queue or an external E.164 number.', 'target');
    let transferTarget: TransferTarget;
    if (target.agentId != null) {
      await this.#agentOf(viewer, target.agentId);
      transferTarget = { kind: 'agent', agentId: target.agentId };
    } else if (target.queueId != null) {
      transferTarget = { kind: 'queue', queueId: target.queueId };
    } else {
      const number = (target.externalNumber ?? '').trim();
      if (!isE164(number)) throw new DomainError('InvalidPhoneNumber', `'${number}' is not an E.164 number such as '+3225551234'.`, { number });
      transferTarget = { kind: 'external', number };
    }
    await this.#settle((await this.#services.core.requestTransfer(callId, acting, transferTarget, contextOf(viewer))).events);
  }

  async extendWrapUp(viewer: Viewer, callId: string, seconds: number, agentId: string | null | undefined): Promise<void> {
    await this.#callOf(viewer, callId);
    const acting = this.actingAgent(viewer, agentId, 'controlAnyCall');
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) throw badInput('Extend wrap-up by a whole number of seconds from 1 to 3600.', 'seconds');
    const { core } = this.#services;
    await this.#settle((await core.execute('call', callId, { type: 'ExtendWrapUp', data: { agentId: acting, seconds, at: core.now() } }, contextOf(viewer))).events);
  }

  async completeWrapUp(
    viewer: Viewer,
    callId: string,
    input: { notes: string | null; rating: number | null; conversationStatus: 'closed' | 'open' },
    agentId: string | null | undefined,
  ): Promise<void> {
    await this.#callOf(viewer, callId);
    const acting = this.actingAgent(viewer, agentId, 'controlAnyCall');
    const { core } = this.#services;
    const notes = input.notes === null || input.notes.trim() === '' ? null : input.notes.trim();
    const result = await core.execute('call', callId, { type: 'CompleteWrapUp', data: { agentId: acting, notes, rating: input.rating, conversationStatus: input.conversationStatus, at: core.now() } }, contextOf(viewer));
    await this.#settle(result.events);
  }

  /**
   * The signed-in agent dials out (the console's "New call"): an E.164 number, or a customer id. The
   * core keeps no customer records: a customer id alone is dialled on the number that customer last
   * called from or was called on (CustomerNumberUnknown, nothing recorded, when there is none), and
   * kept on the call. Resolves with the call's id once the read models show it.
   */
  async placeCall(viewer: Viewer, input: { number: string | null; customerId: string | null; queueId: string | null }): Promise<string> {
    const acting = this.actingAgent(viewer, null, 'controlAnyCall');
    const number = input.number === null || input.number.trim() === '' ? null : input.number.replace(/[\s().-]/g, '');
    const customerId = input.customerId === null || input.customerId.trim() === '' ? null : input.customerId.trim();
    if (number === null && customerId === null) throw badInput('Give the number to call (E.164, e.g. +3225551234) or a customer id.', 'number');
    if (number !== null && !isE164(number)) {
      throw new DomainError('InvalidPhoneNumber', `'${input.number ?? ''}' is not an E.164 number: '+', the country code and the number, digits only (e.g. +3225551234).`, {
        number: input.number,
      });
    }
    const { core } = this.#services;
    const dialled = number ?? (customerId === null ? null : customerNumberOf(this.#services.readSide, viewer.organisationId, customerId));
    const { callId } = await core.placeOutboundCall({ organisationId: viewer.organisationId, agentId: acting, number: dialled, customerId, queueId: input.queueId }, contextOf(viewer));
    await core.whenIdle();
    await this.#services.readSide.whenCaughtUpTo(core.processedPosition);
    return callId;
  }

  async forceEndAll(viewer: Viewer): Promise<void> {
    const { core } = this.#services;
    const result = await core.execute('organisation', viewer.organisationId, { type: 'ForceEndAllCalls', data: { requestedBy: viewer.userId, at: core.now() } }, contextOf(viewer));
    await this.#settle(result.events);
    // The call flow ends each call in reaction; answer once it has.
    await core.whenIdle();
    await this.#services.readSide.whenCaughtUpTo(core.processedPosition);
  }

  /** The call, when it belongs to the viewer's organisation (else: not found, as if it did not exist). */
  async #callOf(viewer: Viewer, callId: string): Promise<CallState> {
    const { state } = await this.#services.core.states.calls.load(streams.call(callId));
    if (state.callId === null || state.organisationId !== viewer.organisationId) {
      throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
    }
    return state;
  }

  async #agentOf(viewer: Viewer, agentId: string): Promise<void> {
    const { state } = await this.#services.core.states.agents.load(streams.agent(agentId));
    if (!state.exists || state.removed || state.organisationId !== viewer.organisationId) {
      throw new DomainError('AgentNotFound', `There is no agent ${agentId} in your organisation.`, { agentId });
    }
  }

  async #settle(events: readonly RecordedEvent[]): Promise<void> {
    // Offers and releases follow from the core's reactions: wait for them too, so the answer shows the next state.
    await this.#services.core.whenIdle();
    await settle(this.#services, events);
  }
}
