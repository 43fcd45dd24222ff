/**
 * Forking to registrations the first INVITE did not know about, with real peers: sipp desk phones
 * (registered through support/phone-registration.ts, which stands in front of each as its NAT
 * would), sipp as the PSTN caller, and JsSIP in headless Chromium as the agent's browser.
 * - Late forking: a phone registered while the agent rings is rung too (same Call-ID and From tag);
 *   its answer wins and the first phone is CANCELled "completed elsewhere". A registration made once
 *   the call is answered is not rung.
 * - Mixed kinds (rtpengine): a browser and a desk phone of one agent each get an offer of their own
 *   kind, and whichever answers has audio from the caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ContactCenter, streamEntityId } from '@cc/core';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { COMPLETED_ELSEWHERE, type ForkBranch, ForkedLeg } from '../src/sip/forked-leg.ts';
import type { OutboundLegListener } from '../src/signalling/signalling-port.ts';
import { agentPartyOf, CallerRtp } from './support/caller-rtp.ts';
import { type BrowserAgentHost, chromiumMissing, startBrowserAgentHost } from './support/jssip-browser.ts';
import { PhoneRegistration } from './support/phone-registration.ts';
import { eventually, onlyCallWith, ORG, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';

let platform: Platform | null = null;
const registrations: PhoneRegistration[] = [];

afterEach(async () => {
  await killAllSipp();
  for (const registration of registrations.splice(0)) await registration.close();
  await platform?.stop();
  platform = null;
});

/** A phone-bar agent (desk phones registered with the agent's session credentials), in q1, Online. */
const phoneBarAgent = async (cc: ContactCenter, agentId: string): Promise<void> => {
  const setup = { organisationId: ORG, actor: { kind: 'user' as const, userId: 'setup' } };
  const profile = { fullName: `Agent ${agentId}`, username: agentId, alias: null, email: null, extension: '4100', typology: 'phonebar' as const, externalUri: null, wrapUpSeconds: null, description: null, voicemail: false };
  await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile, at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId: 'q1', penalty: 0, skills: [], at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, { ...setup, actor: { kind: 'user', userId: agentId } });
  await cc.whenIdle();
};

/** The registration of the sipp phone on `phonePort`, not yet REGISTERed. */
const deskPhone = async (running: Platform, phonePort: number, user: string): Promise<PhoneRegistration> => {
  const registration = await PhoneRegistration.open(running.gateway.udpPort, phonePort, user);
  registrations.push(registration);
  return registration;
};

const credentialOf = (running: Platform, agentId: string, device: string) => running.credentials.issue({ sessionId: `session-${agentId}-${device}`, agentId, organisationId: ORG });

