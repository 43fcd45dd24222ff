/**
 * Drives a RoutingIndex with recorded events the way the log would deliver them, and plays the
 * lead's part for offers (AgentReserved then CallOffered, then settle). Keeps every event so a
 * test can rebuild a second index from the same log.
 */
import type { AgentStatus, ReleaseReason } from '../../src/events/agent-events.ts';
import type { QueueSettings } from '../../src/events/queue-events.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { RoutingIndex } from '../../src/router/routing-index.ts';
export { seededRandom } from '../../src/simulator/prng.ts';
import type { Assignment } from '../../src/router/routing-types.ts';
import { aQueueSettings, anAgentProfile } from '../support/fixtures.ts';

const EPOCH = Date.UTC(2025, 0, 6, 9, 0, 0);

/** Seconds after a fixed Monday morning, as the ISO string events carry. */
export const t = (seconds: number): string => new Date(EPOCH + seconds * 1000).toISOString();


export interface AgentSetup {
  organisationId?: string;
  /** queueId -> penalty */
  queues?: Record<string, number>;
  /** Goes online at this time (seconds); omitted = stays offline. */
  onlineAt?: number;
}

export class RouterScenario {
  readonly index: RoutingIndex;
  readonly events: RecordedEvent[] = [];
  readonly organisationId: string;
  #position = 0n;
  #revisions = new Map<string, number>();
  #offerIds = new Map<string, string>();
  #offerCount = 0;
  #held: RecordedEvent[] | null = null;
  #streamOrganisations = new Map<string, string>();

  constructor(organisationId = 'org-1', index: RoutingIndex = new RoutingIndex()) {
    this.organisationId = organisationId;
    this.index = index;
  }

  record(streamId: string, type: string, data: unknown, organisationId = this.organisationId): RecordedEvent {
    this.#position += 1n;
    const revision = (this.#revisions.get(streamId) ?? -1) + 1;
    this.#revisions.set(streamId, revision);
    if (!this.#streamOrganisations.has(streamId)) this.#streamOrganisations.set(streamId, organisationId);
    const event: RecordedEvent = {
      id: `event-${this.#position}`,
      streamId,
      revision,
      position: this.#position,
      type,
      data,
      metadata: {
        organisationId,
        correlationId: `correlation-${this.#position}`,
        causationId: null,
        actor: { kind: 'system', component: 'router-test' },
        timestamp: (data as { at?: string }).at ?? t(0),
        schemaVersion: 1,
      },
    };
    this.events.push(event);
    if (this.#held !== null) this.#held.push(event);
    else this.index.apply(event);
    return event;
  }

  /** Events recorded from now on reach the index only on `deliver()` (a lagging subscription). */
  holdDelivery(): void {
    this.#held ??= [];
  }

  deliver(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const event of held) this.index.apply(event);
  }

  queue(queueId: string, settings: Partial<QueueSettings> = {}, organisationId = this.organisationId): void {
    this.record(`queue-${queueId}`, 'QueueCreated', { queueId, organisationId, settings: aQueueSettings(settings), at: t(0) }, organisationId);
  }

  updateQueue(queueId: string, changes: Partial<QueueSettings>, at = 0): void {
    this.record(`queue-${queueId}`, 'QueueUpdated', { changes, at: t(at) }, this.#orgOf(`queue-${queueId}`));
  }

  agent(agentId: string, setup: AgentSetup = {}): void {
    const organisationId = setup.organisationId ?? this.organisationId;
    const profile = anAgentProfile({ username: agentId, fullName: `Agent ${agentId}`, extension: String(1000 + this.events.length) });
    this.record(`agent-${agentId}`, 'AgentRegistered', { agentId, organisationId, profile, at: t(0) }, organisationId);
    for (const [queueId, penalty] of Object.entries(setup.queues ?? {})) this.join(agentId, queueId, penalty);
    if (setup.onlineAt !== undefined) this.status(agentId, 'online', setup.onlineAt);
  }

  join(agentId: string, queueId: string, penalty = 0, at = 0): void {
    this.#agentEvent(agentId, 'AgentJoinedQueue', { queueId, penalty, skills: [], at: t(at) });
  }

  leave(agentId: string, queueId: string, at = 0): void {
    this.#agentEvent(agentId, 'AgentLeftQueue', { queueId, at: t(at) });
  }

  status(agentId: string, status: AgentStatus, at: number): void {
    const previous = this.index.agentView(agentId)?.status ?? 'offline';
    this.#agentEvent(agentId, 'AgentStatusChanged', { status, reason: null, previousStatus: previous, at: t(at) });
  }

  agentEvent(agentId: string, type: 'AgentDisabled' | 'AgentEnabled' | 'AgentLocked' | 'AgentUnlocked' | 'AgentRemoved', at: number): void {
    this.#agentEvent(agentId, type, type === 'AgentLocked' ? { reason: 'too many attempts', at: t(at) } : { at: t(at) });
  }

  /** A call arrives and waits in `queueId`; `queuedAt` defaults to `at`. */
  call(callId: string, queueId: string, options: { at: number; priority?: number; queuedAt?: number; organisationId?: string }): void {
    const organisationId = options.organisationId ?? this.organisationId;
    const at = t(options.at);
    this.record(`call-${callId}`, 'CallReceived', {
      callId, organisationId, queueId, channel: 'pstn',
      caller: { number: '+3225550000', name: null, customerId: null }, dialedNumber: null, media: 'audio', at,
    }, organisationId);
    this.requeue(callId, queueId, { at: options.at, priority: options.priority ?? 0, queuedAt: options.queuedAt ?? options.at });
  }

  /** A further CallQueued (overflow, transfer to queue). */
  requeue(callId: string, queueId: string, options: { at: number; priority?: number; queuedAt?: number }): void {
    this.#callEvent(callId, 'CallQueued', {
      queueId, priority: options.priority ?? 0, queuedAt: t(options.queuedAt ?? options.at), maxWaitUntil: null, at: t(options.at),
    });
  }

