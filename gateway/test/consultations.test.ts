/**
 * Consultations (attended transfers) through the embedded SIP edge with real sipp peers: a PSTN
 * caller answered by agent a1's phone; a1 consults a2 through the core (as the API does). a2's
 * phone is rung like a transfer offer; its answer does not move the caller, who stays on hold with
 * a1 until the transfer is completed (then re-INVITEd with a2's SDP, a1's leg ends) or the
 * consultation ends (a2's leg ends, the caller is never re-INVITEd). These run without the media
 * server (RTPENGINE=off): SIP-phone agents then stay apart, as the phones' scenarios expect; with it
 * they are connected to each other (consultation-sip-phones.test.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, type RecordedEvent, streams } from '@cc/core';
import { killAllSipp, sipp } from './support/sipp.ts';
import { agentLog, answeredBy, eventually, externalAgent, onlyCallWith, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';

let platform: Platform | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
});

const setup: CommandContext = { organisationId: ORG, actor: { kind: 'user', userId: 'setup' } };
const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

/** An External agent of q1, Online after a1 (so q1's call goes to a1 first). */
const colleague = async (cc: ContactCenter, agentId: string, externalUri: string): Promise<void> => {
  const profile = {
    fullName: `Agent ${agentId}`,
    username: agentId,
    alias: null,
    email: null,
    extension: '4202',
    typology: 'external' as const,
    externalUri,
    wrapUpSeconds: null,
    description: null,
    voicemail: false,
  };
  await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile, at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId: 'q1', penalty: 0, skills: [], at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, asAgent(agentId));
  await cc.whenIdle();
};

/** Whether a sipp run has ended within `ms` (a phone still in its call has not). */
const endedWithin = (run: { exit: Promise<number> }, ms: number): Promise<boolean> =>
  Promise.race([run.exit.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('a1 consults a2', () => {
  const previousSetting = process.env.RTPENGINE;
  beforeAll(() => {
    process.env.RTPENGINE = 'off';
  });
  afterAll(() => {
    if (previousSetting === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previousSetting;
  });

  test('a2 answers: the caller stays on hold with a1; on completion the caller is re-INVITEd to a2 and a1 gets BYE', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    const second = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await colleague(cc, 'a2', phoneUri('a2', second.port, 'udp'));
    const movedTo = platform.callerEarlyMedia ? 'cc-gateway' : 'agent-phone-a2';
    const caller = await sipp({ scenario: 'transfer-caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { MOVED_TO_ORIGIN: movedTo }, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));
    await onlyCallWith(cc, 'ConsultationAnswered');
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true });
    // a1's phone is still in the call: the caller was not moved by a2's answer.
    expect(await endedWithin(first, 1000)).toBe(false);

    await cc.completeConsultedTransfer(callId, 'a1', asAgent('a1'));
    expect(await first.exit, first.errors()).toBe(0);
    await eventually(async () => expect((await callState(cc, callId)).connectedAgentId).toBe('a2'));

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual([
      'CallReceived',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'ConsultationStarted',
      'CallHeld',
      'CallTransferOffered',
      'ConsultationAnswered',
      'CallTransferAccepted',
      'WrapUpStarted',
      'CallEnded',
      'WrapUpStarted',
    ]);
    expect(dataOf(events, 'CallTransferAccepted')[0]).toMatchObject({ fromAgentId: 'a1', toAgentId: 'a2', consulted: true });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a1 cancels after a2 answered: a2 phone gets BYE, the caller is never re-INVITEd and stays with a1 (on hold, then resumed)', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    const second = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await colleague(cc, 'a2', phoneUri('a2', second.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));
    await onlyCallWith(cc, 'ConsultationAnswered');
    await cc.cancelConsultation(callId, 'a1', asAgent('a1'));
    expect(await second.exit, second.errors()).toBe(0);
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true, transfer: null });
    await eventually(async () => expect(dataOf(await agentLog(cc, 'a2'), 'AgentReleased')[0]).toMatchObject({ reason: 'transfer-rejected' }));

    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'a1', at: cc.now() } }, asAgent('a1'));
    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    expect(dataOf(await onlyCallWith(cc, 'CallEnded'), 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'cancelled' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a2 hangs up during the consultation: the consultation ends, the caller stays with a1', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    const second = await sipp({ scenario: 'agent-answers-hangs-up.xml', transport: 'udp', agent: 'a2' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    await colleague(cc, 'a2', phoneUri('a2', second.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));
    expect(await second.exit, second.errors()).toBe(0);
    const ended = await onlyCallWith(cc, 'ConsultationEnded');
    expect(dataOf(ended, 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'hung-up' });
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true });

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
