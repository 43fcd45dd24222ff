/**
 * What an offer does around the modal, in real Chromium against the real platform: an offer nobody
 * answers disappears when the queue's ring timeout passes, the core counts the missed offer and the
 * call rings the next agent; the ring-tone toggle is kept across a reload and an offer rings
 * silently when it is off; the desktop notification (Chromium's own, permission granted) answers
 * the offer on click and closes after 10 s or as soon as the offer is answered.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();

interface CallRecord {
  status: string;
  missedOffers: number;
  timeline: Array<{ type: string; agentId: string | null }>;
}

/** What the spied Notification saw, per notification, in the order they were shown. */
interface SeenNotification {
  title: string;
  body: string | undefined;
  shown: boolean;
  closed: boolean;
}

describe.skipIf(missing !== null)(`offer ring timeout, ring tone and desktop notifications${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 120_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;

  beforeAll(async () => {
    platform = await startPlatform();
    browser = await launch();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const callById = async (id: string): Promise<CallRecord> =>
    (await platform.gql<{ call: CallRecord }>('query($c:ID!){ call(id:$c) { status missedOffers timeline { type agentId } } }', { c: id })).call;

  const agentPage = async (username: string, options: { notifications?: 'real' } = {}): Promise<Page> => {
    const { page } = await newUser(browser, platform.url, options);
    page.setDefaultTimeout(15_000);
    await signIn(page, username, AGENT_PASSWORD);
    await page.goto('/calls');
    return page;
  };

  const goOnline = async (page: Page): Promise<void> => {
    await page.getByRole('button', { name: /Status: Offline/ }).click();
    await page.getByRole('menuitemradio', { name: /Online/ }).click();
    await page.getByRole('button', { name: /Status: Online/ }).waitFor();
  };

  const offerModal = (page: Page) => page.getByRole('dialog', { name: 'Incoming call' });

  /** Answer in the modal, hang up, and finish the wrap-up: the agent is free for the next offer. */
  const answerAndFinish = async (page: Page): Promise<void> => {
    await offerModal(page).getByRole('button', { name: 'Answer' }).click();
    await finish(page);
  };

  const finish = async (page: Page): Promise<void> => {
    await page.getByRole('heading', { name: 'On a call' }).waitFor();
    await page.getByRole('button', { name: 'Hang up' }).click();
    await page.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    await page.getByRole('button', { name: /Done/ }).click();
    await page.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
  };

  test('an unanswered offer leaves the modal at the ring timeout, counts as missed, and rings the next agent', async () => {
    // 10 s: long enough for each browser to show its offer before it rings out on a loaded machine.
    const queueId = await platform.createQueue({ name: 'Quick ring', wrapUpSeconds: 60, ringTimeoutSeconds: 10 });
    const adaId = await platform.createAgent({ fullName: 'Ada Slow', username: 'ada', queueIds: [queueId] });
    const bobId = await platform.createAgent({ fullName: 'Bob Ready', username: 'bob', queueIds: [queueId] });
    // Ada goes Online first, so she has been idle longest and gets the first offer.
    const ada = await agentPage('ada');
    await goOnline(ada);
    const bob = await agentPage('bob');
    await goOnline(bob);

    const callId = await platform.incomingCall(queueId, { number: '+3225550131', name: 'Ring Out' });
    await offerModal(ada).waitFor();
    await expect.poll(() => offerModal(ada).textContent()).toContain('rings out in');
    expect(await offerModal(bob).isVisible()).toBe(false);

    // Nobody answers at Ada's: at the 10 s ring timeout her modal closes and Bob's rings.
    await offerModal(ada).waitFor({ state: 'hidden', timeout: 30_000 });
    await offerModal(bob).waitFor();
    await expect.poll(() => offerModal(bob).textContent()).toContain('+3225550131');
    // Bob answers the call that rang out at Ada's, at once: his offer has its own ring timeout.
    await offerModal(bob).getByRole('button', { name: 'Answer' }).click();
    expect(await offerModal(ada).isVisible()).toBe(false);
    await ada.getByRole('heading', { name: 'Ready for the next call' }).waitFor();

    // The core recorded the missed offer: on the call and on Ada's row of the agent board.
    const call = await callById(callId);
    expect(call.missedOffers).toBeGreaterThanOrEqual(1);
    expect(call.timeline).toContainEqual(expect.objectContaining({ type: 'CallOfferTimedOut', agentId: adaId }));
    expect(call.timeline).toContainEqual(expect.objectContaining({ type: 'CallOffered', agentId: bobId }));
    const board = (await platform.gql<{ agentBoard: Array<{ agentId: string; missedOffersToday: number }> }>('{ agentBoard { agentId missedOffersToday } }')).agentBoard;
    expect(board.find((row) => row.agentId === adaId)?.missedOffersToday).toBe(1);

    await bob.getByRole('heading', { name: 'On a call' }).waitFor();
    await expect.poll(async () => (await callById(callId)).status).toBe('IN_PROGRESS');
    await finish(bob);
    await ada.context().close();
    await bob.context().close();
  });

  test('the ring-tone toggle is kept across a reload; with it off an offer rings silently', async () => {
    const queueId = await platform.createQueue({ name: 'Tone desk', wrapUpSeconds: 60, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Cy Tone', username: 'cy', queueIds: [queueId] });
    const page = await agentPage('cy');
    // Count the tones the page starts (a spy on Web Audio; the ring tone is an oscillator per beep).
    await page.context().addInitScript(() => {
      const start = OscillatorNode.prototype.start;
      Object.assign(window, { __tones: 0 });
      OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: Parameters<OscillatorNode['start']>) {
        Object.assign(window, { __tones: (window as unknown as { __tones: number }).__tones + 1 });
        return start.apply(this, args);
      };
    });
    await page.reload();
    const tones = (): Promise<number> => page.evaluate(() => (window as unknown as { __tones: number }).__tones);
    const toggle = page.getByRole('checkbox', { name: 'Ring tone for offers' });
    expect(await toggle.isChecked()).toBe(true);
    await goOnline(page);

    // Sound on: the modal says so and the tone plays, again and again while it rings.
    await platform.incomingCall(queueId, { number: '+3225550132', name: 'Loud Caller' });
    await offerModal(page).getByText('Ring tone on').waitFor();
    expect(await offerModal(page).locator('[data-ring-tone]').getAttribute('data-ring-tone')).toBe('playing');
    await expect.poll(tones, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // A reload while it rings: the offer is found again from history and rings again.
    await page.reload();
    await offerModal(page).getByText('Ring tone on').waitFor();
    await expect.poll(tones, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await answerAndFinish(page);
    // Answered: the ringing stopped.
    const afterAnswer = await tones();
    await page.waitForTimeout(2000);
    expect(await tones()).toBe(afterAnswer);

    // Off, and still off after a reload (kept in localStorage).
    await toggle.uncheck();
    expect(await page.evaluate(() => localStorage.getItem('cc.console.offerSound'))).toBe('off');
    await page.reload();
    await page.getByRole('button', { name: /Status: Online/ }).waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect(await tones()).toBe(0);

    await platform.incomingCall(queueId, { number: '+3225550133', name: 'Quiet Caller' });
    await offerModal(page).getByText('Ring tone off').waitFor();
    expect(await offerModal(page).locator('[data-ring-tone]').getAttribute('data-ring-tone')).toBe('off');
    // Two tone periods (1.5 s each) pass without a single tone.
    await page.waitForTimeout(3500);
    expect(await tones()).toBe(0);
    await answerAndFinish(page);
    await page.context().close();
  });

  test("Chromium's desktop notification: closes after 10 s or once answered, and a click answers the offer", async () => {
    const queueId = await platform.createQueue({ name: 'Notify desk', wrapUpSeconds: 60, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Dee Notified', username: 'dee', queueIds: [queueId] });
    const page = await agentPage('dee', { notifications: 'real' });
    // A spy around the real Notification: what was shown and closed, and the objects to click.
    await page.context().addInitScript(() => {
      const Real = window.Notification;
      const seen: Array<{ title: string; body: string | undefined; shown: boolean; closed: boolean }> = [];
      const objects: Notification[] = [];
      class Spied extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          const entry = { title, body: options?.body, shown: false, closed: false };
          seen.push(entry);
          objects.push(this);
          this.addEventListener('show', () => (entry.shown = true));
          this.addEventListener('close', () => (entry.closed = true));
        }
      }
      Object.defineProperty(Spied, 'permission', { get: () => Real.permission });
      Object.assign(window, { Notification: Spied, __seen: seen, __objects: objects });
    });
    await page.reload();
    expect(await page.evaluate(() => Notification.permission)).toBe('granted');
    await page.getByText('Desktop notifications:').locator('..').getByText('on', { exact: true }).waitFor();
    await goOnline(page);
    const seen = (): Promise<SeenNotification[]> => page.evaluate(() => (window as unknown as { __seen: SeenNotification[] }).__seen);

    // 1. Answered in the modal: the notification closes with the offer.
    await platform.incomingCall(queueId, { number: '+3225550134', name: 'First Caller' });
    await offerModal(page).waitFor();
    await expect.poll(seen).toEqual([{ title: 'Incoming call', body: 'First Caller — Notify desk', shown: true, closed: false }]);
    await answerAndFinish(page);
    expect((await seen())[0]?.closed).toBe(true);

    // 2. Left ringing: the notification closes after 10 s; the modal keeps ringing.
    await platform.incomingCall(queueId, { number: '+3225550135', name: 'Second Caller' });
    await offerModal(page).waitFor();
    await expect.poll(async () => (await seen()).length).toBe(2);
    expect((await seen())[1]).toMatchObject({ body: 'Second Caller — Notify desk', shown: true, closed: false });
    await expect.poll(async () => (await seen())[1]?.closed, { timeout: 30_000 }).toBe(true);
    expect(await offerModal(page).isVisible()).toBe(true);
    await answerAndFinish(page);

    // 3. A click on the notification answers the offer and closes it.
    const callId = await platform.incomingCall(queueId, { number: '+3225550136', name: 'Third Caller' });
    await offerModal(page).waitFor();
    await expect.poll(async () => (await seen()).length).toBe(3);
    await page.evaluate(() => (window as unknown as { __objects: Notification[] }).__objects[2]?.dispatchEvent(new Event('click')));
    await offerModal(page).waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'On a call' }).waitFor();
    expect((await seen())[2]?.closed).toBe(true);
    expect((await callById(callId)).status).toBe('IN_PROGRESS');
    await finish(page);
    await page.context().close();
  });
});
