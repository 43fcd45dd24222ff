/**
 * The dashboard's range: a call that arrived three days ago (its time carried in the command, as the
 * gateway's clock would stamp it) counts in the ranges that include that day and in no other.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { OWNER_EMAIL, OWNER_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
/** Live updates arrive when they arrive on a busy machine; polls wait patiently rather than time anything. */
const PATIENT = { timeout: 15_000 };
const DAY_MS = 86_400_000;
/** yyyy-mm-dd in UTC, the browser's time zone in these tests. */
const day = (at: Date): string => at.toISOString().slice(0, 10);

describe.skipIf(missing !== null)(`dashboard range${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let owner: Page;
  const threeDaysAgo = new Date(Date.parse(`${day(new Date(Date.now() - 3 * DAY_MS))}T10:30:00Z`));

  /** A caller who arrives at `at` and hangs up before any agent answers. */
  const abandonedCall = async (queueId: string, at: Date): Promise<void> => {
    const { core, readSide } = platform.server.platform;
    const context = { organisationId: platform.organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const callId = randomUUID();
    const queue = await core.queueSnapshot(queueId, at.toISOString(), platform.organisationId);
    await core.execute(
      'call',
      callId,
      {
        type: 'ReceiveCall',
        data: { callId, organisationId: platform.organisationId, queue, channel: 'pstn', caller: { number: '+3225550123', name: 'Early Caller', customerId: null }, dialedNumber: null, media: 'audio', at: at.toISOString() },
      },
      context,
    );
    await core.hangUp(callId, 'caller', null, null, context);
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
  };

  beforeAll(async () => {
    platform = await startPlatform();
    const queueId = await platform.createQueue({ name: 'Support' });
    await abandonedCall(queueId, threeDaysAgo);
    await abandonedCall(queueId, new Date());
    browser = await launch();
    ({ page: owner } = await newUser(browser, platform.url));
    await signIn(owner, OWNER_EMAIL, OWNER_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const tile = (list: string, label: string) => owner.getByRole('list', { name: list }).getByRole('listitem').filter({ hasText: label });
  const expectTile = async (list: string, label: string, value: string): Promise<void> => {
    await expect.poll(() => tile(list, label).locator('.value').textContent(), PATIENT).toBe(value);
  };

  test('the earlier call counts in 7 days and in a custom range holding its day, not today or other days', async () => {
    await owner.getByRole('link', { name: 'Dashboard' }).click();
    await expectTile("Today's figures", 'Total calls', '1');
    await expectTile("Today's figures", 'Missed calls', '1');

    await owner.getByRole('group', { name: 'Range' }).getByRole('button', { name: '7 days' }).click();
    await expectTile('Figures for Last 7 days', 'Total calls', '2');
    await expectTile('Figures for Last 7 days', 'Missed calls', '2');

    await owner.getByRole('button', { name: 'Show data as table' }).click();
    const earlier = owner.getByRole('row').filter({ has: owner.getByRole('rowheader', { name: threeDaysAgo.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }) }) });
    expect(await earlier.getByRole('cell').allTextContents()).toEqual(['0', '1', '1']);
    await owner.getByRole('img', { name: /Calls per day · Last 7 days/ }).waitFor();
    await screenshot(owner, 'dashboard-range');

    await owner.getByRole('group', { name: 'Range' }).getByRole('button', { name: 'Custom' }).click();
    await owner.getByLabel('Start date').fill(day(threeDaysAgo));
    await owner.getByLabel('End date').fill(day(threeDaysAgo));
    const single = `Figures for ${threeDaysAgo.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })}`;
    await expectTile(single, 'Total calls', '1');
    await owner.getByRole('img', { name: /Calls per hour/ }).waitFor();

    await owner.getByLabel('Start date').fill(day(new Date(threeDaysAgo.getTime() + DAY_MS)));
    await owner.getByLabel('End date').fill(day(new Date(Date.now() - DAY_MS)));
    await expect.poll(() => owner.getByRole('list', { name: /^Figures for / }).getAttribute('aria-label'), PATIENT).not.toBe(single);
    await expectTile((await owner.getByRole('list', { name: /^Figures for / }).getAttribute('aria-label')) ?? '', 'Total calls', '0');

    // A range that ends before it starts is refused at the field.
    await owner.getByLabel('Start date').fill(day(new Date()));
    await owner.getByLabel('End date').fill(day(threeDaysAgo));
    await owner.getByText('The end date must be on or after the start date.').waitFor();
    expect(await owner.getByLabel('Start date').getAttribute('aria-invalid')).toBe('true');
  });
});
