/**
 * Consulting an external number (attended transfer to E.164) in headless Chromium.
 * - Through the core without SIP: Ada answers a call, opens Transfer, the external number field
 *   checks the number inline, she consults +3225550100; the bar reads "Consulting +3225550100 …
 *   ringing". The test answers the consultation through the core as the gateway does once the
 *   trunk answers (AnswerConsultation, agentId null): "talking"; Complete transfer puts Ada in
 *   wrap-up and the call's history says it was transferred to the number (outcome
 *   TRANSFERRED_EXTERNALLY once the gateway ends the bridged legs, also driven here).
 * - Through the real SIP edge: a visitor calls from the contact page, Ada answers in her
 *   softphone, consults the number and the trunk (sipp on 127.0.0.1) refuses it (486): the panel
 *   says so and the caller is on hold with Ada, who resumes.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { streams } from '@cc/core';
import { killAllSipp, sipp, type SippRun } from '../../gateway/test/support/sipp.ts';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const NUMBER = '+3225550100';

interface CallRecord {
  status: string;
  consultation: { number: string | null; answered: boolean } | null;
  timeline: Array<{ type: string; description: string }>;
}

const callOf = async (platform: TestPlatform, callId: string): Promise<CallRecord> =>
  (await platform.gql<{ call: CallRecord }>('query($c:ID!){call(id:$c){status consultation{number answered} timeline{type description}}}', { c: callId })).call;

const goOnline = async (page: Page): Promise<void> => {
  await page.getByRole('button', { name: /Status: / }).click();
  await page.getByRole('menuitemradio', { name: /Online/ }).click();
  await page.getByRole('button', { name: /Status: Online/ }).waitFor();
};

/** Transfer → External number: a wrong number is explained inline and cannot be consulted; then Consult the right one. */
const consultNumber = async (page: Page, panel: Locator): Promise<void> => {
  await panel.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer call' });
  await dialog.getByRole('radio', { name: 'External number' }).check();
  const field = dialog.getByRole('textbox', { name: 'External number' });
  await field.fill('02 555 01 00');
  await dialog.getByText(/Use E\.164/).waitFor();
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  expect(await dialog.getByRole('button', { name: 'Consult' }).isDisabled()).toBe(true);
  await field.fill(NUMBER);
  await expect.poll(() => dialog.getByText(/Use E\.164/).count()).toBe(0);
  await dialog.getByRole('button', { name: 'Consult' }).click();
  await dialog.waitFor({ state: 'hidden' });
};

describe.skipIf(missing !== null)(`consulting an external number, driven through the core${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let support: string;
  let ada: Page;

  beforeAll(async () => {
    platform = await startPlatform();
    support = await platform.createQueue({ name: 'Support', wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [support] });
    browser = await launch();
    ada = (await newUser(browser, platform.url)).page;
    await signIn(ada, 'ada', AGENT_PASSWORD);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('Ada consults +3225550100; it answers; she completes the transfer and the call is transferred externally', async () => {
    await goOnline(ada);
    const callId = await platform.incomingCall(support, { number: '+3225550142', name: 'Linus Torvalds' });
    const offer = ada.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByRole('button', { name: 'Answer' }).click();
    const panel = ada.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();

    await consultNumber(ada, panel);
    const consulting = ada.getByRole('region', { name: `Consulting ${NUMBER}` });
    await consulting.getByRole('status').getByText('ringing').waitFor();
    expect(await consulting.getByRole('button', { name: 'Complete transfer' }).isDisabled()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect((await callOf(platform, callId)).consultation).toEqual({ number: NUMBER, answered: false });

    // The trunk answered: what the gateway tells the core (external-consultation.ts), as no SIP edge runs here.
    const { core } = platform.server.platform;
    const gateway = { organisationId: platform.organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const consultId = (await core.states.calls.load(streams.call(callId))).state.transfer?.transferId ?? '';
    await core.execute('call', callId, { type: 'AnswerConsultation', data: { consultId, agentId: null, at: core.now() } }, gateway);

    await consulting.getByRole('status').getByText('talking').waitFor();
    await consulting.getByRole('button', { name: 'Complete transfer' }).click();
    await ada.getByRole('region', { name: 'Wrap-up' }).waitFor();
    const after = await callOf(platform, callId);
    expect(after.consultation).toBeNull();
    expect(after.timeline.map((entry) => entry.description)).toContain(`Transferred by Ada Lovelace to ${NUMBER} after a consultation`);

    // The number and the caller hang up: the gateway ends the call, whose outcome is the external transfer.
    await core.hangUp(callId, 'system', null, 'transfer destination hung up', gateway);
    await ada.getByRole('region', { name: 'Wrap-up' }).getByRole('button', { name: 'Done' }).click();
    await ada.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    await expect.poll(async () => (await callOf(platform, callId)).status, { timeout: 20_000 }).toBe('TRANSFERRED_EXTERNALLY');
    await ada.getByRole('link', { name: 'Call history' }).click();
    await ada.getByRole('row').filter({ hasText: '+3225550142' }).getByText('Transferred out').waitFor();
  });
});

describe.skipIf(missing !== null)(`consulting an external number through the SIP edge and a trunk${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  const QUEUE_NUMBER = '+3225550400';
  let platform: TestPlatform;
  let browser: Browser;
  let trunk: SippRun;
  const saved = process.env.SIP_TRUNK_URI;

  beforeAll(async () => {
    trunk = await sipp({ scenario: 'trunk-busy.xml', transport: 'udp', timeoutSeconds: 120 });
    process.env.SIP_TRUNK_URI = `sip:127.0.0.1:${trunk.port}`;
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Web support', number: QUEUE_NUMBER, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await killAllSipp();
    if (saved === undefined) delete process.env.SIP_TRUNK_URI;
    else process.env.SIP_TRUNK_URI = saved;
  });

  test('the trunk refuses the number (486): the panel says so, the caller is on hold with Ada and she resumes', async () => {
    const { page: agent } = await newUser(browser, platform.url);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await agent.goto('/calls');
    await goOnline(agent);
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const visitorContext = await browser.newContext({ baseURL: platform.url, locale: 'en-GB' });
    const visitor = await visitorContext.newPage();
    visitor.setDefaultTimeout(20_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();

    await agent.getByRole('dialog', { name: 'Incoming call' }).getByRole('button', { name: 'Answer' }).click();
    const panel = agent.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();

    await consultNumber(agent, panel);
    const notice = panel.getByRole('alert').filter({ hasText: `Consultation with ${NUMBER} failed` });
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Resume');
    await panel.getByRole('status').getByText('On hold').waitFor();
    expect(await agent.getByRole('region', { name: /^Consulting/ }).count()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);

    await panel.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('status').getByText('Connected').waitFor();
    expect(await notice.count()).toBe(0);
    await panel.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('region', { name: 'Wrap-up' }).waitFor();
    await visitorContext.close();
  });
});
