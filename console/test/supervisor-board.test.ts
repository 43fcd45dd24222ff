/**
 * The supervisor board in headless Chromium: it changes live (SSE subscriptions, no reload) when an
 * agent changes status in their own page and when a caller is queued; it is in the nav for
 * supervisors, not for agents.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
/** Live updates arrive when they arrive on a busy machine; polls wait patiently rather than time anything. */
const PATIENT = { timeout: 15_000 };

describe.skipIf(missing !== null)(`supervisor board${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let supervisor: Page;
  let agent: Page;
  let queueId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    queueId = await platform.createQueue({ name: 'Support', serviceLevelSeconds: 20 });
    await platform.createQueue({ name: 'Billing' });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    await platform.addUser({ email: 'sam@console.example', username: 'sam', displayName: 'Sam Supervisor', role: 'supervisor', agentId: null });
    browser = await launch();
    ({ page: supervisor } = await newUser(browser, platform.url));
    ({ page: agent } = await newUser(browser, platform.url));
    await signIn(supervisor, 'sam', AGENT_PASSWORD);
    await signIn(agent, 'ada', AGENT_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const agentRow = () => supervisor.getByRole('region', { name: 'Agents' }).getByRole('row').filter({ has: supervisor.getByRole('rowheader', { name: 'Ada Lovelace' }) });
  const queueRow = (name: string) => supervisor.getByRole('region', { name: 'Queues' }).getByRole('row').filter({ has: supervisor.getByRole('rowheader', { name }) });

  test('the board is in the nav for supervisors only', async () => {
    await supervisor.getByRole('link', { name: 'Supervisor board' }).click();
    await supervisor.getByRole('heading', { name: 'Supervisor board', level: 1 }).waitFor();
    await agentRow().getByText('Offline').waitFor();
    expect(await agent.getByRole('link', { name: 'Supervisor board' }).count()).toBe(0);
  });

  test('an agent changing status in their own page shows on the board without a reload', async () => {
    await agent.goto('/calls');
    await agent.getByRole('button', { name: /Status: Offline/ }).click();
    await agent.getByRole('menu', { name: 'Set status' }).getByRole('menuitemradio', { name: /Break/ }).click();
    await agent.getByRole('button', { name: /Status: Break/ }).waitFor();
    await agentRow().getByText('Break').waitFor();
    // Since-when restarts at the change and keeps counting.
    await expect.poll(async () => (await agentRow().getByRole('cell').nth(1).textContent())?.trim(), PATIENT).toMatch(/^0:\d\d$/);
  });

  test('a queued call shows as waiting with its wait growing, and leaving clears it', async () => {
    const waiting = queueRow('Support').getByRole('cell').first();
    expect((await waiting.textContent())?.trim()).toBe('0');
    const callId = await platform.incomingCall(queueId, { number: '+3225550142', name: 'Carla Caller' });
    await expect.poll(async () => (await waiting.textContent())?.trim(), PATIENT).toBe('1');
    const longest = queueRow('Support').getByRole('cell').nth(1);
    await expect.poll(async () => (await longest.textContent())?.trim(), PATIENT).toMatch(/^0:(0[1-9]|[1-5]\d)$/);
    expect((await queueRow('Billing').getByRole('cell').first().textContent())?.trim()).toBe('0');
    await screenshot(supervisor, 'supervisor-board');

    const { core, readSide } = platform.server.platform;
    await core.hangUp(callId, 'caller', null, null, { organisationId: platform.organisationId, actor: { kind: 'system', component: 'gateway' } });
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    await expect.poll(async () => (await waiting.textContent())?.trim(), PATIENT).toBe('0');
    // Today's figures follow: one offered, none answered, one abandoned, service level 0 %.
    await expect.poll(async () => (await queueRow('Support').getByRole('cell').allTextContents()).map((t) => t.trim()), PATIENT).toEqual(['0', '—', '0 %', '—', '0 / 1', '1']);
  });

  test('the board is reachable by keyboard: the queue filter narrows the agents', async () => {
    await supervisor.getByLabel('Agents of').focus();
    await supervisor.keyboard.press('ArrowDown');
    await expect.poll(() => supervisor.getByLabel('Agents of').inputValue(), PATIENT).not.toBe('');
    const chosen = await supervisor.getByLabel('Agents of').inputValue();
    await (chosen === queueId ? agentRow().waitFor() : supervisor.getByText('No agents in this queue.').waitFor());
  });
});
