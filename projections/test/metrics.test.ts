/**
 * Metrics against a hand-worked morning of queue q1 (service level 20 s, ring timeout 60 s) with one
 * agent, a1 (online from 08:00):
 * c1 08:01:00 answered after 12 s, talk 30 s, hold 10 s, talk 30 s, agent hangs up, wrap-up 30 s (timer);
 * c2 08:05:00 caller hangs up after 5 s while ringing;
 * c3 08:10:00 declined at 08:10:03 (re-offered at once), answered 08:10:30, talk 60 s, caller hangs up,
 *    wrap-up completed after 10 s with rating 4;
 * c4 08:14:50 answered 08:15:00, talk 60 s, wrap-up 30 s (timer): its busy time straddles two buckets.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Center, iso } from './support/center.ts';

const ORG = 'org-1';
let center: Center;
const ids: Record<string, string> = {};

beforeEach(async () => {
  center = await Center.start();
  await center.organisation(ORG);
  await center.queue(ORG, 'q1', { serviceLevelSeconds: 20, wrapUpSeconds: 30, ringTimeoutSeconds: 60 });
  await center.agent(ORG, 'a1', ['q1']);

  await center.at(60);
  ids.c1 = await center.call(ORG, 'q1');
  await center.at(72);
  await center.act(ORG, ids.c1, 'AnswerCall', 'a1');
  await center.at(102);
  await center.act(ORG, ids.c1, 'HoldCall', 'a1');
  await center.at(112);
  await center.act(ORG, ids.c1, 'ResumeCall', 'a1');
  await center.at(142);
  await center.hangUp(ORG, ids.c1, 'agent', 'a1');
  await center.at(172); // wrap-up timer

  await center.at(300);
  ids.c2 = await center.call(ORG, 'q1');
  await center.at(305);
  await center.hangUp(ORG, ids.c2, 'caller');

  await center.at(600);
  ids.c3 = await center.call(ORG, 'q1');
  await center.at(603);
  await center.act(ORG, ids.c3, 'DeclineOffer', 'a1');
  await center.at(630);
  await center.act(ORG, ids.c3, 'AnswerCall', 'a1');
  await center.at(690);
  await center.hangUp(ORG, ids.c3, 'caller');
  await center.at(700);
  await center.completeWrapUp(ORG, ids.c3, 'a1', 'Refund agreed', 4);

  await center.at(890);
  ids.c4 = await center.call(ORG, 'q1');
  await center.at(900);
  await center.act(ORG, ids.c4, 'AnswerCall', 'a1');
  await center.at(960);
  await center.hangUp(ORG, ids.c4, 'agent', 'a1');
  await center.at(1800);
});

afterEach(async () => center.stop());

describe('metrics of a hand-worked morning', () => {
  test('one call alone: ASA 12, AHT 100 (talk 60 + hold 10 + wrap-up 30)', () => {
    const result = center.readModels.metrics(ORG, { from: iso(0), to: iso(120) });
    expect(result.overall).toMatchObject({
      offered: 1,
      answered: 1,
      abandoned: 0,
      asaSeconds: 12,
      ahtSeconds: 100,
      averageTalkSeconds: 60,
      averageHoldSeconds: 10,
      averageWrapUpSeconds: 30,
      longestWaitSeconds: 12,
      serviceLevel: 1,
    });
  });

  test('organisation figures over the half hour', () => {
    const { overall } = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), now: iso(1800) });
    expect(overall.offered).toBe(4);
    expect(overall.answered).toBe(3);
    expect(overall.abandoned).toBe(1);
    expect(overall.missedOffers).toBe(1);
    expect(overall.asaSeconds).toBeCloseTo((12 + 30 + 10) / 3, 6);
    expect(overall.ahtSeconds).toBeCloseTo((100 + 70 + 90) / 3, 6);
    expect(overall.averageTalkSeconds).toBeCloseTo(180 / 3, 6);
    expect(overall.averageHoldSeconds).toBeCloseTo(10 / 3, 6);
    expect(overall.averageWrapUpSeconds).toBeCloseTo(70 / 3, 6);
    expect(overall.longestWaitSeconds).toBe(30);
    expect(overall.serviceLevel).toBeCloseTo(2 / 4, 6); // c1 (12 s) and c4 (10 s) within 20 s
    expect(overall.serviceLevelExcludingShortAbandons).toBeCloseTo(2 / 3, 6); // c2 hung up within 20 s
    expect(overall.abandonmentRate).toBeCloseTo(1 / 4, 6);
    expect(overall.transfers).toBe(0);
    expect(overall.csatAverage).toBe(4);
    // Busy: c1 112 s, c2 5 s, c3 3 s + 97 s, c4 100 s; logged in the whole 1800 s.
    expect(overall.occupancy).toBeCloseTo(317 / 1800, 6);
  });

  test('15-minute intervals: calls in the bucket of arrival, busy time split across buckets', () => {
    const result = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), now: iso(1800), intervals: true });
    expect(result.intervals.map((interval) => interval.start)).toEqual([iso(0), iso(900)]);
    const [first, second] = result.intervals;
    expect(first?.figures.offered).toBe(4);
    expect(second?.figures.offered).toBe(0);
    expect(second?.figures.asaSeconds).toBeNull();
    expect(first?.figures.occupancy).toBeCloseTo(227 / 900, 6); // c4: 10 s before 08:15
    expect(second?.figures.occupancy).toBeCloseTo(90 / 900, 6); // c4: 90 s after
  });

  test('agent and queue scopes agree with the organisation for a one-agent, one-queue center', () => {
    const organisation = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), now: iso(1800) }).overall;
    const agent = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), now: iso(1800), agentId: 'a1' }).overall;
    const queue = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), now: iso(1800), queueId: 'q1' }).overall;
    expect(queue).toEqual(organisation);
    expect(agent).toEqual(organisation);
    const otherQueue = center.readModels.metrics(ORG, { from: iso(0), to: iso(1800), queueId: 'nope' }).overall;
    expect(otherQueue.offered).toBe(0);
  });

  test('the call history holds the same facts, and the agent board counts today', () => {
    const c1 = center.readModels.call(ORG, ids.c1 as string);
    expect(c1).toMatchObject({ status: 'completed', waitSeconds: 12, talkSeconds: 60, holdSeconds: 10, wrapUpSeconds: 30, firstAgentId: 'a1', endedBy: 'agent' });
    const c3 = center.readModels.call(ORG, ids.c3 as string);
    expect(c3).toMatchObject({ missedOffers: 1, endedBy: 'caller', wrapUps: [{ agentId: 'a1', notes: 'Refund agreed', rating: 4, endedBy: 'agent' }] });
    expect(c3?.timeline.map((entry) => entry.description)).toEqual([
      'Call received (pstn) for Queue q1',
      'Queued in Queue q1',
      'Offered to Agent a1',
      'Declined by Agent a1',
      'Offered to Agent a1',
      'Answered by Agent a1',
      'Ended by caller',
      'Agent a1 started wrap-up',
      'Agent a1 completed wrap-up; rating 4/5; notes: Refund agreed',
    ]);
    expect(center.readModels.call(ORG, ids.c2 as string)).toMatchObject({ status: 'abandoned', waitSeconds: 5, answeredAt: null });
    const [board] = center.readModels.agentBoard(ORG, { now: iso(1800) });
    expect(board).toMatchObject({ agentId: 'a1', status: 'online', callsToday: 3, missedOffersToday: 1, activity: null, currentCallId: null });
  });
});
