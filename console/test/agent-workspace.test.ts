/**
 * The console end to end in headless Chromium against the real platform: an agent signs in, goes
 * Online, gets an offer live, answers, holds, resumes, hangs up and wraps up, while a supervisor's
 * call queue board in a second window follows the call without a reload.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

describe.skipIf(missing !== null)(`agent workspace and call queue board${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let queueId: string;
  let agent: Page;
  let board: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    queueId = await platform.createQueue({ name: 'Support', wrapUpSeconds: 90, ringTimeoutSeconds: 60, maskCallerName: true });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    browser = await launch();
    agent = (await newUser(browser, platform.url)).page;
    board = (await newUser(browser, platform.url)).page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('the console is served on the API port, with the SPA fallback and the API routes intact', async () => {
    const index = await fetch(`${platform.url}/calls`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await index.text()).toContain('<div style="display: contents">');
    expect((await fetch(`${platform.url}/healthz`)).headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${platform.url}/_app/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${platform.url}/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  test('sign-in shows the error for a wrong password, then signs in', async () => {
    await agent.goto('/calls');
    await agent.waitForURL('**/login');
    await agent.getByLabel('Email or username').fill('ada');
    await agent.getByLabel('Password').fill('Wrong#Pass9');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => agent.getByRole('alert').textContent()).toMatch(/password|credentials|sign/i);
    await screenshot(agent, 'login');
    await agent.getByLabel('Password').fill(AGENT_PASSWORD);
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByRole('heading', { name: 'Agent workspace' }).waitFor();
    expect(agent.url()).toMatch(/\/calls$/);
  });

  test('the agent goes Online from the status menu (Ctrl+S opens it)', async () => {
    await agent.getByRole('button', { name: /Status: Offline/ }).waitFor();
    await agent.keyboard.press('Control+s');
    const menu = agent.getByRole('menu', { name: 'Set status' });
    await menu.waitFor();
    await menu.getByRole('menuitemradio', { name: /Online/ }).click();
    await agent.getByRole('button', { name: /Status: Online/ }).waitFor();
    await agent.getByText(/since \d\d:\d\d/).waitFor();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    const status = await platform.gql<{ agents: Array<{ username: string; status: string }> }>('{agents{username status}}');
    expect(status.agents.find((a) => a.username === 'ada')?.status).toBe('ONLINE');
  });

  test('an incoming call rings in a modal, shows on the live board, and is answered, held, resumed and hung up', async () => {
    await signIn(board, OWNER_EMAIL, OWNER_PASSWORD);
    await board.goto('/queue');
    await board.getByText('No calls in the queue right now.').waitFor();

    const callId = await platform.incomingCall(queueId, { number: '+3225550199', name: 'Grace Hopper' });

    const offer = agent.getByRole('dialog', { name: 'Incoming call' });
    await offer.waitFor();
    // The queue masks callers' names; the console shows the name as the API gives it.
    await offer.getByText('G**** H*****').waitFor();
    await offer.getByText('+3225550199').waitFor();
    await offer.getByText('Support').first().waitFor();
    const ringing = await offer.getByLabel(/Ringing for/).getAttribute('aria-label');
    // The ringing time ticks on (polled: a loaded machine may render the next second late).
    await expect.poll(() => offer.getByLabel(/Ringing for/).getAttribute('aria-label'), { timeout: 15_000 }).not.toBe(ringing);
    await offer.getByRole('button', { name: 'Copy number +3225550199' }).click();
    expect(await agent.evaluate(() => navigator.clipboard.readText())).toBe('+3225550199');
    const notifications = await agent.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications);
    expect(notifications).toContainEqual({ title: 'Incoming call', body: 'G**** H***** — Support' });
    await screenshot(agent, 'incoming-call');

    // The supervisor's board shows the call ringing for Ada, without a reload.
    const row = board.getByRole('row').filter({ hasText: callId.slice(0, 8) });
    await row.getByText('Ringing').waitFor();
    await row.getByText('Ada Lovelace').waitFor();

    await offer.getByRole('button', { name: 'Answer' }).click();
    await offer.waitFor({ state: 'hidden' });
    const panel = agent.getByRole('region', { name: 'On a call' });
    await panel.waitFor();
    await panel.getByRole('status').getByText('Connected').waitFor();
    await panel.getByText('G**** H*****').waitFor();
    await row.getByText('In progress').waitFor();

    await panel.getByRole('button', { name: 'Hold' }).click();
    await panel.getByRole('status').getByText('On hold').waitFor();
    await row.getByText('On hold').waitFor();
    await screenshot(agent, 'in-call');
    await screenshot(board, 'queue-board');

    await panel.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    await row.getByText('In progress').waitFor();

    await panel.getByRole('button', { name: 'Hang up' }).click();
    const wrapUp = agent.getByRole('region', { name: 'Wrap-up' });
    await wrapUp.waitFor();
    await board.getByText('No calls in the queue right now.').waitFor();

    // The countdown runs from the queue's 90 s; +10 s adds to it.
    const left = async (): Promise<number> => {
      const label = (await wrapUp.getByLabel(/Wrap-up time left/).getAttribute('aria-label')) ?? '';
      const [m, s] = label.replace('Wrap-up time left ', '').split(':').map(Number);
      return (m ?? 0) * 60 + (s ?? 0);
    };
    const before = await left();
    expect(before).toBeGreaterThan(60);
    expect(before).toBeLessThanOrEqual(90);
    await wrapUp.getByRole('button', { name: '+10 s' }).click();
    await expect.poll(left).toBeGreaterThan(before + 5);

    await wrapUp.getByLabel('Notes').fill('Refund agreed, card ending 42');
    await wrapUp.getByRole('radio', { name: '4 of 5' }).check();
    await wrapUp.getByRole('radio', { name: 'Open' }).check();
    await screenshot(agent, 'wrap-up');
    await wrapUp.getByRole('button', { name: 'Done' }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();

    const call = await platform.gql<{ call: { status: string; wrapUps: Array<{ notes: string; rating: number; conversationStatus: string }> } }>('query($c:ID!){call(id:$c){status wrapUps{notes rating conversationStatus}}}', { c: callId });
    expect(call.call.status).toBe('COMPLETED');
    expect(call.call.wrapUps).toEqual([{ notes: 'Refund agreed, card ending 42', rating: 4, conversationStatus: 'OPEN' }]);

    // The call is in the agent's history, with its timeline.
    await agent.getByRole('link', { name: 'Call history' }).click();
    const historyRow = agent.getByRole('row').filter({ hasText: '+3225550199' });
    await historyRow.getByText('Completed').waitFor();
    await historyRow.getByRole('button', { name: /Timeline/ }).click();
    const timeline = agent.getByRole('list', { name: 'Call timeline' });
    await timeline.getByText('Answered by Ada Lovelace').waitFor();
    await timeline.getByText('Put on hold by Ada Lovelace').waitFor();
    await timeline.getByText(/Ada Lovelace completed wrap-up; rating 4\/5/).waitFor();
    await screenshot(agent, 'history');
  });
});
