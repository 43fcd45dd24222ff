/**
 * Calls to WebRTC agents through their WebSocket registration, with real peers: sipp as the PSTN
 * caller over UDP, and a SIP-over-WebSocket user agent (see support/ws-agent.ts) as the agent's
 * browser or a website visitor. Hold and resume are re-INVITEs from either side, DTMF is SIP INFO;
 * the core's log tells what the platform made of them.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { killAllSipp, sipp } from './support/sipp.ts';
import { eventually, onlyCall, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { WsAgent } from './support/ws-agent.ts';

let platform: Platform | null = null;
const agents: WsAgent[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const agent of agents.splice(0)) await agent.close();
  await platform?.stop();
  platform = null;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);

/** A WebRTC agent 'agentId', Online in q1, registered over a WebSocket with session credentials. */
const registeredAgent = async (running: Platform, agentId: string, name = `browser-${agentId}`): Promise<WsAgent> => {
  await webrtcAgent(running.cc, agentId);
  const credential = running.credentials.issue({ sessionId: `session-${agentId}`, agentId, organisationId: 'org-gw' });
  const agent = await WsAgent.connect(running.wsUrl, name);
  agents.push(agent);
  const registered = await agent.register(credential);
  expect(registered.status).toBe(200);
  return agent;
};

describe('a PSTN caller and a WebRTC agent', () => {
  test('sipp (UDP) -> queue -> the registered agent is INVITEd over its WebSocket -> answers -> caller holds, resumes, presses 5, hangs up', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const agent = await registeredAgent(platform, 'w1');

    const caller = await sipp({ scenario: 'caller-holds.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { AGENT_SDP_ORIGIN: 'browser-w1', HOLD_MS: '800' } });

    const invite = await agent.nextRequest('INVITE');
    // Sent to the contact JsSIP registered, over the same WebSocket, with the caller's SDP as it is.
    expect(invite.uri).toBe(agent.contact);
    expect(invite.via[0]?.protocol).toMatch(/WS$/);
    expect(invite.body).toContain('o=pstn-caller');
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallHeld'));

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed', 'DtmfReceived', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallHeld')[0]).toMatchObject({ agentId: 'w1' });
    expect(dataOf(events, 'DtmfReceived')[0]).toMatchObject({ digits: '5', from: 'caller' });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'caller', agentId: 'w1' });
    // The agent's browser saw both relayed re-INVITEs and the BYE.
    const reinvites = agent.received.filter((request) => request.method === 'INVITE' && request.to.params.tag !== undefined);
    expect(reinvites.map((request) => /a=(sendonly|sendrecv)/.exec(request.body)?.[1])).toEqual(['sendonly', 'sendrecv']);
    await agent.nextRequest('BYE');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('the agent holds and resumes from the browser (re-INVITE over WebSocket), sends DTMF, and hangs up', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const agent = await registeredAgent(platform, 'w2');
    const caller = await sipp({ scenario: 'caller-held-by-agent.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { AGENT_SDP_ORIGIN: 'browser-w2' } });

    await agent.nextRequest('INVITE');
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'));
    await agent.nextRequest('ACK');

    const held = await agent.reinvite('sendonly');
    expect(held.status).toBe(200);
    expect(held.body).toContain('a=recvonly'); // the caller's answer, relayed
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallHeld'));
    expect((await agent.reinvite('sendrecv')).status).toBe(200);
    expect((await agent.info('7')).status).toBe(200);
    expect((await agent.bye()).status).toBe(200);

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed', 'DtmfReceived', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'DtmfReceived')[0]).toMatchObject({ digits: '7', from: 'agent' });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'w2' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('an Online WebRTC agent without a registration: nothing is sent, the offer is left to time out', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await webrtcAgent(cc, 'w3');
    const caller = await sipp({ scenario: 'caller-cancels.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia });
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallAbandoned');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAbandoned']);
    expect(gateway.stats()).toMatchObject({ clientTransactions: 0 });
  });

  test("the agent's WebSocket closes during the call: the core ends it (agent leg lost) and the caller gets BYE", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const agent = await registeredAgent(platform, 'w4', 'agent-phone-w4');
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });
    await agent.nextRequest('ACK');
    await agent.close();
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await onlyCall(cc);
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'w4' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0, registrations: 0 }));
  });
});

describe('a website visitor calling over WebSocket', () => {
  test("visitor's INVITE to sip:<queue id>@domain -> the WebRTC agent's browser answers -> SDPs relayed both ways (media direct) -> visitor hangs up", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const agent = await registeredAgent(platform, 'w5');
    const visitor = await WsAgent.connect(platform.wsUrl, 'visitor');
    agents.push(visitor);

    const answered = await visitor.call('sip:q1@cc.test');
    expect(answered.status).toBe(200);
    expect(answered.body).toContain('o=browser-w5');
    const invite = agent.received.find((request) => request.method === 'INVITE');
    expect(invite?.body).toContain('o=visitor');

    expect((await visitor.reinvite('sendonly')).status).toBe(200);
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallHeld'));
    // WebRTC offers carry c=IN IP4 0.0.0.0 always: with ICE only the direction means hold.
    expect((await visitor.reinvite('sendrecv')).status).toBe(200);
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallResumed'));
    expect((await visitor.bye()).status).toBe(200);
    await agent.nextRequest('BYE');
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(dataOf(events, 'CallReceived')[0]).toMatchObject({ channel: 'webrtc', queueId: 'q1' });
    expect(dataOf(events, 'CallEnded')[0]).toMatchObject({ endedBy: 'caller' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a visitor dialling something that is not a queue gets 404', async () => {
    platform = await startPlatform();
    const visitor = await WsAgent.connect(platform.wsUrl, 'visitor');
    agents.push(visitor);
    expect((await visitor.call('sip:not-a-queue@cc.test')).status).toBe(404);
  });
});
