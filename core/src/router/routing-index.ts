/**
 * The router (ACD): an in-memory index folded from the event log that decides which waiting call
 * goes to which available agent. Pure and synchronous: time arrives inside the events.
 *
 * Per queue it keeps a heap of the calls in line and a heap of the available members ordered by
 * the queue's strategy; across queues, a heap of the queues that have both, ordered by their best
 * call. A decision pops that heap, so it costs O(q log n) (q = queues of the chosen agents), and
 * only queues touched since the last decision are re-examined.
 */
import {
  streamEntityId,
  type AgentStatus,
  type DomainEvent,
  type QueueSettings,
  type QueueStrategy,
} from '../events/index.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import { IndexedHeap } from './indexed-heap.ts';
import { compareAgents, compareCalls, isoOf, strategyRank, timeOf, type AgentKey, type CallKey } from './routing-keys.ts';
import type { AgentView, Assignment, CallView, QueueView, RoutedCallStatus } from './routing-types.ts';

/** Used for a queue the index heard of (a member joined, a call queued) before its QueueCreated. */
const DEFAULT_RING_TIMEOUT_SECONDS = 20;

interface QueueState {
  queueId: string;
  organisationId: string;
  /** False for a placeholder made before the QueueCreated event: never routed. */
  created: boolean;
  removed: boolean;
  strategy: QueueStrategy;
  ringTimeoutSeconds: number;
  /** agentId -> penalty */
  members: Map<string, number>;
  line: IndexedHeap<string, CallKey>;
  available: IndexedHeap<string, AgentKey>;
}

interface AgentState {
  agentId: string;
  organisationId: string;
  registered: boolean;
  removed: boolean;
  disabled: boolean;
  locked: boolean;
  status: AgentStatus;
  reservation: { callId: string; offerId: string; kind: 'offer' | 'transfer' | 'outbound' | 'pick-up' } | null;
  idleSince: number | null;
  wrapUpEndsAt: string | null;
  /** queueId -> penalty */
  queues: Map<string, number>;
  answeredCalls: number;
  talkSeconds: number;
  talkingSince: number | null;
  lastOfferAt: Map<string, number>;
  /**
   * Masked by a router decision not yet seen in the log; `refused` when the agent's own stream
   * refused the reservation (another router got there first), until this index sees the agent's next event.
   */
  pending: { callId: string; settled: boolean; refused?: boolean } | null;
}

interface CallState {
  callId: string;
  organisationId: string;
  queueId: string | null;
  status: RoutedCallStatus;
  priority: number;
  queuedAt: number;
  queuedAtIso: string | null;
  position: bigint;
  /** Offered while its queue rang all members: stays in line to ring agents who become free. */
  ringAll: boolean;
  /** offerId -> agentId, offers ringing now */
  offers: Map<string, string>;
  declinedBy: Set<string>;
  /** `refused` when the call's own stream refused the offer (another router offered it first), until its next event. */
  pending: { agentIds: string[]; settled: boolean; refused?: boolean } | null;
  connectedAgentId: string | null;
  /** transferId -> the agent who asked for it */
  transfers: Map<string, string>;
}

export class RoutingIndex {
  readonly #queues = new Map<string, QueueState>();
  readonly #agents = new Map<string, AgentState>();
  readonly #calls = new Map<string, CallState>();
  /** Queues with a call in line and an available member, by their best call. */
  readonly #matchable = new IndexedHeap<string, CallKey>(compareCalls);
  /** Queues whose line or available members changed since `#matchable` last looked at them. */
  readonly #dirty = new Set<string>();
  #lastPosition: bigint | null = null;

  /** Position of the last event applied, or null before the first. */
  get lastPosition(): bigint | null {
    return this.#lastPosition;
  }

