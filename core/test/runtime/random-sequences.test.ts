/**
 * Random command sequences through the real running core (store, router, call flow, timers). An
 * independent reading of the log (LogChecker) checks "one call per agent" after every step, and at
 * the end that no slot is left held without a live call needing it. A failure names its seed:
 * SEQUENCE_SEED=<seed> reruns that one sequence alone.
 */
import { describe, expect, test } from 'vitest';
import { DomainError } from '../../src/domain/errors.ts';
import { streams } from '../../src/events/index.ts';
import { QUEUE_STRATEGIES, type QueueStrategy } from '../../src/events/queue-events.ts';
import type { TransferTarget } from '../../src/events/call-events.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import type { CoreLogger } from '../../src/runtime/core-logger.ts';
import { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import { aQueueSettings, anAgentProfile } from '../support/fixtures.ts';
import { LogChecker } from './log-checker.ts';
import { seededRandom as prng } from '../../src/simulator/prng.ts';

const SEQUENCES = 1000;
const BASE_SEED = 20260105;

/** Event types seen over all sequences: the run must have reached the paths it claims to test. */
const coverage = new Map<string, number>();


class Draw {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

interface World {
  sim: SimulatedContactCenter;
  checker: LogChecker;
  draw: Draw;
  /** organisationId -> its queues and agents */
  orgs: Map<string, { queues: string[]; agents: string[] }>;
  /** Errors the core logged: a reaction that threw something other than a DomainError. */
  coreErrors: string[];
  log: string[];
  seed: number;
}

const ctxOf = (organisationId: string, userId: string) => ({ organisationId, actor: { kind: 'user' as const, userId } });

const recordingLogger = (errors: string[]): CoreLogger => ({
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (details, message) => errors.push(`${message} ${JSON.stringify(details)}`),
});

const STRATEGIES: readonly QueueStrategy[] = QUEUE_STRATEGIES.filter((strategy) => strategy !== 'skills');

const buildWorld = async (seed: number): Promise<World> => {
  const draw = new Draw(seed);
  const coreErrors: string[] = [];
  const sim = new SimulatedContactCenter({ logger: recordingLogger(coreErrors) });
  const checker = new LogChecker();
  sim.cc.onEvent((event) => {
    checker.observe(event);
    coverage.set(event.type, (coverage.get(event.type) ?? 0) + 1);
  });
  await sim.start();
  const orgs = new Map<string, { queues: string[]; agents: string[] }>();
  // A small second organisation shares the center, so crossing organisations would show.
  const shapes: Array<[string, number, number]> = [
    ['org-1', draw.int(2, 3), draw.int(3, 5)],
    ['org-2', 1, 1],
  ];
  let extension = 3000;
  for (const [organisationId, queueCount, agentCount] of shapes) {
    await sim.createOrganisation(organisationId, { maxMissedOffersInRow: draw.chance(0.3) ? 2 : null });
    const queues = Array.from({ length: queueCount }, (_, index) => `${organisationId}-q${index + 1}`);
    for (const [index, queueId] of queues.entries()) {
      const overflow = index > 0 && draw.chance(0.3) ? (queues[0] ?? null) : null;
      await sim.createQueue(
        organisationId,
        queueId,
        aQueueSettings({
          name: queueId,
          number: null,
          strategy: draw.pick(STRATEGIES),
          ringTimeoutSeconds: draw.int(5, 20),
          wrapUpSeconds: draw.pick([0, 5, 15, 30]),
          maxWaitSeconds: draw.chance(0.4) ? draw.int(20, 90) : null,
          overflowQueueId: overflow,
        }),
      );
    }
    const agents = Array.from({ length: agentCount }, (_, index) => `${organisationId}-a${index + 1}`);
    for (const agentId of agents) {
      extension += 1;
      const member = queues.filter(() => draw.chance(0.6));
      await sim.addAgent(
        organisationId,
        agentId,
        anAgentProfile({ fullName: agentId, username: agentId.replace(/-/g, '_'), extension: String(extension), wrapUpSeconds: draw.chance(0.2) ? draw.int(0, 20) : null }),
        member.length > 0 ? member : [draw.pick(queues)],
        { online: draw.chance(0.7) },
      );
    }
    orgs.set(organisationId, { queues, agents });
  }
  await sim.cc.whenIdle();
  return { sim, checker, draw, orgs, coreErrors, log: [], seed };
};

/** Calls the checker knows, optionally those in one state; mostly org-1, sometimes org-2. */
const liveCalls = (world: World) => [...world.checker.calls.values()].filter((call) => call.status !== 'ended' || call.wrapUps.size > 0);

type Step = (world: World) => Promise<string>;

const orgOf = (world: World): string => (world.draw.chance(0.85) ? 'org-1' : 'org-2');
const anAgent = (world: World, organisationId = orgOf(world)): string => world.draw.pick(world.orgs.get(organisationId)?.agents ?? []);
const aQueue = (world: World, organisationId: string): string => world.draw.pick(world.orgs.get(organisationId)?.queues ?? []);
/**
 * An agent who could take a transfer of the call (online, free, in the call's queue), if any:
 * drawn blindly, most targets are busy or elsewhere and the accept path would hardly be reached.
 */
const likelyTarget = (world: World, organisationId: string, callId: string): string => {
  const queueId = world.sim.cc.states.calls.peek(streams.call(callId))?.state.queueId ?? '';
  const fitting = (world.orgs.get(organisationId)?.agents ?? []).filter((agentId) => {
    const agent = world.sim.cc.states.agents.peek(streams.agent(agentId))?.state;
    return agent !== undefined && agent.status === 'online' && agent.reservation === null && agent.queues[queueId] !== undefined;
  });
  return fitting.length > 0 ? world.draw.pick(fitting) : anAgent(world, organisationId);
};
/** An agent related to the call most of the time (ringing, connected, transfer target), else anyone. */
const agentFor = (world: World, call: ReturnType<typeof liveCalls>[number]): string => {
  const related = [...call.offers.values(), ...(call.connectedAgentId === null ? [] : [call.connectedAgentId]), ...(call.transfer?.offer ? [call.transfer.offer.agentId] : [])];
  return related.length > 0 && world.draw.chance(0.85) ? world.draw.pick(related) : anAgent(world, call.organisationId);
};
const withCall = (world: World, wanted: (call: ReturnType<typeof liveCalls>[number]) => boolean): ReturnType<typeof liveCalls>[number] | undefined => {
  const calls = liveCalls(world);
  const fitting = calls.filter(wanted);
  if (fitting.length > 0 && world.draw.chance(0.9)) return world.draw.pick(fitting);
  return calls.length > 0 ? world.draw.pick(calls) : undefined;
};

const steps: Array<[weight: number, name: string, step: Step]> = [
  [
    14,
    'new call',
    async (world) => {
      const organisationId = orgOf(world);
      const queueId = aQueue(world, organisationId);
      // Call ids from the seed, not random UUIDs: the router breaks ties on them, and a seed must replay the same run.
      const callId = `call-${world.seed}-${world.checker.calls.size + 1}`;
      await world.sim.cc.receiveCall({ callId, organisationId, queueId, channel: 'pstn', caller: { number: '+3225550100', name: null, customerId: null } }, ctxOf(organisationId, 'gateway'));
      return `call to ${queueId}`;
    },
  ],
  [
    8,
    'status',
    async (world) => {
      const organisationId = orgOf(world);
      const agentId = anAgent(world, organisationId);
      const status = world.draw.pick(['online', 'online', 'offline', 'break'] as const);
      await world.sim.setStatus(organisationId, agentId, status);
      return `${agentId} ${status}`;
    },
  ],
  [
    3,
    'membership',
    async (world) => {
      const organisationId = orgOf(world);
      const agentId = anAgent(world, organisationId);
      const queueId = aQueue(world, organisationId);
      const at = world.sim.cc.now();
      const command = world.draw.chance(0.5)
        ? { type: 'JoinQueue' as const, data: { queueId, penalty: 0, skills: [], at } }
        : { type: 'LeaveQueue' as const, data: { queueId, at } };
      await world.sim.cc.execute('agent', agentId, command, ctxOf(organisationId, 'admin'));
      return `${agentId} ${command.type} ${queueId}`;
    },
  ],
  ...(['AnswerCall', 'DeclineOffer'] as const).map((type): [number, string, Step] => [
    type === 'AnswerCall' ? 14 : 5,
    type,
    async (world) => {
      const call = withCall(world, (c) => c.offers.size > 0);
      if (call === undefined) return 'no call';
      const agentId = agentFor(world, call);
      await world.sim.cc.execute('call', call.callId, { type, data: { agentId, at: world.sim.cc.now() } }, ctxOf(call.organisationId, agentId));
      return `${agentId} ${type} ${call.callId}`;
    },
  ]),
  ...(['HoldCall', 'ResumeCall'] as const).map((type): [number, string, Step] => [
    3,
    type,
    async (world) => {
      const call = withCall(world, (c) => c.connectedAgentId !== null);
      if (call === undefined) return 'no call';
      const agentId = agentFor(world, call);
      await world.sim.cc.execute('call', call.callId, { type, data: { agentId, at: world.sim.cc.now() } }, ctxOf(call.organisationId, agentId));
      return `${agentId} ${type} ${call.callId}`;
    },
  ]),
  [
    8,
    'hang up',
    async (world) => {
      const call = withCall(world, (c) => c.status !== 'ended');
      if (call === undefined) return 'no call';
      const by = world.draw.pick(['caller', 'caller', 'agent', 'system'] as const);
      const agentId = by === 'agent' ? agentFor(world, call) : null;
      await world.sim.cc.hangUp(call.callId, by, agentId, null, ctxOf(call.organisationId, agentId ?? 'gateway'));
      return `${by} ${agentId ?? ''} hangs up ${call.callId}`;
    },
  ],
  [
    10,
    'transfer',
    async (world) => {
      const call = withCall(world, (c) => c.connectedAgentId !== null && c.transfer === null);
      if (call === undefined) return 'no call';
      const agentId = agentFor(world, call);
      const kind = world.draw.pick(['agent', 'agent', 'queue', 'external'] as const);
      // Now and then a target of the other organisation: it must be refused or cancelled.
      const targetOrg = world.draw.chance(0.1) ? (call.organisationId === 'org-1' ? 'org-2' : 'org-1') : call.organisationId;
      const target: TransferTarget =
        kind === 'agent'
          ? { kind, agentId: world.draw.chance(0.7) ? likelyTarget(world, targetOrg, call.callId) : anAgent(world, targetOrg) }
          : kind === 'queue'
            ? { kind, queueId: aQueue(world, targetOrg) }
            : { kind, number: world.draw.chance(0.9) ? '+3225550199' : 'not-a-number' };
      await world.sim.cc.requestTransfer(call.callId, agentId, target, ctxOf(call.organisationId, agentId));
      return `${agentId} transfers ${call.callId} to ${JSON.stringify(target)}`;
    },
  ],
  [
    10,
    'answer transfer',
    async (world) => {
      const call = withCall(world, (c) => c.transfer?.offer != null);
      if (call === undefined) return 'no call';
      const target = call.transfer?.offer?.agentId;
      const agentId = target !== undefined && world.draw.chance(0.85) ? target : agentFor(world, call);
      if (world.draw.chance(0.6)) await world.sim.cc.acceptTransfer(call.callId, agentId, ctxOf(call.organisationId, agentId));
      else await world.sim.cc.execute('call', call.callId, { type: 'RejectTransfer', data: { agentId, at: world.sim.cc.now() } }, ctxOf(call.organisationId, agentId));
      return `${agentId} answers transfer of ${call.callId}`;
    },
  ],
  [
    6,
    'external transfer outcome',
    async (world) => {
      const call = withCall(world, (c) => c.transfer?.kind === 'external');
      if (call === undefined) return 'no call';
      const transferId = call.transfer?.transferId ?? 'no-transfer';
      if (world.draw.chance(0.6)) await world.sim.cc.completeExternalTransfer(call.callId, transferId, ctxOf(call.organisationId, 'gateway'));
      else await world.sim.cc.execute('call', call.callId, { type: 'FailTransfer', data: { transferId, reason: 'busy', at: world.sim.cc.now() } }, ctxOf(call.organisationId, 'gateway'));
      return `external transfer of ${call.callId} settled`;
    },
  ],
  [
    6,
    'wrap-up',
    async (world) => {
      const call = withCall(world, (c) => c.wrapUps.size > 0);
      if (call === undefined) return 'no call';
      const agentId = call.wrapUps.size > 0 && world.draw.chance(0.9) ? world.draw.pick([...call.wrapUps]) : anAgent(world, call.organisationId);
      const context = ctxOf(call.organisationId, agentId);
      const at = world.sim.cc.now();
      if (world.draw.chance(0.7)) {
        await world.sim.cc.execute('call', call.callId, { type: 'CompleteWrapUp', data: { agentId, notes: null, rating: null, conversationStatus: 'closed', at } }, context);
      } else {
        await world.sim.cc.execute('call', call.callId, { type: 'ExtendWrapUp', data: { agentId, seconds: 10, at } }, context);
      }
      return `${agentId} wrap-up of ${call.callId}`;
    },
  ],
  [
    12,
    'advance',
    async (world) => {
      const seconds = world.draw.chance(0.8) ? world.draw.int(1, 8) : world.draw.int(9, 40);
      await world.sim.advanceBy(seconds);
      return `+${seconds}s`;
    },
  ],
  [
    1,
    'force-end',
    async (world) => {
      const organisationId = orgOf(world);
      await world.sim.cc.execute('organisation', organisationId, { type: 'ForceEndAllCalls', data: { requestedBy: 'sup', at: world.sim.cc.now() } }, ctxOf(organisationId, 'sup'));
      return `force-end ${organisationId}`;
    },
  ],
];

const totalWeight = steps.reduce((sum, [weight]) => sum + weight, 0);
const drawStep = (draw: Draw): [string, Step] => {
  let ticket = draw.next() * totalWeight;
  for (const [weight, name, step] of steps) {
    ticket -= weight;
    if (ticket < 0) return [name, step];
  }
  const last = steps.at(-1);
  if (last === undefined) throw new Error('no steps');
  return [last[1], last[2]];
};

const failure = (world: World, seed: number, what: string): string =>
  `seed ${seed}: ${what}\n  steps:\n    ${world.log.join('\n    ')}\n  violations: ${world.checker.violations.slice(0, 5).join('\n    ')}\n  core errors: ${world.coreErrors.slice(0, 3).join('\n    ')}`;

/** Runs one sequence; returns a description of what went wrong, or null. */
const runSequence = async (seed: number): Promise<string | null> => {
  const world = await buildWorld(seed);
  const { sim, checker, draw } = world;
  try {
    const length = draw.int(20, 40);
    for (let index = 0; index < length; index++) {
      const [name, step] = drawStep(draw);
      let outcome: string;
      try {
        outcome = await step(world);
      } catch (error) {
        if (!(error instanceof DomainError)) return failure(world, seed, `step ${name} threw ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        outcome = `refused ${error.code}`;
      }
      await sim.cc.whenIdle();
      world.log.push(`${index} ${name}: ${outcome}`);
      checker.checkAtRest(`after step ${index}`);
      if (checker.violations.length > 0 || world.coreErrors.length > 0) return failure(world, seed, `after step ${index}`);
    }

    // Let every timer run out: ring, transfer ring, max wait, wrap-up, orphan grace.
    await sim.advanceBy(400);
    checker.checkAtRest('after the final wait');
    const stray = checker.heldWithoutCause();
    if (stray.length > 0) return failure(world, seed, `slots held without a live call: ${stray.join(', ')}`);

    // End everything; once wrap-ups are done, every slot is free.
    for (const organisationId of world.orgs.keys()) {
      await sim.cc.execute('organisation', organisationId, { type: 'ForceEndAllCalls', data: { requestedBy: 'sup', at: sim.cc.now() } }, ctxOf(organisationId, 'sup'));
      await sim.cc.whenIdle();
    }
    for (const call of checker.calls.values()) {
      for (const agentId of [...call.wrapUps]) {
        await sim.cc.execute('call', call.callId, { type: 'CompleteWrapUp', data: { agentId, notes: null, rating: null, conversationStatus: 'closed', at: sim.cc.now() } }, ctxOf(call.organisationId, agentId));
      }
    }
    await sim.cc.whenIdle();
    await sim.advanceBy(60);
    checker.checkAtRest('at the end');
    const held: string[] = [];
    for (const [agentId, agent] of checker.agents) {
      const { state } = await sim.cc.states.agents.load(streams.agent(agentId));
      if (agent.reservation !== null) held.push(`${agentId} (log) holds ${agent.reservation.callId}`);
      if (state.reservation !== null) held.push(`${agentId} (decider state) holds ${state.reservation.callId}`);
    }
    const live = [...checker.calls.values()].filter((call) => call.status !== 'ended');
    if (held.length > 0 || live.length > 0 || checker.violations.length > 0 || world.coreErrors.length > 0) {
      return failure(world, seed, `at the end: ${[...held, ...live.map((call) => `${call.callId} still ${call.status}`)].join(', ')}`);
    }
    return null;
  } finally {
    await sim.stop();
  }
};

describe('random command sequences through the running core', () => {
  test(`${SEQUENCES} sequences keep one call per agent and free every slot in the end`, { timeout: 120_000 }, async () => {
    const only = process.env['SEQUENCE_SEED'];
    const seeds = only === undefined ? Array.from({ length: SEQUENCES }, (_, index) => BASE_SEED + index) : [Number(only)];
    const failures: string[] = [];
    const started = performance.now();
    for (const seed of seeds) {
      const problem = await runSequence(seed);
      if (problem !== null) failures.push(problem);
      if (failures.length >= 3) break;
    }
    if (process.env['SEQUENCE_TIMING'] !== undefined) {
      console.log(`${seeds.length} sequences in ${Math.round(performance.now() - started)} ms`, Object.fromEntries([...coverage].sort()));
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
    if (only === undefined) {
      for (const type of [
        'CallAnswered',
        'CallOfferDeclined',
        'CallOfferTimedOut',
        'CallOfferWithdrawn',
        'CallAbandoned',
        'CallHeld',
        'CallTransferOffered',
        'CallTransferAccepted',
        'CallTransferRejected',
        'CallTransferredToQueue',
        'CallTransferredExternally',
        'CallTransferFailed',
        'CallWaitExpired',
        'WrapUpExtended',
        'WrapUpCompleted',
        'AllCallsForceEndRequested',
        'AgentReleased',
      ]) {
        expect(coverage.get(type) ?? 0, type).toBeGreaterThan(10);
      }
    }
  });
});

describe('the log checker itself', () => {
  let position = 0n;
  const event = (streamId: string, type: string, data: Record<string, unknown>) => {
    position += 1n;
    return { id: String(position), streamId, revision: 0, position, type, data, metadata: {} } as unknown as RecordedEvent;
  };
  const feed = (checker: LogChecker, events: Array<[string, string, Record<string, unknown>]>): void => {
    for (const [streamId, type, data] of events) checker.observe(event(streamId, type, data));
  };
  const setUp = (): LogChecker => {
    const checker = new LogChecker();
    feed(checker, [
      [streams.agent('a1'), 'AgentRegistered', { organisationId: 'o1' }],
      [streams.agent('a2'), 'AgentRegistered', { organisationId: 'o1' }],
      [streams.call('c1'), 'CallReceived', { organisationId: 'o1' }],
      [streams.call('c2'), 'CallReceived', { organisationId: 'o1' }],
    ]);
    return checker;
  };

  test('passes a clean offer, answer, end, wrap-up and release', () => {
    const checker = setUp();
    feed(checker, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallAnswered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallEnded', { agentId: 'a1' }],
      [streams.call('c1'), 'WrapUpStarted', { agentId: 'a1' }],
      [streams.call('c1'), 'WrapUpCompleted', { agentId: 'a1' }],
      [streams.agent('a1'), 'AgentReleased', { callId: 'c1' }],
    ]);
    checker.checkAtRest('end');
    expect(checker.violations).toEqual([]);
    expect(checker.heldWithoutCause()).toEqual([]);
  });

  test('catches a second reservation, a second call offered, a call answered by two agents, an early release', () => {
    const twoReservations = setUp();
    feed(twoReservations, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.agent('a1'), 'AgentReserved', { callId: 'c2', offerId: 'o-2', kind: 'offer' }],
    ]);
    expect(twoReservations.violations.join()).toMatch(/while holding c1/);

    const offeredWithoutSlot = setUp();
    feed(offeredWithoutSlot, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c2'), 'CallOffered', { offerId: 'o-2', agentId: 'a1' }],
    ]);
    expect(offeredWithoutSlot.violations.join()).toMatch(/while ringing\/talking on c1/);

    const twoAgents = setUp();
    feed(twoAgents, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.agent('a2'), 'AgentReserved', { callId: 'c1', offerId: 'o-2', kind: 'offer' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-2', agentId: 'a2' }],
      [streams.call('c1'), 'CallAnswered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallAnswered', { offerId: 'o-2', agentId: 'a2' }],
    ]);
    expect(twoAgents.violations.join()).toMatch(/while connected to a1/);

    const earlyRelease = setUp();
    feed(earlyRelease, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallAnswered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.agent('a1'), 'AgentReleased', { callId: 'c1' }],
    ]);
    expect(earlyRelease.violations.join()).toMatch(/still ringing or talking/);
    earlyRelease.checkAtRest('end');
    expect(earlyRelease.violations.join()).toMatch(/without holding its slot/);
  });

  test('catches a slot left held after the call is over, and an agent of another organisation', () => {
    const leftHeld = setUp();
    feed(leftHeld, [
      [streams.agent('a1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
      [streams.call('c1'), 'CallOffered', { offerId: 'o-1', agentId: 'a1' }],
      [streams.call('c1'), 'CallAbandoned', {}],
    ]);
    expect(leftHeld.heldWithoutCause()).toEqual(['a1 holds c1 (offer)']);

    const crossing = setUp();
    feed(crossing, [
      [streams.agent('b1'), 'AgentRegistered', { organisationId: 'o2' }],
      [streams.agent('b1'), 'AgentReserved', { callId: 'c1', offerId: 'o-1', kind: 'offer' }],
    ]);
    expect(crossing.violations.join()).toMatch(/\(o2\) reserved for c1 of o1/);
  });
});
