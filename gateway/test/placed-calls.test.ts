/**
 * Calls placed from the platform (the API's placeCall -> core placeOutboundCall), dialled by the
 * gateway click-to-dial style (RFC 3725): the agent's own phone is rung first with a late-offer
 * INVITE, then the callee through the trunk. Real peers: sipp as the External agent's phone (it
 * offers SDP in its 200 and checks the answer in the ACK) and sipp as the trunk, both over UDP;
 * the embedded rtpengine anchors the media. Each test asserts what the core recorded and what the
 * phones saw (sipp exits non-zero on any unexpected or missing message).
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { agentLog, eventually, externalAgent, onlyCall, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsAgent } from './support/ws-agent.ts';

const CALLEE = '+3225550199';
const OUTBOUND_FROM = '+3225550000';
const AGENT = 'e1';

let platform: Platform | null = null;
const previousOutboundFrom = process.env.SIP_OUTBOUND_FROM;
const sockets: dgram.Socket[] = [];
const browsers: WsAgent[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const browser of browsers.splice(0)) await browser.close();
  for (const socket of sockets.splice(0)) socket.close();
  await platform?.stop();
  platform = null;
  if (previousOutboundFrom === undefined) delete process.env.SIP_OUTBOUND_FROM;
  else process.env.SIP_OUTBOUND_FROM = previousOutboundFrom;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T | undefined => events.find((event) => event.type === type)?.data as T | undefined;

/** The platform with the trunk at `trunkPort` and the External agent's phone at `phonePort`. */
const platformFor = async (trunkPort: number, phonePort: number, options: { earlyMedia?: boolean; placedCallRingSeconds?: number } = {}): Promise<Platform> => {
  const running = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunkPort}`, earlyMedia: options.earlyMedia ?? true, ...(options.placedCallRingSeconds === undefined ? {} : { placedCallRingSeconds: options.placedCallRingSeconds }) });
  platform = running;
  await externalAgent(running.cc, AGENT, phoneUri(AGENT, phonePort, 'udp'));
  return running;
};

/** What the API's placeCall does: the signed-in agent places a call under queue q1. */
const placeCall = async (running: Platform, agentId = AGENT): Promise<string> => {
  const { callId } = await running.cc.placeOutboundCall({ organisationId: ORG, agentId, number: CALLEE, queueId: 'q1' }, { organisationId: ORG, actor: { kind: 'user', userId: agentId } });
  return callId;
};

const releasedWithoutWrapUp = async (running: Platform): Promise<void> => {
  await eventually(async () => {
    const released = (await agentLog(running.cc, AGENT)).filter((event) => event.type === 'AgentReleased').at(-1);
    expect(released?.data).toMatchObject({ reason: 'outbound-failed' });
  });
};

describe('a call placed from the platform rings the agent first, then the callee', () => {
  test('agent answers (late offer, answer in the ACK), the trunk gets SIP_OUTBOUND_FROM and an SDP, early media, answer; the agent hangs up', async () => {
    process.env.SIP_OUTBOUND_FROM = OUTBOUND_FROM;
    const trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') } });
    const phone = await sipp({ scenario: 'placed-agent-answers-hangs-up.xml', transport: 'udp', agent: AGENT, fill: { HANGUP_AFTER_MS: '2000' } });
    const running = await platformFor(trunk.port, phone.port);

    const callId = await placeCall(running);
    const connected = await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']);
      return log;
    });
    expect(connected[0]?.streamId).toBe(`call-${callId}`);
    expect(dataOf(connected, 'OutboundCallRinging')).toMatchObject({ earlyMedia: true });
    expect(dataOf(connected, 'OutboundCallAnswered')).toMatchObject({ agentId: AGENT });
    const call = (await running.cc.states.calls.load(`call-${callId}`)).state;
    expect(call).toMatchObject({ status: 'connected', connectedAgentId: AGENT });
    // Both phones talk to rtpengine: the agent's phone as the anchor's caller side, the trunk as its far side.
    const media = running.gateway.media.port;
    if (media === null) throw new Error('the tests need the embedded rtpengine');
    // The trunk's party is its leg's own, next to the placeholder that played the agent's ringback.
    expect((await media.stats(callId)).parties.map((party) => party.tag)).toEqual(expect.arrayContaining([`c.${callId}`, `a.${callId}`, expect.not.stringMatching(new RegExp(`^[ac]\\.${callId}$`))]));

    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log).slice(3)).toEqual(['CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'agent', agentId: AGENT });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);

  test('the callee hangs up: the agent phone gets a BYE and the call ends into wrap-up', async () => {
    const trunk = await sipp({ scenario: 'trunk-answers-hangs-up.xml', transport: 'udp' });
    const phone = await sipp({ scenario: 'placed-agent-answers.xml', transport: 'udp', agent: AGENT });
    const running = await platformFor(trunk.port, phone.port);

    await placeCall(running);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered', 'CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'caller', agentId: AGENT });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);

  test("a supervisor's force-end sends BYE to both phones; without SIP_OUTBOUND_FROM the callee sees the queue's number", async () => {
    delete process.env.SIP_OUTBOUND_FROM;
    const trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: QUEUE_NUMBER.replace('+', '\\+') } });
    const phone = await sipp({ scenario: 'placed-agent-answers.xml', transport: 'udp', agent: AGENT });
    const running = await platformFor(trunk.port, phone.port);

    await placeCall(running);
    await eventually(async () => expect(types(await onlyCall(running.cc))).toContain('OutboundCallAnswered'));
    await running.cc.execute('organisation', ORG, { type: 'ForceEndAllCalls', data: { requestedBy: 'sup-1', at: running.cc.now() } }, { organisationId: ORG, actor: { kind: 'user', userId: 'sup-1' } });

    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    const log = await onlyCall(running.cc);
    expect(dataOf(log, 'OutboundCallPlaced')).toMatchObject({ callerId: QUEUE_NUMBER });
    expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'supervisor' });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);

  test("the callee is busy: the call fails with the trunk's 486, the agent's leg gets a BYE and the agent is released without wrap-up", async () => {
    const trunk = await sipp({ scenario: 'trunk-busy.xml', transport: 'udp' });
    const phone = await sipp({ scenario: 'placed-agent-answers.xml', transport: 'udp', agent: AGENT });
    const running = await platformFor(trunk.port, phone.port);

    await placeCall(running);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const log = await eventually(async () => {
      const events = await onlyCall(running.cc);
      expect(types(events)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallFailed']);
      return events;
    });
    expect(dataOf(log, 'OutboundCallFailed')).toMatchObject({ reason: 'busy', sipStatus: 486, agentId: AGENT });
    await releasedWithoutWrapUp(running);
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);

  test('the agent does not answer their own phone: CANCEL after the ring time, the call fails as agent-no-answer, the trunk is never dialled', async () => {
    // A bare UDP socket as the trunk: anything sent to it means the callee was dialled.
    const trunkSocket = dgram.createSocket('udp4');
    sockets.push(trunkSocket);
    const trunkPort = await new Promise<number>((resolve) => trunkSocket.bind(0, '127.0.0.1', () => resolve(trunkSocket.address().port)));
    let trunkMessages = 0;
    trunkSocket.on('message', () => {
      trunkMessages += 1;
    });
    const phone = await sipp({ scenario: 'agent-no-answer.xml', transport: 'udp', agent: AGENT });
    const running = await platformFor(trunkPort, phone.port, { placedCallRingSeconds: 1 });

    await placeCall(running);
    expect(await phone.exit, phone.errors()).toBe(0);
    const log = await eventually(async () => {
      const events = await onlyCall(running.cc);
      expect(types(events)).toEqual(['OutboundCallPlaced', 'OutboundCallFailed']);
      return events;
    });
    expect(dataOf(log, 'OutboundCallFailed')).toMatchObject({ reason: 'agent-no-answer', sipStatus: 408, agentId: AGENT });
    await releasedWithoutWrapUp(running);
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
    expect(trunkMessages).toBe(0);
  }, 30_000);

  test('without the early-media anchor (RFC 3725 flow I): the agent is ACKed with the callee\'s answer once it answers', async () => {
    process.env.SIP_OUTBOUND_FROM = OUTBOUND_FROM;
    const trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') } });
    const phone = await sipp({ scenario: 'placed-agent-answers-hangs-up.xml', transport: 'udp', agent: AGENT, fill: { HANGUP_AFTER_MS: '1000' } });
    const running = await platformFor(trunk.port, phone.port, { earlyMedia: false });

    await placeCall(running);
    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      // The agent's dialog is not confirmed while the callee rings: its early media cannot reach the agent.
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered', 'CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'OutboundCallRinging')).toMatchObject({ earlyMedia: false });
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'agent', agentId: AGENT });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);

  test("a WebRTC agent's browser (over its WebSocket registration) answers the late offer; it gets a WebRTC answer in the ACK; the callee hangs up", async () => {
    const trunk = await sipp({ scenario: 'trunk-answers-hangs-up.xml', transport: 'udp' });
    const running = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}`, earlyMedia: true });
    platform = running;
    await webrtcAgent(running.cc, 'w1');
    const browser = await WsAgent.connect(running.wsUrl, 'browser-w1');
    browsers.push(browser);
    expect((await browser.register(running.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: ORG }))).status).toBe(200);

    const callId = await placeCall(running, 'w1');
    const invite = await browser.nextRequest('INVITE');
    expect(invite.uri).toBe(browser.contact);
    expect(invite.body).toBe('');
    expect(invite.headers['X-CC-Call-Id']).toBe(callId);
    expect(invite.headers['call-info']).toMatch(/answer-after=0/);
    // The browser offered in its 200; the ACK answers it for WebRTC (rtpengine: DTLS-SRTP, ICE), once the callee answered.
    const ack = await browser.nextRequest('ACK');
    expect(ack.headers['content-type']).toBe('application/sdp');
    expect(ack.body).toMatch(/m=audio \d+ UDP\/TLS\/RTP\/SAVPF/);
    expect(ack.body).toMatch(/a=fingerprint:/);
    expect((await browser.nextRequest('BYE')).method).toBe('BYE');
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered', 'CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'caller', agentId: 'w1' });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  }, 30_000);
});
