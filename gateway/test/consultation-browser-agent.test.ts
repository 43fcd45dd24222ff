/**
 * The contact center's most common consultation: a PSTN caller (sipp, plain RTP, anchored in
 * rtpengine) answered by a browser agent (JsSIP in headless Chromium, ICE + DTLS-SRTP through
 * rtpengine) who consults an external number. The trunk is a sipp UAS answering every re-INVITE
 * (consult-trunk-answers-any.xml) with its media at a test socket; the caller's RTP is a test
 * socket too, each sending marked audio (marked-rtp.ts), so counts say who hears whom. The
 * browser's side is read from its own getStats (bytes received) and from what the number's socket
 * gets that carries no test mark (the browser's fake microphone). The browser's party stays on the
 * caller's media (CallerAnchor.connectAgentTo): moved into a media call of its own, Chromium kept its
 * DTLS session (rtpengine's one certificate, one fingerprint) and nothing was decrypted there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { CommandContext, RecordedEvent } from '@cc/core';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { consultationMediaCallId } from '../src/session/external-consultation.ts';
import { anchorPortOf } from './support/caller-rtp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';
import { type BrowserAgentHost, chromiumMissing, startBrowserAgentHost } from './support/jssip-browser.ts';
import { heardMore, type MarkedRtp, MarkedRtpEndpoints } from './support/marked-rtp.ts';
import { answeredBy, eventually, externalAgent, ORG, onlyCallWith, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing() ?? chromiumMissing();
if (missing !== null) console.warn(`consultation-browser-agent: skipped: ${missing}`);

const NUMBER = '+3225557777';
const CALLER_MARK = 0x77;
const EXTERNAL_MARK = 0x55;
const COLLEAGUE_MARK = 0x44;

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);

interface AgentWindow {
  agent: { state: string; error: string | null };
  inboundAudioBytes(): Promise<number>;
}

/** Counts what a test socket gets that carries no test mark (a browser's fake microphone). */
const unmarkedCounter = (rtp: MarkedRtp): (() => number) => {
  let unmarked = 0;
  rtp.socket.on('message', (packet) => {
    if (packet.length >= 13 && packet[12] !== packet[packet.length - 1]) unmarked += 1;
  });
  return () => unmarked;
};

const inboundBytes = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as AgentWindow).inboundAudioBytes());

