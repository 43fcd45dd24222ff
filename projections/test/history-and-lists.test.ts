/** Call history (filters, cursor pages, transfer timeline), agent and queue lists, and organisation isolation. */
import { afterEach, describe, expect, test } from 'vitest';
import { Center } from './support/center.ts';

let center: Center;
afterEach(async () => center.stop());

describe('call history', () => {
  test('pages through every call once, newest first, with stable order for calls received at the same time', async () => {
    center = await Center.start();
    await center.organisation('org-1');
    await center.queue('org-1', 'q1');
    const expected: string[] = [];
    for (let n = 0; n < 23; n++) {
      // Three calls per second: the call id breaks ties.
      if (n % 3 === 0) await center.at(n);
      expected.push(await center.call('org-1', 'q1', { number: `+32255501${String(n).padStart(2, '0')}` }, `call-${String(n).padStart(2, '0')}`));
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = center.readModels.calls('org-1', { first: 5, ...(after === undefined ? {} : { after }) });
      expect(page.totalCount).toBe(23);
      seen.push(...page.calls.map((call) => call.callId));
      if (!page.hasNextPage) break;
      after = page.endCursor ?? undefined;
    }
    const order = [...expected].sort((a, b) => {
      const byTime = Number(b.slice(5)) - (Number(b.slice(5)) % 3) - (Number(a.slice(5)) - (Number(a.slice(5)) % 3));
      return byTime !== 0 ? byTime : b.localeCompare(a);
    });
    expect(seen).toEqual(order);
    expect(new Set(seen).size).toBe(23);

    const filtered = center.readModels.calls('org-1', { callerNumber: '5550107' });
    expect(filtered.calls.map((call) => call.callId)).toEqual(['call-07']);
    expect(center.readModels.calls('org-1', { status: 'waiting' }).totalCount).toBe(23);
    expect(center.readModels.calls('org-1', { from: new Date(Date.parse('2026-01-05T08:00:21Z')).toISOString() }).totalCount).toBe(2);
    expect(() => center.readModels.calls('org-1', { after: 'not-a-cursor' })).toThrow(/cursor/);
  });

  test('a transfer between agents: timeline sentences, both agents find the call, first and last agent', async () => {
    center = await Center.start();
    await center.organisation('org-1');
    await center.queue('org-1', 'q1', { wrapUpSeconds: 30 });
    await center.agent('org-1', 'a1', ['q1'], { fullName: 'Ada Lovelace' });
    const callId = await center.call('org-1', 'q1');
    await center.act('org-1', callId, 'AnswerCall', 'a1');
    await center.agent('org-1', 'a2', ['q1'], { fullName: 'Alan Turing' });
    await center.at(40);
    await center.transfer('org-1', callId, 'a1', { kind: 'agent', agentId: 'a2' });
    await center.at(45);
    await center.acceptTransfer('org-1', callId, 'a2');
    await center.at(100);
    await center.hangUp('org-1', callId, 'caller');
    await center.completeWrapUp('org-1', callId, 'a2', 'Solved', 5);

    const call = center.readModels.call('org-1', callId);
    expect(call).toMatchObject({ firstAgentId: 'a1', lastAgentId: 'a2', transfers: 1, talkSeconds: 100, status: 'completed' });
    expect(call?.timeline.map((entry) => entry.description)).toEqual([
      'Call received (pstn) for Queue q1',
      'Queued in Queue q1',
      'Offered to Ada Lovelace',
      'Answered by Ada Lovelace',
      'Ada Lovelace asked to transfer the call to Alan Turing',
      'Transfer offered to Alan Turing',
      'Transferred from Ada Lovelace to Alan Turing',
      'Ada Lovelace started wrap-up',
      'Wrap-up of Ada Lovelace ended (time up)',
      'Ended by caller',
      'Alan Turing started wrap-up',
      'Alan Turing completed wrap-up; rating 5/5; notes: Solved',
    ]);
    expect(center.readModels.calls('org-1', { agentId: 'a2' }).calls.map((c) => c.callId)).toEqual([callId]);
    expect(center.readModels.calls('org-1', { agentId: 'a1' }).calls.map((c) => c.callId)).toEqual([callId]);
    const metrics = center.readModels.metrics('org-1', { from: '2026-01-05T08:00:00Z', to: '2026-01-05T09:00:00Z', agentId: 'a1' }).overall;
    expect(metrics).toMatchObject({ transfers: 1, answered: 1, ahtSeconds: 45 + 30 });
    expect(center.readModels.metrics('org-1', { from: '2026-01-05T08:00:00Z', to: '2026-01-05T09:00:00Z', agentId: 'a2' }).overall).toMatchObject({
      offered: 0,
      answered: 0,
      ahtSeconds: 55 + 0, // took the call over: talk 55 s, wrap-up completed at once
      csatAverage: 5,
    });
  });
});