  apply(recorded: RecordedEvent): void {
    if (this.#lastPosition !== null && recorded.position <= this.#lastPosition) return;
    this.#lastPosition = recorded.position;
    // The catalogue's union: every stored event is one of these; unknown types fall through the switch.
    const event = { type: recorded.type, data: recorded.data } as DomainEvent;
    const entityId = streamEntityId(recorded.streamId);
    const organisationId = recorded.metadata.organisationId;
    this.#unmaskRefused(recorded.streamId, entityId);
    switch (event.type) {
      case 'QueueCreated':
        this.#createQueue(event.data.queueId, event.data.organisationId, event.data.settings);
        return;
      case 'QueueUpdated':
        this.#updateQueue(this.#queue(entityId, organisationId), event.data.changes);
        return;
      case 'QueueRemoved': {
        const queue = this.#queue(entityId, organisationId);
        queue.removed = true;
        queue.available.clear();
        this.#dirty.add(queue.queueId);
        return;
      }
      case 'AgentRegistered': {
        const agent = this.#agent(event.data.agentId, event.data.organisationId);
        agent.registered = true;
        agent.organisationId = event.data.organisationId;
        agent.idleSince ??= timeOf(event.data.at);
        this.#placeAgent(agent);
        return;
      }
      case 'AgentStatusChanged': {
        const agent = this.#agent(entityId, organisationId);
        if (event.data.status === 'online' && agent.status !== 'online') agent.idleSince = timeOf(event.data.at);
        agent.status = event.data.status;
        this.#placeAgent(agent);
        return;
      }
      case 'AgentJoinedQueue': {
        const agent = this.#agent(entityId, organisationId);
        const queue = this.#queue(event.data.queueId, organisationId);
        agent.queues.set(queue.queueId, event.data.penalty);
        queue.members.set(agent.agentId, event.data.penalty);
        this.#placeAgentInQueue(agent, queue, this.#isEligible(agent));
        return;
      }
      case 'AgentLeftQueue': {
        const agent = this.#agent(entityId, organisationId);
        agent.queues.delete(event.data.queueId);
        const queue = this.#queues.get(event.data.queueId);
        if (queue === undefined) return;
        queue.members.delete(agent.agentId);
        if (queue.available.remove(agent.agentId)) this.#dirty.add(queue.queueId);
        return;
      }
      case 'AgentDisabled':
      case 'AgentEnabled':
      case 'AgentLocked':
      case 'AgentUnlocked':
      case 'AgentRemoved': {
        const agent = this.#agent(entityId, organisationId);
        if (event.type === 'AgentDisabled' || event.type === 'AgentEnabled') agent.disabled = event.type === 'AgentDisabled';
        else if (event.type === 'AgentLocked' || event.type === 'AgentUnlocked') agent.locked = event.type === 'AgentLocked';
        else agent.removed = true;
        this.#placeAgent(agent);
        return;
      }
      case 'AgentReserved': {
        const agent = this.#agent(entityId, organisationId);
        agent.reservation = { callId: event.data.callId, offerId: event.data.offerId, kind: event.data.kind };
        // The slot is taken in the log now: the router's mask is no longer what keeps the agent busy.
        agent.pending = null;
        this.#placeAgent(agent);
        return;
      }
      case 'AgentReleased': {
        const agent = this.#agent(entityId, organisationId);
        if (agent.reservation?.callId !== event.data.callId) return;
        agent.reservation = null;
        agent.wrapUpEndsAt = null;
        agent.idleSince = timeOf(event.data.at);
        this.#placeAgent(agent);
        return;
      }
      case 'CallReceived': {
        const call = this.#call(event.data.callId, event.data.organisationId);
        call.queueId ??= event.data.queueId;
        return;
      }
      case 'CallQueued':
        this.#queueCall(this.#call(entityId, organisationId), event.data, recorded.position);
        return;
      case 'CallOffered':
        this.#offered(entityId, event.data.offerId, event.data.agentId, timeOf(event.data.at));
        return;
      case 'CallOfferDeclined':
      case 'CallOfferTimedOut':
      case 'CallOfferWithdrawn':
        this.#offerEnded(entityId, event.data.offerId, event.data.agentId);
        return;
      case 'CallAnswered': {
        const call = this.#calls.get(entityId);
        const agent = this.#agents.get(event.data.agentId);
        if (agent !== undefined) this.#startTalk(agent, timeOf(event.data.at));
        if (call === undefined) return;
        call.offers.delete(event.data.offerId);
        call.status = 'connected';
        call.connectedAgentId = event.data.agentId;
        call.declinedBy.clear();
        this.#placeCall(call);
        return;
      }
      case 'CallTransferRequested':
        this.#calls.get(entityId)?.transfers.set(event.data.transferId, event.data.fromAgentId);
        return;
      case 'CallTransferAccepted': {
        const at = timeOf(event.data.at);
        this.#endTalk(event.data.fromAgentId, at);
        const to = this.#agents.get(event.data.toAgentId);
        if (to !== undefined) this.#startTalk(to, at);
        const call = this.#calls.get(entityId);
        if (call !== undefined) call.connectedAgentId = event.data.toAgentId;
        return;
      }
      case 'CallTransferredToQueue':
      case 'CallTransferredExternally': {
        this.#endTalk(event.data.fromAgentId, timeOf(event.data.at));
        const call = this.#calls.get(entityId);
        if (call !== undefined) call.connectedAgentId = null;
        return;
      }
      case 'CallTransferFailed': {
        // The call is back with the agent who asked for the transfer: their talk goes on.
        const call = this.#calls.get(entityId);
        const agentId = call?.transfers.get(event.data.transferId);
        const agent = agentId === undefined ? undefined : this.#agents.get(agentId);
        if (call === undefined || agent === undefined) return;
        call.connectedAgentId = agent.agentId;
        this.#startTalk(agent, timeOf(event.data.at), false);
        return;
      }
      case 'CallEnded': {
        const call = this.#calls.get(entityId);
        const agentId = call?.connectedAgentId ?? event.data.agentId;
        if (agentId !== null) this.#endTalk(agentId, timeOf(event.data.at));
        if (call !== undefined) this.#forgetCall(call);
        return;
      }
      case 'CallAbandoned':
      case 'CallRejected': {
        const call = this.#calls.get(entityId);
        if (call !== undefined) this.#forgetCall(call);
        return;
      }
      case 'CallWaitExpired': {
        const call = this.#calls.get(entityId);
        if (call === undefined) return;
        if (event.data.overflowQueueId === null) {
          this.#forgetCall(call);
          return;
        }
        // Out of this line; the CallQueued that follows puts it in the overflow queue's.
        call.status = 'received';
        this.#placeCall(call);
        return;
      }
      case 'WrapUpStarted':
      case 'WrapUpExtended': {
        const agent = this.#agents.get(event.data.agentId);
        if (agent !== undefined) agent.wrapUpEndsAt = event.data.endsAt;
        return;
      }
      case 'WrapUpCompleted': {
        const agent = this.#agents.get(event.data.agentId);
        if (agent !== undefined) agent.wrapUpEndsAt = null;
        return;
      }
      default:
        return;
    }
  }

  /**
   * Decides up to `limit` offers. Each call and agent returned is pending until
   * `settleAssignment` / `abandonAssignment` (or the events of the offer) say otherwise.
   * Afterwards (unless `limit` stopped it) no queue has both a call in line and an available,
   * non-pending member that call may ring.
   */
  nextAssignments(limit: number = Number.POSITIVE_INFINITY): Assignment[] {
    const assignments: Assignment[] = [];
    this.#flushDirty();
    while (assignments.length < limit) {
      const best = this.#matchable.peek();
      if (best === undefined) break;
      const queue = this.#queues.get(best.key);
      const call = this.#calls.get(best.value.callId);
      if (queue === undefined || call === undefined) {
        // Cannot happen while the heaps are consistent; drop the entry rather than loop forever.
        this.#matchable.remove(best.key);
        continue;
      }
      const ringAll = queue.strategy === 'ring-all';
      const agentIds = this.#agentsFor(call, queue, ringAll);
      if (agentIds.length === 0) {
        this.#matchable.remove(queue.queueId);
        continue;
      }
      call.pending = { agentIds, settled: false };
      this.#placeCall(call);
      for (const agentId of agentIds) {
        const agent = this.#agents.get(agentId);
        if (agent === undefined) continue;
        agent.pending = { callId: call.callId, settled: false };
        this.#placeAgent(agent);
      }
      assignments.push({
        callId: call.callId,
        queueId: queue.queueId,
        organisationId: queue.organisationId,
        agentIds,
        ringTimeoutSeconds: queue.ringTimeoutSeconds,
        ringAll,
      });
      this.#flushDirty();
    }
    return assignments;
  }

  /**
   * The store accepted the offer: the call and agents stay out of routing until the offer's own
   * events (AgentReserved, CallOffered) arrive, or are already out if those came first.
   */
  settleAssignment(callId: string, agentIds: readonly string[]): void {
    for (const agentId of agentIds) {
      const agent = this.#agents.get(agentId);
      if (agent?.pending?.callId === callId) agent.pending.settled = true;
    }
    const call = this.#calls.get(callId);
    if (call?.pending != null && call.pending.agentIds.some((id) => agentIds.includes(id))) call.pending.settled = true;
  }

  /** The offer failed: the call and agents route again as the log says they are now. */
  abandonAssignment(callId: string, agentIds: readonly string[]): void {
    for (const agentId of agentIds) {
      const agent = this.#agents.get(agentId);
      if (agent?.pending?.callId !== callId) continue;
      agent.pending = null;
      this.#placeAgent(agent);
    }
    const call = this.#calls.get(callId);
    if (call?.pending != null && call.pending.agentIds.some((id) => agentIds.includes(id))) {
      call.pending = null;
      this.#placeCall(call);
    }
  }

  /**
   * The agents refused the reservation: their streams know something this index has not seen yet
   * (usually another router's reservation). The call routes again now; the agents stay out of
   * routing until their next event arrives, instead of being tried again and again meanwhile.
   */
  refuseAssignment(callId: string, refusedAgentIds: readonly string[]): void {
    this.abandonAssignment(callId, refusedAgentIds);
    for (const agentId of refusedAgentIds) {
      const agent = this.#agents.get(agentId);
      if (agent === undefined || agent.pending !== null) continue;
      agent.pending = { callId, settled: true, refused: true };
      this.#placeAgent(agent);
    }
  }

  /**
   * The call refused the offer (its stream knows of another offer this index has not seen yet): the
   * agents route again now; the call stays out of routing until its next event arrives.
   */
  refuseCall(callId: string, agentIds: readonly string[]): void {
    this.abandonAssignment(callId, agentIds);
    const call = this.#calls.get(callId);
    if (call === undefined || call.pending !== null) return;
    call.pending = { agentIds: [], settled: true, refused: true };
    this.#placeCall(call);
  }

  #unmaskRefused(streamId: string, entityId: string): void {
    if (streamId.startsWith('call-')) {
      const call = this.#calls.get(entityId);
      if (call?.pending?.refused !== true) return;
      call.pending = null;
      this.#placeCall(call);
      return;
    }
    if (!streamId.startsWith('agent-')) return;
    const agent = this.#agents.get(entityId);
    if (agent?.pending?.refused !== true) return;
    agent.pending = null;
    this.#placeAgent(agent);
  }

