/**
 * The softphone end to end, browser to browser through the platform's own SIP edge: a WebRTC agent
 * goes Online (the console asks for the microphone and registers with JsSIP over /sip), a website
 * visitor calls the queue from the public call-link page in another browser context, the agent
 * answers from the offer modal, and audio flows both ways (WebRTC getStats, shown in the call-quality
 * indicator). Mute, DTMF from the dial pad (SIP INFO: the core records it), hold and resume
 * (re-INVITEs: the core's call goes on hold), hang-up from the agent, wrap-up. Declining from the
 * modal refuses the SIP INVITE; going Online with the microphone refused falls back to Offline.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const QUEUE_NUMBER = '+3225550100';

interface CallRecord {
  id: string;
  status: string;
  timeline: Array<{ type: string; agentId: string | null; description: string }>;
}

describe.skipIf(missing !== null)(`softphone and call-link page${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let queueId: string;

  beforeAll(async () => {
    platform = await startPlatform({ sip: true });
    queueId = await platform.createQueue({ name: 'Web support', number: QUEUE_NUMBER, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const calls = async (): Promise<CallRecord[]> =>
    (await platform.gql<{ calls: { nodes: CallRecord[] } }>('{ calls(first: 10) { nodes { id status timeline { type agentId description } } } }')).calls.nodes;

  const latestCall = async (): Promise<CallRecord> => {
    const [call] = await calls();
    if (call === undefined) throw new Error('no call yet');
    return call;
  };

  /** The bytes received so far, as the call-quality indicator shows them. */
  const bytesReceived = async (indicator: Locator): Promise<number> => Number((await indicator.getAttribute('data-bytes-received')) ?? '0');

  /** Media keeps arriving: the received byte count grows between two reads. */
  const mediaFlows = async (page: Page): Promise<void> => {
    const received = page.getByLabel(/^Received [\d.]+ kB$/);
    await expect.poll(() => bytesReceived(received), { timeout: 20_000 }).toBeGreaterThan(0);
    const first = await bytesReceived(received);
    await expect.poll(() => bytesReceived(received), { timeout: 20_000 }).toBeGreaterThan(first);
  };

  const goOnline = async (page: Page): Promise<void> => {
    await page.getByRole('button', { name: /Status: Offline/ }).click();
    await page.getByRole('menuitemradio', { name: /Online/ }).click();
  };

  const openContactPage = async (): Promise<Page> => {
    const context = await browser.newContext({ baseURL: platform.url, viewport: { width: 900, height: 820 }, locale: 'en-GB' });
    const visitor = await context.newPage();
    visitor.setDefaultTimeout(15_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByRole('heading', { name: 'Call us' }).waitFor();
    return visitor;
  };

  test('going Online with the microphone refused leaves the agent Offline and says why', async () => {
    await platform.createAgent({ fullName: 'Mia Refused', username: 'mia', queueIds: [queueId] });
    const strict = await launch({ grantMedia: false });
    try {
      const { page } = await newUser(strict, platform.url);
      await signIn(page, 'mia', AGENT_PASSWORD);
      await page.goto('/calls');
      await goOnline(page);
      await expect.poll(() => page.getByRole('alert').allTextContents()).toContainEqual(expect.stringMatching(/Microphone access was refused, so you stay Offline/));
      await page.getByRole('button', { name: /Status: Offline/ }).waitFor();
      const mia = (await platform.gql<{ agents: Array<{ username: string; status: string }> }>('{ agents { username status } }')).agents.find((a) => a.username === 'mia');
      expect(mia?.status).toBe('OFFLINE');
    } finally {
      await strict.close();
    }
  });

  test('a visitor calls from the contact page; the agent answers in the console; audio flows; mute, DTMF, hold, resume, hang-up', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    agent.setDefaultTimeout(15_000);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    await goOnline(agent);
    await agent.getByRole('button', { name: /Status: Online/ }).waitFor();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const visitor = await openContactPage();
    await screenshot(visitor, 'contact-page');
    await visitor.getByLabel('Your name (optional)').fill('Grace Visitor');
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();
    await visitor.getByRole('status').filter({ hasText: /Ringing/ }).waitFor();

    const modal = agent.getByRole('dialog', { name: 'Incoming call' });
    await modal.waitFor();
    await expect.poll(() => modal.textContent()).toContain('Web support');
    await modal.getByRole('button', { name: 'Answer' }).click();

    await agent.getByRole('heading', { name: 'On a call' }).waitFor();
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();
    await expect.poll(async () => (await latestCall()).status).toBe('IN_PROGRESS');

    // Media flows browser to browser, both ways.
    await mediaFlows(agent);
    await mediaFlows(visitor);
    await screenshot(agent, 'softphone-in-call');
    await screenshot(visitor, 'contact-page-in-call');

    // Mute from the keyboard and back from the button.
    await agent.keyboard.press('Control+m');
    await agent.getByRole('button', { name: 'Unmute' }).waitFor();
    expect(await agent.getByRole('button', { name: 'Unmute' }).getAttribute('aria-pressed')).toBe('true');
    await agent.getByRole('button', { name: 'Unmute' }).click();
    await agent.getByRole('button', { name: 'Mute', exact: true }).waitFor();

    // DTMF from the dial pad goes as SIP INFO: the core records it.
    await agent.getByRole('button', { name: 'Dial pad' }).click();
    await agent.getByRole('button', { name: 'Send 5' }).click();
    await expect.poll(async () => (await latestCall()).timeline.map((entry) => entry.type)).toContain('DtmfReceived');

    // Hold and resume are re-INVITEs; the gateway puts the core's call on hold and back.
    await agent.getByRole('button', { name: 'Hold' }).click();
    await agent.getByRole('status').filter({ hasText: 'On hold' }).waitFor();
    expect((await latestCall()).status).toBe('ON_HOLD');
    await agent.getByRole('button', { name: 'Resume' }).click();
    await agent.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    expect((await latestCall()).status).toBe('IN_PROGRESS');
    await mediaFlows(agent);

    // The agent hangs up: BYE, the visitor's call ends, the wrap-up opens.
    await agent.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    await visitor.getByRole('status').filter({ hasText: 'Call ended' }).waitFor();
    const types = (await latestCall()).timeline.map((entry) => entry.type);
    expect(types).toEqual(expect.arrayContaining(['CallAnswered', 'CallHeld', 'CallResumed', 'DtmfReceived', 'CallEnded']));
    await agent.getByRole('button', { name: /Done/ }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    await visitor.context().close();
    await agent.context().close();
  });

  test('declining from the offer modal refuses the SIP call: the core records the declined offer', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    agent.setDefaultTimeout(15_000);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    // Ada was left Online by the previous test in another window: the phone registers here too.
    await agent.getByRole('button', { name: /Status: Online/ }).waitFor();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const before = (await calls()).length;
    const visitor = await openContactPage();
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();
    const modal = agent.getByRole('dialog', { name: 'Incoming call' });
    await modal.waitFor();
    await expect.poll(async () => (await calls()).length).toBe(before + 1);
    await modal.getByRole('button', { name: 'Decline' }).click();

    await expect.poll(async () => (await latestCall()).timeline.filter((entry) => entry.type === 'CallOfferDeclined').length).toBeGreaterThan(0);
    // The visitor gives up; the call ends without an answer.
    await visitor.getByRole('button', { name: 'Hang up' }).click();
    await visitor.getByRole('status').filter({ hasText: 'Call ended' }).waitFor();
    // A caller who gives up before an answer has abandoned the call.
    await expect.poll(async () => (await latestCall()).timeline.map((entry) => entry.type)).toContain('CallAbandoned');
    expect((await latestCall()).timeline.map((entry) => entry.type)).not.toContain('CallAnswered');
    await visitor.context().close();
    await agent.context().close();
  });

  test('a short reload keeps the agent Online and registers again; after a long absence the console sets Offline', async () => {
    await platform.createAgent({ fullName: 'Lin Reload', username: 'lin', queueIds: [queueId] });
    const { page } = await newUser(browser, platform.url);
    page.setDefaultTimeout(15_000);
    await signIn(page, 'lin', AGENT_PASSWORD);
    await page.goto('/calls');
    await goOnline(page);
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    await page.reload();
    await page.getByRole('button', { name: /Status: Online/ }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    // As if this browser was last seen three minutes ago (closed over lunch, say): the record is aged
    // as the next page loads, before the console reads it (the unloading page refreshes it first).
    await page.context().addInitScript(() => {
      if (sessionStorage.getItem('aged') !== null) return;
      sessionStorage.setItem('aged', 'yes');
      const record = JSON.parse(localStorage.getItem('cc.softphone.lastStatus') ?? '{}') as { at: number };
      localStorage.setItem('cc.softphone.lastStatus', JSON.stringify({ ...record, at: Date.now() - 3 * 60 * 1000 }));
    });
    await page.reload();
    await page.getByRole('button', { name: /Status: Offline/ }).waitFor();
    const lin = (await platform.gql<{ agents: Array<{ username: string; status: string }> }>('{ agents { username status } }')).agents.find((a) => a.username === 'lin');
    expect(lin?.status).toBe('OFFLINE');
    await page.context().close();
  });
});
