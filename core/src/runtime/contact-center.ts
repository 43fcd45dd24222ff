/**
 * The running core: one subscription to the whole log feeds the aggregate caches, the router and the
 * call flow; the call flow turns what happened into what must happen next (offers, releases,
 * timers, transfers, force-ends). Everything it does is derived from events, so a restart, even
 * after kill -9, catches up from the log and carries on: overdue ring timeouts fire, orphaned
 * reservations are released, waiting calls are routed.
 */
import { randomUUID } from 'node:crypto';
import type { AgentCommand } from '../domain/agent/index.ts';
import { decideCall, initialCallState, type CallCommand, type QueueSnapshot } from '../domain/call/index.ts';
import { DomainError } from '../domain/errors.ts';
import type { OrganisationCommand } from '../domain/organisation/index.ts';
import { isQueueOpen, type QueueCommand } from '../domain/queue/index.ts';
import type { Caller, CallChannel, ConsultTarget, EndedBy, OutboundFailure, TransferTarget } from '../events/call-events.ts';
import { streams } from '../events/index.ts';
import type { AllSubscription, EventStore, RecordedEvent } from '../eventstore/port.ts';
import { RoutingIndex } from '../router/routing-index.ts';
import { CallFlow } from './call-flow.ts';
import { systemClock, WallClockTimerScheduler, type Clock, type TimerScheduler } from './clock.ts';
import type { CommandContext } from './command-context.ts';
import { handleCommand, type HandledCommand } from './command-handler.ts';
import { jsonLogger, type CoreLogger } from './core-logger.ts';
import { deciders, DomainStates } from './domain-states.ts';
import { RoutingStats } from './routing-stats.ts';

export interface ContactCenterOptions {
  store: EventStore;
  clock?: Clock;
  timers?: TimerScheduler;
  logger?: CoreLogger;
  /** How long a reservation may wait for its offer before it counts as left behind by a crashed router. */
  orphanReservationGraceMs?: number;
}

export type EventListener = (event: RecordedEvent) => void;

export interface ReceiveCallInput {
  callId?: string;
  organisationId: string;
  queueId: string;
  channel: CallChannel;
  caller: Caller;
  dialedNumber?: string | null;
  media?: 'audio' | 'video';
  priorityBoost?: number;
}

export interface PlaceOutboundCallInput {
  callId?: string;
  organisationId: string;
  agentId: string;
  /** E.164 number to dial; or null when dialling a customer by id. */
  number: string | null;
  customerId?: string | null;
  /** Queue the call is reported under; its number is the default caller id. */
  queueId?: string | null;
  /** E.164 number shown to the callee; overrides the queue's. */
  callerId?: string | null;
  /** How long the far end may take to answer before the call fails as 'no-answer'. Default 120 s. */
  dialTimeoutSeconds?: number;
}

/** Why an agent cannot pick up a call now (AgentNotAvailable's `reason`). */
export type PickUpRefusal = 'offline' | 'disabled' | 'locked' | 'ringing' | 'on-call' | 'wrap-up';

const PICK_UP_REFUSALS: Record<PickUpRefusal, string> = {
  offline: 'they are Offline; set any other status first',
  disabled: 'the agent is disabled',
  locked: 'the agent is locked',
  ringing: 'another call is ringing them',
  'on-call': 'they are on a call',
  'wrap-up': 'they are in wrap-up; finish it first',
};