describe('lists and organisation isolation', () => {
  test('agents: search, filters and sort; queues and queueByNumber', async () => {
    center = await Center.start();
    await center.organisation('org-1');
    await center.queue('org-1', 'sales', { number: '+3225559000', name: 'Sales' });
    await center.queue('org-1', 'care', { name: 'Care' });
    await center.agent('org-1', 'a1', ['sales'], { fullName: 'Ada Lovelace', username: 'ada', email: 'ada@example.com', extension: '101' });
    await center.agent('org-1', 'a2', ['care'], { fullName: 'alan Turing', username: 'alan', email: 'turing@example.org', extension: '102', typology: 'external', externalUri: '+3225550999' }, false);
    await center.agent('org-1', 'a3', ['sales', 'care'], { fullName: 'Grace Hopper', username: 'grace', extension: '203' });

    const ids = (rows: { agentId: string }[]) => rows.map((row) => row.agentId);
    expect(ids(center.readModels.agents('org-1', {}))).toEqual(['a1', 'a2', 'a3']);
    expect(ids(center.readModels.agents('org-1', { search: 'TURING' }))).toEqual(['a2']);
    expect(ids(center.readModels.agents('org-1', { search: '20' }))).toEqual(['a3']);
    expect(ids(center.readModels.agents('org-1', { search: 'example.com' }))).toEqual(['a1']);
    expect(ids(center.readModels.agents('org-1', { status: 'offline' }))).toEqual(['a2']);
    expect(ids(center.readModels.agents('org-1', { typology: 'external' }))).toEqual(['a2']);
    expect(ids(center.readModels.agents('org-1', { queueId: 'care' }))).toEqual(['a2', 'a3']);
    expect(ids(center.readModels.agents('org-1', { sortBy: 'extension', sortDirection: 'desc' }))).toEqual(['a3', 'a2', 'a1']);
    expect(center.readModels.agents('org-1', { search: 'grace' })[0]).toMatchObject({ queueIds: ['care', 'sales'], status: 'online', disabled: false });

    expect(center.readModels.queues('org-1').map((queue) => queue.settings.name)).toEqual(['Care', 'Sales']);
    expect(center.readModels.queueByNumber('+3225559000')).toMatchObject({ queueId: 'sales', organisationId: 'org-1' });
    expect(center.readModels.queueByNumber('+3200000000')).toBeNull();
  });

  test('no query returns another organisation\'s rows', async () => {
    center = await Center.start();
    for (const org of ['org-a', 'org-b']) {
      await center.organisation(org);
      await center.queue(org, `${org}-q`);
      await center.agent(org, `${org}-agent`, [`${org}-q`]);
    }
    const callA = await center.call('org-a', 'org-a-q');
    await center.act('org-a', callA, 'AnswerCall', 'org-a-agent');
    const callB = await center.call('org-b', 'org-b-q');
    await center.at(60);
    const now = center.now();
    const range = { from: '2026-01-05T07:00:00Z', to: '2026-01-05T09:00:00Z', now };
    const rm = center.readModels;

    expect(rm.queueBoard('org-a', { now }).rows.map((row) => row.callId)).toEqual([callA]);
    expect(rm.queueBoard('org-b', { now }).rows.map((row) => row.callId)).toEqual([callB]);
    expect(rm.queueBoard('org-a', { now, queueId: 'org-b-q' }).rows).toEqual([]);
    expect(rm.agentBoard('org-a', { now }).map((row) => row.agentId)).toEqual(['org-a-agent']);
    expect(rm.agentBoard('org-a', { now, queueId: 'org-b-q' })).toEqual([]);
    expect(rm.calls('org-a', {}).calls.map((call) => call.callId)).toEqual([callA]);
    expect(rm.calls('org-a', { agentId: 'org-b-agent' }).totalCount).toBe(0);
    expect(rm.call('org-a', callB)).toBeNull();
    expect(rm.call('org-b', callB)?.callId).toBe(callB);
    expect(rm.agents('org-a', {}).map((row) => row.agentId)).toEqual(['org-a-agent']);
    expect(rm.queues('org-b').map((row) => row.queueId)).toEqual(['org-b-q']);
    expect(rm.metrics('org-a', range).overall.offered).toBe(1);
    expect(rm.metrics('org-a', { ...range, agentId: 'org-b-agent' }).overall).toMatchObject({ offered: 0, occupancy: null });
    expect(rm.metrics('org-a', { ...range, queueId: 'org-b-q' }).overall).toMatchObject({ offered: 0, occupancy: null });
    expect(rm.metrics('org-c', range).overall).toMatchObject({ offered: 0, occupancy: null });

    const changes: string[] = [];
    const unsubscribe = rm.onChange((change) => changes.push(`${change.organisationId}:${change.models.join(',')}:${change.callIds.join(',')}`));
    await center.hangUp('org-b', callB, 'caller');
    unsubscribe();
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((change) => change.startsWith(`org-b:`) && change.includes(callB))).toBe(true);
  });
});
