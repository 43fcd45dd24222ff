/**
 * Blind transfers of a late-offer caller (its INVITE had no SDP; it answered the first agent's offer
 * in its ACK), with real sipp peers on 127.0.0.1: the caller, the agents' phones and the trunk.
 * - Media off: an external number is dialled without SDP and offers in its 200; the caller is
 *   re-INVITEd with exactly that description and its answer reaches the number in the ACK.
 * - rtpengine on: the caller's media is anchored, so the number's INVITE carries an rtpengine offer
 *   (made from the caller's answer) and the caller hears it, and is heard, through rtpengine.
 * - To another agent: that phone is rung without SDP and offers; the caller gets its offer in a
 *   re-INVITE and the phone gets the caller's answer in its ACK (media off: as they are; rtpengine:
 *   anchored, the two hear each other).
 * RTP endpoints are sockets of this test sending PCMU whose payload is their mark (marked-rtp.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, type RecordedEvent, streams } from '@cc/core';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { anchorPortOf } from './support/caller-rtp.ts';
import { heardMore, MarkedRtpEndpoints, remotePortOf } from './support/marked-rtp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';
import { answeredBy, eventually, externalAgent, onlyCall, onlyCallWith, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { freePort, killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`late-offer-transfers: rtpengine tests skipped: ${missing}`);

const NUMBER = '+3225550100';
const CALLER_MARK = 0x71;
const FAR_MARK = 0x52;

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;
/** A literal for a sipp regexp (POSIX extended). */
const literally = (text: string): string => text.replace(/[.+*?()[\]{}|\\^$]/g, '\\$&');

const EXTERNALLY_TRANSFERRED = ['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallTransferRequested', 'CallTransferredExternally', 'WrapUpStarted', 'CallEnded'];
const TRANSFERRED_TO_A2 = ['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallTransferRequested', 'CallTransferOffered', 'CallTransferAccepted', 'WrapUpStarted', 'CallEnded', 'WrapUpStarted'];

let platform: Platform | null = null;
const endpoints = new MarkedRtpEndpoints();

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
  await endpoints.closeAll();
});

/** A late-offer caller whose re-INVITE must describe `moved` (regexps for its o=, c= and m= lines). */
const lateOfferCaller = (gatewayPort: number, callerPort: number, moved: { origin: string; connection: string; media: string }) =>
  sipp({
    scenario: 'caller-late-offer-transferred.xml',
    transport: 'udp',
    remotePort: gatewayPort,
    service: QUEUE_NUMBER,
    timeoutSeconds: 50,
    fill: { CALLER_RTP_PORT: String(callerPort), MOVED_ORIGIN: moved.origin, MOVED_CONNECTION: moved.connection, MOVED_MEDIA: moved.media },
  });

/** An External agent's phone that offers in its 200 (RTP at `port`) and requires an answer in its ACK. */
const lateOfferPhone = (agentId: string, port: number) =>
  sipp({ scenario: 'agent-answers-late-offer.xml', transport: 'udp', agent: agentId, timeoutSeconds: 50, fill: { AGENT_RTP_PORT: String(port), ACK_LENGTH: '[1-9][0-9]*' } });

