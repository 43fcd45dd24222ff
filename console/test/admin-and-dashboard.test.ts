/**
 * Admin pages, the dashboard, the organisation switcher and the connection-lost banner in headless
 * Chromium against the real platform.
 */
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

describe.skipIf(missing !== null)(`admin, dashboard and resilience${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let owner: Page;
  let ownerContext: BrowserContext;

  beforeAll(async () => {
    platform = await startPlatform();
    await platform.createQueue({ name: 'Support', wrapUpSeconds: 30 });
    await platform.createQueue({ name: 'Billing', wrapUpSeconds: 45, maskCallerName: true });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [] });
    browser = await launch();
    ({ page: owner, context: ownerContext } = await newUser(browser, platform.url));
    await signIn(owner, OWNER_EMAIL, OWNER_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('an admin creates an agent: rule violations show inline first, then the agent is listed and searchable', async () => {
    await owner.getByRole('link', { name: 'Agents' }).click();
    await owner.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
    const form = owner.getByRole('form', { name: 'Create agent' });
    const create = form.getByRole('button', { name: 'Create agent' });

    await form.getByLabel('Full name').fill('4242');
    await form.getByLabel('Username').fill('grace hopper!');
    await form.getByLabel('Email').fill('grace@console.example');
    await form.getByLabel('Password', { exact: true }).fill('weakpass');
    await form.getByLabel(/Extension/).fill('4242');
    await form.getByText('The full name cannot be the extension.').waitFor();
    await form.getByText(/Username: Letters, digits/).waitFor();
    await form.getByText(/Password needs an upper-case letter, a digit, one of/).waitFor();
    expect(await form.getByLabel('Full name').getAttribute('aria-invalid')).toBe('true');
    expect(await create.isDisabled()).toBe(true);
    await screenshot(owner, 'admin-agents-validation');

    await form.getByLabel('Full name').fill('Grace Hopper');
    await form.getByLabel('Username').fill('grace.hopper');
    await form.getByLabel('Password', { exact: true }).fill('Cobol#1959');
    await form.getByRole('checkbox', { name: 'Billing' }).check();
    await expect.poll(() => create.isEnabled()).toBe(true);
    await create.click();
    await owner.getByRole('status').getByText('Agent Grace Hopper created.').waitFor();
    const row = owner.getByRole('row').filter({ hasText: 'grace.hopper' });
    await row.getByText('Billing').waitFor();
    await row.getByText('4242').waitFor();

    // The API's own refusals land at the field too.
    await form.getByLabel('Full name').fill('Grace Again');
    await form.getByLabel('Username').fill('grace.hopper');
    await form.getByLabel('Email').fill('other@console.example');
    await form.getByLabel('Password', { exact: true }).fill('Cobol#1959');
    await create.click();
    await form.getByText(/taken|already/i).waitFor();

    await owner.getByLabel('Search agents').pressSequentially('lovel', { delay: 30 });
    await expect.poll(() => owner.getByRole('row').filter({ has: owner.getByRole('cell') }).count()).toBe(1);
    await owner.getByRole('row').filter({ hasText: 'Ada Lovelace' }).waitFor();
    await owner.getByLabel('Search agents').fill('');
    await expect.poll(() => owner.getByRole('row').filter({ has: owner.getByRole('cell') }).count()).toBe(2);
    await screenshot(owner, 'admin-agents');

    const agents = await platform.gql<{ agents: Array<{ username: string; fullName: string }> }>('{agents{username fullName}}');
    expect(agents.agents.map((a) => a.username).sort()).toEqual(['ada', 'grace.hopper']);
  });

  test('an admin lists and creates queues', async () => {
    await owner.getByRole('link', { name: 'Queues' }).click();
    const form = owner.getByRole('form', { name: 'Create queue' });
    await form.getByLabel('Name', { exact: true }).fill('Sales');
    await form.getByLabel(/Number callers dial/).fill('0032 555');
    await form.getByText(/Use E.164/).waitFor();
    await form.getByLabel(/Number callers dial/).fill('+3225550100');
    await form.getByLabel('Routing strategy').selectOption('ROUND_ROBIN');
    await form.getByLabel('Wrap-up time (s)').fill('20');
    await form.getByRole('button', { name: 'Create queue' }).click();
    const row = owner.getByRole('row').filter({ hasText: 'Sales' });
    await row.getByText('+3225550100').waitFor();
    await row.getByText('Round robin').waitFor();
    await owner.getByRole('row').filter({ hasText: 'Billing' }).getByText('Masked').waitFor();
    await screenshot(owner, 'admin-queues');
    const queues = await platform.gql<{ queues: Array<{ name: string; wrapUpSeconds: number }> }>('{queues{name wrapUpSeconds}}');
    expect(queues.queues).toContainEqual({ name: 'Sales', wrapUpSeconds: 20 });
  });

  test('the dashboard shows today from the metrics query', async () => {
    await owner.getByRole('link', { name: 'Dashboard' }).click();
    const tiles = owner.getByRole('list', { name: "Today's figures" });
    await tiles.getByText('Calls handled').waitFor();
    await tiles.getByText('CSAT (1–5)').waitFor();
    await owner.getByText(/From the platform metrics/).waitFor();
    await screenshot(owner, 'dashboard');
  });

  test('a live feed that drops shows the connection-lost banner, which clears itself once it reconnects', async () => {
    await owner.getByRole('link', { name: 'Call queue' }).click();
    await owner.getByText('No calls in the queue right now.').waitFor();
    // Offline stops new requests; dropping the server's open connections ends the live stream.
    await ownerContext.setOffline(true);
    platform.server.app.server.closeAllConnections();
    const banner = owner.getByRole('alert').filter({ hasText: 'Connection lost' });
    await banner.waitFor({ timeout: 15_000 });
    await ownerContext.setOffline(false);
    await banner.waitFor({ state: 'hidden', timeout: 20_000 });
  });

  test('a user of two organisations switches between them', async () => {
    const { core, users } = platform.server.platform;
    const other = randomUUID();
    const context = { organisationId: other, actor: { kind: 'system' as const, component: 'console-test' } };
    await core.execute('organisation', other, { type: 'CreateOrganisation', data: { organisationId: other, name: 'Second Org', timeZone: 'UTC', maxMissedOffersInRow: null, at: core.now() } }, context);
    await users.register(
      {
        email: 'two@console.example',
        username: 'two_orgs',
        displayName: 'Tess Two',
        password: AGENT_PASSWORD,
        memberships: [
          { organisationId: platform.organisationId, role: 'supervisor', agentId: null },
          { organisationId: other, role: 'analyst', agentId: null },
        ],
      },
      context,
    );
    const { page } = await newUser(browser, platform.url);
    await signIn(page, 'two_orgs', AGENT_PASSWORD);
    const switcher = page.getByLabel('Organisation');
    await switcher.selectOption(other);
    await page.getByText('· analyst').waitFor();
    await page.getByText('Second Org').first().waitFor();
    await page.getByLabel('Organisation').selectOption(platform.organisationId);
    await page.getByText('· supervisor').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.goto('/queue');
    await page.waitForURL('**/login');
  });
});
