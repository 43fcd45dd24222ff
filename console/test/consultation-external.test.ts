/**
 * Consulting an external number (attended transfer to E.164) in headless Chromium.
 * - Through the core without SIP: Ada answers a call, opens Transfer, the external number field
 *   checks the number inline, she consults +3225550100; the bar reads "Consulting +3225550100 …
 *   ringing". The test answers the consultation through the core as the gateway does once the
 *   trunk answers (AnswerConsultation, agentId null): "talking"; Complete transfer puts Ada in
 *   wrap-up and the call's history says it was transferred to the number (outcome
 *   TRANSFERRED_EXTERNALLY once the gateway ends the bridged legs, also driven here).
 * - Through the real SIP edge: a visitor calls from the contact page, Ada answers in her
 *   softphone, consults the number and the trunk (sipp on 127.0.0.1) refuses it (486): the panel
 *   says so and the caller is on hold with Ada, who resumes.
 * - Through the real SIP edge and rtpengine, the trunk answering (sipp, consult-trunk-answers-any.xml):
 *   Ada's browser is re-INVITEd without SDP, its offer anchored towards the number and the answer
 *   taken ("talking"); Complete transfer re-INVITEs the number and the caller (their browsers' new
 *   descriptions are read from the page); the caller's hang-up BYEs the number. Audio through
 *   rtpengine is not asserted: see the README (ICE does not move off the browser-to-browser path).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { streams } from '@cc/core';
import { rtpengineMissing } from '../../gateway/src/media/rtpengine-daemon.ts';
import { MarkedRtp } from '../../gateway/test/support/marked-rtp.ts';
import { killAllSipp, sipp, type SippRun } from '../../gateway/test/support/sipp.ts';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const NUMBER = '+3225550100';

interface CallRecord {
  status: string;
  consultation: { number: string | null; answered: boolean } | null;
  timeline: Array<{ type: string; description: string }>;
}

const callOf = async (platform: TestPlatform, callId: string): Promise<CallRecord> =>
  (await platform.gql<{ call: CallRecord }>('query($c:ID!){call(id:$c){status consultation{number answered} timeline{type description}}}', { c: callId })).call;

const goOnline = async (page: Page): Promise<void> => {
  await page.getByRole('button', { name: /Status: / }).click();
  await page.getByRole('menuitemradio', { name: /Online/ }).click();
  await page.getByRole('button', { name: /Status: Online/ }).waitFor();
};

/** Transfer → External number: a wrong number is explained inline and cannot be consulted; then Consult the right one. */
const consultNumber = async (page: Page, panel: Locator): Promise<void> => {
  await panel.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer call' });
  await dialog.getByRole('radio', { name: 'External number' }).check();
  const field = dialog.getByRole('textbox', { name: 'External number' });
  await field.fill('02 555 01 00');
  await dialog.getByText(/Use E\.164/).waitFor();
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  expect(await dialog.getByRole('button', { name: 'Consult' }).isDisabled()).toBe(true);
  await field.fill(NUMBER);
  await expect.poll(() => dialog.getByText(/Use E\.164/).count()).toBe(0);
  await dialog.getByRole('button', { name: 'Consult' }).click();
  await dialog.waitFor({ state: 'hidden' });
};

