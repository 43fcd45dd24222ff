/**
 * "Pick up" on the call queue board, end to end in headless Chromium against the real platform. Ada
 * is on Break, so the router leaves the Sales call waiting; she chooses to take it from the board,
 * her workspace answers the offer by itself and the board shows the call in progress with her name.
 * A supervisor who is not an agent of Sales sees the button unavailable, with the reason.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

describe.skipIf(missing !== null)(`pick up from the call queue board${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 90_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let sales: string;
  let billing: string;
  let adaId: string;
  let ada: Page;
  let vera: Page;

  const callOf = async (callId: string) =>
    (await platform.gql<{ call: { status: string; lastAgentId: string | null } }>('query($c:ID!){call(id:$c){status lastAgentId}}', { c: callId })).call;

  beforeAll(async () => {
    platform = await startPlatform();
    sales = await platform.createQueue({ name: 'Sales', wrapUpSeconds: 60, ringTimeoutSeconds: 60 });
    billing = await platform.createQueue({ name: 'Billing' });
    adaId = await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [sales] });
    const bobId = await platform.createAgent({ fullName: 'Bob Billing', username: 'bob', queueIds: [billing] });
    // Vera supervises and works as Bob, an agent of Billing only.
    await platform.addUser({ email: 'vera@console.example', username: 'vera', displayName: 'Vera Supervisor', role: 'supervisor', agentId: bobId });
    // Ada is on Break: the router offers her nothing.
    await platform.gql('mutation($a:ID!){setAgentStatus(agentId:$a, status:BREAK){id}}', { a: adaId });
    browser = await launch();
    ada = (await newUser(browser, platform.url)).page;
    vera = (await newUser(browser, platform.url)).page;
    await signIn(ada, 'ada', AGENT_PASSWORD);
    await signIn(vera, 'vera', AGENT_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  test('an agent on Break picks up a waiting call: it connects in her workspace and shows in progress with her name', async () => {
    await vera.goto('/queue');
    await ada.goto('/queue');
    const callId = await platform.incomingCall(sales, { number: '+3225550123', name: 'Grace Hopper' });
    expect((await callOf(callId)).status).toBe('WAITING');

    // Vera is not an agent of Sales: the button is there but unavailable, and says why.
    const veraRow = vera.getByRole('row').filter({ hasText: callId.slice(0, 8) });
    await veraRow.getByText('Waiting').waitFor();
    const veraButton = veraRow.getByRole('button', { name: 'Pick up' });
    expect(await veraButton.getAttribute('aria-disabled')).toBe('true');
    expect(await veraButton.getAttribute('title')).toBe('You are not an agent of the Sales queue.');
    const describedBy = (await veraButton.getAttribute('aria-describedby')) ?? '';
    expect(await vera.locator(`[id="${describedBy}"]`).textContent()).toBe('You are not an agent of the Sales queue.');
    await veraButton.focus();
    await vera.keyboard.press('Enter');
    await vera.waitForTimeout(300);
    expect((await callOf(callId)).status).toBe('WAITING');

    const adaRow = ada.getByRole('row').filter({ hasText: callId.slice(0, 8) });
    const pickUp = adaRow.getByRole('button', { name: 'Pick up' });
    expect(await pickUp.getAttribute('aria-disabled')).toBe('false');
    await pickUp.click();

    // The workspace answers the offer she chose: no modal to click, straight onto the call.
    await ada.waitForURL('**/calls');
    const panel = ada.getByRole('region', { name: 'On a call' });
    await panel.getByRole('status').getByText('Connected').waitFor();
    await panel.getByText('+3225550123').waitFor();
    expect(await ada.getByRole('dialog', { name: 'Incoming call' }).count()).toBe(0);
    expect(await callOf(callId)).toEqual({ status: 'IN_PROGRESS', lastAgentId: adaId });

    await veraRow.getByText('In progress').waitFor();
    await veraRow.getByText('Ada Lovelace').waitFor();
    expect(await veraRow.getByRole('button', { name: 'Pick up' }).count()).toBe(0);
    // She took one call by choice; her status is still Break.
    await ada.getByRole('button', { name: /Status: Break/ }).waitFor();

    // On a call, the board's Pick up is unavailable for her, with the reason.
    await ada.goto('/queue');
    const next = await platform.incomingCall(sales, { number: '+3225550124', name: 'Alan Turing' });
    const nextButton = ada.getByRole('row').filter({ hasText: next.slice(0, 8) }).getByRole('button', { name: 'Pick up' });
    await expect.poll(() => nextButton.getAttribute('title')).toBe('You are on a call.');
    expect(await nextButton.getAttribute('aria-disabled')).toBe('true');

    await platform.gql('mutation($c:ID!,$a:ID!){hangupCall(callId:$c, agentId:$a){id}}', { c: callId, a: adaId });
    await platform.gql('mutation($c:ID!,$a:ID!){completeWrapUp(callId:$c, agentId:$a){id}}', { c: callId, a: adaId });
    expect((await callOf(next)).status).toBe('WAITING');
  });

  test("a refused pick-up is shown in an alert on the board, and the agent stays there", async () => {
    // An admin moves Ada out of Sales while her board is open (no reload since the last test): the platform refuses the pick-up.
    expect(ada.url()).toMatch(/\/queue$/);
    await platform.gql('mutation($a:ID!,$q:[ID!]!){setAgentQueues(agentId:$a, queueIds:$q){id}}', { a: adaId, q: [billing] });
    const callId = await platform.incomingCall(sales, { number: '+3225550125', name: 'Edsger Dijkstra' });
    const row = ada.getByRole('row').filter({ hasText: callId.slice(0, 8) });
    await row.getByText('Waiting').waitFor();
    const pickUp = row.getByRole('button', { name: 'Pick up' });
    // Her session still lists Sales (it was read at sign-in), so the button is offered.
    await expect.poll(() => pickUp.getAttribute('aria-disabled')).toBe('false');
    await pickUp.click();
    await ada.getByRole('alert').filter({ hasText: "You are not an agent of this call's queue" }).waitFor();
    expect(ada.url()).toMatch(/\/queue$/);
    await row.getByText('Waiting').waitFor();
    expect((await callOf(callId)).status).toBe('WAITING');
  });
});
