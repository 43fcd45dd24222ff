import { describe, expect, it } from 'vitest';
import { RouterScenario, t } from './router-scenario.ts';

const pairs = (s: RouterScenario, limit?: number): string[] => s.route(limit).map((a) => `${a.callId}->${a.agentIds.join('+')}`);

describe('RoutingIndex calls in line', () => {
  it('serves higher priority calls first, then the longest waiting', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.call('c1', 'q1', { at: 1 });
    s.call('c2', 'q1', { at: 2, priority: 5 });
    s.call('c3', 'q1', { at: 3 });
    expect([...s.index.callsInLine('q1')]).toEqual(['c2', 'c1', 'c3']);
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 10 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 11 });
    expect(pairs(s)).toEqual(['c2->a1', 'c1->a2']);
    expect(s.index.waitingCount('q1')).toBe(1);
  });

  it('gives an agent of several queues the longest waiting call across them, not the latest', () => {
    const s = new RouterScenario();
    s.queue('sales');
    s.queue('support');
    s.agent('a1', { queues: { sales: 0, support: 0 } });
    s.call('c-support', 'support', { at: 5 });
    s.call('c-sales', 'sales', { at: 9 });
    s.status('a1', 'online', 10);
    expect(pairs(s)).toEqual(['c-support->a1']);
  });

  it('lets priority beat waiting time across queues', () => {
    const s = new RouterScenario();
    s.queue('sales', { priority: 3 });
    s.queue('support');
    s.agent('a1', { queues: { sales: 0, support: 0 } });
    s.call('c-support', 'support', { at: 5 });
    s.call('c-sales', 'sales', { at: 9, priority: 3 });
    s.status('a1', 'online', 10);
    expect(pairs(s)).toEqual(['c-sales->a1']);
  });

  it.each(['CallOfferDeclined', 'CallOfferTimedOut'] as const)('puts a call back at its original place after %s', (how) => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 10 });
    expect(s.routeAndOffer(10).map((a) => a.callId)).toEqual(['c1']);
    expect(s.index.callView('c1')).toMatchObject({ status: 'ringing', inLine: false });
    s.call('c2', 'q1', { at: 12 });
    s.call('c3', 'q1', { at: 14 });
    s.offerEnds('c1', 'a1', how, 30);
    expect(s.index.callView('c1')).toMatchObject({ status: 'waiting', inLine: true, queuedAt: new Date(Date.UTC(2025, 0, 6, 9, 0, 10)).toISOString() });
    expect([...s.index.callsInLine('q1')]).toEqual(['c1', 'c2', 'c3']);
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 31 });
    expect(pairs(s)).toEqual(['c1->a1', 'c2->a2']);
  });

  it('does not return a pending call or agent twice', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 10 });
    s.call('c2', 'q1', { at: 11 });
    expect(pairs(s)).toEqual(['c1->a1']);
    expect(s.route()).toEqual([]);
    expect(s.index.agentView('a1')).toMatchObject({ available: true, pending: { callId: 'c1', settled: false } });
    expect(s.index.callView('c1')).toMatchObject({ pending: { agentIds: ['a1'], settled: false }, inLine: false });
    expect(s.index.availableCount('q1')).toBe(0);
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 12 });
    expect(pairs(s)).toEqual(['c2->a2']);
  });

  it('keeps a settled assignment out of routing until its events arrive', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 10 });
    const [assignment] = s.route();
    if (assignment === undefined) throw new Error('expected an assignment');
    s.holdDelivery();
    s.offer(assignment, 10, { settleFirst: true });
    s.call('c2', 'q1', { at: 11 });
    expect(s.route()).toEqual([]);
    expect(s.index.agentView('a1')?.pending).toEqual({ callId: 'c1', settled: true });
    expect(s.index.callView('c1')?.pending).toEqual({ agentIds: ['a1'], settled: true });
    s.deliver();
    expect(s.route()).toEqual([]);
    expect(s.index.agentView('a1')).toMatchObject({ available: false, pending: null, reservation: { callId: 'c1' } });
    expect(s.index.callView('c1')).toMatchObject({ status: 'ringing', pending: null });
  });

  it('abandonAssignment restores the call to its place and the agent to its rank', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 5 });
    s.call('c1', 'q1', { at: 10 });
    const [assignment] = s.route(1);
    expect(assignment).toMatchObject({ callId: 'c1', agentIds: ['a1'] });
    s.call('c0', 'q1', { at: 11, queuedAt: 12 });
    s.index.abandonAssignment('c1', ['a1']);
    expect(s.index.callView('c1')?.pending).toBeNull();
    expect([...s.index.callsInLine('q1')]).toEqual(['c1', 'c0']);
    expect(pairs(s)).toEqual(['c1->a1', 'c0->a2']);
  });

  it('refuseAssignment keeps a refused agent out until its own next event, and routes the call to someone else', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 5 });
    s.call('c1', 'q1', { at: 10 });
    const [assignment] = s.route(1);
    expect(assignment).toMatchObject({ callId: 'c1', agentIds: ['a1'] });
    // a1's stream refused (another router reserved a1, not yet seen here): not tried again meanwhile.
    s.index.refuseAssignment('c1', ['a1']);
    expect(s.index.agentView('a1')).toMatchObject({ pending: { refused: true } });
    expect(pairs(s)).toEqual(['c1->a2']);
    // An event on another stream does not unmask a1; an event on a1's own stream does.
    s.call('c2', 'q1', { at: 11 });
    expect(s.route()).toEqual([]);
    s.status('a1', 'break', 12);
    s.status('a1', 'online', 13);
    expect(s.index.agentView('a1')?.pending).toBeNull();
    expect(pairs(s)).toEqual(['c2->a1']);
  });

  it('refuseCall keeps a refused call out until its own next event, and routes the agent to the next call', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 10 });
    s.call('c2', 'q1', { at: 11 });
    expect(s.route(1)).toMatchObject([{ callId: 'c1', agentIds: ['a1'] }]);
    // c1's stream refused the offer (another router offered it first, not yet seen here).
    s.index.refuseCall('c1', ['a1']);
    expect(s.index.callView('c1')).toMatchObject({ pending: { refused: true } });
    expect(pairs(s)).toEqual(['c2->a1']);
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 12 });
    expect(s.route()).toEqual([]);
    // Any event of c1's own stream brings it back in line.
    s.callStream('c1', 'DtmfReceived', { digits: '1', from: 'caller', at: t(14) });
    expect(s.index.callView('c1')?.pending).toBeNull();
    expect(pairs(s)).toEqual(['c1->a2']);
  });

  it('abandonAssignment does not bring back what the log has since changed', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 10 });
    expect(pairs(s)).toEqual(['c1->a1']);
    s.abandon('c1', 11);
    s.status('a1', 'break', 12);
    s.index.abandonAssignment('c1', ['a1']);
    expect(s.index.callView('c1')).toBeUndefined();
    expect(s.index.agentView('a1')).toMatchObject({ available: false, pending: null });
    expect(s.index.waitingCount('q1')).toBe(0);
    s.status('a1', 'online', 13);
    expect(s.index.availableCount('q1')).toBe(1);
  });

  it('does not offer an agent in wrap-up (still reserved) until released', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 1 });
    s.routeAndOffer(1);
    s.answer('c1', 'a1', 2);
    s.hangUp('c1', 'a1', 60);
    s.call('c2', 'q1', { at: 61 });
    expect(s.route()).toEqual([]);
    expect(s.index.agentView('a1')).toMatchObject({ available: false, wrapUpEndsAt: new Date(Date.UTC(2025, 0, 6, 9, 1, 30)).toISOString() });
    s.finishWrapUp('c1', 'a1', 90);
    expect(pairs(s)).toEqual(['c2->a1']);
  });

  it('a release for another call does not free the agent', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 1 });
    s.routeAndOffer(1);
    s.call('c2', 'q1', { at: 2 });
    s.release('a1', 'some-other-call', 'withdrawn', 3);
    expect(s.route()).toEqual([]);
  });

  it.each([
    ['offline', (s: RouterScenario) => s.status('a1', 'offline', 5)],
    ['on a break', (s: RouterScenario) => s.status('a1', 'break', 5)],
    ['disabled', (s: RouterScenario) => s.agentEvent('a1', 'AgentDisabled', 5)],
    ['locked', (s: RouterScenario) => s.agentEvent('a1', 'AgentLocked', 5)],
    ['removed', (s: RouterScenario) => s.agentEvent('a1', 'AgentRemoved', 5)],
    ['out of the queue', (s: RouterScenario) => s.leave('a1', 'q1', 5)],
  ])('skips an agent who is %s', (_, change) => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 3 });
    change(s);
    s.call('c1', 'q1', { at: 10 });
    expect(pairs(s)).toEqual(['c1->a2']);
  });

  it('offers again an agent who is enabled or unlocked', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agentEvent('a1', 'AgentDisabled', 1);
    s.agentEvent('a1', 'AgentLocked', 2);
    s.call('c1', 'q1', { at: 3 });
    s.agentEvent('a1', 'AgentEnabled', 4);
    expect(s.route()).toEqual([]);
    s.agentEvent('a1', 'AgentUnlocked', 5);
    expect(pairs(s)).toEqual(['c1->a1']);
  });

  it('never assigns across organisations', () => {
    const s = new RouterScenario('org-a');
    s.queue('qa');
    s.queue('qb', {}, 'org-b');
    s.agent('b1', { organisationId: 'org-b', queues: { qb: 0 }, onlineAt: 0 });
    // An agent of org-b listed in org-a's queue, and a call of org-b queued in org-a's queue: both ignored.
    s.agent('b2', { organisationId: 'org-b', queues: { qa: 0 }, onlineAt: 0 });
    s.call('ca', 'qa', { at: 1 });
    s.call('cx', 'qa', { at: 2, organisationId: 'org-b' });
    expect(s.route()).toEqual([]);
    s.agent('a1', { queues: { qa: 0 }, onlineAt: 3 });
    s.call('cb', 'qb', { at: 4, organisationId: 'org-b' });
    expect(s.route()).toEqual([
      { callId: 'ca', queueId: 'qa', organisationId: 'org-a', agentIds: ['a1'], ringTimeoutSeconds: 20, ringAll: false },
      { callId: 'cb', queueId: 'qb', organisationId: 'org-b', agentIds: ['b1'], ringTimeoutSeconds: 20, ringAll: false },
    ]);
  });

  it('takes calls out of line when abandoned, rejected or expired, and into the overflow queue', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.queue('overflow');
    s.call('c1', 'q1', { at: 1 });
    s.call('c2', 'q1', { at: 2 });
    s.call('c3', 'q1', { at: 3 });
    s.call('c4', 'q1', { at: 4 });
    s.abandon('c1', 10);
    s.callStream('c2', 'CallRejected', { reason: 'queue-closed', at: '2025-01-06T09:00:10.000Z' });
    s.callStream('c3', 'CallWaitExpired', { queueId: 'q1', overflowQueueId: null, at: '2025-01-06T09:00:10.000Z' });
    s.callStream('c4', 'CallWaitExpired', { queueId: 'q1', overflowQueueId: 'overflow', at: '2025-01-06T09:00:10.000Z' });
    expect(s.index.waitingCount('q1')).toBe(0);
    expect(s.index.callView('c4')).toMatchObject({ status: 'received', inLine: false });
    s.requeue('c4', 'overflow', { at: 10 });
    expect(s.index.callView('c4')).toMatchObject({ status: 'waiting', queueId: 'overflow', inLine: true });
    s.agent('a1', { queues: { q1: 0, overflow: 0 }, onlineAt: 20 });
    expect(pairs(s)).toEqual(['c4->a1']);
    expect(['c1', 'c2', 'c3'].map((id) => s.index.callView(id))).toEqual([undefined, undefined, undefined]);
  });

  it('counts a transfer accepted as an answered call and ends the talk of the agent who transferred', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'fewest-calls' });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 1 });
    s.call('c1', 'q1', { at: 2 });
    s.routeAndOffer(2);
    s.answer('c1', 'a1', 10);
    s.callStream('c1', 'CallTransferRequested', { transferId: 'tr1', fromAgentId: 'a1', target: { kind: 'agent', agentId: 'a2' }, at: '2025-01-06T09:01:00.000Z' });
    s.callStream('c1', 'CallTransferAccepted', { transferId: 'tr1', fromAgentId: 'a1', toAgentId: 'a2', at: '2025-01-06T09:01:10.000Z' });
    s.callStream('c1', 'CallEnded', { endedBy: 'caller', agentId: 'a2', reason: null, at: '2025-01-06T09:01:40.000Z' });
    expect(s.index.agentView('a1')?.stats).toMatchObject({ answeredCalls: 1, talkSeconds: 60 });
    expect(s.index.agentView('a2')?.stats).toMatchObject({ answeredCalls: 1, talkSeconds: 30 });
  });

  it('ignores an event at or before the last applied position', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.call('c1', 'q1', { at: 1 });
    const before = s.index.lastPosition;
    for (const event of s.events) s.index.apply(event);
    expect(s.index.lastPosition).toBe(before);
    expect(s.index.waitingCount('q1')).toBe(1);
    expect(s.index.agentView('a1')?.queues).toEqual([{ queueId: 'q1', penalty: 0 }]);
  });

  it('routes only the changed queues, so the limit leaves the rest for the next call', () => {
    const s = new RouterScenario();
    for (const q of ['q1', 'q2', 'q3']) {
      s.queue(q);
      s.agent(`a-${q}`, { queues: { [q]: 0 }, onlineAt: 0 });
    }
    s.call('c1', 'q1', { at: 1 });
    s.call('c2', 'q2', { at: 2 });
    s.call('c3', 'q3', { at: 3 });
    expect(pairs(s, 2)).toEqual(['c1->a-q1', 'c2->a-q2']);
    expect(pairs(s)).toEqual(['c3->a-q3']);
  });
});
