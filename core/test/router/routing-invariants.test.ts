/**
 * A seeded random contact center: calls arrive, ring, get declined, answered, abandoned; agents
 * change status, queues and locks; the lead offers, abandons or holds assignments. A world model
 * kept by the test (not by the index) judges every decision.
 */
import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../src/events/agent-events.ts';
import { QUEUE_STRATEGIES, type QueueStrategy } from '../../src/events/queue-events.ts';
import { RoutingIndex } from '../../src/router/routing-index.ts';
import type { Assignment } from '../../src/router/routing-types.ts';
import { RouterScenario, seededRandom } from './router-scenario.ts';

interface WorldQueue {
  id: string;
  org: string;
  strategy: QueueStrategy;
}
interface WorldAgent {
  id: string;
  org: string;
  status: AgentStatus;
  disabled: boolean;
  locked: boolean;
  reservedFor: string | null;
  queues: Set<string>;
}
interface WorldCall {
  id: string;
  org: string;
  queueId: string;
  status: 'waiting' | 'ringing' | 'connected' | 'wrap-up';
  offers: Set<string>;
  declined: Set<string>;
  ringAll: boolean;
  agentId: string | null;
}

const runWorld = (seed: number, steps: number) => {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const s = new RouterScenario('org-a');
  const queues = new Map<string, WorldQueue>();
  const agents = new Map<string, WorldAgent>();
  const calls = new Map<string, WorldCall>();
  const held = new Map<string, Assignment>();
  const pendingAgents = new Map<string, string>();
  let now = 0;
  let callCount = 0;
  let decisions = 0;

  for (const org of ['org-a', 'org-b']) {
    for (let i = 0; i < 4; i++) {
      const id = `${org}-q${i}`;
      const strategy = i === 3 ? 'ring-all' : (pick(QUEUE_STRATEGIES) as QueueStrategy);
      queues.set(id, { id, org, strategy });
      s.queue(id, { strategy }, org);
    }
    for (let i = 0; i < 18; i++) {
      const id = `${org}-a${i}`;
      const own = [...queues.values()].filter((q) => q.org === org);
      const memberships: Record<string, number> = {};
      for (const q of own) if (random() < 0.45) memberships[q.id] = Math.floor(random() * 3);
      agents.set(id, { id, org, status: 'offline', disabled: false, locked: false, reservedFor: null, queues: new Set(Object.keys(memberships)) });
      s.agent(id, { organisationId: org, queues: memberships });
    }
  }

  const isAvailable = (a: WorldAgent): boolean => a.status === 'online' && !a.disabled && !a.locked && a.reservedFor === null;
  const callsWhere = (status: WorldCall['status']): WorldCall[] => [...calls.values()].filter((c) => c.status === status && !held.has(c.id));

  const release = (agentId: string, callId: string, reason: 'declined' | 'missed' | 'withdrawn' | 'abandoned' | 'wrap-up-done'): void => {
    s.release(agentId, callId, reason, now);
    const agent = agents.get(agentId);
    if (agent !== undefined) agent.reservedFor = null;
  };

  const endOffer = (call: WorldCall, agentId: string, how: 'CallOfferDeclined' | 'CallOfferTimedOut' | 'CallOfferWithdrawn'): void => {
    s.offerEnds(call.id, agentId, how, now);
    const agent = agents.get(agentId);
    if (agent !== undefined) agent.reservedFor = null;
    call.offers.delete(agentId);
    if (call.status !== 'ringing') return;
    if (call.offers.size === 0) {
      call.status = 'waiting';
      call.declined.clear();
      call.ringAll = false;
    } else if (call.ringAll) call.declined.add(agentId);
  };

  const offer = (assignment: Assignment): void => {
    const call = calls.get(assignment.callId);
    const queue = queues.get(assignment.queueId);
    const agentsFree = assignment.agentIds.every((id) => {
      const agent = agents.get(id);
      return agent !== undefined && isAvailable(agent);
    });
    for (const id of assignment.agentIds) pendingAgents.delete(id);
    held.delete(assignment.callId);
    // The store would refuse: reserving an agent who is no longer available, offering a gone call.
    if (call === undefined || queue === undefined || !agentsFree) {
      s.index.abandonAssignment(assignment.callId, assignment.agentIds);
      return;
    }
    s.offer(assignment, now);
    call.status = 'ringing';
    call.ringAll = queue.strategy === 'ring-all';
    for (const id of assignment.agentIds) {
      call.offers.add(id);
      const agent = agents.get(id);
      if (agent !== undefined) agent.reservedFor = call.id;
    }
  };

  const check = (assignment: Assignment, taken: Set<string>): void => {
    const call = calls.get(assignment.callId);
    const queue = queues.get(assignment.queueId);
    expect(call, `assigned call ${assignment.callId} exists`).toBeDefined();
    expect(queue).toBeDefined();
    if (call === undefined || queue === undefined) return;
    expect(held.has(call.id), `call ${call.id} already pending`).toBe(false);
    expect(call.queueId).toBe(queue.id);
    expect([call.org, assignment.organisationId]).toEqual([queue.org, queue.org]);
    expect(assignment.ringAll).toBe(queue.strategy === 'ring-all');
    if (!assignment.ringAll) expect(assignment.agentIds).toHaveLength(1);
    expect(call.status === 'waiting' || (call.status === 'ringing' && call.ringAll), `call ${call.id} is ${call.status}`).toBe(true);
    for (const agentId of assignment.agentIds) {
      const agent = agents.get(agentId);
      expect(agent).toBeDefined();
      if (agent === undefined) continue;
      expect(isAvailable(agent), `agent ${agentId} available`).toBe(true);
      expect(pendingAgents.has(agentId) || taken.has(agentId), `agent ${agentId} in two assignments`).toBe(false);
      expect(agent.org).toBe(queue.org);
      expect(agent.queues.has(queue.id)).toBe(true);
      expect(call.declined.has(agentId) || call.offers.has(agentId)).toBe(false);
      taken.add(agentId);
    }
  };

  /** No call in line shares a queue with an available, non-pending member it may ring. */
  const checkInvariant = (): void => {
    for (const queue of queues.values()) {
      const inLine = [...calls.values()].filter(
        (c) => c.queueId === queue.id && c.org === queue.org && !held.has(c.id) && (c.status === 'waiting' || (c.status === 'ringing' && c.ringAll)),
      );
      const free = [...agents.values()].filter((a) => a.queues.has(queue.id) && a.org === queue.org && isAvailable(a) && !pendingAgents.has(a.id));

      for (const call of inLine) {
        for (const agent of free) {
          expect(call.declined.has(agent.id), `queue ${queue.id}: call ${call.id} waits while ${agent.id} is free`).toBe(true);
        }
      }
      expect(s.index.availableCount(queue.id), `available members of ${queue.id}`).toBe(free.length);
    }
    for (const agent of agents.values()) expect(s.index.agentView(agent.id)?.available).toBe(isAvailable(agent));
  };

  const route = (): void => {
    for (const assignment of [...held.values()]) if (random() < 0.5) offer(assignment);
    const taken = new Set<string>();
    const assignments = s.route();
    for (const assignment of assignments) check(assignment, taken);
    // Just returned: pending until the lead below offers or gives up.
    for (const assignment of assignments) {
      held.set(assignment.callId, assignment);
      for (const id of assignment.agentIds) pendingAgents.set(id, assignment.callId);
    }
    checkInvariant();
    decisions += assignments.length;
    for (const assignment of assignments) {
      const roll = random();
      if (roll < 0.75) offer(assignment);
      else if (roll < 0.85) {
        held.delete(assignment.callId);
        for (const id of assignment.agentIds) pendingAgents.delete(id);
        s.index.abandonAssignment(assignment.callId, assignment.agentIds);
      }
    }
  };

  for (let step = 0; step < steps; step++) {
    now += 1;
    const roll = random();
    if (roll < 0.2) {
      const queue = pick([...queues.values()]);
      if (queue === undefined) continue;
      callCount += 1;
      const id = `c${callCount}`;
      const org = random() < 0.05 ? (queue.org === 'org-a' ? 'org-b' : 'org-a') : queue.org;
      const priority = random() < 0.2 ? 2 : 0;
      s.call(id, queue.id, { at: now, priority, organisationId: org });
      calls.set(id, { id, org, queueId: queue.id, status: 'waiting', offers: new Set(), declined: new Set(), ringAll: false, agentId: null });
    } else if (roll < 0.3) {
      const agent = pick([...agents.values()]);
      const status = pick(['online', 'online', 'online', 'break', 'offline'] as const);
      if (agent === undefined || status === undefined || status === agent.status) continue;
      s.status(agent.id, status, now);
      agent.status = status;
    } else if (roll < 0.33) {
      const agent = pick([...agents.values()]);
      if (agent === undefined) continue;
      if (random() < 0.5) {
        s.agentEvent(agent.id, agent.disabled ? 'AgentEnabled' : 'AgentDisabled', now);
        agent.disabled = !agent.disabled;
      } else {
        s.agentEvent(agent.id, agent.locked ? 'AgentUnlocked' : 'AgentLocked', now);
        agent.locked = !agent.locked;
      }
    } else if (roll < 0.37) {
      const agent = pick([...agents.values()]);
      const queue = pick([...queues.values()]);
      if (agent === undefined || queue === undefined) continue;
      if (agent.queues.has(queue.id)) {
        s.leave(agent.id, queue.id, now);
        agent.queues.delete(queue.id);
      } else {
        s.join(agent.id, queue.id, Math.floor(random() * 3), now);
        agent.queues.add(queue.id);
      }
    } else if (roll < 0.38) {
      const queue = pick([...queues.values()]);
      const strategy = pick(QUEUE_STRATEGIES);
      if (queue === undefined || strategy === undefined) continue;
      s.updateQueue(queue.id, { strategy }, now);
      queue.strategy = strategy;
    } else if (roll < 0.5) {
      const call = pick(callsWhere('ringing'));
      const agentId = call === undefined ? undefined : pick([...call.offers]);
      if (call === undefined || agentId === undefined) continue;
      endOffer(call, agentId, random() < 0.5 ? 'CallOfferDeclined' : 'CallOfferTimedOut');
    } else if (roll < 0.62) {
      const call = pick(callsWhere('ringing'));
      const agentId = call === undefined ? undefined : pick([...call.offers]);
      if (call === undefined || agentId === undefined) continue;
      s.answer(call.id, agentId, now);
      call.status = 'connected';
      call.agentId = agentId;
      call.offers.delete(agentId);
      for (const other of [...call.offers]) endOffer(call, other, 'CallOfferWithdrawn');
    } else if (roll < 0.7) {
      const call = pick(callsWhere('connected'));
      if (call === undefined || call.agentId === null) continue;
      s.hangUp(call.id, call.agentId, now);
      call.status = 'wrap-up';
    } else if (roll < 0.78) {
      const call = pick(callsWhere('wrap-up'));
      if (call === undefined || call.agentId === null) continue;
      s.finishWrapUp(call.id, call.agentId, now);
      const agent = agents.get(call.agentId);
      if (agent !== undefined) agent.reservedFor = null;
      calls.delete(call.id);
    } else if (roll < 0.83) {
      const call = pick([...calls.values()].filter((c) => c.status === 'waiting' || c.status === 'ringing'));
      if (call === undefined) continue;
      s.abandon(call.id, now);
      for (const agentId of call.offers) release(agentId, call.id, 'abandoned');
      calls.delete(call.id);
    } else {
      route();
    }
  }
  for (const assignment of [...held.values()]) offer(assignment);
  route();
  for (const assignment of [...held.values()]) offer(assignment);
  return { s, decisions, calls, agents, queues };
};