  agentView(agentId: string): AgentView | undefined {
    const agent = this.#agents.get(agentId);
    if (agent === undefined) return undefined;
    const lastOfferAt: Record<string, string> = {};
    for (const [queueId, at] of agent.lastOfferAt) lastOfferAt[queueId] = isoOf(at);
    return {
      agentId: agent.agentId,
      organisationId: agent.organisationId,
      registered: agent.registered,
      removed: agent.removed,
      disabled: agent.disabled,
      locked: agent.locked,
      status: agent.status,
      available: this.#isAvailable(agent),
      pending: agent.pending === null ? null : { ...agent.pending },
      reservation: agent.reservation === null ? null : { ...agent.reservation },
      wrapUpEndsAt: agent.wrapUpEndsAt,
      queues: [...agent.queues].map(([queueId, penalty]) => ({ queueId, penalty })),
      idleSince: agent.idleSince === null ? null : isoOf(agent.idleSince),
      stats: { answeredCalls: agent.answeredCalls, talkSeconds: agent.talkSeconds, lastOfferAt },
    };
  }

  /** A call the router still tracks; undefined once it ended, was abandoned, rejected or expired. */
  callView(callId: string): CallView | undefined {
    const call = this.#calls.get(callId);
    if (call === undefined) return undefined;
    return {
      callId: call.callId,
      organisationId: call.organisationId,
      queueId: call.queueId,
      status: call.status,
      priority: call.priority,
      queuedAt: call.queuedAtIso,
      inLine: call.queueId !== null && this.#queues.get(call.queueId)?.line.has(call.callId) === true,
      offers: [...call.offers].map(([offerId, agentId]) => ({ offerId, agentId })),
      declinedBy: [...call.declinedBy],
      pending: call.pending === null ? null : { ...call.pending, agentIds: [...call.pending.agentIds] },
      connectedAgentId: call.connectedAgentId,
    };
  }

