/**
 * What must happen next, derived from the current state rather than remembered: reactions are
 * level-triggered, so running them again (after a restart, or for a stale event) is harmless.
 * - reservations: an agent whose call no longer needs them is released (declined, missed, withdrawn,
 *   abandoned, wrap-up done, transfer rejected); a reservation whose offer never came (a router that
 *   crashed in between) is released after a grace period;
 * - an agent who stops being available while ringing has the offer withdrawn;
 * - timers: ring timeout, transfer ring timeout, max wait, wrap-up end, armed from the call's state;
 * - transfers (and consultations) to an agent: reserve the target and offer it the call;
 * - force-end: every active call of the organisation is ended;
 * - routing: the router's assignments become reservations and offers.
 */
import { randomUUID } from 'node:crypto';
import type { CallState } from '../domain/call/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { ReleaseReason } from '../events/agent-events.ts';
import type { DomainEvent } from '../events/index.ts';
import { streamCategory, streamEntityId, streams } from '../events/index.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import type { Assignment } from '../router/routing-types.ts';
import type { TimerScheduler } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import type { ContactCenter } from './contact-center.ts';

interface ArmedTimer {
  dueAt: number;
}

interface OfferRequest {
  callId: string;
  agentId: string;
  organisationId: string;
  queueId: string;
  kind: 'offer' | 'pick-up';
  ringTimeoutSeconds: number;
  ringAll: boolean;
}

type OfferAttempt = { outcome: 'offered'; offerId: string } | { outcome: 'refused' | 'failed'; error: DomainError };

const ACTIVE_STATUSES: ReadonlySet<CallState['status']> = new Set(['waiting', 'ringing', 'dialling', 'connected', 'external']);

export class CallFlow {
  readonly #cc: ContactCenter;
  readonly #timers: TimerScheduler;
  readonly #orphanGraceMs: number;
  /** Offers between their reservation and their CallOffered: not orphans. */
  readonly #offersInFlight = new Set<string>();
  readonly #transfersInFlight = new Set<string>();
  /** Agents holding a reservation, by call. */
  readonly #reservedBy = new Map<string, Set<string>>();
  readonly #reservedAt = new Map<string, number>();
  /** How each ended offer ended, for the release reason. */
  readonly #offerOutcomes = new Map<string, ReleaseReason>();
  /** `${callId}:${agentId}` pairs that talked: their release is a wrap-up ending. */
  readonly #talked = new Set<string>();
  readonly #armed = new Map<string, Map<string, ArmedTimer>>();
  /** Wall time (performance.now) at which each call started waiting, for route latency. */
  readonly #waitingSince = new Map<string, number>();
  #inFlight = 0;
  #stopped = false;

  constructor(cc: ContactCenter, timers: TimerScheduler, orphanGraceMs: number) {
    this.#cc = cc;
    this.#timers = timers;
    this.#orphanGraceMs = orphanGraceMs;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  stop(): void {
    this.#stopped = true;
    this.#timers.clear();
  }

  /** Bookkeeping from every event, during catch-up too (no commands here). */
  observe(recorded: RecordedEvent): void {
    const event = recorded as unknown as RecordedEvent & DomainEvent;
    const id = streamEntityId(recorded.streamId);
    switch (event.type) {
      case 'AgentReserved': {
        const agents = this.#reservedBy.get(event.data.callId) ?? new Set<string>();
        agents.add(id);
        this.#reservedBy.set(event.data.callId, agents);
        this.#reservedAt.set(event.data.offerId, Date.parse(event.data.at));
        return;
      }
      case 'AgentReleased': {
        const agents = this.#reservedBy.get(event.data.callId);
        agents?.delete(id);
        if (agents?.size === 0) this.#reservedBy.delete(event.data.callId);
        this.#reservedAt.delete(event.data.offerId);
        this.#offerOutcomes.delete(event.data.offerId);
        this.#talked.delete(`${event.data.callId}:${id}`);
        return;
      }
      case 'CallQueued':
        this.#waitingSince.set(id, performance.now());
        return;
      case 'CallOfferDeclined':
        this.#offerEnded(id, event.data.offerId, 'declined');
        return;
      case 'CallOfferTimedOut':
        this.#offerEnded(id, event.data.offerId, 'missed');
        return;
      case 'CallOfferWithdrawn':
        this.#offerEnded(id, event.data.offerId, 'withdrawn');
        return;
      case 'CallAbandoned':
        for (const offer of event.data.offers) this.#offerOutcomes.set(offer.offerId, 'abandoned');
        this.#waitingSince.delete(id);
        return;
      case 'CallTransferRejected':
      case 'ConsultationEnded':
        if (event.data.offerId !== null) this.#offerOutcomes.set(event.data.offerId, 'transfer-rejected');
        return;
      case 'CallAnswered':
        this.#talked.add(`${id}:${event.data.agentId}`);
        return;
      case 'CallTransferAccepted':
        this.#talked.add(`${id}:${event.data.toAgentId}`);
        return;
      case 'OutboundCallAnswered':
        this.#talked.add(`${id}:${event.data.agentId}`);
        return;
      default:
        return;
    }
  }

