/**
 * Agents on SIP phones hearing each other during a consultation, through the embedded SIP edge and
 * rtpengine with real sipp peers: a PSTN caller answered by External agent a1's phone; a1 consults
 * External agent a2 through the core (as the API does). Once a2's phone answers, a1's phone is
 * re-INVITEd without SDP and its offer goes to a2 through the consultation's own media call
 * (`<callId>.consult.<a2's offer id>`); cancel brings a1 back to the caller, completion hands a2
 * over to it. The RTP endpoints of the caller and both phones are sockets of this test, each
 * sending audio whose payload is one byte repeated (its mark), so every count says who hears whom.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, type RecordedEvent, streams } from '@cc/core';
import type { NgClient } from '../src/media/ng-client.ts';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { consultationMediaCallId } from '../src/session/external-consultation.ts';
import { anchorPortOf } from './support/caller-rtp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';
import { heardMore, type MarkedRtp, MarkedRtpEndpoints, remotePortOf } from './support/marked-rtp.ts';
import { eventually, externalAgent, onlyCall, onlyCallWith, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { killAllSipp, sipp, type SippRun } from './support/sipp.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`consultation-sip-phones: skipped: ${missing}`);

const CALLER_MARK = 0x77;
const FIRST_MARK = 0x33;
const SECOND_MARK = 0x55;

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

/** Whether rtpengine still knows this call. */
const mediaCallExists = async (client: NgClient, callId: string): Promise<boolean> =>
  client.query({ 'call-id': callId }).then(
    () => true,
    () => false,
  );