  queueView(queueId: string): QueueView | undefined {
    const queue = this.#queues.get(queueId);
    if (queue === undefined) return undefined;
    return {
      queueId: queue.queueId,
      organisationId: queue.organisationId,
      strategy: queue.strategy,
      ringTimeoutSeconds: queue.ringTimeoutSeconds,
      removed: queue.removed,
      members: [...queue.members].map(([agentId, penalty]) => ({ agentId, penalty })),
    };
  }

  /** Calls in the queue's line (not pending), including ring-all calls still ringing there. */
  waitingCount(queueId: string): number {
    return this.#queues.get(queueId)?.line.size ?? 0;
  }

  /** Members available for routing now (not pending). */
  availableCount(queueId: string): number {
    return this.#queues.get(queueId)?.available.size ?? 0;
  }

  /** Calls in line in the order they will be served (O(k log k) for the first k). */
  *callsInLine(queueId: string): Generator<string> {
    const queue = this.#queues.get(queueId);
    if (queue === undefined) return;
    for (const [callId] of queue.line.ordered()) yield callId;
  }

  /** Available members in the order the queue's strategy would pick them. */
  *availableAgents(queueId: string): Generator<string> {
    const queue = this.#queues.get(queueId);
    if (queue === undefined) return;
    for (const [agentId] of queue.available.ordered()) yield agentId;
  }

