/**
 * One agent registered twice (the console open on two computers): the agent leg forks to both
 * registrations while the call session sees one leg. Real peers: sipp as the PSTN caller over UDP
 * and two SIP-over-WebSocket user agents (support/ws-agent.ts) registered as the same WebRTC agent.
 * The fork's rules themselves (ringing once, which status wins) are also checked on ForkedLeg with
 * scripted branches, where every ordering can be forced.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { SipRequest } from '../src/sip/message.ts';
import { bestStatus, COMPLETED_ELSEWHERE, type ForkBranch, ForkedLeg } from '../src/sip/forked-leg.ts';
import type { OutboundLegListener } from '../src/signalling/signalling-port.ts';
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

/** WebRTC agent 'f1', Online in q1, registered from two browsers (two sessions, two WebSockets). */
const agentOnTwoComputers = async (running: Platform): Promise<[WsAgent, WsAgent]> => {
  await webrtcAgent(running.cc, 'f1');
  const browsers: WsAgent[] = [];
  for (const name of ['laptop', 'desktop']) {
    const credential = running.credentials.issue({ sessionId: `session-f1-${name}`, agentId: 'f1', organisationId: 'org-gw' });
    const browser = await WsAgent.connect(running.wsUrl, name);
    agents.push(browser);
    expect((await browser.register(credential)).status).toBe(200);
    browsers.push(browser);
  }
  expect(running.gateway.stats()).toMatchObject({ registrations: 2 });
  return browsers as [WsAgent, WsAgent];
};

/**
 * WebRTC agent 'g1', Online in q1 after f1, registered once and answering: declining does not make
 * f1 miss offers, so the router's next offer goes to g1 (idle the longest) rather than f1 again.
 */
const colleague = async (running: Platform): Promise<WsAgent> => {
  await webrtcAgent(running.cc, 'g1');
  const browser = await WsAgent.connect(running.wsUrl, 'agent-phone'); // caller.xml expects o=agent-phone
  agents.push(browser);
  expect((await browser.register(running.credentials.issue({ sessionId: 'session-g1', agentId: 'g1', organisationId: 'org-gw' }))).status).toBe(200);
  return browser;
};

const offeredAgents = (events: { type: string; data: unknown }[]): string[] => dataOf<{ agentId: string }>(events, 'CallOffered').map((offer) => offer.agentId);

/** The caller of caller-cancels.xml, waiting `ms` before its CANCEL (long enough for the forks to settle). */
const callerWhoCancelsAfter = (running: Platform, ms: number) =>
  sipp({ scenario: 'caller-cancels.xml', transport: 'udp', remotePort: running.gateway.udpPort, service: QUEUE_NUMBER, fill: { 'milliseconds="1000"': `milliseconds="${ms}"` }, earlyMedia: running.callerEarlyMedia });

const inDialogRequests = (agent: WsAgent): SipRequest[] => agent.received.filter((request) => request.to.params.tag !== undefined && request.method !== 'ACK');