describe.skipIf(missing !== null)(`a browser agent consults an external number${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let host: BrowserAgentHost | null = null;
  let platform: Platform | null = null;
  let dir = '';
  const endpoints = new MarkedRtpEndpoints();
  useEmbeddedRtpengine();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-consult-browser-'));
    host = await startBrowserAgentHost();
  }, 120_000);

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await endpoints.closeAll();
  });

  afterAll(async () => {
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the number answers: the browser and the number hear each other; after completion the caller and the number do', { timeout: 120_000 }, async () => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [externalRtp, externalPort] = await endpoints.open();
    // What the number gets without a test mark: the browser agent's microphone.
    const unmarked = unmarkedCounter(externalRtp);
    const reinviteLog = path.join(dir, 'reinvites.log');
    const trunk = await sipp({
      scenario: 'consult-trunk-answers-any.xml',
      transport: 'udp',
      agent: 'trunk',
      timeoutSeconds: 100,
      fill: { EXPECTED_NUMBER: `\\${NUMBER}`, EXTERNAL_RTP_PORT: String(externalPort), REINVITE_LOG: reinviteLog },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    // The audio ports of the re-INVITEs the number answered (consult-trunk-answers-any.xml logs each one).
    const reinvitedPorts = (): number[] => (fs.existsSync(reinviteLog) ? fs.readFileSync(reinviteLog, 'utf8').match(/^reinvite \d+$/gm) ?? [] : []).map((line) => Number(line.split(' ')[1]));
    const reinvites = (): number => reinvitedPorts().length;
    // Where the number sends its audio: the port of the last re-INVITE it got, else the one of its INVITE.
    const numberSendsTo = async (mediaCall: string, tag: string): Promise<number> => reinvitedPorts().at(-1) ?? anchorPortOf(client, mediaCall, tag);
    await webrtcAgent(cc, 'w1');
    const page = await (host as BrowserAgentHost).agent(platform.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: ORG }));

    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 100, fill: { CALLER_RTP_PORT: String(callerPort) } });
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'in-call', undefined, { timeout: 30_000 });
    const callId = await answeredBy(cc, 'w1');
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);
    // The browser hears the caller first (the ordinary call works).
    const before = await eventually(async () => {
      const bytes = await inboundBytes(page);
      expect(bytes).toBeGreaterThan(0);
      return bytes;
    }, 20_000);
    await eventually(async () => expect(await inboundBytes(page)).toBeGreaterThan(before), 20_000);

    await cc.startConsultation(callId, 'w1', { kind: 'external', number: NUMBER }, asAgent('w1'));
    const consulting = await onlyCallWith(cc, 'ConsultationAnswered');
    const consultId = dataOf<{ consultId: string }>(consulting, 'ConsultationStarted')[0]?.consultId ?? '';
    const mediaCall = consultationMediaCallId(callId, consultId);
    // The browser's re-INVITE without SDP: its offer, anchored, reaches the number in a re-INVITE.
    await eventually(() => expect(reinvites()).toBeGreaterThan(0), 20_000);
    externalRtp.send(await numberSendsTo(mediaCall, `a.${consultId}`), EXTERNAL_MARK);
    // The browser gets the number's audio (over DTLS-SRTP), and the number gets the browser's.
    const moved = await inboundBytes(page);
    await eventually(async () => expect(await inboundBytes(page)).toBeGreaterThan(moved + 2000), 30_000);
    const agentHeard = unmarked();
    await eventually(() => expect(unmarked()).toBeGreaterThan(agentHeard + 25), 30_000);
    // The held caller and the number do not hear each other yet.
    expect(externalRtp.heard(CALLER_MARK)).toBe(0);
    expect(callerRtp.heard(EXTERNAL_MARK)).toBe(0);

    await cc.completeConsultedTransfer(callId, 'w1', asAgent('w1'));
    // The browser agent is released (BYE).
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'ended', undefined, { timeout: 30_000 });
    // The caller was re-INVITEd to the number's media (its scenario checks it): both ways now.
    await heardMore(callerRtp, EXTERNAL_MARK);
    await heardMore(externalRtp, CALLER_MARK);

    await cc.hangUp(callId, 'system', null, 'test over', { organisationId: ORG, actor: { kind: 'system', component: 'gateway' } });
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    const events = await onlyCallWith(cc, 'CallEnded');
    expect(types(events).slice(3, 8)).toEqual(['CallAnswered', 'ConsultationStarted', 'CallHeld', 'ConsultationAnswered', 'CallTransferredExternally']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
    await page.close();
  });

  test('the browser agent cancels after the number answered: the number gets BYE, the browser is back with the caller and, once resumed, they hear each other', { timeout: 120_000 }, async () => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [externalRtp, externalPort] = await endpoints.open();
    const callerUnmarked = unmarkedCounter(callerRtp);
    const reinviteLog = path.join(dir, 'reinvites-cancel.log');
    const trunk = await sipp({
      scenario: 'consult-trunk-answers-any.xml',
      transport: 'udp',
      agent: 'trunk',
      timeoutSeconds: 100,
      fill: { EXPECTED_NUMBER: `\\${NUMBER}`, EXTERNAL_RTP_PORT: String(externalPort), REINVITE_LOG: reinviteLog },
    });
    platform = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    await webrtcAgent(cc, 'w1');
    const page = await (host as BrowserAgentHost).agent(platform.credentials.issue({ sessionId: 'session-w1c', agentId: 'w1', organisationId: ORG }));
    // The caller's one re-INVITE is the browser coming back to it.
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 100, fill: { CALLER_RTP_PORT: String(callerPort) } });
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'in-call', undefined, { timeout: 30_000 });
    const callId = await answeredBy(cc, 'w1');
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);

    await cc.startConsultation(callId, 'w1', { kind: 'external', number: NUMBER }, asAgent('w1'));
    await onlyCallWith(cc, 'ConsultationAnswered');
    // Moved onto the number (it got the browser's offer in a re-INVITE): the number hears the browser.
    await eventually(() => expect(fs.existsSync(reinviteLog)).toBe(true), 20_000);
    const externalUnmarked = unmarkedCounter(externalRtp);
    await eventually(() => expect(externalUnmarked()).toBeGreaterThan(25), 30_000);

    await cc.cancelConsultation(callId, 'w1', asAgent('w1'));
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect(dataOf(await onlyCallWith(cc, 'ConsultationEnded'), 'ConsultationEnded')[0]).toMatchObject({ agentId: null, reason: 'cancelled' });
    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'w1', at: cc.now() } }, asAgent('w1'));
    // Back with the caller and resumed: the caller's audio reaches the browser, and the browser's the caller.
    const before = await inboundBytes(page);
    await eventually(async () => expect(await inboundBytes(page)).toBeGreaterThan(before + 2000), 30_000);
    const callerHeard = callerUnmarked();
    await eventually(() => expect(callerUnmarked()).toBeGreaterThan(callerHeard + 25), 30_000);
    expect(callerRtp.heard(EXTERNAL_MARK)).toBe(0);

    await cc.hangUp(callId, 'agent', 'w1', 'done', asAgent('w1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(types(await onlyCallWith(cc, 'CallEnded')).slice(4)).toEqual(['ConsultationStarted', 'CallHeld', 'ConsultationAnswered', 'ConsultationEnded', 'CallResumed', 'CallEnded', 'WrapUpStarted']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
    await page.close();
  });

  test('a colleague on a SIP phone answers: the browser and the phone hear each other; after completion the caller and the phone do', { timeout: 120_000 }, async () => {
    const [callerRtp, callerPort] = await endpoints.open();
    const [phoneRtp, phonePort] = await endpoints.open();
    const unmarked = unmarkedCounter(phoneRtp);
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    // The phone's re-INVITE check wants the consulting agent's origin: a browser's is "o=-".
    const phone = await sipp({ scenario: 'consult-second-phone-handed-over.xml', transport: 'udp', agent: 'a2', timeoutSeconds: 100, fill: { AGENT_RTP_PORT: String(phonePort), 'o=agent-phone-OFFERED_BY': 'o=- ' } });
    // w1 is Online first, so the queue's call goes to w1.
    await webrtcAgent(cc, 'w1');
    const page = await (host as BrowserAgentHost).agent(platform.credentials.issue({ sessionId: 'session-w1b', agentId: 'w1', organisationId: ORG }));
    await externalAgent(cc, 'a2', phoneUri('a2', phone.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-early-media-transferred.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 100, fill: { CALLER_RTP_PORT: String(callerPort) } });
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'in-call', undefined, { timeout: 30_000 });
    const callId = await answeredBy(cc, 'w1');
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);
    await eventually(async () => expect(await inboundBytes(page)).toBeGreaterThan(0), 20_000);

    await cc.startConsultation(callId, 'w1', { kind: 'agent', agentId: 'a2' }, asAgent('w1'));
    const consulting = await onlyCallWith(cc, 'ConsultationAnswered');
    const offerId = dataOf<{ offerId: string }>(consulting, 'CallTransferOffered')[0]?.offerId ?? '';
    // The phone answered on the caller's media (its party there), and keeps sending to it.
    phoneRtp.send(await anchorPortOf(client, callId, `a.${offerId}`), COLLEAGUE_MARK);
    // Once the browser is moved onto the phone's media they hear each other.
    const before = await inboundBytes(page);
    await eventually(async () => expect(await inboundBytes(page)).toBeGreaterThan(before + 2000), 30_000);
    const phoneHeard = unmarked();
    await eventually(() => expect(unmarked()).toBeGreaterThan(phoneHeard + 25), 30_000);
    // The held caller and the phone do not hear each other yet.
    expect(phoneRtp.heard(CALLER_MARK)).toBe(0);
    expect(callerRtp.heard(COLLEAGUE_MARK)).toBe(0);

    await cc.completeConsultedTransfer(callId, 'w1', asAgent('w1'));
    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'ended', undefined, { timeout: 30_000 });
    phoneRtp.send(await anchorPortOf(client, callId, `a.${offerId}`), COLLEAGUE_MARK);
    await heardMore(callerRtp, COLLEAGUE_MARK);
    await heardMore(phoneRtp, CALLER_MARK);

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    expect(types(await onlyCallWith(cc, 'CallEnded')).slice(3, 8)).toEqual(['CallAnswered', 'ConsultationStarted', 'CallHeld', 'CallTransferOffered', 'ConsultationAnswered']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
    await page.close();
  });
});
