/**
 * Headless Chromium from Debian (`apt-get install chromium`), driven by playwright-core: no browser
 * download. Each user gets their own context (own cookies); playwright gives the browser a fresh
 * temporary profile directory on every launch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumMissing = (): string | null => (fs.existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);

/** `grantMedia: false` leaves out the fake permission UI, so camera and microphone requests are refused. */
export const launch = (options: { grantMedia?: boolean } = {}): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--use-fake-device-for-media-stream',
      ...(options.grantMedia === false ? [] : ['--use-fake-ui-for-media-stream']),
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });

/**
 * A signed-out user's browser window. Desktop notifications are recorded in `window.__notifications`
 * (a stand-in with permission granted), so tests can see what the agent would have been shown;
 * `notifications: 'real'` grants the permission instead and leaves Chromium's own Notification.
 */
export const newUser = async (browser: Browser, baseURL: string, options: { notifications?: 'recorded' | 'real' } = {}): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({ baseURL, viewport: { width: 1360, height: 820 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
  const real = options.notifications === 'real';
  await context.grantPermissions(['clipboard-read', 'clipboard-write', ...(real ? ['notifications'] : [])], { origin: baseURL });
  if (!real) await context.addInitScript(() => {
    const shown: Array<{ title: string; body: string | undefined }> = [];
    class RecordedNotification {
      static permission = 'granted';
      static requestPermission = async (): Promise<string> => 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, options?: { body?: string }) {
        shown.push({ title, body: options?.body });
      }
      close(): void {}
    }
    Object.assign(window, { Notification: RecordedNotification, __notifications: shown });
  });
  const page = await context.newPage();
  // Generous: a shared CI machine under load can take seconds to render a live update.
  page.setDefaultTimeout(20_000);
  return { context, page };
};

export const signIn = async (page: Page, identifier: string, password: string): Promise<void> => {
  await page.goto('/login');
  await page.getByLabel('Email or username').fill(identifier);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
};

const SCREENSHOTS = new URL('../../../docs/screenshots/', import.meta.url);

/** Saves a screenshot of the page for the docs (docs/screenshots/<name>.png). */
export const screenshot = async (page: Page, name: string): Promise<void> => {
  const dir = SCREENSHOTS.pathname;
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), animations: 'disabled', caret: 'hide' });
};
