/**
 * Outbound calls from an agent's softphone through the SIP trunk, with real peers: the agent is a
 * SIP-over-WebSocket user agent registered with digest (support/ws-dialling-agent.ts), the trunk is
 * sipp as a UAS over UDP. Each test asserts what the core recorded and what each side saw.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { agentLog, eventually, onlyCall, type Platform, startPlatform, types, webrtcAgent, callLogs } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsDiallingAgent } from './support/ws-dialling-agent.ts';

const CALLEE = '+3225550199';
const OUTBOUND_FROM = '+3225550000';

let platform: Platform | null = null;
const softphones: WsDiallingAgent[] = [];
const previousOutboundFrom = process.env.SIP_OUTBOUND_FROM;

afterEach(async () => {
  await killAllSipp();
  for (const softphone of softphones.splice(0)) await softphone.close();
  await platform?.stop();
  platform = null;
  if (previousOutboundFrom === undefined) delete process.env.SIP_OUTBOUND_FROM;
  else process.env.SIP_OUTBOUND_FROM = previousOutboundFrom;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T | undefined => events.find((event) => event.type === type)?.data as T | undefined;

/** The platform with the trunk at sipp's port, and a WebRTC agent registered over a WebSocket. */
const platformWithTrunk = async (trunkPort: number | null, agentId = 'w1'): Promise<{ running: Platform; softphone: WsDiallingAgent }> => {
  const running = await startPlatform({ trunkUri: trunkPort === null ? null : `sip:127.0.0.1:${trunkPort}` });
  platform = running;
  await webrtcAgent(running.cc, agentId);
  const credential = running.credentials.issue({ sessionId: `session-${agentId}`, agentId, organisationId: 'org-gw' });
  const softphone = await WsDiallingAgent.connect(running.wsUrl, credential);
  softphones.push(softphone);
  expect(await softphone.register()).toBe(200);
  return { running, softphone };
};

describe('an agent dials an E.164 number from their softphone', () => {
  test('challenged (407), then placed through the trunk with SIP_OUTBOUND_FROM; early media (183 + SDP) reaches the agent; answered; the agent hangs up', async () => {
    process.env.SIP_OUTBOUND_FROM = OUTBOUND_FROM;
    const trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') } });
    const { running, softphone } = await platformWithTrunk(trunk.port);

    const final = await softphone.dial(CALLEE);
    expect(final.status).toBe(200);
    expect(final.body).toMatch(/m=audio/);
    const statuses = softphone.responses.map((response) => response.status);
    expect(statuses[0] === 100 ? statuses[1] : statuses[0]).toBe(407);
    const early = softphone.responses.find((response) => response.status === 183);
    expect(early?.headers['content-type']).toBe('application/sdp');
    expect(early?.body).toMatch(/m=audio/);

    const events = await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']);
      return log;
    });
    expect(dataOf(events, 'OutboundCallPlaced')).toMatchObject({ agentId: 'w1', callee: { number: CALLEE, customerId: null }, callerId: OUTBOUND_FROM });
    expect(dataOf(events, 'OutboundCallRinging')).toMatchObject({ earlyMedia: true });
    expect(dataOf(events, 'OutboundCallAnswered')).toMatchObject({ agentId: 'w1' });
    const reserved = (await agentLog(running.cc, 'w1')).filter((event) => event.type === 'AgentReserved').at(-1);
    expect(reserved?.data).toMatchObject({ kind: 'outbound' });

    expect((await softphone.bye()).status).toBe(200);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log).slice(3)).toEqual(['CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'agent', agentId: 'w1' });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('the callee is busy: the agent gets the trunk 486, the call fails and the agent is released without wrap-up', async () => {
    const trunk = await sipp({ scenario: 'trunk-busy.xml', transport: 'udp' });
    const { running, softphone } = await platformWithTrunk(trunk.port);

    const final = await softphone.dial(CALLEE);
    expect(final.status).toBe(486);
    expect(softphone.responses.map((response) => response.status)).toContain(180);
    expect(await trunk.exit, trunk.errors()).toBe(0);

    const events = await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallFailed']);
      return log;
    });
    // Anonymous: no SIP_OUTBOUND_FROM and no queue.
    expect(dataOf(events, 'OutboundCallPlaced')).toMatchObject({ callerId: null });
    expect(dataOf(events, 'OutboundCallFailed')).toMatchObject({ reason: 'busy', sipStatus: 486, agentId: 'w1' });
    await eventually(async () => {
      const released = (await agentLog(running.cc, 'w1')).filter((event) => event.type === 'AgentReleased').at(-1);
      expect(released?.data).toMatchObject({ reason: 'outbound-failed' });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('the callee hangs up: the agent gets a BYE and the call ends into wrap-up', async () => {
    const trunk = await sipp({ scenario: 'trunk-answers-hangs-up.xml', transport: 'udp' });
    const { running, softphone } = await platformWithTrunk(trunk.port);

    expect((await softphone.dial(CALLEE)).status).toBe(200);
    const bye = await softphone.nextRequest('BYE');
    expect(bye.method).toBe('BYE');
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered', 'CallEnded', 'WrapUpStarted']);
      expect(dataOf(log, 'CallEnded')).toMatchObject({ endedBy: 'caller', agentId: 'w1' });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('the agent cancels while the callee rings: the trunk gets CANCEL, the agent 487, the call fails as cancelled', async () => {
    const trunk = await sipp({ scenario: 'trunk-rings-cancelled.xml', transport: 'udp' });
    const { running, softphone } = await platformWithTrunk(trunk.port);

    const final = softphone.dial(CALLEE);
    await softphone.responseWith(180);
    softphone.cancel();
    expect((await final).status).toBe(487);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallFailed']);
      expect(dataOf(log, 'OutboundCallFailed')).toMatchObject({ reason: 'cancelled' });
    });
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('wrong credentials get 403 and the core never hears of a call', async () => {
    const { running, softphone } = await platformWithTrunk(null);
    const final = await softphone.dial(CALLEE, { password: 'not-the-password' });
    expect(final.status).toBe(403);
    expect((await callLogs(running.cc)).size).toBe(0);
  });

  test('an agent already on a call gets 486 for a second one', async () => {
    const trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: 'anonymous' } });
    const { running, softphone } = await platformWithTrunk(trunk.port);
    expect((await softphone.dial(CALLEE)).status).toBe(200);

    const credential = running.credentials.issue({ sessionId: 'session-w1-second-tab', agentId: 'w1', organisationId: 'org-gw' });
    const secondTab = await WsDiallingAgent.connect(running.wsUrl, credential);
    softphones.push(secondTab);
    expect((await secondTab.dial('+3225550777')).status).toBe(486);
    expect((await callLogs(running.cc)).size).toBe(1);

    expect((await softphone.bye()).status).toBe(200);
    expect(await trunk.exit, trunk.errors()).toBe(0);
  });
});