describe('RoutingIndex under a random contact center', () => {
  it.each([1, 2, 3])('keeps the router invariant and one call per agent (seed %i)', (seed) => {
    const { decisions } = runWorld(seed, 4000);
    expect(decisions).toBeGreaterThan(200);
  });

  it('a rebuild from the whole log in one go equals the index maintained live', () => {
    const { s, agents, calls, queues } = runWorld(42, 3000);
    const rebuilt = new RoutingIndex();
    for (const event of s.events) rebuilt.apply(event);
    expect(rebuilt.lastPosition).toBe(s.index.lastPosition);
    for (const id of agents.keys()) expect(rebuilt.agentView(id)).toEqual(s.index.agentView(id));
    for (let i = 1; i < 5000; i++) expect(rebuilt.callView(`c${i}`)).toEqual(s.index.callView(`c${i}`));
    expect(calls.size).toBeGreaterThan(0);
    for (const id of queues.keys()) {
      expect([...rebuilt.callsInLine(id)]).toEqual([...s.index.callsInLine(id)]);
      expect([...rebuilt.availableAgents(id)]).toEqual([...s.index.availableAgents(id)]);
    }
    expect(rebuilt.nextAssignments()).toEqual(s.index.nextAssignments());

    // Fresh work for both: every queue gets calls, every agent comes online; same decisions.
    const tail = s.events.length;
    let at = 10_000;
    for (const queue of queues.values()) for (let i = 0; i < 3; i++) s.call(`late-${queue.id}-${i}`, queue.id, { at: (at += 1), organisationId: queue.org });
    for (const agent of agents.values()) if (agent.status !== 'online') s.status(agent.id, 'online', (at += 1));
    for (const org of ['org-a', 'org-b']) {
      for (let i = 0; i < 6; i++) {
        const memberships = Object.fromEntries([...queues.values()].filter((q) => q.org === org).map((q, n) => [q.id, (n + i) % 3]));
        s.agent(`late-${org}-${i}`, { organisationId: org, queues: memberships, onlineAt: (at += 1) });
      }
    }
    for (const event of s.events.slice(tail)) rebuilt.apply(event);
    const live = s.index.nextAssignments();
    expect(live.length).toBeGreaterThan(8);
    expect(rebuilt.nextAssignments()).toEqual(live);
  });
});
