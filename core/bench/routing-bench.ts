/**
 * The router and the embedded store at scale: the capacity simulation (real deciders, router, call
 * flow) on a SQLite file, with many agents and a high arrival rate, timed on the wall clock while the
 * simulated clock runs the calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../src/eventstore/sqlite-event-store.ts';
import type { RecordedEvent } from '../src/eventstore/port.ts';
import { runCapacitySimulation } from '../src/simulator/capacity-simulation.ts';
import type { SimulationOptions } from '../src/simulator/simulation-options.ts';
import type { AppendBatch } from './store-bench.ts';

export interface RoutingBenchOptions {
  agents: number;
  queues: number;
  callsPerSecond: number;
  simulatedSeconds: number;
}

export interface RoutingBenchResult {
  setupSeconds: number;
  runSeconds: number;
  calls: number;
  answered: number;
  offers: number;
  eventsAppended: number;
  queuedToOfferedMs: number[];
  decisionMs: number[];
  /** The run's appends, regrouped as they were written, for the store-versus-raw comparison. */
  batches: AppendBatch[];
}

/** Consecutive events of one stream written by one command (same correlation and time) were one append. */
const regroup = (events: readonly RecordedEvent[]): AppendBatch[] => {
  const batches: AppendBatch[] = [];
  let current: AppendBatch | null = null;
  let key = '';
  for (const event of events) {
    const eventKey = `${event.streamId}|${event.metadata.correlationId}|${event.metadata.timestamp}`;
    if (current === null || eventKey !== key) {
      current = { streamId: event.streamId, events: [] };
      batches.push(current);
      key = eventKey;
    }
    current.events.push({ type: event.type, data: event.data, metadata: event.metadata });
  }
  return batches;
};

export const benchRouting = async (options: RoutingBenchOptions): Promise<RoutingBenchResult> => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-routing-bench-'));
  const store = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
  const simulation: SimulationOptions = {
    agents: options.agents,
    queues: options.queues,
    // Each agent serves two queues, so routing has to look across queues.
    queuesPerAgent: 2,
    arrivalsPerHour: options.callsPerSecond * 3600,
    hours: options.simulatedSeconds / 3600,
    // About 16 s busy per call (1 s ringing, 12 s talk, 3 s wrap-up): ~80% occupancy at 500/s on 10,000 agents.
    ahtSeconds: 12,
    wrapUpSeconds: 3,
    answerDelaySeconds: 1,
    ringTimeoutSeconds: 20,
    patienceSeconds: null,
    strategy: 'longest-idle',
    seed: 1,
  };
  const started = performance.now();
  let runStarted = 0;
  let runEnded = 0;
  let firstRunPosition = 0n;
  let lastRunPosition = 0n;
  let offers = 0;
  let queuedToOfferedMs: number[] = [];
  let decisionMs: number[] = [];
  try {
    const figures = await runCapacitySimulation(simulation, {
      store,
      onRunStart: (sim) => {
        runStarted = performance.now();
        firstRunPosition = sim.cc.processedPosition;
        // Setup offers nothing; measure the run alone.
        sim.cc.stats.queuedToOfferedMs.length = 0;
        sim.cc.stats.decisionMs.length = 0;
      },
      onRunEnd: (sim) => {
        runEnded = performance.now();
        lastRunPosition = sim.cc.processedPosition;
        offers = sim.cc.stats.offers;
        queuedToOfferedMs = [...sim.cc.stats.queuedToOfferedMs];
        decisionMs = [...sim.cc.stats.decisionMs];
      },
    });
    const reader = SqliteEventStore.open({ file: join(dir, 'events.sqlite') });
    const events: RecordedEvent[] = [];
    for (let after = firstRunPosition; after < lastRunPosition; ) {
      const page = await reader.readAll({ after, maxCount: 10_000 });
      if (page.length === 0) break;
      events.push(...page);
      after = (page.at(-1) as RecordedEvent).position;
    }
    await reader.close();
    return {
      setupSeconds: (runStarted - started) / 1000,
      runSeconds: (runEnded - runStarted) / 1000,
      calls: figures.offered,
      answered: figures.answered,
      offers,
      eventsAppended: Number(lastRunPosition - firstRunPosition),
      queuedToOfferedMs,
      decisionMs,
      batches: regroup(events),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
