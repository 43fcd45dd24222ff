/**
 * The in-call page for a video queue, in real Chromium through the platform's SIP edge: a visitor
 * calls from /contact/<queue> with the camera on; the agent's page lays out the caller's video on
 * the left and the customer panel on the right; the video plays (frames decoded, bytes received
 * grow). A document uploaded in the panel is listed and downloads byte for byte; a checklist tick is
 * recorded on the call. Then the same caller (by number) calls twice: the second call lists the
 * first under Previous calls and its ticked items under Checklist history.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const QUEUE_NUMBER = '+3225550177';
const CHECKLIST = ['Identity checked', 'Address confirmed'];

interface CallRecord {
  id: string;
  timeline: Array<{ type: string; description: string }>;
}

describe.skipIf(missing !== null)(`video in-call layout and customer panel${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let queueId: string;

  beforeAll(async () => {
    platform = await startPlatform({ sip: true });
    queueId = await platform.createQueue({ name: 'Video claims', number: QUEUE_NUMBER, video: true, wrapUpSeconds: 120, ringTimeoutSeconds: 60, checklist: CHECKLIST });
    await platform.createAgent({ fullName: 'Vera Video', username: 'vera', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const callById = async (id: string): Promise<CallRecord> =>
    (await platform.gql<{ call: CallRecord }>('query($c:ID!){ call(id:$c) { id timeline { type description } } }', { c: id })).call;

  const agentPage = async (): Promise<Page> => {
    const { page } = await newUser(browser, platform.url);
    page.setDefaultTimeout(20_000);
    await signIn(page, 'vera', AGENT_PASSWORD);
    await page.goto('/calls');
    // A first visit finds the agent Offline; a later one finds them still Online from the last page.
    await page.getByRole('button', { name: /^Status: / }).waitFor();
    const offline = page.getByRole('button', { name: /Status: Offline/ });
    if (await offline.isVisible()) {
      await offline.click();
      await page.getByRole('menuitemradio', { name: /Online/ }).click();
    }
    await page.getByRole('button', { name: /Status: Online/ }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();
    return page;
  };

  const answer = async (agent: Page): Promise<void> => {
    const modal = agent.getByRole('dialog', { name: 'Incoming call' });
    await modal.waitFor();
    await modal.getByRole('button', { name: 'Answer' }).click();
    await agent.getByRole('heading', { name: 'On a call' }).waitFor();
  };

  const finishCall = async (agent: Page, notes: string): Promise<void> => {
    await agent.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    await agent.getByLabel(/Notes/).fill(notes);
    await agent.getByRole('button', { name: /Done/ }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
  };

  /** Frames the caller's video element has decoded so far. */
  const framesDecoded = (agent: Page): Promise<number> =>
    agent.getByLabel("Caller's video").evaluate((video) => (video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames);
  const bytesReceived = async (agent: Page): Promise<number> => Number((await agent.getByLabel(/^Received [\d.]+ kB$/).getAttribute('data-bytes-received')) ?? '0');

  test('a video visitor: video left, customer panel right; the video plays; a document is uploaded and downloaded; a checklist tick is recorded', async () => {
    const agent = await agentPage();
    const context = await browser.newContext({ baseURL: platform.url, viewport: { width: 900, height: 820 }, locale: 'en-GB' });
    const visitor = await context.newPage();
    visitor.setDefaultTimeout(20_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByLabel('Your name (optional)').fill('Grace Visitor');
    await visitor.getByLabel('Video call (camera on)').check();
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();
    await answer(agent);
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();

    // The layout: video region and call controls on the left, the customer panel on the right.
    const layout = agent.locator('[data-layout="video"]');
    await layout.waitFor();
    const video = agent.getByRole('region', { name: 'Video' });
    const customer = agent.getByRole('region', { name: 'Customer' });
    const videoBox = await video.boundingBox();
    const customerBox = await customer.boundingBox();
    expect(videoBox).not.toBeNull();
    expect(customerBox).not.toBeNull();
    expect((videoBox?.x ?? 0) + (videoBox?.width ?? 0)).toBeLessThanOrEqual(customerBox?.x ?? 0);
    await expect.poll(() => agent.getByLabel("Caller's video").evaluate((v) => (v as HTMLVideoElement).videoWidth)).toBeGreaterThan(0);
    const frames = await framesDecoded(agent);
    await expect.poll(() => framesDecoded(agent)).toBeGreaterThan(frames);
    const bytes = await bytesReceived(agent);
    await expect.poll(() => bytesReceived(agent)).toBeGreaterThan(bytes);

    // A document: uploaded in the panel, listed, downloaded as it was sent.
    const content = Buffer.from('%PDF-1.4 signed claim form\n');
    await customer.getByLabel(/Upload a document/).setInputFiles({ name: 'claim form.pdf', mimeType: 'application/pdf', buffer: content });
    const link = customer.getByRole('link', { name: 'claim form.pdf' });
    await link.waitFor();
    const [download] = await Promise.all([agent.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('claim form.pdf');
    expect(fs.readFileSync(await download.path())).toEqual(content);

    // The checklist of the queue: a tick is recorded on the call.
    await customer.getByRole('checkbox', { name: 'Identity checked' }).check();
    const callId = (await platform.gql<{ calls: { nodes: Array<{ id: string }> } }>('{ calls(first: 1) { nodes { id } } }')).calls.nodes[0]?.id ?? '';
    await expect.poll(async () => (await callById(callId)).timeline.map((entry) => entry.description)).toContainEqual(expect.stringContaining('ticked checklist item "Identity checked"'));
    expect(await customer.getByRole('checkbox', { name: 'Identity checked' }).isChecked()).toBe(true);
    await screenshot(agent, 'video-in-call-layout');

    await finishCall(agent, 'Claim form received');
    await context.close();
    await agent.context().close();
  });

  test('the same caller calls again: previous calls list the first call; the checklist history shows what was ticked', async () => {
    const agent = await agentPage();
    const caller = { number: '+32470111222', name: 'Hedy Lamarr' };
    const first = await platform.incomingCall(queueId, caller);
    await answer(agent);
    const customer = agent.getByRole('region', { name: 'Customer' });
    await customer.getByText(`First call from ${caller.number}.`).waitFor();
    await customer.getByRole('checkbox', { name: 'Address confirmed' }).check();
    await expect.poll(async () => (await callById(first)).timeline.map((entry) => entry.type)).toContain('CallChecklistItemTicked');
    await finishCall(agent, 'Moved house');

    await platform.incomingCall(queueId, caller);
    await answer(agent);
    const previous = agent.getByRole('list', { name: `Previous calls of ${caller.number}` });
    await expect.poll(() => previous.getByRole('listitem').count()).toBe(1);
    expect(await previous.textContent()).toContain('Moved house');
    const history = agent.getByRole('list', { name: 'Checklist history' });
    await expect.poll(() => history.textContent()).toContain('Address confirmed');
    // This call's own checklist starts unticked.
    expect(await agent.getByRole('checkbox', { name: 'Address confirmed' }).isChecked()).toBe(false);
    await finishCall(agent, 'Second call');
    await agent.context().close();
  });
});
