/**
 * A returning website visitor, in real Chromium through the platform's SIP edge: on the call link
 * the visitor gives a name and a phone number (kept in their browser's localStorage), calls, and
 * the gateway maps them from the INVITE (display name, X-CC-Visitor-Contact) to the caller. On the
 * second call the form is filled from memory and the agent's customer panel lists the first call.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const QUEUE_NUMBER = '+3225550166';
const VISITOR = { name: 'Grace Visitor', typed: '+32 470 55 66 77', number: '+32470556677' };

describe.skipIf(missing !== null)(`returning website visitor${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Web desk', number: QUEUE_NUMBER, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Wendy Web', username: 'wendy', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

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

  test('name and number given once: sent with both calls; the second call lists the first in the customer panel', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    agent.setDefaultTimeout(20_000);
    await signIn(agent, 'wendy', AGENT_PASSWORD);
    await agent.goto('/calls');
    await agent.getByRole('button', { name: /Status: Offline/ }).click();
    await agent.getByRole('menuitemradio', { name: /Online/ }).click();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const context = await browser.newContext({ baseURL: platform.url, viewport: { width: 900, height: 820 }, locale: 'en-GB' });
    const visitor = await context.newPage();
    visitor.setDefaultTimeout(20_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    const contactField = visitor.getByLabel('Phone number or email (optional)');
    // What it is for is said before anything is typed; a bad value is named and would not be sent.
    await visitor.getByText(/Used only so our team recognises you/).waitFor();
    await contactField.fill('0470 55');
    await visitor.getByText(/will not be sent/).waitFor();
    await visitor.getByLabel('Your name (optional)').fill(VISITOR.name);
    await contactField.fill(VISITOR.typed);
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();

    await answer(agent);
    const customer = agent.getByRole('region', { name: 'Customer' });
    await customer.getByText(`First call from ${VISITOR.number}.`).waitFor();
    const first = (await platform.gql<{ calls: { nodes: Array<{ id: string; channel: string; callerNumber: string; callerName: string }> } }>('{ calls(first: 1) { nodes { id channel callerNumber callerName } } }')).calls.nodes[0];
    expect(first).toMatchObject({ channel: 'webrtc', callerNumber: VISITOR.number, callerName: VISITOR.name });
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();
    await finishCall(agent, 'Asked about opening hours');
    await visitor.getByRole('status').filter({ hasText: 'Call ended' }).waitFor();

    // Back another day: the browser remembers the name and number.
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    expect(await visitor.getByLabel('Your name (optional)').inputValue()).toBe(VISITOR.name);
    expect(await contactField.inputValue()).toBe(VISITOR.typed);
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();

    await answer(agent);
    await agent.getByRole('dialog', { name: 'Incoming call' }).waitFor({ state: 'hidden' });
    const previous = agent.getByRole('list', { name: `Previous calls of ${VISITOR.number}` });
    await expect.poll(() => previous.getByRole('listitem').count()).toBe(1);
    expect(await previous.textContent()).toContain('Asked about opening hours');
    await agent.getByText(VISITOR.name, { exact: true }).first().waitFor();
    await finishCall(agent, 'Second call');

    // "Forget my details" clears the browser's memory.
    await visitor.getByRole('status').filter({ hasText: 'Call ended' }).waitFor();
    await visitor.getByRole('button', { name: 'Forget my details' }).click();
    await visitor.reload();
    expect(await contactField.inputValue()).toBe('');
    expect(await visitor.evaluate(() => localStorage.getItem('cc-contact-visitor'))).toBeNull();
    await context.close();
    await agent.context().close();
  });
});
