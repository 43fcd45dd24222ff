/**
 * Read-model benchmarks, printed as `name: value` lines (called by `npm run bench`):
 * (a) latency from appending an event to the store until onChange reports it applied, with 10,000
 *     agents registered; (b) rebuild speed over 1,000,000 synthetic but realistic events (calls
 *     queued, offered, answered, held, ended and wrapped up; agents reserved and released).
 * The events are generated with large appends first; only the rebuild is timed.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore, type NewEvent } from '@cc/core/eventstore';
import { ReadModels } from '../src/read-models.ts';
import { percentile, report } from '../../core/bench/report.ts';

export interface ProjectionsBenchOptions {
  /** Agents registered before latencies are measured (default 10,000). */
  agents?: number;
  /** Appends whose latency is measured (default 2,000). */
  samples?: number;
  /** Events in the log that is rebuilt (default 1,000,000). */
  rebuildEvents?: number;
}

const ORG = 'org-bench';
const START = Date.parse('2026-01-05T08:00:00.000Z');
const iso = (millis: number): string => new Date(millis).toISOString();

const meta = (at: number) => ({
  organisationId: ORG,
  correlationId: randomUUID(),
  causationId: null,
  actor: { kind: 'system' as const, component: 'simulator' },
  timestamp: iso(at),
  schemaVersion: 1,
});

const event = (type: string, data: Record<string, unknown>, at: number): NewEvent => ({ type, data: { ...data, at: iso(at) }, metadata: meta(at) });

const queueSettings = (n: number) => ({
  name: `Queue ${n}`,
  number: `+3225559${String(n).padStart(3, '0')}`,
  strategy: 'longest-idle',
  ringTimeoutSeconds: 20,
  wrapUpSeconds: 30,
  maxWaitSeconds: null,
  overflowQueueId: null,
  priority: 0,
  serviceLevelSeconds: 20,
  businessHours: null,
  maskCallerName: n % 2 === 0,
  video: false,
  announcement: null,
  musicOnHold: null,
});

/** An organisation, queues and agents (online, one queue each). Returns the number of events. */
const seedCenter = async (store: SqliteEventStore, queues: number, agents: number): Promise<number> => {
  let events = 0;
  await store.append(`organisation-${ORG}`, [event('OrganisationCreated', { organisationId: ORG, name: 'Bench', timeZone: 'Europe/Brussels', maxMissedOffersInRow: null }, START)], {
    expectedRevision: 'any',
  });
  events += 1;
  for (let q = 0; q < queues; q++) {
    await store.append(`queue-q${q}`, [event('QueueCreated', { queueId: `q${q}`, organisationId: ORG, settings: queueSettings(q) }, START)], { expectedRevision: 'any' });
    events += 1;
  }
  for (let a = 0; a < agents; a++) {
    const profile = { fullName: `Agent ${a}`, username: `agent${a}`, alias: null, email: `agent${a}@bench.example`, extension: String(10000 + a), typology: 'webrtc', externalUri: null, wrapUpSeconds: null, description: null, voicemail: false };
    await store.append(
      `agent-a${a}`,
      [
        event('AgentRegistered', { agentId: `a${a}`, organisationId: ORG, profile }, START),
        event('AgentJoinedQueue', { queueId: `q${a % queues}`, penalty: 0, skills: [] }, START),
        event('AgentStatusChanged', { status: 'online', reason: null, previousStatus: 'offline' }, START),
      ],
      { expectedRevision: 'any' },
    );
    events += 3;
  }
  return events;
};

/** One call's events, as the core writes them (answered and held, or abandoned while ringing). */
const callEvents = (n: number, agentId: string, queueId: string, at: number): { call: NewEvent[]; agent: NewEvent[] } => {
  const callId = `c${n}`;
  const offerId = `o${n}`;
  const received = event('CallReceived', { callId, organisationId: ORG, queueId, channel: 'pstn', caller: { number: `+3226${String(n % 1_000_000).padStart(6, '0')}`, name: 'Grace Hopper', customerId: null }, dialedNumber: null, media: 'audio' }, at);
  const queued = event('CallQueued', { queueId, priority: 0, queuedAt: iso(at), maxWaitUntil: null }, at);
  const offered = event('CallOffered', { offerId, agentId, ringTimeoutAt: iso(at + 25_000) }, at + 5_000);
  const reserved = event('AgentReserved', { callId, offerId, kind: 'offer' }, at + 5_000);
  if (n % 10 === 9) {
    return {
      call: [received, queued, offered, event('CallAbandoned', { while: 'ringing', offers: [{ offerId, agentId }] }, at + 9_000)],
      agent: [reserved, event('AgentReleased', { callId, offerId, reason: 'abandoned' }, at + 9_000)],
    };
  }
  const answered = at + 8_000 + (n % 7) * 1000;
  const ended = answered + 60_000 + (n % 13) * 5000;
  return {
    call: [
      received,
      queued,
      offered,
      event('CallAnswered', { offerId, agentId }, answered),
      event('CallHeld', { agentId }, answered + 20_000),
      event('CallResumed', { agentId }, answered + 30_000),
      event('CallEnded', { endedBy: 'caller', agentId, reason: null }, ended),
      event('WrapUpStarted', { agentId, endsAt: iso(ended + 30_000) }, ended),
      event('WrapUpCompleted', { agentId, notes: n % 3 === 0 ? 'Follow-up sent' : null, rating: n % 4 === 0 ? 1 + (n % 5) : null, conversationStatus: 'closed', endedBy: 'agent' }, ended + 20_000),
    ],
    agent: [reserved, event('AgentReleased', { callId, offerId, reason: 'wrap-up-done' }, ended + 20_000)],
  };
};

