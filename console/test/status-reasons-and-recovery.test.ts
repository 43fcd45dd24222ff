/**
 * Three gaps of the agent workspace, end to end in headless Chromium against the real platform with
 * its SIP edge: a reason with Break / Meeting / Education (built-in, custom and remembered, too long
 * refused at the field and by the API) shown in the workspace, live on the supervisor board and in
 * the admin list; wrap-up "More time" holding a short wrap-up open past its countdown until Done; and
 * the banner for a dropped SIP WebSocket (the edge's server side closes it and refuses reconnects for
 * a while), which clears itself once JsSIP has reconnected and registered again.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, OWNER_EMAIL, OWNER_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
/** Live updates arrive when they arrive on a busy machine; polls wait patiently rather than time anything. */
const PATIENT = { timeout: 20_000 };
// Long enough that the agent's More time lands within it on a loaded machine (hang-up to click takes ~1 s unloaded).
const WRAP_UP_SECONDS = 10;

/**
 * A real outage of the SIP edge's WebSocket side: the HTTP server's /sip upgrades are watched, `drop`
 * destroys the open connections and refuses new ones until `restore`. Calls to the API go on.
 */
const sipOutage = (http: Server) => {
  const open = new Set<Duplex>();
  let down = false;
  const onUpgrade = (request: IncomingMessage, socket: Duplex): void => {
    if (new URL(request.url ?? '/', 'http://127.0.0.1').pathname !== '/sip') return;
    // Destroyed before the edge's own upgrade handler runs, which then leaves the dead socket alone.
    if (down) return void socket.destroy();
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  http.prependListener('upgrade', onUpgrade);
  return {
    get connections(): number {
      return open.size;
    },
    drop(): void {
      down = true;
      for (const socket of open) socket.destroy();
    },
    restore(): void {
      down = false;
    },
    remove(): void {
      http.off('upgrade', onUpgrade);
    },
  };
};

describe.skipIf(missing !== null)(`status reasons, wrap-up More time, phone connection banner${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let agent: Page;
  let supervisor: Page;
  let queueId: string;
  let adaId: string;
  let outage: ReturnType<typeof sipOutage>;

  beforeAll(async () => {
    platform = await startPlatform({ sip: true });
    outage = sipOutage(platform.server.app.server);
    queueId = await platform.createQueue({ name: 'Support', number: '+3225550170', wrapUpSeconds: WRAP_UP_SECONDS, ringTimeoutSeconds: 60 });
    adaId = await platform.createAgent({ fullName: 'Ada Lovelace', username: 'ada', queueIds: [queueId] });
    await platform.addUser({ email: 'sam@console.example', username: 'sam', displayName: 'Sam Supervisor', role: 'supervisor', agentId: null });
    browser = await launch();
    ({ page: agent } = await newUser(browser, platform.url));
    ({ page: supervisor } = await newUser(browser, platform.url));
    agent.setDefaultTimeout(15_000);
    supervisor.setDefaultTimeout(15_000);
    await signIn(agent, 'ada', AGENT_PASSWORD);
    await signIn(supervisor, 'sam', AGENT_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    outage?.remove();
    await browser?.close();
    await platform?.stop();
  });

  const adaRow = () => supervisor.getByRole('region', { name: 'Agents' }).getByRole('row').filter({ has: supervisor.getByRole('rowheader', { name: 'Ada Lovelace' }) });
  const apiReason = async (): Promise<{ status: string; statusReason: string | null }> =>
    (await platform.gql<{ agent: { status: string; statusReason: string | null } }>('query($a:ID!){agent(id:$a){status statusReason}}', { a: adaId })).agent;

  test('Break with a built-in reason, a custom one (too long first) shows in the workspace, live on the board and in the admin list', async () => {
    await supervisor.goto('/supervisor');
    await adaRow().getByText('Offline').waitFor();
    await agent.goto('/calls');
    await agent.getByRole('button', { name: /Status: Offline/ }).waitFor();

    // The status menu works from the keyboard as before: Ctrl+S, arrow down from Offline to Break, Enter.
    await agent.keyboard.press('Control+s');
    await agent.getByRole('menu', { name: 'Set status' }).waitFor();
    await agent.keyboard.press('ArrowDown');
    await agent.keyboard.press('Enter');
    await agent.getByRole('button', { name: /^Status: Break\./ }).waitFor();
    await adaRow().getByText('Break').waitFor();

    // A built-in reason.
    await agent.getByRole('button', { name: 'Add a reason for Break' }).click();
    const dialog = agent.getByRole('dialog', { name: 'Reason for Break' });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'Lunch' }).check();
    await dialog.getByRole('button', { name: 'Save reason' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await agent.getByRole('button', { name: /^Status: Break \(Lunch\)/ }).waitFor();
    await agent.getByRole('button', { name: 'Reason: Lunch. Change the reason' }).waitFor();
    await expect.poll(apiReason, PATIENT).toEqual({ status: 'BREAK', statusReason: 'Lunch' });
    // On the supervisor's board, live (the page was open before the change).
    await adaRow().getByText('Lunch').waitFor();

    // A custom reason: too long is refused at the field and nothing changes.
    await agent.getByRole('button', { name: 'Reason: Lunch. Change the reason' }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: 'Lunch' }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: 'Custom reason…' }).check();
    const field = dialog.getByLabel('Custom reason', { exact: true });
    await field.fill('x'.repeat(61));
    await dialog.getByRole('button', { name: 'Save reason' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'A reason has at most 60 characters (this one has 61).' }).waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect((await apiReason()).statusReason).toBe('Lunch');

    // Trimmed, it is saved; the board follows.
    await field.fill('  Dentist appointment  ');
    expect(await dialog.getByRole('alert').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Save reason' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await agent.getByRole('button', { name: /^Status: Break \(Dentist appointment\)/ }).waitFor();
    await expect.poll(apiReason, PATIENT).toEqual({ status: 'BREAK', statusReason: 'Dentist appointment' });
    await adaRow().getByText('Dentist appointment').waitFor();

    // The custom reason is remembered in this browser, offered next time (and survives a reload).
    await agent.reload();
    await agent.getByRole('button', { name: 'Reason: Dentist appointment. Change the reason' }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('radio', { name: 'Dentist appointment' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The admin agents list shows it next to the status.
    const { page: owner } = await newUser(browser, platform.url);
    await signIn(owner, OWNER_EMAIL, OWNER_PASSWORD);
    await owner.goto('/admin/agents');
    await owner.getByRole('row').filter({ hasText: 'Ada Lovelace' }).getByText('Dentist appointment').waitFor();
    await owner.context().close();

    // The API refuses a long reason too, whoever sends it.
    await expect(platform.gql('mutation($a:ID!,$r:String){setAgentStatus(agentId:$a,status:BREAK,reason:$r){status}}', { a: adaId, r: 'y'.repeat(61) })).rejects.toThrow(/at most 60 characters/);

    // Another status clears the reason.
    await agent.getByRole('button', { name: /^Status: Break/ }).click();
    await agent.getByRole('menuitemradio', { name: /Meeting/ }).click();
    await agent.getByRole('button', { name: 'Add a reason for Meeting' }).waitFor();
    await expect.poll(apiReason, PATIENT).toEqual({ status: 'MEETING', statusReason: null });
    await adaRow().getByText('Meeting').waitFor();
    expect(await adaRow().getByText('Dentist appointment').count()).toBe(0);
  });

  test('wrap-up More time keeps a 10 s wrap-up open past its countdown until Done', async () => {
    await agent.getByRole('button', { name: /^Status: / }).click();
    await agent.getByRole('menuitemradio', { name: /Online/ }).click();
    await agent.getByRole('button', { name: /^Status: Online/ }).waitFor();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    // A call put in through the core: it has no SIP leg, so the console answers it over GraphQL.
    const callId = await platform.incomingCall(queueId, { number: '+3225550171', name: 'Carla Caller' });
    const offer = agent.getByRole('dialog', { name: 'Incoming call' });
    await offer.getByRole('button', { name: 'Answer' }).click();
    const onCall = agent.getByRole('region', { name: 'On a call' });
    await onCall.getByRole('status').getByText('Connected').waitFor();
    await onCall.getByRole('button', { name: 'Hang up' }).click();

    const wrapUp = agent.getByRole('region', { name: 'Wrap-up' });
    await wrapUp.getByLabel(/Wrap-up time left 0:(0\d|10)/).waitFor();
    await wrapUp.getByRole('button', { name: 'More time' }).click();
    await wrapUp.getByText('Wrap-up held open for up to 10 min').waitFor();
    expect(await wrapUp.getByLabel(/Wrap-up time left/).count()).toBe(0);

    // Past the original countdown the wrap-up is still open, in the panel and on the platform.
    await agent.waitForTimeout((WRAP_UP_SECONDS + 2) * 1000);
    await wrapUp.getByText('Wrap-up held open for up to 10 min').waitFor();
    const read = async () =>
      (await platform.gql<{ call: { status: string; wrapUps: Array<{ endedBy: string }>; timeline: Array<{ type: string; description: string }> } }>('query($c:ID!){call(id:$c){status wrapUps{endedBy} timeline{type description}}}', { c: callId })).call;
    const held = await read();
    expect(held.status).toBe('WRAP_UP');
    expect(held.timeline.find((entry) => entry.type === 'WrapUpExtended')?.description).toMatch(/by 600 s/);

    await wrapUp.getByLabel('Notes').fill('Needed the extra time');
    await wrapUp.getByRole('button', { name: 'Done' }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    const done = await read();
    expect(done.status).toBe('COMPLETED');
    // Completed by the agent, not by the wrap-up timer.
    expect(done.wrapUps.map((w) => w.endedBy)).toEqual(['agent']);
  });

  test('a dropped SIP WebSocket shows the phone banner while Online and it clears once registered again', async () => {
    await agent.getByRole('button', { name: /^Status: Online/ }).waitFor();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();
    expect(outage.connections).toBeGreaterThan(0);
    const banner = agent.getByRole('alert').filter({ hasText: 'Phone connection lost — calls cannot ring here. Reconnecting…' });
    expect(await banner.count()).toBe(0);

    outage.drop();
    await banner.waitFor({ timeout: 15_000 });
    await agent.getByRole('status').filter({ hasText: 'Phone connecting…' }).waitFor();
    // Only the phone is down: the API's live updates go on, and the banner says which side it is.
    expect(await agent.getByRole('alert').filter({ hasText: 'live updates are paused' }).count()).toBe(0);

    outage.restore();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor({ timeout: 30_000 });
    await banner.waitFor({ state: 'hidden', timeout: 20_000 });
    expect(outage.connections).toBeGreaterThan(0);
  });
});