export class ContactCenter {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly states: DomainStates;
  readonly router = new RoutingIndex();
  readonly stats = new RoutingStats();
  logger: CoreLogger;
  readonly #flow: CallFlow;
  readonly #listeners = new Set<EventListener>();
  #subscription: AllSubscription | null = null;
  #loop: Promise<void> | null = null;
  #caughtUp = false;
  #processed = 0n;
  #lastAppended = 0n;
  #inFlight = 0;
  /** True while the loop applies and reacts to an event: not idle even if nothing new is in the log. */
  #reacting = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: ContactCenterOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? jsonLogger;
    this.states = new DomainStates(this.store);
    this.#flow = new CallFlow(this, options.timers ?? new WallClockTimerScheduler(this.clock), options.orphanReservationGraceMs ?? 30_000);
  }

  /** Catches up with the whole log (router, timers, caches), then follows it live. */
  async start(): Promise<void> {
    if (this.#subscription !== null) throw new Error('ContactCenter already started');
    const subscription = this.store.subscribeToAll({ fromPosition: 'start' });
    this.#subscription = subscription;
    let caughtUp!: () => void;
    let failed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      failed = reject;
    });
    this.#loop = this.#consume(subscription, caughtUp).catch((error: unknown) => {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'core subscription stopped');
      failed(error);
    });
    await ready;
  }

  async stop(): Promise<void> {
    this.#flow.stop();
    await this.#subscription?.stop();
    await this.#loop;
    this.#subscription = null;
  }

  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** Global position of the last event the core has processed. */
  get processedPosition(): bigint {
    return this.#processed;
  }

  /** Resolves once everything this process appended has been processed and no command is in flight. */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Called for every event after the core has applied and reacted to it. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  now(): string {
    return this.clock.now().toISOString();
  }

  execute(kind: 'organisation', id: string, command: OrganisationCommand, context: CommandContext): Promise<HandledCommand<unknown, unknown>>;
  execute(kind: 'queue', id: string, command: QueueCommand, context: CommandContext): Promise<HandledCommand<unknown, unknown>>;
  execute(kind: 'agent', id: string, command: AgentCommand, context: CommandContext): Promise<HandledCommand<unknown, unknown>>;
  execute(kind: 'call', id: string, command: CallCommand, context: CommandContext): Promise<HandledCommand<unknown, unknown>>;
  async execute(
    kind: 'organisation' | 'queue' | 'agent' | 'call',
    id: string,
    command: OrganisationCommand | QueueCommand | AgentCommand | CallCommand,
    context: CommandContext,
  ): Promise<HandledCommand<unknown, unknown>> {
    this.#inFlight += 1;
    try {
      const result = await this.#handle(kind, id, command, context);
      const last = result.events.at(-1);
      if (last !== undefined && last.position > this.#lastAppended) this.#lastAppended = last.position;
      return result;
    } finally {
      this.#inFlight -= 1;
      this.#settleIdle();
    }
  }

  // ---- Intentions that need facts from more than one aggregate -------------------------------------

  /** A caller arrives for a queue: queued (or rejected when the queue is closed). */
  async receiveCall(input: ReceiveCallInput, context: CommandContext): Promise<{ callId: string; result: HandledCommand<unknown, unknown> }> {
    const callId = input.callId ?? randomUUID();
    const at = this.now();
    const queue = await this.queueSnapshot(input.queueId, at, input.organisationId);
    const result = await this.execute(
      'call',
      callId,
      {
        type: 'ReceiveCall',
        data: {
          callId,
          organisationId: input.organisationId,
          queue,
          channel: input.channel,
          caller: input.caller,
          dialedNumber: input.dialedNumber ?? null,
          media: input.media ?? 'audio',
          ...(input.priorityBoost === undefined ? {} : { priorityBoost: input.priorityBoost }),
          at,
        },
      },
      context,
    );
    return { callId, result };
  }

  /**
   * An agent dials out: the input is checked first (the decider, run on an empty call, throws what
   * it would refuse), then the agent's slot is taken (one call per agent), then the call is placed.
   * A placement that fails after the reservation gives the slot back.
   */
  async placeOutboundCall(input: PlaceOutboundCallInput, context: CommandContext): Promise<{ callId: string; callerId: string | null }> {
    const callId = input.callId ?? randomUUID();
    const reservationId = randomUUID();
    const at = this.now();
    const queueId = input.queueId ?? null;
    const queue = queueId === null ? null : await this.queueSnapshot(queueId, at, input.organisationId);
    const callerId = input.callerId ?? queue?.settings.number ?? null;
    const command: CallCommand = {
      type: 'PlaceOutboundCall',
      data: { callId, organisationId: input.organisationId, agentId: input.agentId, reservationId, queueId, number: input.number, customerId: input.customerId ?? null, callerId, dialTimeoutSeconds: input.dialTimeoutSeconds ?? 120, at },
    };
    decideCall(command, initialCallState());
    await this.execute(
      'agent',
      input.agentId,
      { type: 'ReserveAgent', data: { callId, organisationId: input.organisationId, offerId: reservationId, kind: 'outbound', queueId, at } },
      context,
    );
    try {
      await this.execute('call', callId, command, context);
    } catch (error) {
      const { state: organisation } = await this.states.organisations.load(streams.organisation(input.organisationId));
      await this.execute(
        'agent',
        input.agentId,
        { type: 'ReleaseAgent', data: { callId, offerId: reservationId, reason: 'offer-failed', maxMissedOffersInRow: organisation.maxMissedOffersInRow, at: this.now() } },
        context,
      ).catch(() => undefined);
      throw error;
    }
    return { callId, callerId };
  }

  /** The far end of an outbound call rings (180), or plays early media (183 with SDP). */
  reportOutboundRinging(callId: string, earlyMedia: boolean, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    return this.execute('call', callId, { type: 'ReportOutboundRinging', data: { earlyMedia, at: this.now() } }, context);
  }

  answerOutboundCall(callId: string, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    return this.execute('call', callId, { type: 'AnswerOutboundCall', data: { at: this.now() } }, context);
  }

  failOutboundCall(callId: string, reason: OutboundFailure, sipStatus: number | null, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    return this.execute('call', callId, { type: 'FailOutboundCall', data: { reason, sipStatus, at: this.now() } }, context);
  }

  async hangUp(callId: string, by: EndedBy, agentId: string | null, reason: string | null, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    const { state: call } = await this.states.calls.load(streams.call(callId));
    const wrapUpSeconds = await this.wrapUpSecondsFor(call.connectedAgentId ?? agentId, call.queueId);
    return this.execute('call', callId, { type: 'HangUp', data: { by, agentId, reason, wrapUpSeconds, at: this.now() } }, context);
  }

  async requestTransfer(callId: string, agentId: string, target: TransferTarget, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    const at = this.now();
    const { state: call } = await this.states.calls.load(streams.call(callId));
    const organisationId = call.organisationId ?? context.organisationId;
    const targetQueue = target.kind === 'queue' ? await this.queueSnapshot(target.queueId, at, organisationId) : undefined;
    const wrapUpSeconds = await this.wrapUpSecondsFor(agentId, call.queueId);
    const transferId = randomUUID();
    return this.execute(
      'call',
      callId,
      { type: 'RequestTransfer', data: { transferId, agentId, target, ...(targetQueue === undefined ? {} : { targetQueue }), wrapUpSeconds, at } },
      context,
    );
  }

  async acceptTransfer(callId: string, agentId: string, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    const { state: call } = await this.states.calls.load(streams.call(callId));
    const wrapUpSeconds = await this.wrapUpSecondsFor(call.transfer?.fromAgentId ?? null, call.queueId);
    return this.execute('call', callId, { type: 'AcceptTransfer', data: { agentId, wrapUpSeconds, at: this.now() } }, context);
  }

  /** The connected agent consults a colleague or a number; the caller is held. The agent's slot is reserved by the call flow, as for a transfer. */
  startConsultation(callId: string, agentId: string, target: ConsultTarget, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    return this.execute('call', callId, { type: 'StartConsultation', data: { consultId: randomUUID(), agentId, target, at: this.now() } }, context);
  }

  async completeConsultedTransfer(callId: string, agentId: string, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    const wrapUpSeconds = await this.wrapUpSecondsFor(agentId, (await this.states.calls.load(streams.call(callId))).state.queueId);
    return this.execute('call', callId, { type: 'CompleteConsultedTransfer', data: { agentId, wrapUpSeconds, at: this.now() } }, context);
  }

  cancelConsultation(callId: string, agentId: string, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    return this.execute('call', callId, { type: 'CancelConsultation', data: { agentId, at: this.now() } }, context);
  }

  async completeExternalTransfer(callId: string, transferId: string, context: CommandContext): Promise<HandledCommand<unknown, unknown>> {
    const { state: call } = await this.states.calls.load(streams.call(callId));
    const wrapUpSeconds = await this.wrapUpSecondsFor(call.transfer?.fromAgentId ?? null, call.queueId);
    return this.execute('call', callId, { type: 'CompleteExternalTransfer', data: { transferId, wrapUpSeconds, at: this.now() } }, context);
  }

  /**
   * An agent picks up a waiting call from the queue board, ahead of the router's order: the call is
   * offered to them through the router's own reserve-then-offer path, so one call per agent and one
   * offer per call hold as for any offer. Checked first so a refusal names its reason: the call
   * (CallNotFound, CallNotWaiting), the queue (NotInQueue), the agent (AgentNotAvailable: Offline,
   * disabled, locked, ringing, on a call or in wrap-up). Any status but Offline may pick up; the
   * router still offers only to Online agents. Resolves with the offer's id once the call rings them.
   */
  async pickUpCall(callId: string, agentId: string, context: CommandContext): Promise<{ offerId: string }> {
    this.#inFlight += 1;
    try {
      const { state: call } = await this.states.calls.load(streams.call(callId));
      if (call.callId === null || call.organisationId !== context.organisationId) {
        throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
      }
      if (call.status !== 'waiting' || call.queueId === null) {
        throw new DomainError('CallNotWaiting', `Call ${callId} is ${call.status}, not waiting, so it cannot be picked up.`, { callId, status: call.status, agentId });
      }
      const queueId = call.queueId;
      const { state: agent } = await this.states.agents.load(streams.agent(agentId));
      if (!agent.exists || agent.removed || agent.organisationId !== context.organisationId) {
        throw new DomainError('AgentNotFound', `There is no agent ${agentId} in your organisation.`, { agentId });
      }
      if (agent.queues[queueId] === undefined) {
        throw new DomainError('NotInQueue', `Agent ${agentId} is not a member of queue ${queueId}, so cannot pick up call ${callId} from it.`, { agentId, queueId, callId });
      }
      const busy = await this.#busyWith(agentId, agent.reservation);
      const why = agent.disabled ? 'disabled' : agent.locked ? 'locked' : agent.status === 'offline' ? 'offline' : busy;
      if (why !== null) {
        throw new DomainError('AgentNotAvailable', `Agent ${agentId} cannot pick up call ${callId}: ${PICK_UP_REFUSALS[why]}.`, { agentId, callId, reason: why });
      }
      const { state: queue } = await this.states.queues.load(streams.queue(queueId));
      const ringTimeoutSeconds = queue.settings?.ringTimeoutSeconds ?? 30;
      const offerId = await this.#flow.pickUp({ callId, agentId, organisationId: context.organisationId, queueId, ringTimeoutSeconds }, context);
      return { offerId };
    } finally {
      this.#inFlight -= 1;
      this.#settleIdle();
    }
  }

  /** What the agent's held slot is busy with, in the words of a pick-up refusal; null when free. */
  async #busyWith(agentId: string, reservation: { callId: string; kind: string } | null): Promise<PickUpRefusal | null> {
    if (reservation === null) return null;
    if (reservation.kind === 'outbound') return 'on-call';
    const { state: held } = await this.states.calls.load(streams.call(reservation.callId));
    if (agentId in held.wrapUps) return 'wrap-up';
    if (held.connectedAgentId === agentId) return 'on-call';
    return 'ringing';
  }

  /** A queue as a call command needs it: settings and whether it is open right now. */
  async queueSnapshot(queueId: string, at: string, organisationId: string): Promise<QueueSnapshot> {
    const { state } = await this.states.queues.load(streams.queue(queueId));
    if (!state.exists || state.removed || state.settings === null || state.organisationId !== organisationId) {
      throw new DomainError('QueueNotFound', `Queue ${queueId} does not exist in organisation ${organisationId}.`, { queueId, organisationId });
    }
    return { queueId, settings: state.settings, open: isQueueOpen(state.settings, at) };
  }

  /** The agent's own wrap-up time if set, else the queue's, else 30 s. */
  async wrapUpSecondsFor(agentId: string | null, queueId: string | null): Promise<number> {
    if (agentId !== null) {
      const { state: agent } = await this.states.agents.load(streams.agent(agentId));
      if (agent.profile?.wrapUpSeconds != null) return agent.profile.wrapUpSeconds;
    }
    if (queueId !== null) {
      const { state: queue } = await this.states.queues.load(streams.queue(queueId));
      if (queue.settings !== null) return queue.settings.wrapUpSeconds;
    }
    return 30;
  }

  // ---- The loop -------------------------------------------------------------------------------------

  async #consume(subscription: AllSubscription, caughtUp: () => void): Promise<void> {
    for await (const message of subscription) {
      this.#reacting = true;
      if (message.kind === 'caughtUp') {
        this.#caughtUp = true;
        await this.#guard(() => this.#flow.reconcileEverything());
        await this.#guard(() => this.#flow.dispatch());
        caughtUp();
      } else {
        const { event } = message;
        this.states.apply(event);
        this.router.apply(event);
        this.#flow.observe(event);
        this.#processed = event.position;
        if (this.#caughtUp) {
          await this.#guard(() => this.#flow.react(event));
          await this.#guard(() => this.#flow.dispatch());
        }
        this.#notifyListeners(event);
      }
      this.#reacting = false;
      this.#settleIdle();
    }
  }

  /** A reaction that fails must not stop the core: it is logged, and the next event retries the level. */
  async #guard(reaction: () => Promise<void>): Promise<void> {
    try {
      await reaction();
    } catch (error) {
      this.logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'call-flow reaction failed');
    }
  }

  #handle(
    kind: 'organisation' | 'queue' | 'agent' | 'call',
    id: string,
    command: OrganisationCommand | QueueCommand | AgentCommand | CallCommand,
    context: CommandContext,
  ): Promise<HandledCommand<unknown, unknown>> {
    // Each branch pairs a stream with its own decider; the casts only re-narrow the command union.
    switch (kind) {
      case 'organisation':
        return handleCommand(this.store, this.states.organisations, streams.organisation(id), command as OrganisationCommand, context, deciders.organisation);
      case 'queue':
        return handleCommand(this.store, this.states.queues, streams.queue(id), command as QueueCommand, context, deciders.queue);
      case 'agent':
        return handleCommand(this.store, this.states.agents, streams.agent(id), command as AgentCommand, context, deciders.agent);
      case 'call':
        return handleCommand(this.store, this.states.calls, streams.call(id), command as CallCommand, context, deciders.call);
    }
  }

  #notifyListeners(event: RecordedEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        // A broken listener (a projection, the simulator) must not stop the core.
        this.logger.error({ err: error instanceof Error ? error.message : String(error), position: String(event.position) }, 'event listener failed');
      }
    }
  }

  #isIdle(): boolean {
    return !this.#reacting && this.#inFlight === 0 && this.#processed >= this.#lastAppended && this.#flow.inFlight === 0;
  }

  #settleIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** For the call flow: lets idle waiters re-check after its own asynchronous work. */
  notifyProgress(): void {
    this.#settleIdle();
  }
}
