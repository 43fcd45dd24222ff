/**
 * Consulting an external number (attended transfer to E.164) through the embedded SIP edge and
 * rtpengine, with real sipp peers: a PSTN caller answered by agent a1's SIP phone; a1 consults a
 * number through the core (as the API does); the trunk (a sipp UAS) gets the INVITE, and a
 * re-INVITE each time the other side of its media changes (a1 moved onto it, then the caller). The RTP
 * endpoints of the caller, a1's phone and the number are sockets of this test, each sending audio
 * whose payload is one byte repeated (its mark), so every count says who hears whom.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, type RecordedEvent, streams } from '@cc/core';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { consultationMediaCallId } from '../src/session/external-consultation.ts';
import { anchorPortOf } from './support/caller-rtp.ts';
import { heardMore, MarkedRtpEndpoints, remotePortOf } from './support/marked-rtp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';
import { answeredBy, eventually, externalAgent, onlyCall, onlyCallWith, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { freePort, killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`consultation-external: skipped: ${missing}`);

const NUMBER = '+3225557777';
const CALLER_MARK = 0x77;
const AGENT_MARK = 0x33;
const EXTERNAL_MARK = 0x55;

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

describe.skipIf(missing !== null)(`a1 consults an external number${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  const endpoints = new MarkedRtpEndpoints();
  useEmbeddedRtpengine();

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await endpoints.closeAll();
  });

  test('the number answers: a1 talks to it, the caller only after completion; a1 is released and the number hanging up ends the call as transferred externally', { timeout: 120_000 }, async () => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [agentRtp, agentPort] = await endpoints.open();
    const [externalRtp, externalPort] = await endpoints.open();
    const trunk = await sipp({
      scenario: 'consult-trunk-transferred.xml',
      transport: 'udp',
      agent: 'trunk',
      timeoutSeconds: 90,
      // After the caller is handed over, the number talks long enough for both directions to be heard.
      fill: { EXPECTED_NUMBER: '\\+3225557777', EXPECTED_FROM: '\\+3225550100', EXTERNAL_RTP_PORT: String(externalPort), EXTERNAL_TALKS_MS: '10000' },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    const first = await sipp({ scenario: 'consult-agent-moved.xml', transport: 'udp', agent: 'a1', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(agentPort) } });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
    const callId = await answeredBy(cc, 'a1');
    // The caller talks all along: the number must hear it only once the transfer completed.
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);

    await cc.startConsultation(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));
    const answered = await onlyCallWith(cc, 'ConsultationAnswered');
    expect(dataOf(answered, 'ConsultationAnswered')[0]).toMatchObject({ agentId: null });
    const consultId = dataOf<{ consultId: string }>(answered, 'ConsultationStarted')[0]?.consultId ?? '';
    const mediaCall = consultationMediaCallId(callId, consultId);
    // a1's phone is re-INVITEd onto the number's media (the media server then gives both sides their final ports).
    await eventually(async () => expect(await remotePortOf(client, mediaCall, `c.${consultId}`)).toBe(agentPort), 20_000);
    externalRtp.send(await anchorPortOf(client, mediaCall, `a.${consultId}`), EXTERNAL_MARK);
    await heardMore(agentRtp, EXTERNAL_MARK);
    agentRtp.send(await anchorPortOf(client, mediaCall, `c.${consultId}`), AGENT_MARK);
    await heardMore(externalRtp, AGENT_MARK);
    // a1 no longer hears the held caller (blocked since the consultation started) while it hears the number a while longer.
    const agentHeardCaller = agentRtp.heard(CALLER_MARK);
    await heardMore(agentRtp, EXTERNAL_MARK);
    expect(agentRtp.heard(CALLER_MARK)).toBe(agentHeardCaller);
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true });
    expect(externalRtp.heard(CALLER_MARK)).toBe(0);
    expect(callerRtp.heard(EXTERNAL_MARK) + callerRtp.heard(AGENT_MARK)).toBe(0);

    await cc.completeConsultedTransfer(callId, 'a1', asAgent('a1'));
    expect(await first.exit, first.errors()).toBe(0);
    agentRtp.stop();
    // The caller was re-INVITEd (its scenario checks it) and now talks to the number, both ways.
    await heardMore(callerRtp, EXTERNAL_MARK);
    await heardMore(externalRtp, CALLER_MARK);

    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual([
      'CallReceived',
      'CallQueued',
      'CallOffered',
      'CallAnswered',
      'ConsultationStarted',
      'CallHeld',
      'ConsultationAnswered',
      'CallTransferredExternally',
      'WrapUpStarted',
      'CallEnded',
    ]);
    expect(dataOf(events, 'CallTransferredExternally')[0]).toMatchObject({ transferId: consultId, fromAgentId: 'a1', number: NUMBER, consulted: true });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'system', reason: 'transfer destination hung up' });
    expect((await callState(cc, callId)).outcome).toBe('transferred-externally');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('the number is busy (486): the consultation ends as failed, the caller stays on hold with a1 and nobody is re-INVITEd', { timeout: 120_000 }, async () => {
    const trunk = await sipp({ scenario: 'agent-busy.xml', transport: 'udp', agent: 'trunk' });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1' });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));
    expect(await trunk.exit, trunk.errors()).toBe(0);
    const ended = await onlyCallWith(cc, 'ConsultationEnded');
    expect(dataOf(ended, 'ConsultationEnded')[0]).toMatchObject({ agentId: null, reason: 'failed' });
    expect(types(ended)).not.toContain('ConsultationAnswered');
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true, transfer: null });

    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'a1', at: cc.now() } }, asAgent('a1'));
    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    expect((await callState(cc, callId)).outcome).toBe('completed');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  // a1's phone hangs up once it is back with the caller: the order of the re-INVITEs is the scenarios' to check.
  test('the number hangs up during the consultation: it ends as hung-up and a1 is re-INVITEd back to the caller', { timeout: 120_000 }, async () => {
    const trunk = await sipp({
      scenario: 'consult-trunk-answers-hangs-up.xml',
      transport: 'udp',
      agent: 'trunk',
      timeoutSeconds: 90,
      fill: { EXPECTED_NUMBER: '\\+3225557777', EXPECTED_FROM: '.', EXTERNAL_RTP_PORT: String(await freePort()), EXTERNAL_TALKS_MS: '500' },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'consult-agent-moved-back.xml', transport: 'udp', agent: 'a1', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(await freePort()) } });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    // The caller's one re-INVITE is a1 coming back to it.
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(await freePort()) } });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));
    expect(await trunk.exit, trunk.errors()).toBe(0);
    const ended = await onlyCallWith(cc, 'ConsultationEnded');
    expect(dataOf(ended, 'ConsultationEnded')[0]).toMatchObject({ agentId: null, reason: 'hung-up' });

    expect(await first.exit, first.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events).slice(4)).toEqual(['ConsultationStarted', 'CallHeld', 'ConsultationAnswered', 'ConsultationEnded', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'a1' });
    expect((await callState(cc, callId)).outcome).toBe('completed');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a1 cancels after the number answered: the number gets BYE, a1 is re-INVITEd back to the caller (then hangs up)', { timeout: 120_000 }, async () => {
    const trunk = await sipp({
      scenario: 'consult-trunk-answers.xml',
      transport: 'udp',
      agent: 'trunk',
      timeoutSeconds: 90,
      fill: { EXPECTED_NUMBER: '\\+3225557777', EXPECTED_FROM: '.', EXTERNAL_RTP_PORT: String(await freePort()) },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const first = await sipp({ scenario: 'consult-agent-moved-back.xml', transport: 'udp', agent: 'a1', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(await freePort()) } });
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(await freePort()) } });
    const callId = await answeredBy(cc, 'a1');

    await cc.startConsultation(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));
    await onlyCallWith(cc, 'ConsultationAnswered');
    await cc.cancelConsultation(callId, 'a1', asAgent('a1'));
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(dataOf(await onlyCall(cc), 'ConsultationEnded')[0]).toMatchObject({ agentId: null, reason: 'cancelled' });

    expect(await first.exit, first.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(types(await onlyCallWith(cc, 'CallEnded')).slice(4)).toEqual(['ConsultationStarted', 'CallHeld', 'ConsultationAnswered', 'ConsultationEnded', 'CallEnded', 'WrapUpStarted']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
