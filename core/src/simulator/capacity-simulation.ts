/**
 * The capacity-planning simulation: callers arrive (Poisson), wait, are routed and offered by the
 * real core, answered by simulated agents after a delay, talk for an exponential handle time and
 * wrap up until the wrap-up timer ends it; impatient callers hang up. A discrete-event loop merges
 * the simulator's own agenda with the core's timers, in simulated time: no wall clock, no sleeping.
 *
 * The period: arrivals stop after `hours`; calls still in progress are then let finish (no new
 * arrivals), so every offered call ends answered or abandoned. Call figures count every call that
 * arrived in the period; occupancy counts agent busy time inside the period only, over
 * agents x period, so the drain after it neither adds nor dilutes.
 */
import type { CallAnswered, CallOffered } from '../events/call-events.ts';
import { streamEntityId, streams } from '../events/index.ts';
import type { QueueSettings } from '../events/queue-events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import type { CommandContext } from '../runtime/command-context.ts';
import { defaultQueueSettings } from '../domain/queue/default-settings.ts';
import { EventHeap } from './event-heap.ts';
import { Prng } from './prng.ts';
import { SimulatedContactCenter } from './simulated-contact-center.ts';
import { SimulationMetrics, type CapacityFigures } from './simulation-metrics.ts';
import type { SimulationOptions } from './simulation-options.ts';

export const SERVICE_LEVEL_SECONDS = 20;
const ORGANISATION_ID = 'sim-org';
/** Safety stop: the drain after the period never runs longer than this (it normally takes minutes). */
const MAX_DRAIN_MS = 7 * 24 * 3_600_000;

type AgendaEvent =
  | { kind: 'arrival' }
  | { kind: 'answer'; callId: string; offerId: string; agentId: string }
  | { kind: 'agent-hangs-up'; callId: string; agentId: string }
  | { kind: 'caller-gives-up'; callId: string };

/** Random streams: one per quantity, so changing one option does not reshuffle the others. */
const STREAM = { arrivals: 1, handle: 2, patience: 3 } as const;

const queueSettings = (queueId: string, options: SimulationOptions): QueueSettings =>
  defaultQueueSettings(`Queue ${queueId}`, {
    strategy: options.strategy,
    ringTimeoutSeconds: options.ringTimeoutSeconds,
    wrapUpSeconds: options.wrapUpSeconds,
    serviceLevelSeconds: SERVICE_LEVEL_SECONDS,
  });

const seconds = (value: number): number => Math.round(value * 1000);

class CapacitySimulation {
  readonly #options: SimulationOptions;
  readonly #sim: SimulatedContactCenter;
  readonly #environment: SimulationEnvironment;
  readonly #agenda = new EventHeap<AgendaEvent>();
  readonly #arrivals: Prng;
  readonly #handleTimes: Prng;
  readonly #patience: Prng;
  readonly #queueIds: string[];
  readonly #start: number;
  readonly #arrivalsEnd: number;
  readonly #metrics: SimulationMetrics;
  #callCount = 0;

  constructor(options: SimulationOptions, environment: SimulationEnvironment) {
    this.#options = options;
    this.#environment = environment;
    this.#sim = new SimulatedContactCenter(environment.store === undefined ? {} : { store: environment.store });
    this.#arrivals = new Prng(options.seed, STREAM.arrivals);
    this.#handleTimes = new Prng(options.seed, STREAM.handle);
    this.#patience = new Prng(options.seed, STREAM.patience);
    this.#queueIds = Array.from({ length: options.queues }, (_, index) => `q${index + 1}`);
    this.#start = this.#sim.clock.millis;
    this.#arrivalsEnd = this.#start + seconds(options.hours * 3600);
    this.#metrics = new SimulationMetrics(this.#start, this.#arrivalsEnd, SERVICE_LEVEL_SECONDS);
  }