describe('an agent registered twice', () => {
  test('both registrations get the same INVITE; one answers; the other is CANCELled "completed elsewhere"; the call runs on the winner only', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [laptop, desktop] = await agentOnTwoComputers(platform);
    laptop.answerInvites = { delayMs: 300 };
    desktop.answerInvites = 'ring';

    const caller = await sipp({ scenario: 'caller-holds.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { AGENT_SDP_ORIGIN: 'laptop', HOLD_MS: '500' } });

    const [toLaptop, toDesktop] = await Promise.all([laptop.nextRequest('INVITE'), desktop.nextRequest('INVITE')]);
    expect(toLaptop.uri).toBe(laptop.contact);
    expect(toDesktop.uri).toBe(desktop.contact);
    // One offer, one call as the phones see it: the same SDP, Call-ID and From tag on both forks.
    expect(toLaptop.body).toContain('o=pstn-caller');
    expect(toDesktop.body).toBe(toLaptop.body);
    expect(toDesktop.callId).toBe(toLaptop.callId);
    expect(toDesktop.from.params.tag).toBe(toLaptop.from.params.tag);
    expect(toDesktop.via[0]?.params.branch).not.toBe(toLaptop.via[0]?.params.branch);

    const cancel = await desktop.nextRequest('CANCEL');
    expect(cancel.via[0]?.params.branch).toBe(toDesktop.via[0]?.params.branch);
    expect(cancel.headers.reason).toBe(COMPLETED_ELSEWHERE);
    await desktop.nextRequest('ACK'); // the ACK of its 487

    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallHeld', 'CallResumed', 'DtmfReceived', 'CallEnded', 'WrapUpStarted']);
    expect(dataOf(events, 'CallAnswered')[0]).toMatchObject({ agentId: 'f1' });
    // The caller's hold and resume re-INVITEs and its hang-up went to the laptop only.
    await laptop.nextRequest('BYE');
    expect(inDialogRequests(laptop).map((request) => request.method)).toEqual(['INVITE', 'INVITE', 'BYE']);
    expect(inDialogRequests(desktop)).toEqual([]);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a 200 that crosses the CANCEL (the losing browser answered too) is ACKed and BYEd; the call stays with the winner', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [laptop, desktop] = await agentOnTwoComputers(platform);
    laptop.answerInvites = { delayMs: 100 };
    // This UA answers 800 ms after the INVITE whatever comes in between: its 200 follows our CANCEL.
    desktop.answerInvites = { delayMs: 800 };

    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { 'o=agent-phone': 'o=laptop' } });

    const cancel = await desktop.nextRequest('CANCEL');
    expect(cancel.headers.reason).toBe(COMPLETED_ELSEWHERE);
    const ack = await desktop.nextRequest('ACK');
    const bye = await desktop.nextRequest('BYE');
    expect(bye.callId).toBe(ack.callId);
    expect(bye.to.params.tag).toBe(desktop.dialog?.localTag);

    const events = await onlyCall(cc);
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered']);
    expect(laptop.received.filter((request) => request.method === 'BYE')).toEqual([]);
    // The laptop still has the call: its hang-up ends it.
    expect((await laptop.bye()).status).toBe(200);
    expect(await caller.exit, caller.errors()).toBe(0);
    await eventually(async () => expect(dataOf(await onlyCall(cc), 'CallEnded')[0]).toMatchObject({ endedBy: 'agent', agentId: 'f1' }));
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('603 Decline from one registration refuses the whole leg (the offer is declined) and CANCELs the other', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [laptop, desktop] = await agentOnTwoComputers(platform);
    laptop.answerInvites = 'ring';
    desktop.answerInvites = { delayMs: 300, status: 603 };
    const other = await colleague(platform);

    const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });

    const cancel = await laptop.nextRequest('CANCEL');
    expect(cancel.headers.reason).toBe('SIP;cause=603');
    await laptop.nextRequest('ACK');
    await desktop.nextRequest('ACK');
    const declined = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallOfferDeclined');
      return log;
    });
    expect(dataOf(declined, 'CallOfferDeclined')[0]).toMatchObject({ agentId: 'f1' });

    expect(await caller.exit, caller.errors()).toBe(0);
    await other.nextRequest('BYE');
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallOfferDeclined', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(offeredAgents(events)).toEqual(['f1', 'g1']);
    expect(laptop.received.filter((request) => request.method === 'INVITE')).toHaveLength(1);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('486 from one registration leaves the other ringing; 486 from both declines the offer once', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [laptop, desktop] = await agentOnTwoComputers(platform);
    laptop.answerInvites = { delayMs: 100, status: 486 };
    desktop.answerInvites = 'ring';
    const other = await colleague(platform);

    const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER });

    const toDesktop = await desktop.nextRequest('INVITE');
    await laptop.nextRequest('ACK'); // the edge has the laptop's 486
    await cc.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One busy browser does not make the agent busy: the desktop still rings and nothing is declined.
    expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallOffered']);
    expect(desktop.received.filter((request) => request.method === 'CANCEL')).toEqual([]);

    desktop.refuse(toDesktop, 486);
    await desktop.nextRequest('ACK');
    const declined = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallOfferDeclined');
      return log;
    });
    expect(dataOf(declined, 'CallOfferDeclined')).toEqual([expect.objectContaining({ agentId: 'f1' })]);

    expect(await caller.exit, caller.errors()).toBe(0);
    await other.nextRequest('BYE');
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    // One declined offer for the two refusals, then the colleague takes the call.
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallOfferDeclined', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(offeredAgents(events)).toEqual(['f1', 'g1']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('the caller gives up while both ring: both registrations are CANCELled, with no "elsewhere" Reason (a real missed call)', async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const [laptop, desktop] = await agentOnTwoComputers(platform);
    laptop.answerInvites = 'ring';
    desktop.answerInvites = 'ring';

    // Time for both forks to be out even on a loaded machine (the edge's test timers give up on a ringing phone after 6.4 s).
    const caller = await callerWhoCancelsAfter(platform, 3000);

    const cancels = await Promise.all([laptop.nextRequest('CANCEL'), desktop.nextRequest('CANCEL')]);
    expect(cancels.map((cancel) => cancel.headers.reason)).toEqual([undefined, undefined]);
    await Promise.all([laptop.nextRequest('ACK'), desktop.nextRequest('ACK')]);
    expect(await caller.exit, caller.errors()).toBe(0);
    await eventually(async () => expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAbandoned']));
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0, clientTransactions: 0 }));
  });
});

