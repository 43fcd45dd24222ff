/**
 * Consultations (attended transfers) in headless Chromium, driven through the core without SIP: Ada
 * consults Bob from the transfer dialog (refused while Bob is Offline: shown, the call stays), Bob
 * answers the offer (his modal reads "Consultation from Ada Lovelace"), Ada sees "Consulting Bob … talking" and completes the transfer (Ada wraps up,
 * Bob has the caller); on a second call Ada cancels and the caller stays with her on hold.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

const setStatus = async (page: Page, status: 'Online' | 'Offline' | 'Break'): Promise<void> => {
  await page.getByRole('button', { name: /Status: / }).click();
  await page.getByRole('menuitemradio', { name: new RegExp(status) }).click();
  await page.getByRole('button', { name: new RegExp(`Status: ${status}`) }).waitFor();
};

describe.skipIf(missing !== null)(`consultations${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let support: string;
  let ada: Page;
  let bob: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    support = await platform.createQueue({ name: 'Support', wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [support] });
    await platform.createAgent({ fullName: 'Bob Marley', username: 'bob', queueIds: [support] });
    browser = await launch();
    ada = (await newUser(browser, platform.url)).page;
    bob = (await newUser(browser, platform.url)).page;
    await signIn(ada, 'ada', AGENT_PASSWORD);
    await signIn(bob, 'bob', AGENT_PASSWORD);
    await bob.getByRole('heading', { name: 'Agent workspace' }).waitFor();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** Only Ada is Online when the call comes in, so it is hers; Bob goes Online once she answered. */
  const adaAnswers = async (number: string, name: string): Promise<{ callId: string; panel: ReturnType<Page['getByRole']> }> => {
    await setStatus(ada, 'Online');
    const callId = await platform.incomingCall(support, { number, name });
    const offer = ada.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByText(name).waitFor();
    await offer.getByRole('button', { name: 'Answer' }).click();
    const panel = ada.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();
    return { callId, panel };
  };

  const consultBob = async (panel: ReturnType<Page['getByRole']>): Promise<void> => {
    await panel.getByRole('button', { name: 'Transfer' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Transfer call' });
    await dialog.getByRole('radio', { name: /Bob Marley/ }).check();
    await dialog.getByRole('button', { name: 'Consult' }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  const callOf = (callId: string) =>
    platform.gql<{ call: { status: string; consultation: { agentName: string; answered: boolean } | null; timeline: Array<{ type: string }> } }>(
      'query($c:ID!){call(id:$c){status consultation{agentName answered} timeline{type}}}',
      { c: callId },
    );

  test('a refused consultation keeps the call; Ada consults Bob, who answers, and completes the transfer', async () => {
    const { callId, panel } = await adaAnswers('+3225550142', 'Linus Torvalds');

    // Bob is Offline: the core refuses, the dialog says so and the call is still Ada's, connected.
    await panel.getByRole('button', { name: 'Transfer' }).click();
    const dialog = ada.getByRole('dialog', { name: 'Transfer call' });
    await dialog.getByRole('radio', { name: /Bob Marley/ }).check();
    await dialog.getByRole('button', { name: 'Consult' }).click();
    await dialog.getByRole('alert').getByText(/Consultation failed/).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    expect((await callOf(callId)).call).toMatchObject({ status: 'IN_PROGRESS', consultation: null });

    await setStatus(bob, 'Online');
    await consultBob(panel);
    const consulting = ada.getByRole('region', { name: 'Consulting Bob Marley' });
    await consulting.getByRole('status').getByText('ringing').waitFor();
    // Not answered yet: nothing to hand over, and the caller cannot be resumed mid-consultation.
    expect(await consulting.getByRole('button', { name: 'Complete transfer' }).isDisabled()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Resume' }).count()).toBe(0);

    // Bob is asked to talk, not to take the call over: the modal says so and names who consults.
    const offer = bob.getByRole('dialog', { name: 'Consultation from Ada Lovelace', exact: true });
    await offer.getByText('Linus Torvalds').waitFor();
    expect(await bob.getByRole('dialog', { name: /Transferred call|Incoming call/ }).count()).toBe(0);
    // The desktop notification (recorded by the test browser) says the same.
    const notifications = await bob.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications);
    expect(notifications).toContainEqual({ title: 'Consultation from Ada Lovelace', body: 'Linus Torvalds — Support' });
    await offer.getByRole('button', { name: 'Answer' }).click();
    await offer.waitFor({ state: 'hidden' });
    await bob.getByRole('region', { name: 'On a call' }).getByText(/Consultation: the caller is on hold/).waitFor();

    await consulting.getByRole('status').getByText('talking').waitFor();
    await screenshot(ada, 'consultation-talking');
    await consulting.getByRole('button', { name: 'Complete transfer' }).click();

    await ada.getByRole('region', { name: 'Wrap-up' }).waitFor();
    const bobPanel = bob.getByRole('region', { name: 'On a call' });
    await bobPanel.getByText('Linus Torvalds').waitFor();
    await expect.poll(async () => bobPanel.getByText(/Consultation:/).count(), { timeout: 10_000 }).toBe(0);
    const after = (await callOf(callId)).call;
    expect(after.status).toBe('IN_PROGRESS');
    expect(after.consultation).toBeNull();
    expect(after.timeline.map((t) => t.type)).toEqual(expect.arrayContaining(['ConsultationStarted', 'ConsultationAnswered', 'CallTransferAccepted']));

    await bobPanel.getByRole('button', { name: 'Hang up' }).click();
    await bob.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await ada.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await ada.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
  });

  test('Ada cancels the consultation: the caller stays with her on hold, Resume brings them back', async () => {
    await setStatus(bob, 'Break');
    const { callId, panel } = await adaAnswers('+3225550199', 'Grace Hopper');
    await setStatus(bob, 'Online');
    await consultBob(panel);

    await bob.getByRole('dialog', { name: 'Consultation from Ada Lovelace', exact: true }).getByRole('button', { name: 'Answer' }).click();
    const consulting = ada.getByRole('region', { name: 'Consulting Bob Marley' });
    await consulting.getByRole('status').getByText('talking').waitFor();
    await consulting.getByRole('button', { name: 'Cancel consultation' }).click();

    await consulting.waitFor({ state: 'hidden' });
    await panel.getByRole('status').getByText('On hold').waitFor();
    const before = (await callOf(callId)).call;
    expect(before.status).toBe('ON_HOLD');
    expect(before.consultation).toBeNull();
    // Bob's part is over: no call and no wrap-up for him.
    await bob.getByRole('heading', { name: 'Ready for the next call' }).waitFor();

    await panel.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    expect((await callOf(callId)).call.status).toBe('IN_PROGRESS');
  });
});
