/**
 * The softphone's devices and in-call media controls in real Chromium (fake camera, microphones and
 * speakers; the fake media UI also answers getDisplayMedia with a fake screen) through the
 * platform's SIP edge: the Devices card lists the browser's devices, a choice survives a reload and
 * is the microphone a call then uses, and the test tone plays on the chosen speaker. On a video
 * queue call from the contact page: camera off and on (Ctrl+V), screen share in place of the camera
 * and back, mute (Ctrl+M), each checked on the track the peer connection sends, while the call goes on.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumMissing, launch, newUser, screenshot, signIn } from './support/browser.ts';
import { AGENT_PASSWORD, startPlatform, type TestPlatform } from './support/platform.ts';

const missing = chromiumMissing();
const QUEUE_NUMBER = '+3225550188';
const DEVICES_KEY = 'cc.softphone.devices';

/** What the agent's peer connection sends, per kind. */
interface SentTrack {
  kind: string;
  label: string;
  enabled: boolean;
  deviceId: string | undefined;
}

describe.skipIf(missing !== null)(`device settings and in-call camera, screen share and mute${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 150_000 }, () => {
  let platform: TestPlatform;
  let browser: Browser;
  let agent: Page;

  beforeAll(async () => {
    platform = await startPlatform({ sip: true });
    const queueId = await platform.createQueue({ name: 'Video desk', number: QUEUE_NUMBER, video: true, wrapUpSeconds: 120, ringTimeoutSeconds: 60 });
    await platform.createAgent({ fullName: 'Vic Devices', username: 'vic', queueIds: [queueId] });
    browser = await launch();
    agent = (await newUser(browser, platform.url)).page;
    agent.setDefaultTimeout(20_000);
    // A spy on the peer connections the page makes, to read the tracks it sends.
    await agent.context().addInitScript(() => {
      const Real = window.RTCPeerConnection;
      const made: RTCPeerConnection[] = [];
      class Spied extends Real {
        constructor(configuration?: RTCConfiguration) {
          super(configuration);
          made.push(this);
        }
      }
      Object.assign(window, { RTCPeerConnection: Spied, __peers: made });
    });
    await signIn(agent, 'vic', AGENT_PASSWORD);
    await agent.goto('/calls');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  const devicesCard = () => agent.getByRole('region', { name: 'Devices' });
  const selected = (label: string): Promise<string> => devicesCard().getByLabel(label).evaluate((select) => (select as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');

  /** The tracks the newest peer connection sends. */
  const sent = (): Promise<SentTrack[]> =>
    agent.evaluate(() => {
      const peers = (window as unknown as { __peers: RTCPeerConnection[] }).__peers;
      const peer = peers[peers.length - 1];
      return (peer?.getSenders() ?? []).flatMap((sender) =>
        sender.track === null ? [] : [{ kind: sender.track.kind, label: sender.track.label, enabled: sender.track.enabled, deviceId: sender.track.getSettings().deviceId }],
      );
    });
  const sentOf = async (kind: string): Promise<SentTrack | undefined> => (await sent()).find((track) => track.kind === kind);

  const bytesReceived = async (page: Page): Promise<number> => Number((await page.getByLabel(/^Received [\d.]+ kB$/).getAttribute('data-bytes-received')) ?? '0');
  /** Media keeps arriving on the page: its received byte count grows. */
  const mediaFlows = async (page: Page): Promise<void> => {
    const first = await bytesReceived(page);
    await expect.poll(() => bytesReceived(page), { timeout: 20_000 }).toBeGreaterThan(first);
  };

  test('the Devices card lists the fake devices; a choice survives a reload; the test tone plays on the chosen speaker', async () => {
    const card = devicesCard();
    await card.waitFor();
    const options = async (label: string): Promise<string[]> => card.getByLabel(label).locator('option').allTextContents();
    await expect.poll(() => options('Microphone')).toEqual(expect.arrayContaining(['System default', 'Fake Audio Input 1', 'Fake Audio Input 2']));
    expect(await options('Camera')).toEqual(expect.arrayContaining(['System default', 'fake_device_0']));
    expect(await options('Speaker')).toEqual(expect.arrayContaining(['System default', 'Fake Audio Output 1', 'Fake Audio Output 2']));

    await card.getByLabel('Microphone').selectOption({ label: 'Fake Audio Input 2' });
    await card.getByLabel('Speaker').selectOption({ label: 'Fake Audio Output 1' });
    await card.getByLabel('Camera').selectOption({ label: 'fake_device_0' });
    const stored = await agent.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, string>, DEVICES_KEY);
    expect(Object.values(stored).every((id) => id !== '')).toBe(true);

    await agent.reload();
    await devicesCard().waitFor();
    await expect.poll(() => selected('Microphone')).toBe('Fake Audio Input 2');
    expect(await selected('Speaker')).toBe('Fake Audio Output 1');
    expect(await selected('Camera')).toBe('fake_device_0');

    // The test tone: the button shows it playing, the status line says where, then that it played.
    const tone = card.getByRole('button', { name: /test tone|Playing/ });
    await tone.click();
    await card.getByText('Playing a 440 Hz tone on Fake Audio Output 1…').waitFor();
    expect(await tone.isDisabled()).toBe(true);
    await screenshot(agent, 'device-settings');
    await card.getByText('Test tone played on Fake Audio Output 1.').waitFor();
    expect(await tone.isEnabled()).toBe(true);
    expect(await tone.textContent()).toBe('Play test tone');
  });

  test('on a video call: Ctrl+V camera off and on, screen share and back, Ctrl+M mute, and the call goes on', async () => {
    await agent.getByRole('button', { name: /Status: Offline/ }).click();
    await agent.getByRole('menuitemradio', { name: /Online/ }).click();
    await agent.getByRole('status').filter({ hasText: 'Phone ready' }).waitFor();

    const context = await browser.newContext({ baseURL: platform.url, viewport: { width: 900, height: 820 }, locale: 'en-GB' });
    const visitor = await context.newPage();
    visitor.setDefaultTimeout(20_000);
    await visitor.goto(`/contact/${encodeURIComponent(QUEUE_NUMBER)}`);
    await visitor.getByLabel('Video call (camera on)').check();
    await visitor.getByRole('button', { name: 'Call', exact: true }).click();
    const modal = agent.getByRole('dialog', { name: 'Incoming call' });
    await modal.getByRole('button', { name: 'Answer' }).click();
    await agent.getByRole('heading', { name: 'On a call' }).waitFor();
    await visitor.getByRole('status').filter({ hasText: /Connected/ }).waitFor();
    await expect.poll(async () => (await sentOf('video'))?.enabled).toBe(true);
    await mediaFlows(visitor);

    // The call uses the microphone chosen in the Devices card.
    const chosenMicrophone = await agent.evaluate((key) => (JSON.parse(localStorage.getItem(key) ?? '{}') as { microphoneId?: string }).microphoneId, DEVICES_KEY);
    expect((await sentOf('audio'))?.deviceId).toBe(chosenMicrophone);
    const camera = (await sentOf('video'))?.label ?? '';
    expect(camera).not.toBe('');

    // Camera off with Ctrl+V: the sent video track is disabled and the button says so; back on.
    await agent.keyboard.press('Control+v');
    const cameraOn = agent.getByRole('button', { name: 'Camera on' });
    await cameraOn.waitFor();
    expect(await cameraOn.getAttribute('aria-pressed')).toBe('true');
    expect((await sentOf('video'))?.enabled).toBe(false);
    expect(await agent.getByLabel('Your camera').evaluate((video) => ((video as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]?.enabled)).toBe(false);
    await agent.keyboard.press('Control+v');
    await agent.getByRole('button', { name: 'Camera off' }).waitFor();
    expect(await agent.getByRole('button', { name: 'Camera off' }).getAttribute('aria-pressed')).toBe('false');
    expect((await sentOf('video'))?.enabled).toBe(true);

    // Screen share: the screen replaces the camera on the sender and in the small preview; then back.
    await agent.getByRole('button', { name: 'Share screen' }).click();
    const stop = agent.getByRole('button', { name: 'Stop sharing' });
    await stop.waitFor();
    expect(await stop.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(async () => (await sentOf('video'))?.label).toMatch(/^screen:/);
    expect(await agent.getByLabel('Your shared screen').evaluate((video) => ((video as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]?.label)).toMatch(/^screen:/);
    await mediaFlows(visitor);
    await stop.click();
    await agent.getByRole('button', { name: 'Share screen' }).waitFor();
    await expect.poll(async () => (await sentOf('video'))?.label).toBe(camera);
    await agent.getByLabel('Your camera').waitFor();

    // Mute with Ctrl+M: the sent audio track is disabled; Ctrl+M again unmutes.
    await agent.keyboard.press('Control+m');
    const unmute = agent.getByRole('button', { name: 'Unmute' });
    await unmute.waitFor();
    expect(await unmute.getAttribute('aria-pressed')).toBe('true');
    expect((await sentOf('audio'))?.enabled).toBe(false);
    await agent.keyboard.press('Control+m');
    await agent.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    expect((await sentOf('audio'))?.enabled).toBe(true);

    // The call went on through all of it.
    await mediaFlows(agent);
    await mediaFlows(visitor);
    const [call] = (await platform.gql<{ calls: { nodes: Array<{ status: string }> } }>('{ calls(first: 1) { nodes { status } } }')).calls.nodes;
    expect(call?.status).toBe('IN_PROGRESS');
    await agent.getByRole('status').filter({ hasText: 'Connected' }).first().waitFor();

    await agent.getByRole('button', { name: 'Hang up' }).click();
    await agent.getByRole('heading', { name: 'Wrap-up' }).waitFor();
    await visitor.getByRole('status').filter({ hasText: 'Call ended' }).waitFor();
    await agent.getByRole('button', { name: /Done/ }).click();
    await agent.getByRole('heading', { name: 'Ready for the next call' }).waitFor();
    await context.close();
  });
});