describe.skipIf(missing !== null)(`consulting an external number, driven through the core${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let support: string;
  let ada: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    support = await platform.createQueue({ name: 'Support', wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [support] });
    browser = await launch();
    ada = (await newUser(browser, platform.url)).page;
    await signIn(ada, 'ada', AGENT_PASSWORD);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('Ada consults +3225550100; it answers; she completes the transfer and the call is transferred externally', async () => {
    await goOnline(ada);
    const callId = await platform.incomingCall(support, { number: '+3225550142', name: 'Linus Torvalds' });
    const offer = ada.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByRole('button', { name: 'Answer' }).click();
    const panel = ada.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();

    await consultNumber(ada, panel);
    const consulting = ada.getByRole('region', { name: `Consulting ${NUMBER}` });
    await consulting.getByRole('status').getByText('ringing').waitFor();
    expect(await consulting.getByRole('button', { name: 'Complete transfer' }).isDisabled()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect((await callOf(platform, callId)).consultation).toEqual({ number: NUMBER, answered: false });

    // The trunk answered: what the gateway tells the core (external-consultation.ts), as no SIP edge runs here.
    const { core } = platform.server.platform;
    const gateway = { organisationId: platform.organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const consultId = (await core.states.calls.load(streams.call(callId))).state.transfer?.transferId ?? '';
    await core.execute('call', callId, { type: 'AnswerConsultation', data: { consultId, agentId: null, at: core.now() } }, gateway);

    await consulting.getByRole('status').getByText('talking').waitFor();
    await consulting.getByRole('button', { name: 'Complete transfer' }).click();
    await ada.getByRole('region', { name: 'Wrap-up' }).waitFor();
    const after = await callOf(platform, callId);
    expect(after.consultation).toBeNull();
    expect(after.timeline.map((entry) => entry.description)).toContain(`Transferred by Ada Lovelace to ${NUMBER} after a consultation`);

    // The number and the caller hang up: the gateway ends the call, whose outcome is the external transfer.
    await core.hangUp(callId, 'system', null, 'transfer destination hung up', gateway);
    await ada.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await ada.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    await expect.poll(async () => (await callOf(platform, callId)).status, { timeout: 20_000 }).toBe('TRANSFERRED_EXTERNALLY');
    await ada.getByRole('link', { name: 'Call history' }).click();
    await ada.getByRole('row').filter({ hasText: '+3225550142' }).getByText('Transferred out').waitFor();
  });
});

describe.skipIf(missing !== null)(`consulting an external number through the SIP edge and a trunk${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  const QUEUE_NUMBER = '+3225550400';
  let platform: TestPlatform;
  let browser: Browser;
  let trunk: SippRun;
  const saved = process.env.SIP_TRUNK_URI;

  beforeAll(async () => {
    trunk = await sipp({ scenario: 'trunk-busy.xml', transport: 'udp', timeoutSeconds: 120 });
    process.env.SIP_TRUNK_URI = `sip:127.0.0.1:${trunk.port}`;
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Web support', number: QUEUE_NUMBER, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await killAllSipp();
    if (saved === undefined) delete process.env.SIP_TRUNK_URI;
    else process.env.SIP_TRUNK_URI = saved;
  });

  test('the trunk refuses the number (486): the panel says so, the caller is on hold with Ada and she resumes', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    await goOnline(agent);
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const visitorContext = await browser.newContext({ baseURL: platform.url, locale: 'en-GB' });
    const visitor = await visitorContext.newPage();
    visitor.setDefaultTimeout(20_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();

    await agent.getByRole('dialog', { name: 'Incoming call' }).getByRole('button', { name: 'Answer' }).click();
    const panel = agent.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();

    await consultNumber(agent, panel);
    const notice = panel.getByRole('alert').filter({ hasText: `Consultation with ${NUMBER} failed` });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Resume');
    await panel.getByRole('status').getByText('On hold').waitFor();
    expect(await agent.getByRole('region', { name: /^Consulting/ }).count()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);

    await panel.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    expect(await notice.count()).toBe(0);
    await panel.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('region', { name: 'Wrap-up' }).waitFor();
    await visitorContext.close();
  });
});

/** Records the page's peer connections (before the console loads), to read their descriptions. */
const spyOnPeerConnections = async (page: Page): Promise<void> => {
  await page.context().addInitScript(() => {
    const Real = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    class Spied extends Real {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        made.push(this);
      }
    }
    Object.assign(window, { RTCPeerConnection: Spied, __peers: made });
  });
};

/** The remote description of the page's newest open peer connection. */
const remoteAudio = (page: Page): Promise<string> =>
  page.evaluate(() => {
    const open = (window as unknown as { __peers: RTCPeerConnection[] }).__peers.filter((peer) => peer.connectionState !== 'closed');
    return open[open.length - 1]?.remoteDescription?.sdp ?? '';
  });

const media = rtpengineMissing();
const skipMedia = missing ?? media;