  // ---- queues ----

  #queue(queueId: string, organisationId: string): QueueState {
    let queue = this.#queues.get(queueId);
    if (queue === undefined) {
      queue = {
        queueId,
        organisationId,
        created: false,
        removed: false,
        strategy: 'longest-idle',
        ringTimeoutSeconds: DEFAULT_RING_TIMEOUT_SECONDS,
        members: new Map(),
        line: new IndexedHeap(compareCalls),
        available: new IndexedHeap(compareAgents),
      };
      this.#queues.set(queueId, queue);
    }
    return queue;
  }

  #createQueue(queueId: string, organisationId: string, settings: QueueSettings): void {
    const queue = this.#queue(queueId, organisationId);
    queue.created = true;
    queue.organisationId = organisationId;
    this.#updateQueue(queue, settings);
    // A placeholder may already hold members and calls that were waiting for this event.
    this.#rebuildQueue(queue);
  }

  #updateQueue(queue: QueueState, changes: Partial<QueueSettings>): void {
    if (changes.ringTimeoutSeconds !== undefined) queue.ringTimeoutSeconds = changes.ringTimeoutSeconds;
    if (changes.strategy !== undefined && changes.strategy !== queue.strategy) {
      queue.strategy = changes.strategy;
      this.#rebuildQueue(queue);
    }
  }

  /** Re-keys every member of one queue (a new strategy, or the queue's creation). O(m log m). */
  #rebuildQueue(queue: QueueState): void {
    for (const agentId of queue.members.keys()) {
      const agent = this.#agents.get(agentId);
      if (agent !== undefined) this.#placeAgentInQueue(agent, queue, this.#isEligible(agent));
    }
    this.#dirty.add(queue.queueId);
  }

  #isRoutable(queue: QueueState): boolean {
    return queue.created && !queue.removed;
  }

  // ---- agents ----

  #agent(agentId: string, organisationId: string): AgentState {
    let agent = this.#agents.get(agentId);
    if (agent === undefined) {
      agent = {
        agentId,
        organisationId,
        registered: false,
        removed: false,
        disabled: false,
        locked: false,
        status: 'offline',
        reservation: null,
        idleSince: null,
        wrapUpEndsAt: null,
        queues: new Map(),
        answeredCalls: 0,
        talkSeconds: 0,
        talkingSince: null,
        lastOfferAt: new Map(),
        pending: null,
      };
      this.#agents.set(agentId, agent);
    }
    return agent;
  }

  #isAvailable(agent: AgentState): boolean {
    return agent.registered && !agent.removed && !agent.disabled && !agent.locked && agent.status === 'online' && agent.reservation === null;
  }

  #isEligible(agent: AgentState): boolean {
    return this.#isAvailable(agent) && agent.pending === null;
  }

  /** Puts the agent in (or takes it out of) the available heap of each of its queues. O(q log n). */
  #placeAgent(agent: AgentState): void {
    const eligible = this.#isEligible(agent);
    for (const queueId of agent.queues.keys()) {
      const queue = this.#queues.get(queueId);
      if (queue !== undefined) this.#placeAgentInQueue(agent, queue, eligible);
    }
  }

  #placeAgentInQueue(agent: AgentState, queue: QueueState, eligible: boolean): void {
    const penalty = agent.queues.get(queue.queueId);
    if (eligible && penalty !== undefined && !queue.removed && queue.organisationId === agent.organisationId) {
      const rank = strategyRank(queue.strategy, {
        penalty,
        answeredCalls: agent.answeredCalls,
        talkSeconds: agent.talkSeconds,
        lastOfferAt: agent.lastOfferAt.get(queue.queueId),
      });
      const previous = queue.available.get(agent.agentId);
      const idleSince = agent.idleSince ?? 0;
      if (previous !== undefined && previous.rank === rank && previous.idleSince === idleSince) return;
      queue.available.set(agent.agentId, { agentId: agent.agentId, rank, idleSince });
      this.#dirty.add(queue.queueId);
    } else if (queue.available.remove(agent.agentId)) {
      this.#dirty.add(queue.queueId);
    }
  }

  #startTalk(agent: AgentState, at: number, countsAsAnswered = true): void {
    if (countsAsAnswered) agent.answeredCalls += 1;
    agent.talkingSince = at;
    this.#placeAgent(agent);
  }

  #endTalk(agentId: string, at: number): void {
    const agent = this.#agents.get(agentId);
    if (agent?.talkingSince == null) return;
    agent.talkSeconds += Math.max(0, at - agent.talkingSince) / 1000;
    agent.talkingSince = null;
    this.#placeAgent(agent);
  }

  // ---- calls ----

  #call(callId: string, organisationId: string): CallState {
    let call = this.#calls.get(callId);
    if (call === undefined) {
      call = {
        callId,
        organisationId,
        queueId: null,
        status: 'received',
        priority: 0,
        queuedAt: 0,
        queuedAtIso: null,
        position: 0n,
        ringAll: false,
        offers: new Map(),
        declinedBy: new Set(),
        pending: null,
        connectedAgentId: null,
        transfers: new Map(),
      };
      this.#calls.set(callId, call);
    }
    return call;
  }

  #queueCall(call: CallState, data: { queueId: string; priority: number; queuedAt: string }, position: bigint): void {
    this.#takeOutOfLine(call);
    const queue = this.#queue(data.queueId, call.organisationId);
    call.queueId = queue.queueId;
    call.status = 'waiting';
    call.priority = data.priority;
    call.queuedAt = timeOf(data.queuedAt);
    call.queuedAtIso = data.queuedAt;
    call.position = position;
    call.ringAll = false;
    call.offers.clear();
    call.declinedBy.clear();
    call.connectedAgentId = null;
    this.#placeCall(call);
  }

  #offered(callId: string, offerId: string, agentId: string, at: number): void {
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    call.offers.set(offerId, agentId);
    call.status = 'ringing';
    const queue = call.queueId === null ? undefined : this.#queues.get(call.queueId);
    call.ringAll = queue?.strategy === 'ring-all';
    if (call.pending?.agentIds.includes(agentId) === true) call.pending = null;
    this.#placeCall(call);
    const agent = this.#agents.get(agentId);
    if (agent !== undefined && queue !== undefined) {
      agent.lastOfferAt.set(queue.queueId, at);
      this.#placeAgent(agent);
    }
  }

  #offerEnded(callId: string, offerId: string, agentId: string): void {
    const call = this.#calls.get(callId);
    if (call === undefined || !call.offers.delete(offerId)) return;
    if (call.status !== 'ringing') return;
    if (call.offers.size === 0) {
      // Nobody rings any more: back to its original place in line.
      call.status = 'waiting';
      call.ringAll = false;
      call.declinedBy.clear();
    } else if (call.ringAll) {
      call.declinedBy.add(agentId);
    }
    this.#placeCall(call);
    if (call.queueId !== null) this.#dirty.add(call.queueId);
  }

  #belongsInLine(call: CallState, queue: QueueState): boolean {
    return (
      call.pending === null &&
      call.organisationId === queue.organisationId &&
      (call.status === 'waiting' || (call.status === 'ringing' && call.ringAll))
    );
  }

  #placeCall(call: CallState): void {
    if (call.queueId === null) return;
    const queue = this.#queues.get(call.queueId);
    if (queue === undefined) return;
    if (this.#belongsInLine(call, queue)) {
      if (queue.line.has(call.callId)) return;
      queue.line.set(call.callId, { callId: call.callId, priority: call.priority, queuedAt: call.queuedAt, position: call.position });
      this.#dirty.add(queue.queueId);
    } else if (queue.line.remove(call.callId)) {
      this.#dirty.add(queue.queueId);
    }
  }

  #takeOutOfLine(call: CallState): void {
    if (call.queueId === null) return;
    const queue = this.#queues.get(call.queueId);
    if (queue?.line.remove(call.callId) === true) this.#dirty.add(queue.queueId);
  }

  #forgetCall(call: CallState): void {
    this.#takeOutOfLine(call);
    this.#calls.delete(call.callId);
  }

  // ---- matching ----

  #flushDirty(): void {
    for (const queueId of this.#dirty) {
      const queue = this.#queues.get(queueId);
      const head = queue === undefined ? undefined : this.#bestCall(queue);
      if (head === undefined) this.#matchable.remove(queueId);
      else this.#matchable.set(queueId, head);
    }
    this.#dirty.clear();
  }

  /** The first call in line that some available member may ring, if the queue routes at all. */
  #bestCall(queue: QueueState): CallKey | undefined {
    if (!this.#isRoutable(queue) || queue.line.size === 0 || queue.available.size === 0) return undefined;
    const head = queue.line.peek();
    if (head === undefined) return undefined;
    if (this.#canRing(head.key, queue)) return head.value;
    // Only a ring-all call that every available member already turned down is skipped: such calls
    // each hold a ringing agent, so there are never more of them than members.
    for (const [callId, key] of queue.line.ordered()) {
      if (this.#canRing(callId, queue)) return key;
    }
    return undefined;
  }

  #canRing(callId: string, queue: QueueState): boolean {
    const declinedBy = this.#calls.get(callId)?.declinedBy;
    if (declinedBy === undefined || declinedBy.size === 0 || queue.available.size > declinedBy.size) return true;
    for (const [agentId] of queue.available.entries()) if (!declinedBy.has(agentId)) return true;
    return false;
  }

  #agentsFor(call: CallState, queue: QueueState, ringAll: boolean): string[] {
    if (!ringAll && call.declinedBy.size === 0) {
      const first = queue.available.peek();
      return first === undefined ? [] : [first.key];
    }
    const agentIds: string[] = [];
    for (const [agentId] of queue.available.ordered()) {
      if (call.declinedBy.has(agentId)) continue;
      agentIds.push(agentId);
      if (!ringAll) break;
    }
    return agentIds;
  }
}
