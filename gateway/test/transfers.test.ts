/**
 * Blind transfers through the embedded SIP edge with real sipp peers on 127.0.0.1: a PSTN caller is
 * answered by agent a1's phone, then a1 transfers the call (through the core, as the API does, or
 * with a REFER from the phone) to agent a2, to another queue, or to an external number behind the
 * trunk. The caller's scenario proves its media moved (re-INVITE with the destination's SDP) or did
 * not (no re-INVITE at all); the phones' scenarios prove their legs ended; the core's log and state
 * tell who the call is with. Early media is on (the caller gets a 183 while queued and the 200
 * repeats its SDP), except in the TCP transfer to an agent, which runs with it off.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, defaultQueueSettings, type RecordedEvent, streams } from '@cc/core';
import { killAllSipp, sipp } from './support/sipp.ts';
import { agentLog, answeredBy, eventually, externalAgent, onlyCall, onlyCallWith, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';

let platform: Platform | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
});

const SECOND_QUEUE_NUMBER = '+3225554321';
const TARGET_EXTENSION = '4202';
const setup: CommandContext = { organisationId: ORG, actor: { kind: 'user', userId: 'setup' } };
const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });

const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);

/** Queue q2, with its own number. */
const secondQueue = async (cc: ContactCenter): Promise<void> => {
  await cc.execute('queue', 'q2', { type: 'CreateQueue', data: { queueId: 'q2', organisationId: ORG, settings: defaultQueueSettings('Sales', { number: SECOND_QUEUE_NUMBER }), at: cc.now() } }, setup);
};

/**
 * An External agent with a known extension, in q1 (the core transfers only to agents of the call's
 * queue) and q2, Online after a1: q1's call goes to a1 first (longest idle, then agent id).
 */
const targetAgent = async (cc: ContactCenter, agentId: string, externalUri: string): Promise<void> => {
  const profile = {
    fullName: `Agent ${agentId}`,
    username: agentId,
    alias: null,
    email: null,
    extension: TARGET_EXTENSION,
    typology: 'external' as const,
    externalUri,
    wrapUpSeconds: null,
    description: null,
    voicemail: false,
  };
  await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile, at: cc.now() } }, setup);
  for (const queueId of ['q1', 'q2']) await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, asAgent(agentId));
  await cc.whenIdle();
};

/**
 * The origin the caller's re-INVITE must carry once the transfer moved it: the destination's, or with
 * early media the gateway's own (the caller stays on its anchored ports: the 183's description again).
 */
const movedTo = (running: Platform, origin: string): string => (running.callerEarlyMedia ? 'cc-gateway' : origin);

const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

