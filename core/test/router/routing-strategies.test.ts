import { describe, expect, it } from 'vitest';
import { RouterScenario } from './router-scenario.ts';

/** Routes `callId` (must go to `agentId`), answers, talks `talkSeconds`, finishes wrap-up. */
const handle = (s: RouterScenario, callId: string, agentId: string, at: number, talkSeconds: number): void => {
  s.call(callId, 'q1', { at });
  const [assignment] = s.route();
  expect(assignment?.agentIds).toEqual([agentId]);
  if (assignment === undefined) return;
  s.offer(assignment, at);
  s.answer(callId, agentId, at + 1);
  s.hangUp(callId, agentId, at + 1 + talkSeconds);
  s.finishWrapUp(callId, agentId, at + 2 + talkSeconds);
};

describe('RoutingIndex strategies', () => {
  it('longest-idle (the default) offers the agent idle the longest', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 10 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 5 });
    s.agent('a3', { queues: { q1: 0 }, onlineAt: 20 });
    s.call('c1', 'q1', { at: 30 });
    expect(s.route()).toEqual([{ callId: 'c1', queueId: 'q1', organisationId: 'org-1', agentIds: ['a2'], ringTimeoutSeconds: 20, ringAll: false }]);
  });

  it('longest-idle counts idle time from the last release, not from going online', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 10 });
    handle(s, 'c1', 'a1', 20, 60); // a1 idle again from 83
    s.call('c2', 'q1', { at: 100 });
    expect(s.route()[0]?.agentIds).toEqual(['a2']);
  });

  it('round-robin offers the agent least recently offered a call of this queue', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'round-robin' });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 0 });
    handle(s, 'c1', 'a1', 10, 5); // a1 offered at 10, idle again from 17
    // a2 comes back later than a1 was released, so longest-idle would pick a1.
    s.status('a2', 'break', 12);
    s.status('a2', 'online', 30);
    s.call('c2', 'q1', { at: 40 });
    expect(s.route()[0]?.agentIds).toEqual(['a2']);
    expect(s.index.agentView('a1')?.stats.lastOfferAt).toEqual({ q1: new Date(Date.UTC(2025, 0, 6, 9, 0, 10)).toISOString() });
  });

  it('fewest-calls offers the agent who answered fewest calls, then the longest idle', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'fewest-calls' });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    handle(s, 'c1', 'a1', 10, 5);
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 100 });
    s.agent('a3', { queues: { q1: 0 }, onlineAt: 90 });
    s.call('c2', 'q1', { at: 200 });
    expect(s.route()[0]?.agentIds).toEqual(['a3']);
    expect(s.index.agentView('a1')?.stats.answeredCalls).toBe(1);
  });

  it('least-talk-time offers the agent with the least talk time, even with more calls', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'least-talk-time' });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 1 });
    handle(s, 'c1', 'a1', 10, 300); // a1: one call, 300 s
    handle(s, 'c2', 'a2', 20, 30); // a2: 30 s
    s.status('a1', 'break', 400);
    s.status('a1', 'online', 401);
    handle(s, 'c3', 'a2', 500, 30); // a2: two calls, 60 s, idle from 532
    s.call('c4', 'q1', { at: 600 });
    expect(s.route()[0]?.agentIds).toEqual(['a2']);
    expect(s.index.agentView('a1')?.stats.talkSeconds).toBe(300);
    expect(s.index.agentView('a2')?.stats).toMatchObject({ answeredCalls: 2, talkSeconds: 60 });
  });

  it('skills tries the lowest penalty tier first, longest idle within the tier', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'skills' });
    s.agent('a1', { queues: { q1: 2 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 1 }, onlineAt: 20 });
    s.agent('a3', { queues: { q1: 1 }, onlineAt: 10 });
    s.call('c1', 'q1', { at: 30 });
    s.call('c2', 'q1', { at: 31 });
    s.call('c3', 'q1', { at: 32 });
    expect(s.route().map((a) => [a.callId, a.agentIds])).toEqual([
      ['c1', ['a3']],
      ['c2', ['a2']],
      ['c3', ['a1']],
    ]);
  });

  it('ring-all offers the call to every available member at once', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'ring-all', ringTimeoutSeconds: 15 });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 3 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 1 });
    s.agent('a3', { queues: { q1: 0 }, onlineAt: 2 });
    s.agent('a4', { queues: { q1: 0 } }); // offline
    s.agent('a5', { queues: { q2: 0 }, onlineAt: 0 }); // another queue
    s.call('c1', 'q1', { at: 10 });
    const assignments = s.route();
    expect(assignments).toEqual([{ callId: 'c1', queueId: 'q1', organisationId: 'org-1', agentIds: ['a2', 'a3', 'a1'], ringTimeoutSeconds: 15, ringAll: true }]);
    expect(s.route()).toEqual([]);
  });

  it('ring-all keeps ringing newcomers but not an agent who declined; the answer frees the others', () => {
    const s = new RouterScenario();
    s.queue('q1', { strategy: 'ring-all' });
    s.agent('a1', { queues: { q1: 0 }, onlineAt: 1 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 2 });
    s.agent('a3', { queues: { q1: 0 } });
    s.call('c1', 'q1', { at: 10 });
    s.call('c2', 'q1', { at: 11 });
    const [first] = s.routeAndOffer(10);
    expect(first?.agentIds).toEqual(['a1', 'a2']);
    expect(s.index.callView('c1')).toMatchObject({ status: 'ringing', inLine: true });

    // A member who comes online while c1 rings joins the ring of the first call in line.
    s.status('a3', 'online', 12);
    expect(s.routeAndOffer(12)).toMatchObject([{ callId: 'c1', agentIds: ['a3'], ringAll: true }]);

    // a1 declines c1: not rung again for c1, so the next call in line takes it.
    s.offerEnds('c1', 'a1', 'CallOfferDeclined', 13);
    expect(s.index.callView('c1')?.declinedBy).toEqual(['a1']);
    expect(s.routeAndOffer(13)).toMatchObject([{ callId: 'c2', agentIds: ['a1'] }]);

    // a2 answers c1: a3's ring is withdrawn and a3 goes to the next call.
    s.answer('c1', 'a2', 14);
    s.offerEnds('c1', 'a3', 'CallOfferWithdrawn', 14);
    expect(s.index.callView('c1')).toMatchObject({ status: 'connected', inLine: false, connectedAgentId: 'a2' });
    expect(s.route()).toMatchObject([{ callId: 'c2', agentIds: ['a3'] }]);
  });

  it('a strategy change re-orders the available members', () => {
    const s = new RouterScenario();
    s.queue('q1');
    s.agent('a1', { queues: { q1: 5 }, onlineAt: 0 });
    s.agent('a2', { queues: { q1: 0 }, onlineAt: 10 });
    expect([...s.index.availableAgents('q1')]).toEqual(['a1', 'a2']);
    s.updateQueue('q1', { strategy: 'skills' });
    expect([...s.index.availableAgents('q1')]).toEqual(['a2', 'a1']);
    s.call('c1', 'q1', { at: 20 });
    expect(s.route()[0]?.agentIds).toEqual(['a2']);
  });
});