describe.skipIf(skipMedia !== null)(`a browser agent consulting a number answered on the trunk (rtpengine)${skipMedia ? ` (skipped: ${skipMedia})` : ''}`, { timeout: 150_000 }, () => {
  const QUEUE_NUMBER = '+3225550401';
  let platform: TestPlatform;
  let browser: Browser;
  let trunk: SippRun;
  let number: MarkedRtp;
  let reinviteLog: string;
  const saved = { trunk: process.env.SIP_TRUNK_URI, media: process.env.RTPENGINE };

  /** The re-INVITEs the trunk answered so far (the consult-trunk-answers-any.xml log, one line each). */
  const reinvites = (): number => (fs.existsSync(reinviteLog) ? fs.readFileSync(reinviteLog, 'utf8').split('\n').filter((line) => line.startsWith('reinvite')).length : 0);

  beforeAll(async () => {
    // The number's RTP endpoint: a socket of the test's (its audio is not asserted yet, see the README).
    number = new MarkedRtp();
    const numberPort = await number.open();
    reinviteLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cc-console-trunk-')), 'reinvites.log');
    trunk = await sipp({
      scenario: 'consult-trunk-answers-any.xml',
      transport: 'udp',
      timeoutSeconds: 140,
      fill: { EXPECTED_NUMBER: `\\${NUMBER}`, EXTERNAL_RTP_PORT: String(numberPort), REINVITE_LOG: reinviteLog },
    });
    process.env.SIP_TRUNK_URI = `sip:127.0.0.1:${trunk.port}`;
    process.env.RTPENGINE = 'embedded';
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Web support', number: QUEUE_NUMBER, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    browser = await launch();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await killAllSipp();
    await number?.close();
    for (const [name, value] of [['SIP_TRUNK_URI', saved.trunk], ['RTPENGINE', saved.media]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  test('the number answers: Ada\'s browser is moved onto its media; Complete transfer re-INVITEs the number and the caller, and the call is transferred externally', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    await spyOnPeerConnections(agent);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    await goOnline(agent);
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const visitorContext = await browser.newContext({ baseURL: platform.url, locale: 'en-GB' });
    const visitor = await visitorContext.newPage();
    visitor.setDefaultTimeout(20_000);
    await spyOnPeerConnections(visitor);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();

    await agent.getByRole('dialog', { name: 'Incoming call' }).getByRole('button', { name: 'Answer' }).click();
    const panel = agent.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();
    const callId = (await platform.gql<{ calls: { nodes: Array<{ id: string }> } }>('{ calls(first: 1) { nodes { id } } }')).calls.nodes[0]?.id ?? '';

    // The trunk answers at once: the bar shows talking, and Ada's browser is moved onto the number's media.
    await consultNumber(agent, panel);
    const consulting = agent.getByRole('region', { name: `Consulting ${NUMBER}` });
    await consulting.getByRole('status').getByText('talking').waitFor();
    expect((await callOf(platform, callId)).consultation).toEqual({ number: NUMBER, answered: true });
    // Ada's browser took the consultation's answer (rtpengine's ICE and DTLS, the number's PCMU) and stayed in the call.
    await expect.poll(() => remoteAudio(agent), { timeout: 20_000 }).toMatch(/a=group:BUNDLE 0[\s\S]*m=audio [1-9]\d* UDP\/TLS\/RTP\/SAVPF 0\r\n/);
    expect(await panel.getByRole('status').getByText('On hold').count()).toBe(1);
    const beforeHandOver = reinvites();

    await consulting.getByRole('button', { name: 'Complete transfer' }).click();
    await agent.getByRole('region', { name: 'Wrap-up' }).waitFor();
    expect(await agent.getByRole('region', { name: /^Consulting/ }).count()).toBe(0);
    // The number is re-INVITEd with the caller's side of the bridge (caller, rtpengine, rtpengine, number).
    await expect.poll(reinvites, { timeout: 30_000 }).toBe(beforeHandOver + 1);
    // The caller's browser took the bridge's description (rtpengine's, the number's PCMU) in place of Ada's.
    await expect.poll(() => remoteAudio(visitor), { timeout: 20_000 }).toMatch(/a=group:BUNDLE 0[\s\S]*m=audio [1-9]\d* UDP\/TLS\/RTP\/SAVPF 0\r\n/);
    const after = await callOf(platform, callId);
    expect(after.consultation).toBeNull();
    expect(after.timeline.map((entry) => entry.description)).toContain(`Transferred by Ada Lovelace to ${NUMBER} after a consultation`);

    // The caller hangs up: the gateway BYEs the number (the scenario ends on it); once Ada is done the call reads transferred externally.
    await visitor.getByRole('button', { name: /Hang up/ }).click();
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await agent.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await callOf(platform, callId)).status, { timeout: 20_000 }).toBe('TRANSFERRED_EXTERNALLY');
    await agent.getByRole('link', { name: 'Call history' }).click();
    await agent.getByRole('row').filter({ hasText: 'Transferred out' }).waitFor();
    await visitorContext.close();
  });
});