// Over TCP with early media off (SIP_EARLY_MEDIA=off): the path where each agent leg is anchored on its own.
describe.each([
  ['udp', true],
  ['tcp', false],
] as const)('a transfer to another agent over %s, early media on: %s', (transport, earlyMedia) => {
  test('a2 answers -> AcceptTransfer, the caller is re-INVITEd with a2 phone SDP, a1 phone gets BYE; a2 connected, a1 in wrap-up', async () => {
    platform = await startPlatform({ earlyMedia });
    const { cc, gateway } = platform;
    await secondQueue(cc);
    const first = await sipp({ scenario: 'agent-answers.xml', transport, agent: 'a1' });
    const second = await sipp({ scenario: 'agent-answers.xml', transport, agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, transport));
    await targetAgent(cc, 'a2', phoneUri('a2', second.port, transport));
    const caller = await sipp({ scenario: 'transfer-caller.xml', transport, remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_TO_ORIGIN: movedTo(platform, 'agent-phone-a2') }, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));

    expect(await first.exit, first.errors()).toBe(0);
    const state = await eventually(async () => {
      const current = await callState(cc, callId);
      expect(current.connectedAgentId).toBe('a2');
      return current;
    });
    expect(state.status).toBe('connected');
    expect(Object.keys(state.wrapUps)).toEqual(['a1']);
    const offered = dataOf<{ agentId: string }>(await onlyCall(cc), 'CallTransferOffered');
    expect(offered.map((offer) => offer.agentId)).toEqual(['a2']);

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual([
      'CallReceived',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'CallTransferRequested',
      'CallTransferOffered',
      'CallTransferAccepted',
      'WrapUpStarted',
      'CallEnded',
      'WrapUpStarted',
    ]);
    expect(dataOf(events, 'CallTransferAccepted')[0]).toMatchObject({ fromAgentId: 'a1', toAgentId: 'a2' });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'a2' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('a transfer that fails returns the caller to the agent', () => {
  test('a2 phone declines (486) -> RejectTransfer; the caller is never re-INVITEd and stays with a1 until a1 hangs up', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await secondQueue(cc);
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    const busy = await sipp({ scenario: 'agent-busy.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await targetAgent(cc, 'a2', phoneUri('a2', busy.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));

    expect(await busy.exit, busy.errors()).toBe(0);
    const rejected = await onlyCallWith(cc, 'CallTransferRejected');
    expect(dataOf(rejected, 'CallTransferRejected')[0]).toMatchObject({ toAgentId: 'a2', reason: 'rejected' });
    const state = await callState(cc, callId);
    expect(state).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    expect(dataOf(await onlyCallWith(cc, 'CallEnded'), 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'a1' });
    expect(dataOf(await agentLog(cc, 'a2'), 'AgentReleased')[0]).toMatchObject({ reason: 'transfer-rejected' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('a transfer to another queue', () => {
  test("a1 leg gets BYE at once, the caller stays up and waits in q2, a2 (q2) is offered the call and the caller is re-INVITEd with a2's SDP", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await secondQueue(cc);
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    const second = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await targetAgent(cc, 'a2', phoneUri('a2', second.port, 'udp'));
    const caller = await sipp({ scenario: 'transfer-caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_TO_ORIGIN: movedTo(platform, 'agent-phone-a2') }, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'queue', queueId: 'q2' }, asAgent('a1'));

    expect(await first.exit, first.errors()).toBe(0);
    await answeredBy(cc, 'a2');
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a2', queueId: 'q2' });

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual([
      'CallReceived',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'CallTransferRequested',
      'CallTransferredToQueue',
      'WrapUpStarted',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'CallEnded',
      'WrapUpStarted',
    ]);
    expect(dataOf(events, 'CallQueued')[1]).toMatchObject({ queueId: 'q2' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('a transfer to an external number through the trunk', () => {
  test('the destination answers -> CompleteExternalTransfer, caller re-INVITEd to it, a1 BYE; its hang-up ends the call', async () => {
    const trunk = await sipp({ scenario: 'transfer-trunk-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: '\\+3225550999' } });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}`, transferFrom: '+3225550999' });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'transfer-caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_TO_ORIGIN: movedTo(platform, 'external-party') }, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'external', number: '+3225557777' }, asAgent('a1'));

    expect(await first.exit, first.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallTransferRequested', 'CallTransferredExternally', 'WrapUpStarted', 'CallEnded']);
    expect(dataOf(events, 'CallTransferredExternally')[0]).toMatchObject({ fromAgentId: 'a1', number: '+3225557777' });
    expect(dataOf(events, 'WrapUpStarted')[0]).toMatchObject({ agentId: 'a1' });
    expect((await callState(cc, callId)).outcome).toBe('transferred-externally');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('the destination is busy (486) -> FailTransfer; the caller is never re-INVITEd and stays with a1', async () => {
    const trunk = await sipp({ scenario: 'agent-busy.xml', transport: 'udp', agent: 'trunk' });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'external', number: '+3225557777' }, asAgent('a1'));

    expect(await trunk.exit, trunk.errors()).toBe(0);
    const failed = await onlyCallWith(cc, 'CallTransferFailed');
    expect(dataOf<{ reason: string }>(failed, 'CallTransferFailed')[0]?.reason).toContain('486');
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('a REFER from the agent phone', () => {
  test("REFER to a2's extension -> 202, NOTIFY 100 then 200; a2 answers, the caller moves to a2, a1 phone gets BYE", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await secondQueue(cc);
    const first = await sipp({ scenario: 'transfer-agent-refers.xml', transport: 'udp', agent: 'a1', fill: { REFER_TARGET: TARGET_EXTENSION, EXPECTED_SIPFRAG: 'SIP/2.0 200' } });
    const second = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await targetAgent(cc, 'a2', phoneUri('a2', second.port, 'udp'));
    const caller = await sipp({ scenario: 'transfer-caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_TO_ORIGIN: movedTo(platform, 'agent-phone-a2') }, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    expect(await first.exit, first.errors()).toBe(0);
    await eventually(async () => expect(await callState(cc, callId)).toMatchObject({ connectedAgentId: 'a2' }));
    const requested = await onlyCallWith(cc, 'CallTransferAccepted');
    expect(dataOf(requested, 'CallTransferRequested')[0]).toMatchObject({ fromAgentId: 'a1', target: { kind: 'agent', agentId: 'a2' } });

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('REFER to an E.164 number whose destination is busy -> NOTIFY 486 (terminated); the caller stays with a1', async () => {
    const trunk = await sipp({ scenario: 'agent-busy.xml', transport: 'udp', agent: 'trunk' });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'transfer-agent-refers.xml', transport: 'udp', agent: 'a1', fill: { REFER_TARGET: '+3225557777', EXPECTED_SIPFRAG: 'SIP/2.0 486' } });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    expect(await trunk.exit, trunk.errors()).toBe(0);
    const failed = await onlyCallWith(cc, 'CallTransferFailed');
    expect(dataOf(failed, 'CallTransferRequested')[0]).toMatchObject({ fromAgentId: 'a1', target: { kind: 'external', number: '+3225557777' } });
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', transfer: null });

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await first.exit, first.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('REFER to a number that is no extension, queue or E.164 -> 404 with a Warning; the call goes on with a1, whose phone then hangs up', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'transfer-agent-refer-refused.xml', transport: 'udp', agent: 'a1', fill: { REFER_TARGET: '9999', EXPECTED_STATUS: '404' } });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });

    expect(await first.exit, first.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'a1' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