  /** Reactions to one live event. */
  async react(recorded: RecordedEvent): Promise<void> {
    const id = streamEntityId(recorded.streamId);
    switch (streamCategory(recorded.streamId)) {
      case 'call':
        await this.#reconcileCall(id, recorded);
        return;
      case 'agent':
        await this.#reconcileAgent(id, recorded);
        return;
      case 'organisation':
        if (recorded.type === 'AllCallsForceEndRequested') await this.#forceEnd(id, recorded);
        return;
      default:
        return;
    }
  }

  /** After catch-up: every call and every reservation brought back to what the log requires. */
  async reconcileEverything(): Promise<void> {
    for (const [streamId, snapshot] of [...this.#cc.states.calls.entries()]) {
      const callId = streamEntityId(streamId);
      if (snapshot.state.status === 'done') this.#cc.states.calls.forget(streamId);
      else await this.#reconcileCall(callId, null);
    }
    for (const [streamId, snapshot] of [...this.#cc.states.agents.entries()]) {
      if (snapshot.state.reservation !== null) await this.#reconcileAgent(streamEntityId(streamId), null);
    }
  }

  /** Turns the router's decisions into reservations and offers. */
  async dispatch(): Promise<void> {
    if (this.#stopped) return;
    const started = performance.now();
    const assignments = this.#cc.router.nextAssignments();
    if (assignments.length === 0) return;
    const perDecision = (performance.now() - started) / assignments.length;
    for (const assignment of assignments) {
      this.#cc.stats.record(this.#cc.stats.decisionMs, perDecision);
      await this.#offer(assignment);
    }
  }

  async #offer(assignment: Assignment): Promise<void> {
    const { callId, agentIds } = assignment;
    const context = this.#systemContext('router', assignment.organisationId, null);
    const offered: string[] = [];
    const failed: string[] = [];
    const refused: string[] = [];
    for (const agentId of agentIds) {
      const attempt = await this.#reserveAndOffer(
        { callId, agentId, organisationId: assignment.organisationId, queueId: assignment.queueId, kind: 'offer', ringTimeoutSeconds: assignment.ringTimeoutSeconds, ringAll: assignment.ringAll },
        context,
      );
      if (attempt.outcome === 'offered') {
        offered.push(agentId);
        this.#cc.stats.offers += 1;
      } else if (attempt.outcome === 'refused') {
        this.#cc.stats.failedReservations += 1;
        refused.push(agentId);
      } else {
        failed.push(agentId);
      }
    }
    if (offered.length > 0) {
      this.#cc.router.settleAssignment(callId, offered);
      const since = this.#waitingSince.get(callId);
      if (since !== undefined) this.#cc.stats.record(this.#cc.stats.queuedToOfferedMs, performance.now() - since);
      this.#waitingSince.delete(callId);
    }
    // The call refused every offer: it was offered elsewhere; otherwise only those agents go back.
    if (failed.length > 0 && offered.length === 0) this.#cc.router.refuseCall(callId, failed);
    else if (failed.length > 0) this.#cc.router.abandonAssignment(callId, failed);
    if (refused.length > 0) this.#cc.router.refuseAssignment(callId, refused);
  }

  /**
   * A waiting call offered to the agent who picked it up on the queue board, through the same path
   * as the router's offers: the agent's slot on their own stream, then the offer on the call's
   * stream. Whoever offered the call first (the router, another agent picking it up) wins there;
   * the loser gets the slot back and the call's refusal (CallNotWaiting) is thrown.
   */
  async pickUp(request: { callId: string; agentId: string; organisationId: string; queueId: string; ringTimeoutSeconds: number }, context: CommandContext): Promise<string> {
    const attempt = await this.#reserveAndOffer({ ...request, kind: 'pick-up', ringAll: false }, context);
    if (attempt.outcome !== 'offered') throw attempt.error;
    this.#waitingSince.delete(request.callId);
    return attempt.offerId;
  }

  /**
   * The one way a call is offered to an agent: the agent's single slot is taken first (AgentReserved
   * with the agent stream's expected revision: one call per agent), then the call is offered; an
   * offer the call refuses gives the slot back. `refused`: the agent's stream said no; `failed`: the call's.
   */
  async #reserveAndOffer(request: OfferRequest, context: CommandContext): Promise<OfferAttempt> {
    const { callId, agentId } = request;
    const offerId = randomUUID();
    this.#offersInFlight.add(offerId);
    try {
      const at = this.#cc.now();
      try {
        await this.#cc.execute('agent', agentId, { type: 'ReserveAgent', data: { callId, organisationId: request.organisationId, offerId, kind: request.kind, queueId: request.queueId, at } }, context);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { outcome: 'refused', error };
      }
      try {
        await this.#cc.execute('call', callId, { type: 'OfferCall', data: { offerId, agentId, ringTimeoutSeconds: request.ringTimeoutSeconds, ringAll: request.ringAll, at } }, context);
        return { outcome: 'offered', offerId };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.#release(agentId, callId, offerId, 'offer-failed', context);
        return { outcome: 'failed', error };
      }
    } finally {
      this.#offersInFlight.delete(offerId);
    }
  }