describe.skipIf(missing !== null)(`a1 consults a2, both on SIP phones${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  const endpoints = new MarkedRtpEndpoints();
  useEmbeddedRtpengine();

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await endpoints.closeAll();
  });

  /**
   * The caller (talking all along) answered by a1; a1 consults a2, who answers; resolves once the
   * consultation's media call has both phones as its parties, and a1 and a2 have heard each other
   * (with `talk` false: once a2 answered).
   */
  const consulting = async (firstScenario: string, secondScenario: string, talk = true) => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [firstRtp, firstPort] = await endpoints.open();
    const [secondRtp, secondPort] = await endpoints.open();
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    const firstPhone = await sipp({ scenario: firstScenario, transport: 'udp', agent: 'a1', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(firstPort), MOVED_TO_ORIGIN: 'agent-phone-a2' } });
    const secondPhone = await sipp({ scenario: secondScenario, transport: 'udp', agent: 'a2', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(secondPort), OFFERED_BY: 'a1' } });
    // a1 is Online first, so the queue's call goes to a1.
    await externalAgent(cc, 'a1', phoneUri('a1', firstPhone.port, 'udp'));
    await externalAgent(cc, 'a2', phoneUri('a2', secondPhone.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
    const callId = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(dataOf<{ agentId: string }>(log, 'CallAnswered').map((answer) => answer.agentId)).toEqual(['a1']);
      return (log[0]?.data as { callId: string }).callId;
    }, 20_000);
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);

    await cc.startConsultation(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));
    const answered = await onlyCallWith(cc, 'ConsultationAnswered');
    const offerId = dataOf<{ offerId: string; agentId: string }>(answered, 'CallTransferOffered')[0]?.offerId ?? '';
    const mediaCall = consultationMediaCallId(callId, offerId);
    const parties = { cc, gateway, client, callId, offerId, mediaCall, caller, firstPhone, secondPhone, callerRtp, firstRtp, secondRtp };
    if (!talk) return parties;
    // a1's phone is the media call's `c.` side, a2's its `a.` side, each at the address it offered or answered.
    await eventually(async () => {
      expect(await remotePortOf(client, mediaCall, `c.${offerId}`)).toBe(firstPort);
      expect(await remotePortOf(client, mediaCall, `a.${offerId}`)).toBe(secondPort);
    }, 20_000);
    firstRtp.send(await anchorPortOf(client, mediaCall, `c.${offerId}`), FIRST_MARK);
    secondRtp.send(await anchorPortOf(client, mediaCall, `a.${offerId}`), SECOND_MARK);
    await heardMore(secondRtp, FIRST_MARK);
    await heardMore(firstRtp, SECOND_MARK);
    // The caller talks all along, yet neither agent hears it: a2 never did, and a1 no longer does
    // (blocked since the consultation started) while the agents hear each other a while longer.
    const firstHeardCaller = firstRtp.heard(CALLER_MARK);
    await heardMore(secondRtp, FIRST_MARK);
    await heardMore(firstRtp, SECOND_MARK);
    expect(secondRtp.heard(CALLER_MARK)).toBe(0);
    expect(firstRtp.heard(CALLER_MARK)).toBe(firstHeardCaller);
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true });
    // The held caller hears neither agent (music on hold, from the caller's own media call).
    expect(callerRtp.heard(FIRST_MARK) + callerRtp.heard(SECOND_MARK)).toBe(0);
    return parties;
  };

  /** After the consultation: a1's phone was re-INVITEd back to the caller; once resumed, a1 and the caller hear each other. */
  const backWithCaller = async (cc: ContactCenter, client: NgClient, callId: string, offerId: string, callerRtp: MarkedRtp, firstRtp: MarkedRtp): Promise<void> => {
    const firstOfferId = dataOf<{ offerId: string }>(await onlyCall(cc), 'CallOffered')[0]?.offerId ?? '';
    // a1 answered the re-INVITE that brought it back: the caller's media call sends a1's party to its phone again.
    const firstParty = `a.${firstOfferId}`;
    await eventually(async () => expect(await remotePortOf(client, callId, firstParty)).toBe(firstRtp.socket.address().port), 20_000);
    // ...on its own party: a2's party of that call (which took a2's answer) was not re-pointed at a1's phone.
    expect(await remotePortOf(client, callId, `a.${offerId}`)).not.toBe(firstRtp.socket.address().port);

    // The caller stays on hold (music, the caller's socket counting every packet) until a1 resumes it:
    // back with the caller, a1 still gets none of its audio (the caller talks all along).
    let callerPackets = 0;
    callerRtp.socket.on('message', () => (callerPackets += 1));
    const firstHeardCaller = firstRtp.heard(CALLER_MARK);
    await eventually(() => expect(callerPackets).toBeGreaterThan(50), 20_000);
    expect(firstRtp.heard(CALLER_MARK)).toBe(firstHeardCaller);
    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'a1', at: cc.now() } }, asAgent('a1'));
    firstRtp.send(await anchorPortOf(client, callId, firstParty), FIRST_MARK);
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);
    await heardMore(callerRtp, FIRST_MARK);
    await heardMore(firstRtp, CALLER_MARK);
  };

  const finished = async (run: SippRun): Promise<void> => {
    expect(await run.exit, run.errors()).toBe(0);
  };

  test('a2 answers: a1 and a2 hear each other, the caller neither; on completion the caller and a2 hear each other, a1 gets BYE and the consultation media call is released', { timeout: 150_000 }, async () => {
    const { cc, gateway, client, callId, offerId, mediaCall, caller, firstPhone, secondPhone, callerRtp, firstRtp, secondRtp } = await consulting('consult-first-phone-moved.xml', 'consult-second-phone-handed-over.xml');

    await cc.completeConsultedTransfer(callId, 'a1', asAgent('a1'));
    await finished(firstPhone);
    firstRtp.stop();
    await eventually(async () => expect(await mediaCallExists(client, mediaCall)).toBe(false), 20_000);
    // a2's phone offered anew and the caller was re-INVITEd with it (both scenarios check the SIP): a2 now sends to its party of the caller's call.
    await eventually(async () => expect((await callState(cc, callId)).connectedAgentId).toBe('a2'));
    secondRtp.send(await anchorPortOf(client, callId, `a.${offerId}`), SECOND_MARK);
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);
    await heardMore(callerRtp, SECOND_MARK);
    await heardMore(secondRtp, CALLER_MARK);
    expect(callerRtp.heard(FIRST_MARK)).toBe(0);

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    await finished(caller);
    await finished(secondPhone);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events).slice(4)).toEqual(['ConsultationStarted', 'CallHeld', 'CallTransferOffered', 'ConsultationAnswered', 'CallTransferAccepted', 'WrapUpStarted', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallTransferAccepted')[0]).toMatchObject({ fromAgentId: 'a1', toAgentId: 'a2', consulted: true });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a1 cancels: a2 gets BYE, a1 is re-INVITEd back to the caller, and once resumed a1 and the caller hear each other; the consultation media call is released', { timeout: 150_000 }, async () => {
    const { cc, gateway, client, callId, offerId, mediaCall, caller, firstPhone, secondPhone, callerRtp, firstRtp, secondRtp } = await consulting('consult-first-phone-moved-back.xml', 'consult-second-phone-released.xml');

    await cc.cancelConsultation(callId, 'a1', asAgent('a1'));
    await finished(secondPhone);
    secondRtp.stop();
    await eventually(async () => expect(await mediaCallExists(client, mediaCall)).toBe(false), 20_000);
    expect(dataOf(await onlyCall(cc), 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'cancelled' });
    await backWithCaller(cc, client, callId, offerId, callerRtp, firstRtp);

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    await finished(caller);
    await finished(firstPhone);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events).slice(4)).toEqual(['ConsultationStarted', 'CallHeld', 'CallTransferOffered', 'ConsultationAnswered', 'ConsultationEnded', 'CallResumed', 'CallEnded', 'WrapUpStarted']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a2 hangs up during the consultation: it ends as hung-up, a1 is re-INVITEd back to the caller and the consultation media call is released', { timeout: 150_000 }, async () => {
    const { cc, gateway, client, callId, offerId, mediaCall, caller, firstPhone, secondPhone, callerRtp, firstRtp } = await consulting('consult-first-phone-moved-back.xml', 'consult-second-phone-hangs-up.xml', false);

    await finished(secondPhone);
    expect(dataOf(await onlyCallWith(cc, 'ConsultationEnded'), 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'hung-up' });
    await eventually(async () => expect(await mediaCallExists(client, mediaCall)).toBe(false), 20_000);
    await backWithCaller(cc, client, callId, offerId, callerRtp, firstRtp);

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    await finished(caller);
    await finished(firstPhone);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