describe('late forking', () => {
  test('a phone registered while the agent rings gets the INVITE too; it answers and the first phone is CANCELled "completed elsewhere"', { timeout: 60_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await phoneBarAgent(cc, 'p1');
    const phoneA = await sipp({ scenario: 'trunk-rings-cancelled.xml', transport: 'udp', agent: 'p1a', timeoutSeconds: 40 });
    const phoneB = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'p1b', timeoutSeconds: 40 });
    const deskA = await deskPhone(platform, phoneA.port, 'p1a');
    const deskB = await deskPhone(platform, phoneB.port, 'p1b');
    expect(await deskA.register(credentialOf(platform, 'p1', 'desk-a'))).toBe(200);

    const caller = await sipp({ scenario: 'caller.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: platform.callerEarlyMedia, timeoutSeconds: 40 });
    const toA = await deskA.nextRequest('INVITE');
    // Phone B comes online while phone A rings: the ringing leg forks to it.
    expect(gateway.stats()).toMatchObject({ registrations: 1 });
    expect(await deskB.register(credentialOf(platform, 'p1', 'desk-b'))).toBe(200);
    const toB = await deskB.nextRequest('INVITE');
    expect(toB.callId).toBe(toA.callId);
    expect(toB.fromTag).toBe(toA.fromTag);
    expect(toB.headers['x-cc-offer-id']).toBe(toA.headers['x-cc-offer-id']);
    // Both are desk phones: the same offer.
    expect(toB.body).toBe(toA.body);

    const cancel = await deskA.nextRequest('CANCEL');
    expect(cancel.headers.reason).toBe(COMPLETED_ELSEWHERE);
    expect(await phoneA.exit, phoneA.errors()).toBe(0);

    // A third registration once the call is answered is not rung.
    await onlyCallWith(cc, 'CallAnswered');
    const later = await deskPhone(platform, phoneA.port, 'p1c');
    expect(await later.register(credentialOf(platform, 'p1', 'desk-c'))).toBe(200);

    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phoneB.exit, phoneB.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'WrapUpStarted');
    // One offer, rung on both phones: the late fork is no second offer.
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    expect(later.requests.filter((request) => request.method === 'INVITE')).toEqual([]);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});

/** A branch driven by the test: what the forked leg asked of it, and its listener to answer through. */
interface Scripted {
  branch: ForkBranch;
  listener: OutboundLegListener;
  ended: string[];
}

test('ForkedLeg.addFork: a fork added while ringing can win (the others are CANCELled "completed elsewhere"); none is added once answered', () => {
  const branches = new Map<string, Scripted>();
  const told: string[] = [];
  const leg = new ForkedLeg(
    ['sip:a@x'],
    (target, listener) => {
      const scripted: Scripted = { listener, ended: [], branch: { target, ended: false, start: () => told.push(`start ${target}`), end: (reason) => scripted.ended.push(reason ?? 'cancel'), reoffer: () => Promise.resolve('') } };
      branches.set(target, scripted);
      return scripted.branch;
    },
    { ringing: () => told.push('ringing'), answered: (sdp) => told.push(`answered ${sdp ?? ''}`), refused: (status) => told.push(`refused ${status}`), ended: () => told.push('ended') },
  );
  leg.start();
  expect(leg.addFork('sip:a@x')).toBe(false);
  expect(leg.addFork('sip:b@x')).toBe(true);
  branches.get('sip:b@x')?.listener.answered('b-sdp');
  expect(told).toEqual(['start sip:a@x', 'start sip:b@x', 'answered b-sdp']);
  expect(branches.get('sip:a@x')?.ended).toEqual([COMPLETED_ELSEWHERE]);
  expect(leg.target).toBe('sip:b@x');
  expect(leg.addFork('sip:c@x')).toBe(false);
  expect(branches.has('sip:c@x')).toBe(false);
});

const missing = rtpengineMissing() ?? chromiumMissing();
if (missing !== null) console.warn(`late-forking (mixed kinds): skipped: ${missing}`);

interface AgentWindow {
  agent: { state: string; error: string | null; ua: { removeAllListeners(event: string): void; on(event: string, listener: (event: { originator: string; request: { body: string }; session: { on(event: string, listener: () => void): void } }) => void): void } };
  /** The SDP of the last INVITE the browser was sent (set by the test). */
  offered?: string;
  inboundAudioBytes(): Promise<number>;
  hangUp(): void;
}

const WEBRTC_OFFER = /m=audio \d+ UDP\/TLS\/RTP\/SAVPF /;
const PLAIN_OFFER = /m=audio \d+ RTP\/AVP /;

describe.skipIf(missing !== null)(`a browser and a desk phone of one agent, media anchored${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let host: BrowserAgentHost | null = null;
  let dir = '';
  let audioFile = '';
  const previousSetting = process.env.RTPENGINE;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-late-forking-'));
    // Two seconds of PCMU silence: what the caller streams (looped).
    audioFile = path.join(dir, 'silence.pcmu');
    fs.writeFileSync(audioFile, Buffer.alloc(16_000, 0xff));
    host = await startBrowserAgentHost();
    process.env.RTPENGINE = 'embedded';
  }, 120_000);

  afterAll(async () => {
    if (previousSetting === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previousSetting;
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const streamingCaller = (running: Platform) =>
    sipp({ scenario: 'caller-streams-audio.xml', transport: 'udp', remotePort: running.gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { RTP_FILE: audioFile } });

  test('each gets an offer of its kind; the desk phone answers and the caller\'s RTP reaches it; the browser is CANCELled', { timeout: 120_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await webrtcAgent(cc, 'm1');
    const phoneRtp = new CallerRtp();
    const phoneRtpPort = await phoneRtp.open();
    try {
      // The phone's answer points at a test socket, which counts the RTP it is sent.
      const phone = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'm1desk', timeoutSeconds: 90, fill: { 'm=audio [media_port]': `m=audio ${phoneRtpPort}` } });
      const desk = await deskPhone(platform, phone.port, 'm1desk');
      expect(await desk.register(credentialOf(platform, 'm1', 'desk'))).toBe(200);
      // The browser registers last (the newest registration: dialled first) and rings without answering.
      const page: Page = await (host as BrowserAgentHost).agent(credentialOf(platform, 'm1', 'browser'));
      await page.evaluate(() => {
        const w = window as unknown as AgentWindow;
        w.agent.ua.removeAllListeners('newRTCSession');
        w.agent.ua.on('newRTCSession', ({ originator, request, session }) => {
          if (originator !== 'remote') return;
          w.offered = request.body;
          w.agent.state = 'ringing';
          session.on('failed', () => {
            w.agent.state = 'failed';
          });
        });
      });

      const caller = await streamingCaller(platform);
      await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'failed', undefined, { timeout: 30_000 });
      const browserOffer = (await page.evaluate(() => (window as unknown as AgentWindow).offered)) ?? '';
      expect(browserOffer).toMatch(WEBRTC_OFFER);
      expect(browserOffer).toContain('a=fingerprint:');
      const phoneOffer = (await desk.nextRequest('INVITE')).body;
      expect(phoneOffer).toMatch(PLAIN_OFFER);
      expect(phoneOffer).not.toContain('a=fingerprint:');
      expect(phoneOffer).not.toContain('a=ice-ufrag:');

      const answered = await onlyCallWith(cc, 'CallAnswered');
      const callId = streamEntityId(answered[0]?.streamId ?? '');
      // The caller streams once it has the 200: its RTP crosses rtpengine to the phone's socket, and keeps coming.
      const first = await eventually(() => {
        expect(phoneRtp.packets).toBeGreaterThan(10);
        return phoneRtp.packets;
      }, 30_000);
      await eventually(() => expect(phoneRtp.packets).toBeGreaterThan(first + 10), 20_000);
      // The phone's answer went to the rtpengine party offered for desk phones, not the browser's.
      const offerId = (answered.find((event) => event.type === 'CallOffered')?.data as { offerId: string }).offerId;
      const client = gateway.media.client;
      if (client === null) throw new Error('the embedded rtpengine is not running');
      expect(await agentPartyOf(client, callId)).toBe(`a.${offerId}.sip`);

      await cc.hangUp(callId, 'agent', 'm1', 'done', { organisationId: ORG, actor: { kind: 'user', userId: 'm1' } });
      expect(await caller.exit, caller.errors()).toBe(0);
      expect(await phone.exit, phone.errors()).toBe(0);
      await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
      await page.close();
    } finally {
      await phoneRtp.close();
    }
  });

  test('the browser answers instead: it gets audio from the caller, and the desk phone is CANCELled', { timeout: 120_000 }, async () => {
    platform = await startPlatform();
    const { cc, gateway } = platform;
    await webrtcAgent(cc, 'm2');
    // The browser registers first, the phone last: the phone is dialled first, the browser's offer made for it.
    const page: Page = await (host as BrowserAgentHost).agent(credentialOf(platform, 'm2', 'browser'));
    await page.evaluate(() => {
      const w = window as unknown as AgentWindow;
      w.agent.ua.on('newRTCSession', ({ originator, request }) => {
        if (originator === 'remote') w.offered = request.body;
      });
    });
    const phone = await sipp({ scenario: 'trunk-rings-cancelled.xml', transport: 'udp', agent: 'm2desk', timeoutSeconds: 90 });
    const desk = await deskPhone(platform, phone.port, 'm2desk');
    expect(await desk.register(credentialOf(platform, 'm2', 'desk'))).toBe(200);

    const caller = await streamingCaller(platform);
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'in-call', undefined, { timeout: 30_000 });
    expect((await page.evaluate(() => (window as unknown as AgentWindow).offered)) ?? '').toMatch(WEBRTC_OFFER);
    expect((await desk.nextRequest('INVITE')).body).toMatch(PLAIN_OFFER);
    expect((await desk.nextRequest('CANCEL')).headers.reason).toBe(COMPLETED_ELSEWHERE);
    expect(await phone.exit, phone.errors()).toBe(0);

    // The caller's RTP reaches the browser over DTLS-SRTP, and keeps coming.
    const first = await eventually(async () => {
      const bytes = await page.evaluate(() => (window as unknown as AgentWindow).inboundAudioBytes());
      expect(bytes).toBeGreaterThan(0);
      return bytes;
    }, 30_000);
    await eventually(async () => expect(await page.evaluate(() => (window as unknown as AgentWindow).inboundAudioBytes())).toBeGreaterThan(first), 20_000);

    await page.evaluate(() => (window as unknown as AgentWindow).hangUp());
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(types(await onlyCallWith(cc, 'WrapUpStarted'))).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
    await page.close();
  });
});
