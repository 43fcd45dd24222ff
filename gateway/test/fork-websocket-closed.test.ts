/**
 * A registration's WebSocket closing while its INVITE rings (sipp as the PSTN caller, SIP-over-
 * WebSocket agents): that fork fails with 480 at once. With another registration still ringing, the
 * agent keeps ringing there and can answer; with none left, the offer is withdrawn as
 * 'agent-unavailable' (not declined, not left to the ring timeout) and the call goes to the next agent.
 */
import { afterEach, expect, test } from 'vitest';
import { killAllSipp, sipp } from './support/sipp.ts';
import { eventually, onlyCall, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { WsAgent } from './support/ws-agent.ts';

let platform: Platform | null = null;
const browsers: WsAgent[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const browser of browsers.splice(0)) await browser.close();
  await platform?.stop();
  platform = null;
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);

/** A browser registered as `agentId` with its own session; `name` is its SDP origin (caller.xml checks o=agent-phone). */
const registeredBrowser = async (running: Platform, agentId: string, name: string): Promise<WsAgent> => {
  const browser = await WsAgent.connect(running.wsUrl, name);
  browsers.push(browser);
  const credential = running.credentials.issue({ sessionId: `session-${agentId}-${name}`, agentId, organisationId: 'org-gw' });
  expect((await browser.register(credential)).status).toBe(200);
  return browser;
};

// The ring timeout is far longer than the test may take: waiting for it would fail the test.
const LONG_RING = { ringTimeoutSeconds: 120 };

test('one of two registrations closes its WebSocket while ringing: the other keeps ringing and answers', { timeout: 30_000 }, async () => {
  platform = await startPlatform({ queue: LONG_RING });
  const { cc, gateway } = platform;
  await webrtcAgent(cc, 'f1');
  const laptop = await registeredBrowser(platform, 'f1', 'laptop');
  const desktop = await registeredBrowser(platform, 'f1', 'agent-phone');
  laptop.answerInvites = 'ring';
  // Answers well after the laptop has gone.
  desktop.answerInvites = { delayMs: 1500 };

  const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });
  await Promise.all([laptop.nextRequest('INVITE'), desktop.nextRequest('INVITE')]);
  await laptop.close();
  await eventually(() => expect(gateway.stats()).toMatchObject({ registrations: 1 }));
  await cc.whenIdle();
  // The laptop's fork failed alone: nothing is withdrawn or declined, and the desktop is not CANCELled.
  expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallOffered']);
  expect(desktop.received.filter((request) => request.method === 'CANCEL')).toEqual([]);

  expect(await caller.exit, caller.errors()).toBe(0);
  const events = await eventually(async () => {
    const log = await onlyCall(cc);
    expect(types(log)).toContain('WrapUpStarted');
    return log;
  });
  expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
  expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'f1' });
  await desktop.nextRequest('BYE');
  await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
});

test("the only registration closes its WebSocket while ringing: the offer is withdrawn at once and the next agent's phone answers", { timeout: 30_000 }, async () => {
  platform = await startPlatform({ queue: LONG_RING });
  const { cc, gateway } = platform;
  await webrtcAgent(cc, 'f1');
  const lost = await registeredBrowser(platform, 'f1', 'lost-laptop');
  lost.answerInvites = 'ring';
  // g1 comes Online after f1, so f1 (idle the longest) is offered the call first.
  await webrtcAgent(cc, 'g1');
  const colleague = await registeredBrowser(platform, 'g1', 'agent-phone');

  const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });
  await lost.nextRequest('INVITE');
  await lost.close();

  expect(await caller.exit, caller.errors()).toBe(0);
  await colleague.nextRequest('BYE');
  const events = await eventually(async () => {
    const log = await onlyCall(cc);
    expect(types(log)).toContain('WrapUpStarted');
    return log;
  });
  expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallOfferWithdrawn', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
  expect(dataOf(events, 'CallOfferWithdrawn')[0]).toMatchObject({ agentId: 'f1', reason: 'agent-unavailable' });
  expect(dataOf<{ agentId: string }>(events, 'CallOffered').map((offer) => offer.agentId)).toEqual(['f1', 'g1']);
  expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'g1' });
  await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
});