/** A branch whose responses the test plays, recording what the fork asked of it. */
class ScriptedBranch implements ForkBranch {
  readonly target: string;
  readonly listener: OutboundLegListener;
  readonly ends: Array<string | undefined> = [];
  ended = false;

  constructor(target: string, listener: OutboundLegListener) {
    this.target = target;
    this.listener = listener;
  }

  start(): void {}

  end(reason?: string): void {
    this.ends.push(reason);
  }

  reoffer(sdp: string): Promise<string> {
    return Promise.resolve(`answer from ${this.target} to ${sdp}`);
  }
}

/** A ForkedLeg over scripted branches, and what it told the session. */
const scriptedFork = (count: number) => {
  const told: string[] = [];
  const branches: ScriptedBranch[] = [];
  const leg = new ForkedLeg(
    Array.from({ length: count }, (_, index) => `sip:b${index}@x.invalid;transport=ws`),
    (target, listener) => {
      const branch = new ScriptedBranch(target, listener);
      branches.push(branch);
      return branch;
    },
    {
      ringing: () => told.push('ringing'),
      early: (sdp) => told.push(`early ${sdp}`),
      answered: (sdp) => told.push(`answered ${sdp}`),
      refused: (status) => told.push(`refused ${status}`),
      ended: (why) => told.push(`ended ${why}`),
      dtmf: (digits) => told.push(`dtmf ${digits}`),
    },
  );
  leg.start();
  return { leg, told, branches: branches as [ScriptedBranch, ScriptedBranch, ScriptedBranch] };
};

describe('ForkedLeg', () => {
  test('180 and 183 from several forks report ringing (and early media) once', () => {
    const { told, branches } = scriptedFork(2);
    branches[0].listener.ringing();
    branches[1].listener.early?.('sdp-1');
    branches[1].listener.ringing();
    branches[0].listener.early?.('sdp-0');
    expect(told).toEqual(['ringing', 'early sdp-1']);
  });

  test('the first 2xx wins; the rest are CANCELled "completed elsewhere"; a later 2xx is hung up; only the winner talks', async () => {
    const { leg, told, branches } = scriptedFork(3);
    branches[1].listener.answered('sdp-1');
    expect(told).toEqual(['answered sdp-1']);
    expect(branches[0].ends).toEqual([COMPLETED_ELSEWHERE]);
    expect(branches[2].ends).toEqual([COMPLETED_ELSEWHERE]);
    expect(branches[1].ends).toEqual([]);
    branches[0].listener.answered('sdp-0');
    expect(branches[0].ends).toEqual([COMPLETED_ELSEWHERE, undefined]);
    branches[2].listener.refused(487);
    branches[0].listener.dtmf?.('1');
    branches[1].listener.dtmf?.('2');
    expect(await leg.reoffer('hold')).toBe('answer from sip:b1@x.invalid;transport=ws to hold');
    leg.end();
    expect(branches[1].ends).toEqual([undefined]);
    expect(told).toEqual(['answered sdp-1', 'dtmf 2']);
  });

  test('a 6xx ends the leg at once with its status; 4xx/5xx only once all forks failed, with the best status', () => {
    const declined = scriptedFork(3);
    declined.branches[0].listener.refused(480);
    declined.branches[1].listener.refused(603);
    expect(declined.told).toEqual(['refused 603']);
    expect(declined.branches[2].ends).toEqual(['SIP;cause=603']);
    expect(declined.branches[0].ends).toEqual([]);
    declined.branches[2].listener.refused(487);
    expect(declined.told).toEqual(['refused 603']);

    const busy = scriptedFork(3);
    busy.branches[0].listener.refused(503);
    busy.branches[1].listener.refused(486);
    expect(busy.told).toEqual([]);
    busy.branches[2].listener.refused(480);
    expect(busy.told).toEqual(['refused 480']);
    expect(bestStatus([503, 486, 480])).toBe(480);
    expect(bestStatus([503, 500])).toBe(500);
    expect(bestStatus([486, 600])).toBe(600);
  });

  test('ending it from above while ringing CANCELs every fork without a Reason and reports one refusal once all are done', () => {
    const { leg, told, branches } = scriptedFork(2);
    branches[0].listener.ringing();
    leg.end();
    expect(leg.ended).toBe(true);
    expect(branches.slice(0, 2).map((branch) => branch.ends)).toEqual([[undefined], [undefined]]);
    branches[0].listener.refused(487);
    expect(told).toEqual(['ringing']);
    // The other phone's 200 crossed the CANCEL: its branch ACKs and BYEs it and says it ended.
    branches[1].listener.ended('hung-up');
    expect(told).toEqual(['ringing', 'refused 487']);
  });
});