const latencyBench = async (directory: string, agents: number, samples: number): Promise<void> => {
  const store = SqliteEventStore.open({ file: path.join(directory, 'latency-events.sqlite') });
  await seedCenter(store, 50, agents);
  const readModels = ReadModels.open({ file: path.join(directory, 'latency-read-models.sqlite'), store });
  await readModels.start();
  const waiting = new Map<bigint, () => void>();
  readModels.onChange((change) => {
    for (const [position, resolve] of waiting) {
      if (position <= change.position) {
        waiting.delete(position);
        resolve();
      }
    }
  });
  const latencies: number[] = [];
  let at = START + 60_000;
  for (let n = 0; n < samples; n++) {
    at += 1000;
    const agentId = `a${(n * 7919) % agents}`;
    // Alternate what arrives: a status change, a new call, an answer.
    const kind = n % 3;
    const started = performance.now();
    let appended: bigint;
    if (kind === 0) {
      appended = (await store.append(`agent-${agentId}`, [event('AgentStatusChanged', { status: n % 2 === 0 ? 'break' : 'online', reason: null, previousStatus: 'online' }, at)], { expectedRevision: 'any' })).position;
    } else {
      const { call } = callEvents(n, agentId, `q${n % 50}`, at);
      appended = (await store.append(`call-c${n}`, kind === 1 ? call.slice(0, 2) : call.slice(0, 4), { expectedRevision: 'any' })).position;
    }
    await new Promise<void>((resolve) => {
      if (readModels.position >= appended) resolve();
      else waiting.set(appended, resolve);
    });
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  report('projection_agents_registered', agents);
  report('projection_change_latency_samples', samples);
  report('projection_change_latency_p50_ms', percentile(latencies, 50));
  report('projection_change_latency_p99_ms', percentile(latencies, 99));
  report('projection_change_latency_max_ms', latencies[latencies.length - 1] ?? Number.NaN);
  await readModels.stop();
  await store.close();
};

/** Writes about `targetEvents` synthetic events to `file`; returns the number of calls. */
export const generateRebuildLog = async (file: string, targetEvents: number): Promise<number> => {
  const store = SqliteEventStore.open({ file });
  const agents = 1000;
  const queues = 20;
  const generationStarted = performance.now();
  let events = await seedCenter(store, queues, agents);
  let n = 0;
  let at = START + 60_000;
  while (events < targetEvents) {
    at += 700;
    const agentId = `a${n % agents}`;
    const { call, agent } = callEvents(n, agentId, `q${n % queues}`, at);
    await store.append(`call-c${n}`, call, { expectedRevision: 'any' });
    await store.append(`agent-${agentId}`, agent, { expectedRevision: 'any' });
    events += call.length + agent.length;
    n += 1;
  }
  await store.close();
  report('rebuild_generation_seconds', (performance.now() - generationStarted) / 1000);
  return n;
};

const rebuildBench = async (directory: string, targetEvents: number): Promise<void> => {
  const file = path.join(directory, 'rebuild-events.sqlite');
  const n = await generateRebuildLog(file, targetEvents);
  const store = SqliteEventStore.open({ file });
  const readModels = ReadModels.open({ file: path.join(directory, 'rebuild-read-models.sqlite'), store });
  const result = await readModels.rebuild();
  report('rebuild_events', result.events);
  report('rebuild_calls', n);
  report('rebuild_seconds', result.seconds);
  report('rebuild_events_per_second', Math.round(result.events / result.seconds));
  await readModels.stop();
  await store.close();
};

export const benchProjections = async (options: ProjectionsBenchOptions = {}): Promise<void> => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'projections-bench-'));
  try {
    await latencyBench(directory, options.agents ?? 10_000, options.samples ?? 2_000);
    await rebuildBench(directory, options.rebuildEvents ?? 1_000_000);
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
};

// Run directly: node --disable-warning=ExperimentalWarning projections/bench/projections-bench.ts
if (import.meta.main) {
  const scale = Number(process.env.BENCH_SCALE ?? '1');
  await benchProjections({ agents: Math.round(10_000 * scale), rebuildEvents: Math.round(1_000_000 * scale) });
}
