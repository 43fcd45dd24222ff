/**
 * Late-offer callers (RFC 3261 13.2.1): a sipp caller sends its INVITE without SDP and answers in
 * its ACK. The agent's phone is rung without SDP too and offers in its 200; the gateway anchors that
 * offer on rtpengine (embedded) from the agent's side, offers the caller in its 200 and gives the
 * phone the caller's answer in its ACK. Real peers: sipp as the caller and as an External agent's
 * phone, a WebSocket browser agent, and UDP sockets of this test as both parties' RTP endpoints.
 */
import type dgram from 'node:dgram';
import { streamEntityId } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { anchorPortOf, CallerRtp } from './support/caller-rtp.ts';
import { eventually, externalAgent, onlyCall, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsAgent } from './support/ws-agent.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`late-offer: skipped: ${missing}`);

/** The caller's ACK: an SDP answer with its RTP at `port`. */
const ackWithAnswer = (port: number): Record<string, string> => ({
  ACK_HEADERS: 'Content-Type: application/sdp\n      ',
  ACK_BODY: ['v=0', 'o=pstn-caller 53655765 2353687637 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\n'),
});

/** PCMU silence every 20 ms from `socket` to the anchor's `port`: symmetric RTP, so the anchor answers to that socket. */
const sendAudio = (socket: dgram.Socket, port: number): (() => void) => {
  let sequence = 1;
  const timer = setInterval(() => {
    const packet = Buffer.alloc(172, 0xff);
    packet[0] = 0x80;
    packet.writeUInt16BE(sequence, 2);
    packet.writeUInt32BE(sequence * 160, 4);
    packet.writeUInt32BE(0x1a7e0001 + port, 8);
    sequence += 1;
    socket.send(packet, port, '127.0.0.1');
  }, 20);
  return () => clearInterval(timer);
};

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T | undefined => events.find((event) => event.type === type)?.data as T | undefined;

describe.skipIf(missing !== null)(`a caller without an SDP offer (late offer)${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  const endpoints: CallerRtp[] = [];
  const browsers: WsAgent[] = [];
  useEmbeddedRtpengine();

  afterEach(async () => {
    await killAllSipp();
    for (const browser of browsers.splice(0)) await browser.close();
    await platform?.stop();
    platform = null;
    for (const endpoint of endpoints.splice(0)) await endpoint.close();
  });

  const rtpEndpoint = async (): Promise<{ rtp: CallerRtp; port: number }> => {
    const rtp = new CallerRtp();
    endpoints.push(rtp);
    return { rtp, port: await rtp.open() };
  };

  test('a SIP phone answers with its offer: the caller gets it (anchored) in the 200, answers in the ACK, the phone gets that answer in its ACK; media flows both ways', { timeout: 60_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the test needs the embedded rtpengine');
    const caller = await rtpEndpoint();
    const agent = await rtpEndpoint();
    const phone = await sipp({ scenario: 'agent-answers-late-offer.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 40, fill: { AGENT_RTP_PORT: String(agent.port), ACK_LENGTH: '[1-9][0-9]*' } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));

    const call = await sipp({ scenario: 'caller-late-offer.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 40, fill: ackWithAnswer(caller.port) });

    const log = await eventually(async () => {
      const events = await onlyCall(cc);
      expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered']);
      return events;
    });
    const callId = streamEntityId(log[0]?.streamId ?? '');
    expect((await cc.states.calls.load(`call-${callId}`)).state).toMatchObject({ status: 'connected', connectedAgentId: 'e1' });
    const offerId = dataOf<{ offerId: string }>(log, 'CallOffered')?.offerId ?? '';

    // Each party sends to the anchor port it was given; each hears the other through rtpengine.
    const callerSide = await eventually(async () => {
      const port = await anchorPortOf(client, callId, `c.${offerId}`);
      expect(port).toBeGreaterThan(0);
      return port;
    });
    const agentSide = await anchorPortOf(client, callId, `a.${offerId}`);
    expect(agentSide).toBeGreaterThan(0);
    const stopCaller = sendAudio(caller.rtp.socket, callerSide);
    const stopAgent = sendAudio(agent.rtp.socket, agentSide);
    try {
      await eventually(() => {
        expect(agent.rtp.packets).toBeGreaterThan(10);
        expect(caller.rtp.packets).toBeGreaterThan(10);
      }, 20_000);
    } finally {
      stopCaller();
      stopAgent();
    }
    expect(caller.rtp.anchorPort).toBe(callerSide);
    expect(agent.rtp.anchorPort).toBe(agentSide);

    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', { organisationId: ORG, actor: { kind: 'user', userId: 'e1' } });
    expect(await call.exit, call.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("a browser agent answers with its WebRTC offer: the caller is offered plain RTP, the browser's ACK carries a WebRTC answer; the browser hangs up", { timeout: 60_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await webrtcAgent(cc, 'w1');
    const browser = await WsAgent.connect(platform.wsUrl, 'browser-w1');
    browsers.push(browser);
    expect((await browser.register(platform.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: ORG }))).status).toBe(200);
    const caller = await rtpEndpoint();

    const call = await sipp({ scenario: 'caller-late-offer.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 40, fill: ackWithAnswer(caller.port) });

    const invite = await browser.nextRequest('INVITE');
    expect(invite.body).toBe('');
    const ack = await browser.nextRequest('ACK');
    expect(ack.headers['content-type']).toBe('application/sdp');
    expect(ack.body).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF/);
    expect(ack.body).toMatch(/a=fingerprint:/);
    await eventually(async () => expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered']));

    expect((await browser.bye()).status).toBe(200);
    expect(await call.exit, call.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(dataOf(events, 'CallEnded')).toMatchObject({ endedBy: 'agent', agentId: 'w1' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a caller whose ACK carries no answer: both legs get a BYE and the call ends', { timeout: 60_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const agent = await rtpEndpoint();
    const phone = await sipp({ scenario: 'agent-answers-late-offer.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 40, fill: { AGENT_RTP_PORT: String(agent.port), ACK_LENGTH: '0' } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));

    const call = await sipp({ scenario: 'caller-late-offer.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 40, fill: { ACK_HEADERS: '', ACK_BODY: '' } });

    expect(await call.exit, call.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
      return log;
    });
    expect(dataOf(events, 'CallEnded')).toMatchObject({ endedBy: 'system', reason: expect.stringMatching(/no SDP answer/) });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