describe('a late-offer caller transferred with media off (RTPENGINE=off)', () => {
  const previousSetting = process.env.RTPENGINE;
  beforeAll(() => {
    process.env.RTPENGINE = 'off';
  });
  afterAll(() => {
    if (previousSetting === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previousSetting;
  });

  test("to an external number: the trunk is dialled without SDP and offers, the caller is re-INVITEd with the trunk's c=/m= lines, the trunk's ACK carries the caller's answer; the trunk's BYE ends the call as transferred", { timeout: 90_000 }, async () => {
    const [callerPort, trunkPort, agentPort] = [await freePort(), await freePort(), await freePort()];
    const trunk = await sipp({
      scenario: 'transfer-trunk-offers.xml',
      transport: 'udp',
      timeoutSeconds: 50,
      fill: { EXPECTED_NUMBER: literally(NUMBER), TRUNK_RTP_PORT: String(trunkPort), ACK_MEDIA: `m=audio ${callerPort} RTP/AVP 0 101`, TALK_MS: '300' },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    expect(gateway.media.port).toBeNull();
    const first = await lateOfferPhone('a1', agentPort);
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await lateOfferCaller(gateway.udpPort, callerPort, {
      origin: 'o=external-party ',
      connection: 'c=IN IP4 127\\.0\\.0\\.1',
      media: `m=audio ${trunkPort} RTP/AVP 0 101`,
    });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));

    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual(EXTERNALLY_TRANSFERRED);
    expect(dataOf(events, 'CallTransferredExternally')[0]).toMatchObject({ fromAgentId: 'a1', number: NUMBER });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'system' });
    expect((await callState(cc, callId)).outcome).toBe('transferred-externally');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("to another agent: a2's phone is rung without SDP, the caller is re-INVITEd with a2's offer and a2's ACK carries the caller's answer; a1 gets BYE", { timeout: 90_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [callerPort, firstPort, secondPort] = [await freePort(), await freePort(), await freePort()];
    const first = await lateOfferPhone('a1', firstPort);
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await lateOfferCaller(gateway.udpPort, callerPort, {
      origin: 'o=agent-phone-a2 ',
      connection: 'c=IN IP4 127\\.0\\.0\\.1',
      media: `m=audio ${secondPort} RTP/AVP 0 101`,
    });
    const callId = await answeredBy(cc, 'a1');
    // Online only now, so the router gave the call to a1.
    const second = await lateOfferPhone('a2', secondPort);
    await externalAgent(cc, 'a2', phoneUri('a2', second.port, 'udp'));

    await cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));

    expect(await first.exit, first.errors()).toBe(0);
    await eventually(async () => expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a2' }), 20_000);
    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual(TRANSFERRED_TO_A2);
    expect(dataOf(events, 'CallTransferAccepted')[0]).toMatchObject({ fromAgentId: 'a1', toAgentId: 'a2' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe.skipIf(missing !== null)(`a late-offer caller transferred with rtpengine${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  useEmbeddedRtpengine();

  test("to an external number: the trunk's INVITE carries rtpengine's offer, the caller is re-INVITEd onto rtpengine, audio crosses both ways; the trunk's BYE ends the call as transferred", { timeout: 90_000 }, async () => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [trunkRtp, trunkPort] = await endpoints.open();
    const trunk = await sipp({
      scenario: 'transfer-trunk-answers-anchored.xml',
      transport: 'udp',
      timeoutSeconds: 50,
      // Long enough for the test to hear audio both ways before the number hangs up.
      fill: { EXPECTED_NUMBER: literally(NUMBER), CALLER_RTP_PORT: String(callerPort), TRUNK_RTP_PORT: String(trunkPort), TALK_MS: '12000' },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the test needs the embedded rtpengine');
    const first = await lateOfferPhone('a1', await freePort());
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await lateOfferCaller(gateway.udpPort, callerPort, { origin: 'o=', connection: 'c=IN IP4 127\\.0\\.0\\.1', media: 'm=audio [1-9][0-9]* RTP/AVP' });
    const callId = await answeredBy(cc, 'a1');

    await cc.requestTransfer(callId, 'a1', { kind: 'external', number: NUMBER }, asAgent('a1'));

    const transferId = dataOf<{ transferId: string }>(await onlyCallWith(cc, 'CallTransferredExternally'), 'CallTransferRequested')[0]?.transferId ?? '';
    // The transfer's leg in the caller's media call: the caller's side towards the number's.
    const callerSide = await eventually(async () => {
      const port = await anchorPortOf(client, callId, `c.${transferId}`);
      expect(port).toBeGreaterThan(0);
      return port;
    });
    const trunkSide = await anchorPortOf(client, callId, `a.${transferId}`);
    expect(trunkSide).toBeGreaterThan(0);
    expect(trunkSide).not.toBe(callerPort);
    // rtpengine sends the caller's side to the caller's answer, the number's side to the trunk's answer.
    expect(await remotePortOf(client, callId, `c.${transferId}`)).toBe(callerPort);
    expect(await remotePortOf(client, callId, `a.${transferId}`)).toBe(trunkPort);
    callerRtp.send(callerSide, CALLER_MARK);
    trunkRtp.send(trunkSide, FAR_MARK);
    await heardMore(trunkRtp, CALLER_MARK, 10);
    await heardMore(callerRtp, FAR_MARK, 10);

    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events)).toEqual(EXTERNALLY_TRANSFERRED);
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'system' });
    expect((await callState(cc, callId)).outcome).toBe('transferred-externally');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("to another agent: a2's offer is anchored towards the caller (re-INVITE), the caller's answer goes back in a2's ACK; the caller and a2 hear each other", { timeout: 90_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the test needs the embedded rtpengine');
    const [callerRtp, callerPort] = await endpoints.open();
    const [phoneRtp, phonePort] = await endpoints.open();
    const first = await lateOfferPhone('a1', await freePort());
    await externalAgent(cc, 'a1', phoneUri('a1', first.port, 'udp'));
    const caller = await lateOfferCaller(gateway.udpPort, callerPort, { origin: 'o=', connection: 'c=IN IP4 127\\.0\\.0\\.1', media: 'm=audio [1-9][0-9]* RTP/AVP' });
    const callId = await answeredBy(cc, 'a1');
    const second = await lateOfferPhone('a2', phonePort);
    await externalAgent(cc, 'a2', phoneUri('a2', second.port, 'udp'));

    await cc.requestTransfer(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));

    expect(await first.exit, first.errors()).toBe(0);
    await eventually(async () => expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a2' }), 20_000);
    const offerId = dataOf<{ offerId: string }>(await onlyCall(cc), 'CallTransferOffered')[0]?.offerId ?? '';
    // The caller's answer (its re-INVITE's 200) reached rtpengine: it sends the caller's side there.
    await eventually(async () => expect(await remotePortOf(client, callId, `c.${offerId}`)).toBe(callerPort));
    expect(await remotePortOf(client, callId, `a.${offerId}`)).toBe(phonePort);
    callerRtp.send(await anchorPortOf(client, callId, `c.${offerId}`), CALLER_MARK);
    phoneRtp.send(await anchorPortOf(client, callId, `a.${offerId}`), FAR_MARK);
    await heardMore(phoneRtp, CALLER_MARK, 10);
    await heardMore(callerRtp, FAR_MARK, 10);

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    expect(types(await onlyCallWith(cc, 'CallEnded'))).toEqual(TRANSFERRED_TO_A2);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
