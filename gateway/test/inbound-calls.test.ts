/**
 * Calls through the embedded SIP edge with real sipp peers on 127.0.0.1: a PSTN caller dials the
 * queue's number, External agents' phones ring, answer, refuse or stay silent, and the core's log
 * tells what the platform made of it. Early media is on, as in the product: a queued caller gets a
 * 183 with rtpengine's SDP and the 200 repeats it (sipp checks both; without rtpengine installed no
 * 183 comes and the 200 carries the phone's answer as it is). One test runs with early media off.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { killAllSipp, sipp } from './support/sipp.ts';
import { agentLog, eventually, externalAgent, onlyCall, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';

let platform: Platform | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);

describe.each([
  ['udp', true],
  ['tcp', true],
  ['udp', false],
] as const)('an answered call over %s, early media on: %s', (transport, earlyMedia) => {
  test('caller -> queue (183 with early media) -> agent phone rings and answers -> caller gets the 183 SDP again, else the phone SDP -> caller hangs up -> call ended, agent wraps up', async () => {
    platform = await startPlatform({ earlyMedia });
    const { cc, gateway } = platform;
    const phone = await sipp({ scenario: 'agent-answers.xml', transport, agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', phone.port, transport));

    const caller = await sipp({ scenario: 'caller.xml', transport, remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallReceived')[0]).toMatchObject({ channel: 'pstn', dialedNumber: QUEUE_NUMBER, caller: { number: '+3225550100', name: 'Grace Hopper' } });
    expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'a1' });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'caller', agentId: 'a1' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('a caller who gives up', () => {
  test('CANCEL while queued (nobody available) -> 487, and the core records the call abandoned while waiting', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const caller = await sipp({ scenario: 'caller-cancels.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallAbandoned');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallAbandoned']);
    expect(dataOf(events, 'CallAbandoned')[0]).toMatchObject({ while: 'waiting', offers: [] });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('agent phones that do not answer', () => {
  test('486 from the first phone -> DeclineOffer -> the call is offered to the second phone, which answers', async () => {
    platform = await startPlatform({ maxMissedOffersInRow: 1 });
    const { cc, gateway } = platform;
    const busy = await sipp({ scenario: 'agent-busy.xml', transport: 'udp', agent: 'a1' });
    const answering = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', busy.port, 'udp'));
    await externalAgent(cc, 'a2', phoneUri('a2', answering.port, 'udp'));

    const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await busy.exit, busy.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await answering.exit, answering.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallOfferDeclined', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf<{ agentId: string }>(events, 'CallOffered').map((offer) => offer.agentId)).toEqual(['a1', 'a2']);
    expect(dataOf(events, 'CallOfferDeclined')[0]).toMatchObject({ agentId: 'a1' });
    expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'a2' });
    expect(dataOf(await agentLog(cc, 'a1'), 'AgentReleased')[0]).toMatchObject({ reason: 'declined' });
  });

  test('the ring timeout fires -> the silent phone is CANCELled -> the second phone answers', { timeout: 60_000 }, async () => {
    platform = await startPlatform({ queue: { ringTimeoutSeconds: 5 }, maxMissedOffersInRow: 1 });
    const { cc, gateway } = platform;
    const silent = await sipp({ scenario: 'agent-no-answer.xml', transport: 'udp', agent: 'a1' });
    const answering = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', silent.port, 'udp'));
    await externalAgent(cc, 'a2', phoneUri('a2', answering.port, 'udp'));

    const started = Date.now();
    const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await silent.exit, silent.errors()).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await answering.exit, answering.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallOfferTimedOut', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallOfferTimedOut')[0]).toMatchObject({ agentId: 'a1' });
    expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'a2' });
  });
});

describe('the core ending a call', () => {
  test("a supervisor's force-end sends BYE to both the caller and the agent phone", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const phone = await sipp({ scenario: 'agent-answers.xml', transport: 'tcp', agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', phone.port, 'tcp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'));
    await cc.execute('organisation', 'org-gw', { type: 'ForceEndAllCalls', data: { requestedBy: 'sup-1', at: cc.now() } }, { organisationId: 'org-gw', actor: { kind: 'user', userId: 'sup-1' } });

    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const events = await onlyCall(cc);
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'supervisor' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('the agent hanging up', () => {
  test('BYE from the agent phone -> the core ends the call (by the agent) -> BYE to the caller', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const phone = await sipp({ scenario: 'agent-answers-hangs-up.xml', transport: 'udp', agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', phone.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'tcp', remotePort: gateway.tcpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'a1' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('calls the edge refuses', () => {
  test('a peer outside SIP_TRUSTED_PEERS gets 403 and the core never hears of the call', async () => {
    platform = await startPlatform({ trustedPeers: ['10.99.0.0/16'] });
    const { cc, gateway } = platform;
    const caller = await sipp({ scenario: 'caller-refused.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { EXPECTED_STATUS: '403' } });
    expect(await caller.exit, caller.errors()).toBe(0);
    await cc.whenIdle();
    expect((await cc.store.readAll({ after: 0n, maxCount: 100, streamPrefixes: ['call-'] })).length).toBe(0);
  });

  test('a number no queue has gets 404', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const caller = await sipp({ scenario: 'caller-refused.xml', transport: 'tcp', remotePort: gateway.tcpPort, service: '+3225559999', fill: { EXPECTED_STATUS: '404' } });
    expect(await caller.exit, caller.errors()).toBe(0);
    await cc.whenIdle();
    expect((await cc.store.readAll({ after: 0n, maxCount: 100, streamPrefixes: ['call-'] })).length).toBe(0);
  });

  test('a closed queue (CallRejected) gets 480, with no 183 (early media) before it', async () => {
    // Business hours with no opening window: always closed.
    platform = await startPlatform({ queue: { businessHours: { timeZone: 'UTC', windows: [] } } });
    const { cc, gateway } = platform;
    const caller = await sipp({ scenario: 'caller-refused.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { EXPECTED_STATUS: '480' }, earlyMedia: false });
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallRejected']);
  });

  test('a queue number added after the gateway started is routed (directory follows queue events)', async () => {
    platform = await startPlatform({ queue: { number: null } });
    const { cc, gateway } = platform;
    await cc.execute('queue', 'q1', { type: 'UpdateQueue', data: { changes: { number: '+3225550042' }, at: cc.now() } }, { organisationId: 'org-gw', actor: { kind: 'user', userId: 'setup' } });
    await cc.whenIdle();
    const caller = await sipp({ scenario: 'caller-cancels.xml', transport: 'udp', remotePort: gateway.udpPort, service: '+3225550042', earlyMedia: platform.callerEarlyMedia });
    expect(await caller.exit, caller.errors()).toBe(0);
    await eventually(async () => expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallAbandoned']));
  });
});
