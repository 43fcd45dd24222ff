/**
 * Hold and resume with UPDATE (RFC 3311) from either side, a session-refresh UPDATE without SDP, and
 * re-INVITEs without SDP (the gateway offers its last description again, version bumped, and takes
 * the answer from the ACK). Real peers: sipp as the caller and as an External agent's phone, a
 * WebSocket browser agent; rtpengine anchors the media when it is installed (the default).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { eventually, externalAgent, onlyCall, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsAgent } from './support/ws-agent.ts';

let platform: Platform | null = null;
const browsers: WsAgent[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const browser of browsers.splice(0)) await browser.close();
  await platform?.stop();
  platform = null;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T | undefined => events.find((event) => event.type === type)?.data as T | undefined;

/** A WebRTC agent whose browser (a WebSocket UA) is registered and answers by itself. */
const registeredBrowser = async (running: Platform, agentId: string): Promise<WsAgent> => {
  await webrtcAgent(running.cc, agentId);
  const browser = await WsAgent.connect(running.wsUrl, `browser-${agentId}`);
  browsers.push(browser);
  expect((await browser.register(running.credentials.issue({ sessionId: `session-${agentId}`, agentId, organisationId: ORG }))).status).toBe(200);
  return browser;
};

const calledIn = (browser: WsAgent): string[] =>
  browser.received.filter((request) => request.method === 'INVITE' && request.to.params.tag !== undefined).map((request) => /a=(sendonly|sendrecv|inactive)/.exec(request.body)?.[1] ?? 'none');

describe('hold and resume with UPDATE', () => {
  test("the caller holds and resumes with UPDATE: the browser is re-INVITEd each time, the caller gets its answer in the UPDATE's 200, the core records CallHeld and CallResumed; an UPDATE without SDP refreshes", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const browser = await registeredBrowser(platform, 'w1');

    const caller = await sipp({ scenario: 'caller-holds-update.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { AGENT_SDP_ORIGIN: 'browser-w1', HOLD_MS: '800' } });
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallHeld'));

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallHeld')).toMatchObject({ agentId: 'w1' });
    // The refresh (no SDP) reached nobody: only the two offers were relayed.
    expect(calledIn(browser)).toEqual(['sendonly', 'sendrecv']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("the agent's phone holds and resumes with UPDATE: the caller is re-INVITEd (sendonly, then sendrecv) and its answers come back in the UPDATEs' 200s", async () => {
    // The hold test of the early-media-off path (each agent leg anchored on its own, no music).
    platform = await startPlatform({ earlyMedia: false });
    const { cc, gateway } = platform;
    const phone = await sipp({ scenario: 'agent-holds-update.xml', transport: 'udp', agent: 'e1', fill: { HOLD_MS: '800' } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));

    const caller = await sipp({ scenario: 'caller-held-by-agent.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { AGENT_SDP_ORIGIN: 'agent-phone-e1' }, earlyMedia: false });
    const log = await eventually(async () => {
      const events = await onlyCall(cc);
      expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed']);
      return events;
    });
    const callId = log[0]?.streamId.replace(/^call-/, '') ?? '';
    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', { organisationId: ORG, actor: { kind: 'user', userId: 'e1' } });

    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

describe('re-INVITEs without SDP', () => {
  test("the caller's re-INVITE without SDP gets the last description again, version bumped; its ACK answers: sendonly holds, sendrecv resumes", async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const browser = await registeredBrowser(platform, 'w1');

    // The browser's description goes to the caller with its origin's version (2); each new offer of it is one higher.
    const caller = await sipp({
      scenario: 'caller-reinvites-without-sdp.xml',
      transport: 'udp',
      remotePort: gateway.udpPort,
      service: QUEUE_NUMBER,
      // With early media the caller's description is the 183's (the gateway's origin, version 1).
      fill: platform.callerEarlyMedia
        ? { AGENT_SDP_ORIGIN: 'cc-gateway', FIRST_VERSION: '2', SECOND_VERSION: '3', HOLD_MS: '800' }
        : { AGENT_SDP_ORIGIN: 'browser-w1', FIRST_VERSION: '3', SECOND_VERSION: '4', HOLD_MS: '800' },
      earlyMedia: platform.callerEarlyMedia,
    });

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallEnded')).toMatchObject({ endedBy: 'caller', agentId: 'w1' });
    // The answers changed nothing the browser must hear about: no re-INVITE went to it.
    expect(calledIn(browser)).toEqual([]);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
