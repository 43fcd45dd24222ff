/**
 * Documents on the history page, in real Chromium: an agent uploads a document in the customer
 * panel during a call; after the call the document is listed in that call's entry on /history and
 * downloads byte for byte. The customer panel's rule holds there too: another agent does not see
 * the call and is refused the file; a supervisor (all calls) sees and downloads it.
 */
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const CALLER = { number: '+32470998877', name: 'Dora Document' };
const FILE = { name: 'signed contract.pdf', content: Buffer.from('%PDF-1.4 signed contract\n') };

describe.skipIf(missing !== null)(`documents on the history page${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let queueId: string;

  beforeAll(async () => {
    platform = await startPlatform();
    queueId = await platform.createQueue({ name: 'Contracts', wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Archive', username: 'ada', queueIds: [queueId] });
    await platform.createAgent({ fullName: 'Bob Other', username: 'bob', queueIds: [queueId] });
    await platform.addUser({ email: 'sue@console.example', username: 'sue', displayName: 'Sue Supervisor', role: 'supervisor', agentId: null });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('uploaded during the call, then listed and downloaded from the call in history; the same permissions as the customer panel', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    agent.setDefaultTimeout(20_000);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    await agent.getByRole('button', { name: /Status: Offline/ }).click();
    await agent.getByRole('menuitemradio', { name: /Online/ }).click();
    await agent.getByRole('button', { name: /Status: Online/ }).waitFor();

    const callId = await platform.incomingCall(queueId, CALLER);
    const offer = agent.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByRole('button', { name: 'Answer' }).click();
    await agent.getByRole('region', { name: 'On a call' }).waitFor();
    const customer = agent.getByRole('region', { name: 'Customer' });
    await customer.getByLabel(/Upload a document/).setInputFiles({ name: FILE.name, mimeType: 'application/pdf', buffer: FILE.content });
    await customer.getByRole('link', { name: FILE.name }).waitFor();
    await agent.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();

    // History: the call's entry lists the document; it downloads as it was sent.
    await agent.getByRole('link', { name: 'Call history' }).click();
    const row = agent.getByRole('row').filter({ hasText: CALLER.number });
    await row.getByText('Completed').waitFor();
    await row.getByRole('button', { name: /Timeline/ }).click();
    const documents = agent.getByRole('list', { name: `Documents of the call from ${CALLER.number}` });
    const link = documents.getByRole('link', { name: FILE.name });
    await link.waitFor();
    expect(await documents.textContent()).toContain(`${FILE.content.length} B`);
    const [download] = await Promise.all([agent.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(FILE.name);
    expect(fs.readFileSync(await download.path())).toEqual(FILE.content);
    const url = (await link.getAttribute('href')) ?? '';
    expect(url).toContain(`/calls/${callId}/documents/`);

    // Another agent: the call is not in their history, and the file is refused to them.
    const { page: bob } = await newUser(browser, platform.url);
    bob.setDefaultTimeout(20_000);
    await signIn(bob, 'bob', AGENT_PASSWORD);
    await bob.goto('/history');
    await bob.getByText('No calls yet.').waitFor();
    expect((await bob.request.get(url)).status()).toBe(403);

    // A supervisor reads every call: the document is listed and downloads.
    const { page: sue } = await newUser(browser, platform.url);
    sue.setDefaultTimeout(20_000);
    await signIn(sue, 'sue', AGENT_PASSWORD);
    await sue.goto('/history');
    const sueRow = sue.getByRole('row').filter({ hasText: CALLER.number });
    await sueRow.getByRole('button', { name: /Timeline/ }).click();
    const sueLink = sue.getByRole('list', { name: `Documents of the call from ${CALLER.number}` }).getByRole('link', { name: FILE.name });
    const [sueDownload] = await Promise.all([sue.waitForEvent('download'), sueLink.click()]);
    expect(fs.readFileSync(await sueDownload.path())).toEqual(FILE.content);
  });
});
