/** The live queue board (statuses, masking, cards against `now`, search) and the agent board. */
import { afterEach, describe, expect, test } from 'vitest';
import { Center, iso } from './support/center.ts';

const ORG = 'org-1';
let center: Center;
afterEach(async () => center.stop());

describe('queue board', () => {
  test('follows a call through waiting, ringing, in progress, on hold, and off the board when it ends', async () => {
    center = await Center.start();
    await center.organisation(ORG);
    await center.queue(ORG, 'q1', { ringTimeoutSeconds: 60 });
    const waitingCall = await center.call(ORG, 'q1', { number: '+3225550111', name: 'Alan Turing' });
    const board = () => center.readModels.queueBoard(ORG, { now: center.now() });
    expect(board().rows).toMatchObject([{ callId: waitingCall, status: 'waiting', agentId: null, queueName: 'Queue q1', callerName: 'Alan Turing', queuedAt: iso(0) }]);

    await center.at(10);
    await center.agent(ORG, 'a1', ['q1'], { fullName: 'Ada Lovelace' });
    expect(board().rows[0]).toMatchObject({ status: 'ringing', agentId: 'a1', agentName: 'Ada Lovelace' });
    expect(board().cards).toEqual({ total: 1, active: 0, waiting: 1, longestWaitSeconds: 10 });

    await center.at(15);
    await center.act(ORG, waitingCall, 'AnswerCall', 'a1');
    expect(board().rows[0]).toMatchObject({ status: 'in-progress', agentId: 'a1' });
    await center.act(ORG, waitingCall, 'HoldCall', 'a1');
    expect(board().rows[0]?.status).toBe('on-hold');

    await center.at(20);
    const second = await center.call(ORG, 'q1', { number: '+3225550122', name: 'Katherine Johnson' });
    await center.at(50);
    expect(board().cards).toEqual({ total: 2, active: 1, waiting: 1, longestWaitSeconds: 30 });
    expect(center.readModels.queueBoard(ORG, { now: center.now(), statuses: ['waiting'] }).rows.map((row) => row.callId)).toEqual([second]);
    expect(center.readModels.queueBoard(ORG, { now: center.now(), search: 'katherine' }).rows.map((row) => row.callId)).toEqual([second]);
    expect(center.readModels.queueBoard(ORG, { now: center.now(), search: 'lovelace' }).rows.map((row) => row.callId)).toEqual([waitingCall]);
    expect(center.readModels.queueBoard(ORG, { now: center.now(), search: '0122' }).rows.map((row) => row.callId)).toEqual([second]);

    await center.act(ORG, waitingCall, 'ResumeCall', 'a1');
    await center.hangUp(ORG, waitingCall, 'caller');
    await center.hangUp(ORG, second, 'caller');
    expect(board()).toEqual({ cards: { total: 0, active: 0, waiting: 0, longestWaitSeconds: 0 }, rows: [] });
  });

  test('masks caller names where the queue asks for it, and search cannot see through the mask', async () => {
    center = await Center.start();
    await center.organisation(ORG);
    await center.queue(ORG, 'masked', { maskCallerName: true });
    await center.queue(ORG, 'open');
    const hidden = await center.call(ORG, 'masked', { name: 'Grace  Brewster Hopper' });
    const shown = await center.call(ORG, 'open', { name: 'Grace Hopper' });
    const rows = center.readModels.queueBoard(ORG, { now: center.now() }).rows;
    expect(rows.find((row) => row.callId === hidden)?.callerName).toBe('G****  B******* H*****');
    expect(rows.find((row) => row.callId === shown)?.callerName).toBe('Grace Hopper');
    expect(center.readModels.queueBoard(ORG, { now: center.now(), search: 'hopper' }).rows.map((row) => row.callId)).toEqual([shown]);
    expect(center.readModels.queueBoard(ORG, { now: center.now(), queueId: 'masked' }).rows.map((row) => row.callId)).toEqual([hidden]);
  });
});

describe('agent board', () => {
  test('status and since, activity and current call, and today counted in the organisation time zone', async () => {
    center = await Center.start();
    // 08:00 UTC is 20:00 in Auckland (UTC+13 in January): the local day ends at 11:00 UTC.
    await center.organisation(ORG, 'Pacific/Auckland');
    await center.queue(ORG, 'q1', { ringTimeoutSeconds: 30, wrapUpSeconds: 60 });
    await center.queue(ORG, 'q2');
    await center.agent(ORG, 'a1', ['q1']);
    await center.agent(ORG, 'a2', ['q2'], {}, false);

    const board = (now = center.now()) => center.readModels.agentBoard(ORG, { now });
    const callId = await center.call(ORG, 'q1');
    expect(board()[0]).toMatchObject({ agentId: 'a1', activity: 'ringing', currentCallId: callId, status: 'online', since: iso(0), queueIds: ['q1'] });
    await center.at(5);
    await center.act(ORG, callId, 'AnswerCall', 'a1');
    expect(board()[0]).toMatchObject({ activity: 'connected', currentCallId: callId, callsToday: 1 });
    await center.at(65);
    await center.hangUp(ORG, callId, 'agent', 'a1');
    expect(board()[0]).toMatchObject({ activity: 'wrap-up', currentCallId: callId });
    await center.at(125);
    expect(board()[0]).toMatchObject({ activity: null, currentCallId: null });

    const missed = await center.call(ORG, 'q1');
    await center.at(160); // ring timeout at 155
    expect(board()[0]).toMatchObject({ missedOffersToday: 1, callsToday: 1 });
    void missed;

    await center.status(ORG, 'a1', 'break');
    expect(board()[0]).toMatchObject({ status: 'break', since: iso(160) });
    expect(board().map((row) => row.agentId)).toEqual(['a1', 'a2']);
    expect(center.readModels.agentBoard(ORG, { queueId: 'q2', now: center.now() }).map((row) => row.agentId)).toEqual(['a2']);

    // Past local midnight in Auckland (11:00 UTC) the day starts again.
    expect(board(iso(3 * 3600 + 1))[0]).toMatchObject({ callsToday: 0, missedOffersToday: 0 });
    expect(board(iso(3 * 3600 - 1))[0]).toMatchObject({ callsToday: 1, missedOffersToday: 1 });
  });
});