  async run(): Promise<CapacityFigures> {
    const sim = this.#sim;
    await sim.start();
    try {
      await this.#setUp();
      sim.cc.onEvent((event) => this.#observe(event));
      this.#scheduleNextArrival(this.#start);
      this.#environment.onRunStart?.(sim);
      await this.#loop();
      this.#environment.onRunEnd?.(sim);
      return this.#metrics.figures(this.#options.agents);
    } finally {
      await sim.stop();
    }
  }

  async #setUp(): Promise<void> {
    const sim = this.#sim;
    await sim.createOrganisation(ORGANISATION_ID, { maxMissedOffersInRow: null });
    for (const queueId of this.#queueIds) await sim.createQueue(ORGANISATION_ID, queueId, queueSettings(queueId, this.#options));
    for (let index = 1; index <= this.#options.agents; index += 1) {
      const extension = String(1000 + index);
      await sim.addAgent(
        ORGANISATION_ID,
        `agent-${index}`,
        {
          fullName: `Simulated Agent ${index}`,
          username: `agent_${index}`,
          alias: null,
          email: null,
          extension,
          typology: 'webrtc',
          externalUri: null,
          wrapUpSeconds: null,
          description: null,
          voicemail: false,
        },
        this.#queuesOf(index),
      );
    }
    await sim.cc.whenIdle();
  }

  #queuesOf(agentIndex: number): string[] {
    const count = Math.min(this.#options.queuesPerAgent ?? this.#queueIds.length, this.#queueIds.length);
    return Array.from({ length: count }, (_, offset) => this.#queueIds[(agentIndex + offset) % this.#queueIds.length] as string);
  }

  /** Whichever comes first, the simulator's next event or the core's next timer; ties go to the core. */
  async #loop(): Promise<void> {
    const sim = this.#sim;
    const deadline = this.#arrivalsEnd + MAX_DRAIN_MS;
    for (;;) {
      const own = this.#agenda.peekAt();
      const timer = sim.timers.nextDueAt();
      if (own === null && timer === null) return;
      if (own === null || (timer !== null && timer <= own)) {
        if ((timer as number) > deadline) return;
        await sim.advanceTo(timer as number);
        continue;
      }
      if (own > deadline) return;
      await sim.advanceTo(own);
      const next = this.#agenda.pop();
      if (next !== undefined) await this.#act(next.event);
      await sim.cc.whenIdle();
    }
  }

  #scheduleNextArrival(after: number): void {
    const at = after + seconds(this.#arrivals.exponential(3600 / this.#options.arrivalsPerHour));
    if (at < this.#arrivalsEnd) this.#agenda.push(at, { kind: 'arrival' });
  }

  /** Simulated agents react to what the core did: an offer rings for them, a call they answered goes on. */
  #observe(event: RecordedEvent): void {
    this.#metrics.observe(event);
    const now = this.#sim.clock.millis;
    if (event.type === 'CallOffered') {
      const { offerId, agentId } = event.data as CallOffered['data'];
      const callId = streamEntityId(event.streamId);
      this.#agenda.push(now + seconds(this.#options.answerDelaySeconds), { kind: 'answer', callId, offerId, agentId });
    } else if (event.type === 'CallAnswered') {
      const { agentId } = event.data as CallAnswered['data'];
      const callId = streamEntityId(event.streamId);
      this.#agenda.push(now + seconds(this.#handleTimes.exponential(this.#options.ahtSeconds)), { kind: 'agent-hangs-up', callId, agentId });
    }
  }

  async #act(event: AgendaEvent): Promise<void> {
    const cc = this.#sim.cc;
    switch (event.kind) {
      case 'arrival': {
        const now = this.#sim.clock.millis;
        this.#callCount += 1;
        const callId = `sim-${String(this.#callCount).padStart(7, '0')}`;
        const queueId = this.#queueIds[(this.#callCount - 1) % this.#queueIds.length] as string;
        // Patience is drawn for every caller, used or not, so the stream stays aligned with the calls.
        if (this.#options.patienceSeconds !== null) {
          this.#agenda.push(now + seconds(this.#patience.exponential(this.#options.patienceSeconds)), { kind: 'caller-gives-up', callId });
        }
        this.#scheduleNextArrival(now);
        await cc.receiveCall(
          { callId, organisationId: ORGANISATION_ID, queueId, channel: 'pstn', caller: { number: '+3225550100', name: null, customerId: null } },
          this.#context('gateway'),
        );
        return;
      }
      case 'answer': {
        // The offer may be gone by now: answered elsewhere (ring-all), timed out, or the caller left.
        const call = await this.#call(event.callId);
        if (!call.offers.some((offer) => offer.offerId === event.offerId)) return;
        await cc.execute('call', event.callId, { type: 'AnswerCall', data: { agentId: event.agentId, at: cc.now() } }, this.#context(event.agentId));
        return;
      }
      case 'agent-hangs-up': {
        const call = await this.#call(event.callId);
        if (call.status !== 'connected' || call.connectedAgentId !== event.agentId) return;
        await cc.hangUp(event.callId, 'agent', event.agentId, null, this.#context(event.agentId));
        return;
      }
      case 'caller-gives-up': {
        const call = await this.#call(event.callId);
        if (call.status !== 'waiting' && call.status !== 'ringing') return;
        await cc.hangUp(event.callId, 'caller', null, 'caller ran out of patience', this.#context('gateway'));
        return;
      }
    }
  }

  async #call(callId: string) {
    return (await this.#sim.cc.states.calls.load(streams.call(callId))).state;
  }

  #context(userId: string): CommandContext {
    return this.#sim.context(ORGANISATION_ID, userId);
  }
}

/** Runs one simulation to the end and returns its figures. */
/** Where a simulation runs and who watches it: the benchmark runs one on a file store and times the run. */
export interface SimulationEnvironment {
  /** Defaults to an in-memory SQLite store. */
  store?: EventStore;
  /** After set-up (organisation, queues, agents online), just before the first arrival. */
  onRunStart?: (sim: SimulatedContactCenter) => void;
  /** After the last call finished, before the core stops. */
  onRunEnd?: (sim: SimulatedContactCenter) => void;
}

export const runCapacitySimulation = (options: SimulationOptions, environment: SimulationEnvironment = {}): Promise<CapacityFigures> =>
  new CapacitySimulation(options, environment).run();
