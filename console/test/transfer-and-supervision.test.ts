/**
 * Transfers and supervision in headless Chromium: a plain agent picks from the call's queue agents
 * (`transferTargets`: available first, Refresh re-reads), transfers to an Offline agent (refused,
 * the call stays), then to an available one, who gets the transfer as an offer; the call queue board
 * filters and searches live; Force end all asks a supervisor first, then ends calls.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

const goOnline = async (page: Page): Promise<void> => {
  await page.getByRole('button', { name: /Status: / }).click();
  await page.getByRole('menuitemradio', { name: /Online/ }).click();
  await page.getByRole('button', { name: /Status: Online/ }).waitFor();
};

describe.skipIf(missing !== null)(`transfers and supervision${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let support: string;
  let sales: string;
  let sam: Page;
  let bob: Page;
  let vera: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    support = await platform.createQueue({ name: 'Support', wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    sales = await platform.createQueue({ name: 'Sales', wrapUpSeconds: 30 });
    // Sam is a plain agent: the transfer dialog's agent list must not need a supervisor's role.
    await platform.createAgent({ fullName: 'Sam Carter', username: 'sam', queueIds: [support] });
    await platform.createAgent({ fullName: 'Bob Marley', username: 'bob', queueIds: [support] });
    // Named to sort before Bob, so "available first" is visible once Bob is Online.
    await platform.createAgent({ fullName: 'Ada Offline', username: 'ada', queueIds: [support] });
    await platform.createAgent({ fullName: 'Carol Sales', username: 'carol', queueIds: [sales] });
    await platform.addUser({ email: 'vera@console.example', username: 'vera', displayName: 'Vera Supervisor', role: 'supervisor', agentId: null });
    browser = await launch();
    sam = (await newUser(browser, platform.url)).page;
    bob = (await newUser(browser, platform.url)).page;
    vera = (await newUser(browser, platform.url)).page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('a transfer to an unavailable agent fails visibly and keeps the call; one to an available agent hands it over', async () => {
    await signIn(sam, 'sam', AGENT_PASSWORD);
    await sam.goto('/calls');
    await goOnline(sam);
    await signIn(bob, 'bob', AGENT_PASSWORD);
    await bob.getByRole('heading', { name: 'Agent workspace' }).waitFor();

    const callId = await platform.incomingCall(support, { number: '+3225550142', name: 'Linus Torvalds' });
    const offer = sam.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByText('Linus Torvalds').waitFor();
    await offer.getByRole('button', { name: 'Answer' }).click();
    const panel = sam.getByRole('region', { name: 'On a call' });
    await panel.waitFor();

    await panel.getByRole('button', { name: 'Transfer' }).click();
    const dialog = sam.getByRole('dialog', { name: 'Transfer call' });
    const sameQueue = dialog.getByRole('group', { name: 'Agents of this queue, available first' });
    const rows = sameQueue.locator('label');
    // Nobody else is Online yet: both listed by name, neither available; Carol's queue is not this one.
    await sameQueue.getByRole('radio', { name: /Bob Marley/ }).waitFor();
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/Ada Offline[\s\S]*Offline[\s\S]*Not available/), expect.stringMatching(/Bob Marley[\s\S]*Offline[\s\S]*Not available/)]);

    // Bob goes Online only now, so the call was Sam's; Refresh re-reads and puts him first.
    await goOnline(bob);
    await dialog.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => rows.allInnerTexts()).toEqual([expect.stringMatching(/Bob Marley[\s\S]*Online[\s\S]*Available/), expect.stringMatching(/Ada Offline[\s\S]*Not available/)]);
    await dialog.getByRole('radio', { name: 'Queue', exact: true }).check();
    await dialog.getByRole('group', { name: 'Queues' }).getByRole('radio', { name: /Sales/ }).waitFor();
    await dialog.getByRole('radio', { name: 'Agent', exact: true }).check();

    await sameQueue.getByRole('radio', { name: /Ada Offline/ }).check();
    await screenshot(sam, 'transfer-dialog');
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByRole('alert').getByText(/Transfer failed/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    const still = await platform.gql<{ call: { status: string } }>('query($c:ID!){call(id:$c){status}}', { c: callId });
    expect(still.call.status).toBe('IN_PROGRESS');

    await panel.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByRole('radio', { name: /Bob Marley/ }).check();
    await dialog.getByRole('button', { name: 'Transfer' }).click();

    const transfer = bob.getByRole('dialog', { name: 'Transferred call from Sam Carter', exact: true });
    await transfer.getByText('Linus Torvalds').waitFor();
    await transfer.getByRole('button', { name: 'Answer' }).click();
    await bob.getByRole('region', { name: 'On a call' }).getByText('Linus Torvalds').waitFor();
    // Sam's part is done: Sam wraps up while Bob talks.
    await sam.getByRole('region', { name: 'Wrap-up' }).waitFor();

    const after = await platform.gql<{ call: { status: string; timeline: Array<{ description: string }> } }>('query($c:ID!){call(id:$c){status timeline{description}}}', { c: callId });
    expect(after.call.status).toBe('IN_PROGRESS');
    expect(after.call.timeline.map((t) => t.description)).toContain('Transferred from Sam Carter to Bob Marley');

    await bob.getByRole('button', { name: 'Hang up' }).click();
    await bob.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await sam.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await sam.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
  });

  test('the queue board filters by status and searches as you type; Force end all asks first', async () => {
    // Nobody is Online now, so both calls wait. Vera supervises: the board and Force end are hers.
    await sam.getByRole('button', { name: /Status: / }).click();
    await sam.getByRole('menuitemradio', { name: /Break/ }).click();
    await bob.getByRole('button', { name: /Status: / }).click();
    await bob.getByRole('menuitemradio', { name: /Offline/ }).click();
    await bob.getByRole('button', { name: /Status: Offline/ }).waitFor();
    await sam.getByRole('button', { name: /Status: Break/ }).waitFor();

    await signIn(vera, 'vera', AGENT_PASSWORD);
    await vera.getByRole('link', { name: 'Call queue' }).click();
    await vera.getByText('No calls in the queue right now.').waitFor();
    const first = await platform.incomingCall(support, { number: '+3225550001', name: 'Margaret Hamilton' });
    const second = await platform.incomingCall(sales, { number: '+4420790002', name: 'Alan Turing' });
    const rows = vera.getByRole('row').filter({ has: vera.getByRole('cell') });
    await expect.poll(() => rows.count()).toBe(2);
    await rows.filter({ hasText: first.slice(0, 8) }).getByText('Waiting').waitFor();
    await vera.getByRole('list', { name: 'Queue figures' }).getByText('Waiting').waitFor();

    await vera.getByLabel('Search').pressSequentially('Turing', { delay: 30 });
    await expect.poll(() => rows.count()).toBe(1);
    await rows.getByText('Alan Turing').waitFor();
    await vera.getByLabel('Search').fill('');
    await expect.poll(() => rows.count()).toBe(2);

    await vera.getByLabel('Status').selectOption('IN_PROGRESS');
    await vera.getByText('No calls match.').waitFor();
    await vera.getByLabel('Status').selectOption('WAITING');
    await expect.poll(() => rows.count()).toBe(2);
    await vera.getByLabel('Status').selectOption('');
    await screenshot(vera, 'queue-board-waiting');

    await vera.getByRole('button', { name: 'Force end all calls' }).click();
    const confirm = vera.getByRole('alertdialog', { name: 'Force end all calls?' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await vera.getByRole('button', { name: 'Force end all calls' }).click();
    await confirm.getByRole('button', { name: 'End all calls' }).click();
    await vera.getByText('No calls in the queue right now.').waitFor();
    const ended = await platform.gql<{ call: { status: string } }>('query($c:ID!){call(id:$c){status}}', { c: second });
    expect(ended.call.status).toBe('FORCE_ENDED');
  });
});
