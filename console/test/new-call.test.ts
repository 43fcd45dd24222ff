/**
 * "New call" from the agent workspace, in real Chromium: the number is checked as it is typed; an
 * agent with a registered softphone dials an E.164 number through it (JsSIP INVITE to the platform's
 * SIP edge, which authenticates it and dials the trunk); sipp stands in for the trunk on 127.0.0.1,
 * plays early media and answers. The in-call panel shows the outbound call connected; hanging up
 * opens the wrap-up.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { killAllSipp, sipp, type SippRun } from '../../gateway/test/support/sipp.ts';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const OUTBOUND_FROM = '+3225550000';
const CALLEE = '+3225550199';
const CUSTOMER_NUMBER = '+3225550144';

describe.skipIf(missing !== null)(`New call${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let trunk: SippRun;
  let queueId: string;
  let ottoId: string;
  const saved = { trunk: process.env.SIP_TRUNK_URI, from: process.env.SIP_OUTBOUND_FROM };

  beforeAll(async () => {
    trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') }, timeoutSeconds: 120 });
    process.env.SIP_TRUNK_URI = `sip:127.0.0.1:${trunk.port}`;
    process.env.SIP_OUTBOUND_FROM = OUTBOUND_FROM;
    platform = await startPlatform({ sip: true });
    queueId = await platform.createQueue({ name: 'Outbound desk', number: '+3225550188', wrapUpSeconds: 120 });
    ottoId = await platform.createAgent({ fullName: 'Otto Outbound', username: 'otto', queueIds: [queueId] });
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await killAllSipp();
    for (const [key, value] of [['SIP_TRUNK_URI', saved.trunk], ['SIP_OUTBOUND_FROM', saved.from]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  test('the dialog checks the number inline; the softphone dials it through the trunk; connected; hang up -> wrap-up', async () => {
    const { page } = await newUser(browser, platform.url);
    page.setDefaultTimeout(20_000);
    await signIn(page, 'otto', AGENT_PASSWORD);
    await page.goto('/calls');
    await page.getByRole('button', { name: /Status: Offline/ }).click();
    await page.getByRole('menuitemradio', { name: /Online/ }).click();
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    await page.getByRole('button', { name: 'New call' }).click();
    const dialog = page.getByRole('dialog', { name: 'New call' });
    await dialog.getByLabel('Number to call').fill('0470 12');
    await dialog.getByText(/Use E\.164/).waitFor();
    expect(await dialog.getByRole('button', { name: 'Call', exact: true }).isDisabled()).toBe(true);
    await dialog.getByLabel('Number to call').fill(CALLEE);
    await dialog.getByText('Dialled from your softphone.').waitFor();
    await screenshot(page, 'new-call-dialog');
    await dialog.getByRole('button', { name: 'Call', exact: true }).click();

    await page.getByRole('heading', { name: 'Outbound call' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    const calls = await platform.gql<{ calls: { nodes: Array<{ status: string; callerNumber: string; timeline: Array<{ type: string }> }> } }>(
      '{ calls(first: 1) { nodes { status callerNumber timeline { type } } } }',
    );
    expect(calls.calls.nodes[0]).toMatchObject({ status: 'IN_PROGRESS', callerNumber: CALLEE });
    expect(calls.calls.nodes[0]?.timeline.map((entry) => entry.type)).toEqual(expect.arrayContaining(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']));

    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    expect(await trunk.exit).toBe(0);
    await page.context().close();
  });

  test('a customer id: the dialog shows the number it will dial (or why none); the softphone dials that number', async () => {
    // The customer called before from CUSTOMER_NUMBER; an unknown id has no number to dial.
    const { core, readSide } = platform.server.platform;
    const context = { organisationId: platform.organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const { callId: earlier } = await core.receiveCall({ organisationId: platform.organisationId, queueId, channel: 'pstn', caller: { number: CUSTOMER_NUMBER, name: 'Carla Customer', customerId: 'crm-4711' } }, context);
    await core.hangUp(earlier, 'caller', null, 'caller hung up', context);
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    // The first test left Otto in wrap-up: end it, so he may call again.
    const open = await platform.gql<{ calls: { nodes: Array<{ id: string }> } }>('{ calls(filter: { status: WRAP_UP }) { nodes { id } } }');
    for (const { id } of open.calls.nodes) await platform.gql('mutation($c:ID!,$a:ID){ completeWrapUp(callId:$c, agentId:$a) { id } }', { c: id, a: ottoId });
    // A second run of the trunk on the port the platform dials.
    const again = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', port: trunk.port, fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') }, timeoutSeconds: 120 });

    const { page } = await newUser(browser, platform.url);
    page.setDefaultTimeout(20_000);
    await signIn(page, 'otto', AGENT_PASSWORD);
    await page.goto('/calls');
    const offline = page.getByRole('button', { name: /Status: Offline/ });
    await page.getByRole('button', { name: /^Status: / }).waitFor();
    if (await offline.isVisible()) {
      await offline.click();
      await page.getByRole('menuitemradio', { name: /Online/ }).click();
    }
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    await page.getByRole('button', { name: 'New call' }).click();
    const dialog = page.getByRole('dialog', { name: 'New call' });
    await dialog.getByRole('radio', { name: 'Customer id' }).check();
    await dialog.getByRole('textbox', { name: 'Customer id' }).fill('crm-0000');
    await dialog.getByText('No number is known for customer crm-0000').waitFor();
    expect(await dialog.getByRole('button', { name: 'Call', exact: true }).isDisabled()).toBe(true);
    await dialog.getByRole('textbox', { name: 'Customer id' }).fill('crm-4711');
    await dialog.getByText(`Calls ${CUSTOMER_NUMBER}, the number this customer last used. Dialled from your softphone.`).waitFor();
    await dialog.getByRole('button', { name: 'Call', exact: true }).click();

    await page.getByRole('heading', { name: 'Outbound call' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    const calls = await platform.gql<{ calls: { nodes: Array<{ status: string; channel: string; callerNumber: string; customerId: string; timeline: Array<{ type: string }> }> } }>(
      '{ calls(first: 1) { nodes { status channel callerNumber customerId timeline { type } } } }',
    );
    // Placed by the gateway for the softphone's INVITE (it rang through the trunk), to the customer's number, the id kept.
    expect(calls.calls.nodes[0]).toMatchObject({ status: 'IN_PROGRESS', channel: 'outbound', callerNumber: CUSTOMER_NUMBER, customerId: 'crm-4711' });
    expect(calls.calls.nodes[0]?.timeline.map((entry) => entry.type)).toEqual(expect.arrayContaining(['OutboundCallRinging', 'OutboundCallAnswered']));
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    expect(await again.exit, again.errors()).toBe(0);
    await page.context().close();
  });
});
