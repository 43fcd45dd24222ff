/**
 * Click-to-dial in real Chromium: another application (a CRM) asks the platform to place a call for
 * a signed-in agent (GraphQL placeCall with the agent's own session). The SIP edge rings the agent's
 * registered softphone first (late offer, Call-Info answer-after=0), the console answers it by
 * itself because the agent asked for the call, and the edge then dials the callee through the
 * trunk (sipp on 127.0.0.1), which plays early media and answers. The in-call panel shows the
 * outbound call connected.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { killAllSipp, sipp, type SippRun } from '../../gateway/test/support/sipp.ts';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const OUTBOUND_FROM = '+3225550300';
const CALLEE = '+3225550377';

describe.skipIf(missing !== null)(`click-to-dial${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let trunk: SippRun;
  const saved = { trunk: process.env.SIP_TRUNK_URI, from: process.env.SIP_OUTBOUND_FROM };

  beforeAll(async () => {
    trunk = await sipp({ scenario: 'trunk-early-media-answers.xml', transport: 'udp', fill: { EXPECTED_FROM: OUTBOUND_FROM.replace('+', '\\+') }, timeoutSeconds: 120 });
    process.env.SIP_TRUNK_URI = `sip:127.0.0.1:${trunk.port}`;
    process.env.SIP_OUTBOUND_FROM = OUTBOUND_FROM;
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Callbacks', number: '+3225550301', wrapUpSeconds: 120 });
    await platform.createAgent({ fullName: 'Clara Clicks', username: 'clara', queueIds: [queueId] });
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

  test('a CRM places a call for the agent: her softphone answers its own leg, the trunk answers, the call is connected', async () => {
    const { page } = await newUser(browser, platform.url);
    page.setDefaultTimeout(20_000);
    await signIn(page, 'clara', AGENT_PASSWORD);
    await page.goto('/calls');
    await page.getByRole('button', { name: /Status: Offline/ }).click();
    await page.getByRole('menuitemradio', { name: /Online/ }).click();
    await page.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    // The CRM acts with the agent's own session, outside the browser.
    const { login } = await platform.gql<{ login: { token: string } }>('mutation($e:String!,$p:String!){ login(email:$e, password:$p) { token } }', { e: 'clara', p: AGENT_PASSWORD });
    const placed = await platform.gql<{ placeCall: { id: string; status: string } }>('mutation($n:String){ placeCall(number:$n) { id status } }', { n: CALLEE }, login.token);
    // Dialling, or ringing already when the edge was quicker than the answer.
    expect(['DIALLING', 'RINGING']).toContain(placed.placeCall.status);

    await page.getByRole('heading', { name: 'Outbound call' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
    const call = await platform.gql<{ call: { status: string; callerNumber: string; timeline: Array<{ type: string }> } }>('query($c:ID!){ call(id:$c) { status callerNumber timeline { type } } }', { c: placed.placeCall.id });
    expect(call.call).toMatchObject({ status: 'IN_PROGRESS', callerNumber: CALLEE });
    expect(call.call.timeline.map((entry) => entry.type)).toEqual(expect.arrayContaining(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']));
    // No offer modal was shown: the agent asked for this call.
    expect(await page.getByRole('dialog', { name: /Incoming call/i }).count()).toBe(0);

    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await page.context().close();
  });
});
