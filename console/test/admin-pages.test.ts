/**
 * The admin agents page in headless Chromium against the real platform: filters and the column
 * chooser survive a reload, multi-select exports exactly the chosen rows as quoted CSV, invite links,
 * delete with confirmation, and the edit form's inline rules; queues can be edited too.
 */
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { OWNER_EMAIL, OWNER_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
/** Live updates arrive when they arrive on a busy machine; polls wait patiently rather than time anything. */
const PATIENT = { timeout: 15_000 };
const QUOTED_NAME = 'Grace "Amazing" Hopper, RADM';

describe.skipIf(missing !== null)(`admin pages${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let owner: Page;
  let support: string;
  let billing: string;

  beforeAll(async () => {
    platform = await startPlatform();
    support = await platform.createQueue({ name: 'Support' });
    billing = await platform.createQueue({ name: 'Billing' });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [support] });
    await platform.createAgent({ fullName: QUOTED_NAME, username: 'grace', queueIds: [billing] });
    await platform.createAgent({ fullName: 'Linus Torvalds', username: 'linus', queueIds: [support] });
    browser = await launch();
    ({ page: owner } = await newUser(browser, platform.url));
    await signIn(owner, OWNER_EMAIL, OWNER_PASSWORD);
    await owner.getByRole('link', { name: 'Agents' }).click();
    await owner.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const bodyRows = () => owner.getByRole('row').filter({ has: owner.getByRole('cell') });
  const names = async (): Promise<string[]> => (await owner.locator('tbody .name').allTextContents()).sort();

  test('filters and the column chooser are kept after a reload', async () => {
    await expect.poll(() => bodyRows().count(), PATIENT).toBe(3);
    await owner.getByLabel('Queue', { exact: true }).selectOption({ label: 'Support' });
    await expect.poll(names, PATIENT).toEqual(['Ada Lovelace', 'Linus Torvalds']);

    await owner.getByText('Columns', { exact: true }).click();
    await owner.getByRole('checkbox', { name: 'Email' }).check();
    await owner.getByRole('checkbox', { name: 'Ext.' }).uncheck();
    await owner.getByRole('columnheader', { name: 'Email' }).waitFor();
    expect(await owner.getByRole('columnheader', { name: 'Ext.' }).count()).toBe(0);

    await owner.reload();
    await owner.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    await expect.poll(names, PATIENT).toEqual(['Ada Lovelace', 'Linus Torvalds']);
    expect(await owner.getByLabel('Queue', { exact: true }).inputValue()).toBe(support);
    await owner.getByRole('columnheader', { name: 'Email' }).waitFor();
    expect(await owner.getByRole('columnheader', { name: 'Ext.' }).count()).toBe(0);

    await owner.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => bodyRows().count(), PATIENT).toBe(3);
  });

  test('the selected rows export as a CSV download with quoted fields', async () => {
    await owner.getByRole('checkbox', { name: `Select ${QUOTED_NAME}` }).check();
    await owner.getByRole('checkbox', { name: 'Select Ada Lovelace' }).check();
    await screenshot(owner, 'admin-agents-selection');
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Export 2 selected to CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^agents-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = fs.readFileSync(await download.path(), 'utf8');
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]?.startsWith('id,fullName,username,')).toBe(true);
    expect(lines.some((line) => line.includes(',"Grace ""Amazing"" Hopper, RADM",grace,'))).toBe(true);
    expect(lines.some((line) => line.includes(',Ada Lovelace,ada,'))).toBe(true);
    expect(text).not.toContain('linus');

    // Select all picks every shown row; clearing it leaves none.
    const all = owner.getByRole('checkbox', { name: 'Select all agents shown' });
    await all.check();
    await owner.getByRole('button', { name: 'Export 3 selected to CSV' }).waitFor();
    await all.uncheck();
    await owner.getByRole('button', { name: 'Export 3 shown to CSV' }).waitFor();
  });

  test('an invite link is shown and copied', async () => {
    await owner.getByRole('button', { name: 'Invite link for Ada Lovelace' }).click();
    const link = owner.getByRole('textbox', { name: 'Invite link' });
    await expect.poll(() => link.inputValue(), PATIENT).toMatch(/\/invite\?token=.+/);
    await owner.getByRole('button', { name: 'Copy link' }).click();
    await owner.getByRole('status').filter({ hasText: 'Invite link copied' }).waitFor();
    expect(await owner.evaluate(() => navigator.clipboard.readText())).toBe(await link.inputValue());
    await owner.getByRole('button', { name: 'Close', exact: true }).click();
  });

  test('delete asks first; cancel keeps the agent, confirm removes them', async () => {
    await owner.getByRole('button', { name: 'Delete Linus Torvalds' }).click();
    const dialog = owner.getByRole('alertdialog', { name: 'Delete Linus Torvalds?' });
    await dialog.waitFor();
    await screenshot(owner, 'admin-agents-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await names()).toContain('Linus Torvalds');

    await owner.getByRole('button', { name: 'Delete Linus Torvalds' }).click();
    await owner.getByRole('alertdialog', { name: 'Delete Linus Torvalds?' }).getByRole('button', { name: 'Delete agent' }).click();
    await owner.getByRole('status').filter({ hasText: 'Agent Linus Torvalds deleted.' }).waitFor();
    await expect.poll(names, PATIENT).toEqual(['Ada Lovelace', QUOTED_NAME].sort());
    const agents = await platform.gql<{ agents: Array<{ username: string }> }>('{agents{username}}');
    expect(agents.agents.map((a) => a.username).sort()).toEqual(['ada', 'grace']);
  });

  test('the edit form shows its rules inline and saves', async () => {
    await owner.getByRole('button', { name: 'Edit Ada Lovelace' }).click();
    const form = owner.getByRole('form', { name: 'Edit agent' });
    const save = form.getByRole('button', { name: 'Save changes' });
    await expect.poll(() => form.getByLabel('Full name').inputValue(), PATIENT).toBe('Ada Lovelace');

    await form.getByLabel('Extension').fill('12a');
    await form.getByText('Extension: 2 to 8 digits.').waitFor();
    expect(await form.getByLabel('Extension').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Extension').fill('2042');
    await form.getByLabel('Full name').fill('2042');
    await form.getByText('The full name cannot be the extension.').waitFor();
    await form.getByLabel(/Wrap-up time/).fill('5000');
    await form.getByText(/Wrap-up: a whole number of seconds from 0 to 3600/).waitFor();
    expect(await save.isDisabled()).toBe(true);
    await screenshot(owner, 'admin-agents-edit');

    await form.getByLabel('Full name').fill('Ada King');
    await form.getByLabel(/Wrap-up time/).fill('20');
    await form.getByRole('checkbox', { name: 'Billing' }).check();
    await expect.poll(() => save.isEnabled(), PATIENT).toBe(true);
    await save.click();
    await owner.getByRole('status').filter({ hasText: 'Agent Ada King saved.' }).waitFor();
    await owner.getByRole('row').filter({ hasText: 'Ada King' }).getByText('Support, Billing').or(owner.getByRole('row').filter({ hasText: 'Ada King' }).getByText('Billing, Support')).waitFor();
    // The single-agent query reads the agent itself (the list's rows carry no wrap-up time).
    const adaId = (await platform.gql<{ agents: Array<{ id: string; username: string }> }>('{agents{id username}}')).agents.find((a) => a.username === 'ada')?.id;
    const { agent: ada } = await platform.gql<{ agent: { fullName: string; extension: string; wrapUpSeconds: number | null; queueIds: string[] } }>(
      'query($id:ID!){agent(id:$id){fullName extension wrapUpSeconds queueIds}}',
      { id: adaId },
    );
    expect(ada).toMatchObject({ fullName: 'Ada King', extension: '2042', wrapUpSeconds: 20 });
    expect(ada.queueIds.slice().sort()).toEqual([support, billing].sort());
  });

  test('a queue is edited from its row', async () => {
    await owner.getByRole('link', { name: 'Queues' }).click();
    await owner.getByRole('button', { name: 'Edit Support' }).click();
    const form = owner.getByRole('form', { name: 'Edit Support' });
    await form.getByLabel('Wrap-up time (s)').fill('25');
    await form.getByLabel(/Number callers dial/).fill('+3225550199');
    await form.getByRole('button', { name: 'Save queue' }).click();
    await owner.getByRole('status').filter({ hasText: 'Queue Support saved.' }).waitFor();
    await owner.getByRole('row').filter({ hasText: 'Support' }).getByText('+3225550199').waitFor();
    const { queue } = await platform.gql<{ queue: { wrapUpSeconds: number; number: string } }>('query($id:ID!){queue(id:$id){wrapUpSeconds number}}', { id: support });
    expect(queue).toEqual({ wrapUpSeconds: 25, number: '+3225550199' });
  });
});