  #offerEnded(callId: string, offerId: string, outcome: ReleaseReason): void {
    this.#offerOutcomes.set(offerId, outcome);
    // Back in line: measure its next routing from now.
    this.#waitingSince.set(callId, performance.now());
  }

  async #reconcileCall(callId: string, cause: RecordedEvent | null): Promise<void> {
    const streamId = streams.call(callId);
    const { state: call } = await this.#cc.states.calls.load(streamId);
    if (call.status === 'none') return;
    this.#armCallTimers(callId, call);
    for (const agentId of [...(this.#reservedBy.get(callId) ?? [])]) await this.#reconcileAgent(agentId, cause);
    if (call.transfer?.target.kind === 'agent' && call.transfer.offer === null && !this.#transfersInFlight.has(call.transfer.transferId)) {
      await this.#offerTransfer(callId, call, cause);
    }
    if (call.status === 'done') {
      this.#waitingSince.delete(callId);
      if ((this.#reservedBy.get(callId)?.size ?? 0) === 0) this.#cc.states.calls.forget(streamId);
    }
  }

  async #reconcileAgent(agentId: string, cause: RecordedEvent | null): Promise<void> {
    const { state: agent } = await this.#cc.states.agents.load(streams.agent(agentId));
    const reservation = agent.reservation;
    if (reservation === null || this.#offersInFlight.has(reservation.offerId)) return;
    const { state: call } = await this.#cc.states.calls.load(streams.call(reservation.callId));
    const organisationId = agent.organisationId ?? '';
    const context = this.#systemContext('call-flow', organisationId, cause);
    if (reservation.kind === 'outbound') {
      await this.#reconcileOutbound(agentId, reservation, call, context);
      return;
    }
    const ringing = call.offers.some((offer) => offer.offerId === reservation.offerId);
    const ringingTransfer = call.transfer?.offer?.offerId === reservation.offerId;
    const holds = ringing || ringingTransfer || call.connectedAgentId === agentId || agentId in call.wrapUps;
    if (holds) {
      // A picked-up call may ring an agent in an aux status (they chose it); Offline still withdraws it.
      const absent = reservation.kind === 'pick-up' ? agent.status === 'offline' : agent.status !== 'online';
      const unavailable = absent || agent.disabled || agent.locked || agent.removed;
      if (unavailable && ringing) {
        await this.#tolerate(
          this.#cc.execute('call', reservation.callId, { type: 'WithdrawOffer', data: { offerId: reservation.offerId, reason: 'agent-unavailable', at: this.#cc.now() } }, context),
        );
      } else if (unavailable && ringingTransfer) {
        await this.#tolerate(this.#cc.execute('call', reservation.callId, { type: 'RejectTransfer', data: { agentId, at: this.#cc.now() } }, context));
      }
      return;
    }
    const outcome = this.#talked.has(`${reservation.callId}:${agentId}`) ? 'wrap-up-done' : this.#offerOutcomes.get(reservation.offerId);
    if (outcome === undefined) {
      // No trace of the offer on the call: either a router is between reserving and offering, or it died there.
      // Loaded from the store ahead of this process's subscription: first seen now, so the grace runs from now.
      const reservedAt = this.#reservedAt.get(reservation.offerId) ?? this.#cc.clock.now().getTime();
      const dueAt = reservedAt + this.#orphanGraceMs;
      if (dueAt > this.#cc.clock.now().getTime()) {
        this.#arm(reservation.callId, `orphan:${reservation.offerId}`, dueAt, () => this.#reconcileAgent(agentId, null));
        return;
      }
    }
    await this.#release(agentId, reservation.callId, reservation.offerId, outcome ?? 'offer-failed', context);
  }

  /**
   * An outbound reservation holds while the agent's call is dialling, connected to them or in their
   * wrap-up; then it is released. Before the call's first event it may be a placement in progress:
   * the same grace as an offer's applies.
   */
  async #reconcileOutbound(agentId: string, reservation: { callId: string; offerId: string }, call: CallState, context: CommandContext): Promise<void> {
    const dialling = call.status === 'dialling' && call.outbound?.agentId === agentId;
    if (dialling || call.connectedAgentId === agentId || agentId in call.wrapUps) return;
    if (call.status === 'none') {
      const reservedAt = this.#reservedAt.get(reservation.offerId) ?? this.#cc.clock.now().getTime();
      const dueAt = reservedAt + this.#orphanGraceMs;
      if (dueAt > this.#cc.clock.now().getTime()) {
        this.#arm(reservation.callId, `orphan:${reservation.offerId}`, dueAt, () => this.#reconcileAgent(agentId, null));
        return;
      }
      await this.#release(agentId, reservation.callId, reservation.offerId, 'offer-failed', context);
      return;
    }
    const talked = this.#talked.has(`${reservation.callId}:${agentId}`);
    await this.#release(agentId, reservation.callId, reservation.offerId, talked ? 'wrap-up-done' : 'outbound-failed', context);
  }

  async #release(agentId: string, callId: string, offerId: string, reason: ReleaseReason, context: CommandContext): Promise<void> {
    const { state: organisation } = await this.#cc.states.organisations.load(streams.organisation(context.organisationId));
    await this.#tolerate(
      this.#cc.execute(
        'agent',
        agentId,
        { type: 'ReleaseAgent', data: { callId, offerId, reason, maxMissedOffersInRow: organisation.maxMissedOffersInRow, at: this.#cc.now() } },
        context,
      ),
    );
  }

  async #offerTransfer(callId: string, call: CallState, cause: RecordedEvent | null): Promise<void> {
    const transfer = call.transfer;
    if (transfer === null || transfer.target.kind !== 'agent' || call.organisationId === null) return;
    const agentId = transfer.target.agentId;
    const context = this.#systemContext('call-flow', call.organisationId, cause);
    const offerId = randomUUID();
    this.#transfersInFlight.add(transfer.transferId);
    this.#offersInFlight.add(offerId);
    try {
      const at = this.#cc.now();
      try {
        await this.#cc.execute(
          'agent',
          agentId,
          { type: 'ReserveAgent', data: { callId, organisationId: call.organisationId, offerId, kind: 'transfer', queueId: call.queueId, at } },
          context,
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.#tolerate(this.#cc.execute('call', callId, { type: 'CancelTransfer', data: { reason: 'unavailable', at: this.#cc.now() } }, context));
        return;
      }
      const ringTimeoutSeconds = call.queueId === null ? 30 : ((await this.#cc.states.queues.load(streams.queue(call.queueId))).state.settings?.ringTimeoutSeconds ?? 30);
      try {
        await this.#cc.execute('call', callId, { type: 'OfferTransfer', data: { transferId: transfer.transferId, offerId, agentId, ringTimeoutSeconds, at } }, context);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await this.#release(agentId, callId, offerId, 'offer-failed', context);
      }
    } finally {
      this.#offersInFlight.delete(offerId);
      this.#transfersInFlight.delete(transfer.transferId);
    }
  }

  async #forceEnd(organisationId: string, cause: RecordedEvent): Promise<void> {
    const context = this.#systemContext('call-flow', organisationId, cause);
    const requested = cause.data as { requestedBy: string; at: string };
    for (const [streamId, snapshot] of [...this.#cc.states.calls.entries()]) {
      const call = snapshot.state;
      if (call.organisationId !== organisationId || !ACTIVE_STATUSES.has(call.status)) continue;
      await this.#tolerate(this.#cc.hangUp(streamEntityId(streamId), 'supervisor', null, `force-ended by ${requested.requestedBy}`, context));
    }
  }

  /** The timers a call's state implies; timers it no longer implies are cancelled. */
  #armCallTimers(callId: string, call: CallState): void {
    const wanted = new Map<string, { dueAt: number; fire: () => Promise<void> }>();
    const organisationId = call.organisationId ?? '';
    const timerContext = (): CommandContext => this.#systemContext('timer', organisationId, null);
    const at = (dueAt: number): string => new Date(Math.max(dueAt, this.#cc.clock.now().getTime())).toISOString();
    for (const offer of call.offers) {
      const dueAt = Date.parse(offer.ringTimeoutAt);
      wanted.set(`ring:${offer.offerId}`, {
        dueAt,
        fire: () => this.#tolerate(this.#cc.execute('call', callId, { type: 'TimeOutOffer', data: { offerId: offer.offerId, at: at(dueAt) } }, timerContext())),
      });
    }
    const transferOffer = call.transfer?.offer;
    // A consulted agent who answered talks for as long as it takes: no ring timeout any more.
    if (transferOffer != null && call.transfer?.consultation?.answeredAt == null) {
      const dueAt = Date.parse(transferOffer.ringTimeoutAt);
      wanted.set(`transfer-ring:${transferOffer.offerId}`, {
        dueAt,
        fire: () => this.#tolerate(this.#cc.execute('call', callId, { type: 'TimeOutTransfer', data: { offerId: transferOffer.offerId, at: at(dueAt) } }, timerContext())),
      });
    }
    if (call.status === 'waiting' && call.maxWaitUntil !== null && call.queueId !== null) {
      const dueAt = Date.parse(call.maxWaitUntil);
      const queueId = call.queueId;
      wanted.set(`max-wait:${callId}`, { dueAt, fire: () => this.#expireWait(callId, queueId, organisationId, at(dueAt)) });
    }
    if (call.status === 'dialling' && call.outbound !== null) {
      const dueAt = Date.parse(call.outbound.dialTimeoutAt);
      wanted.set(`dial:${callId}`, {
        dueAt,
        fire: () => this.#tolerate(this.#cc.failOutboundCall(callId, 'no-answer', null, timerContext())),
      });
    }
    for (const [agentId, wrapUp] of Object.entries(call.wrapUps)) {
      const dueAt = Date.parse(wrapUp.endsAt);
      wanted.set(`wrap-up:${agentId}`, {
        dueAt,
        fire: () => this.#tolerate(this.#cc.execute('call', callId, { type: 'EndWrapUp', data: { agentId, at: at(dueAt) } }, timerContext())),
      });
    }
    const armed = this.#armed.get(callId) ?? new Map<string, ArmedTimer>();
    for (const key of armed.keys()) {
      if (!wanted.has(key) && !key.startsWith('orphan:')) {
        this.#timers.cancel(`${callId}/${key}`);
        armed.delete(key);
      }
    }
    for (const [key, timer] of wanted) {
      if (armed.get(key)?.dueAt === timer.dueAt) continue;
      this.#arm(callId, key, timer.dueAt, timer.fire, armed);
    }
    if (armed.size === 0) this.#armed.delete(callId);
  }

  #arm(callId: string, key: string, dueAt: number, fire: () => Promise<void>, armed = this.#armed.get(callId) ?? new Map<string, ArmedTimer>()): void {
    if (this.#stopped) return;
    armed.set(key, { dueAt });
    this.#armed.set(callId, armed);
    this.#timers.schedule(`${callId}/${key}`, new Date(dueAt), () => {
      this.#armed.get(callId)?.delete(key);
      this.#inFlight += 1;
      void fire()
        .catch((error: unknown) => this.#cc.logger.error({ err: error instanceof Error ? error.message : String(error), callId, timer: key }, 'timer reaction failed'))
        .finally(() => {
          this.#inFlight -= 1;
          this.#cc.notifyProgress();
        });
    });
  }

  async #expireWait(callId: string, queueId: string, organisationId: string, at: string): Promise<void> {
    const { state: queue } = await this.#cc.states.queues.load(streams.queue(queueId));
    const overflowQueueId = queue.settings?.overflowQueueId ?? null;
    const overflowQueue = overflowQueueId === null ? null : await this.#cc.queueSnapshot(overflowQueueId, at, organisationId).catch(() => null);
    await this.#tolerate(this.#cc.execute('call', callId, { type: 'ExpireWait', data: { overflowQueue, at } }, this.#systemContext('timer', organisationId, null)));
  }

  /** A refused follow-up means the state moved on meanwhile (another process did it): nothing to do. */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.#cc.logger.debug({ code: error.code, message: error.message }, 'follow-up refused: state moved on');
    }
  }

  #systemContext(component: string, organisationId: string, cause: RecordedEvent | null): CommandContext {
    return {
      organisationId,
      actor: { kind: 'system', component },
      ...(cause === null ? {} : { correlationId: cause.metadata.correlationId, causationId: cause.id }),
    };
  }
}