  route(limit?: number): Assignment[] {
    return this.index.nextAssignments(limit);
  }

  /** What the lead does with an assignment: reserve each agent, offer the call, settle. */
  offer(assignment: Assignment, at: number, options: { settleFirst?: boolean } = {}): void {
    if (options.settleFirst === true) this.index.settleAssignment(assignment.callId, assignment.agentIds);
    for (const agentId of assignment.agentIds) {
      this.#offerCount += 1;
      const offerId = `offer-${this.#offerCount}`;
      this.#offerIds.set(`${assignment.callId}|${agentId}`, offerId);
      this.#agentEvent(agentId, 'AgentReserved', { callId: assignment.callId, offerId, kind: 'offer', at: t(at) });
      this.#callEvent(assignment.callId, 'CallOffered', { offerId, agentId, ringTimeoutAt: t(at + assignment.ringTimeoutSeconds), at: t(at) });
    }
    if (options.settleFirst !== true) this.index.settleAssignment(assignment.callId, assignment.agentIds);
  }

  routeAndOffer(at: number): Assignment[] {
    const assignments = this.route();
    for (const assignment of assignments) this.offer(assignment, at);
    return assignments;
  }

  offerId(callId: string, agentId: string): string {
    const offerId = this.#offerIds.get(`${callId}|${agentId}`);
    if (offerId === undefined) throw new Error(`no offer of ${callId} to ${agentId}`);
    return offerId;
  }

  /** The offer ends without an answer; the agent's slot is freed as the call flow would. */
  offerEnds(callId: string, agentId: string, how: 'CallOfferDeclined' | 'CallOfferTimedOut' | 'CallOfferWithdrawn', at: number): void {
    const offerId = this.offerId(callId, agentId);
    const data = how === 'CallOfferWithdrawn' ? { offerId, agentId, reason: 'answered-elsewhere', at: t(at) } : { offerId, agentId, at: t(at) };
    this.#callEvent(callId, how, data);
    const reason: ReleaseReason = how === 'CallOfferDeclined' ? 'declined' : how === 'CallOfferTimedOut' ? 'missed' : 'withdrawn';
    this.release(agentId, callId, reason, at);
  }

  answer(callId: string, agentId: string, at: number): void {
    this.#callEvent(callId, 'CallAnswered', { offerId: this.offerId(callId, agentId), agentId, at: t(at) });
  }

  /** The connected call ends and the agent goes into wrap-up (still reserved). */
  hangUp(callId: string, agentId: string, at: number, wrapUpSeconds = 30): void {
    this.#callEvent(callId, 'CallEnded', { endedBy: 'caller', agentId, reason: null, at: t(at) });
    this.#callEvent(callId, 'WrapUpStarted', { agentId, endsAt: t(at + wrapUpSeconds), at: t(at) });
  }

  finishWrapUp(callId: string, agentId: string, at: number): void {
    this.#callEvent(callId, 'WrapUpCompleted', { agentId, notes: null, rating: null, conversationStatus: 'closed', endedBy: 'agent', at: t(at) });
    this.release(agentId, callId, 'wrap-up-done', at);
  }

  release(agentId: string, callId: string, reason: ReleaseReason, at: number): void {
    const offerId = this.#offerIds.get(`${callId}|${agentId}`) ?? 'unknown-offer';
    this.#agentEvent(agentId, 'AgentReleased', { callId, offerId, reason, at: t(at) });
  }

  abandon(callId: string, at: number): void {
    const offers = (this.index.callView(callId)?.offers ?? []).map((offer) => ({ ...offer }));
    this.#callEvent(callId, 'CallAbandoned', { while: offers.length > 0 ? 'ringing' : 'waiting', offers, at: t(at) });
  }

  callStream(callId: string, type: string, data: unknown): void {
    this.#callEvent(callId, type, data);
  }

  #agentEvent(agentId: string, type: string, data: unknown): void {
    this.record(`agent-${agentId}`, type, data, this.#orgOf(`agent-${agentId}`));
  }

  #callEvent(callId: string, type: string, data: unknown): void {
    this.record(`call-${callId}`, type, data, this.#orgOf(`call-${callId}`));
  }

  #orgOf(streamId: string): string {
    return this.#streamOrganisations.get(streamId) ?? this.organisationId;
  }
}
