/**
 * The media proof: a PSTN caller (sipp over UDP, streaming PCMU as plain RTP) calls a queue; the
 * WebRTC agent is JsSIP in headless Chromium, registered over the gateway's /sip WebSocket and
 * answering with its (fake) microphone. rtpengine, spawned by the gateway, bridges RTP/AVP and
 * ICE + DTLS-SRTP: the browser's own stats show audio arriving, and rtpengine's counters show the
 * browser's audio arriving for the caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamEntityId } from '@cc/core';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { NgErrorResult } from '../src/media/ng-client.ts';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { type BrowserAgentHost, chromiumMissing, startBrowserAgentHost } from './support/jssip-browser.ts';
import { eventually, onlyCall, type Platform, QUEUE_NUMBER, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing() ?? chromiumMissing();
if (missing !== null) console.warn(`sip-to-webrtc-media: skipped: ${missing}`);

/** G.711 mu-law of one 16-bit linear sample. */
const muLaw = (sample: number): number => {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  magnitude = sign | (exponent << 4) | mantissa;
  return ~magnitude & 0xff;
};

/** Two seconds of a 440 Hz tone, raw 8 kHz PCMU: what sipp's rtp_stream plays. */
const toneFile = (dir: string): string => {
  const samples = Buffer.alloc(16_000);
  for (let i = 0; i < samples.length; i += 1) samples[i] = muLaw(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const file = path.join(dir, 'tone-440.pcmu');
  fs.writeFileSync(file, samples);
  return file;
};

interface AgentWindow {
  agent: { state: string; error: string | null };
  inboundAudioBytes(): Promise<number>;
  outboundAudioBytes(): Promise<number>;
  hangUp(): void;
}

describe.skipIf(missing !== null)(`a PSTN caller and a browser agent hear each other through rtpengine${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let host: BrowserAgentHost | null = null;
  let platform: Platform | null = null;
  let dir = '';
  const previousSetting = process.env.RTPENGINE;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-media-proof-'));
    host = await startBrowserAgentHost();
    // This proof needs the anchor whatever the environment says.
    process.env.RTPENGINE = 'embedded';
  }, 120_000);

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
  });

  afterAll(async () => {
    if (previousSetting === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previousSetting;
    await host?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('sipp streams PCMU -> queue -> JsSIP in Chromium answers -> audio arrives in the browser and from it; the call ends cleanly', { timeout: 120_000 }, async () => {
    // Early media on (the default): ringback first, then the browser on the same caller ports.
    platform = await startPlatform();
    const { cc, gateway } = platform;
    expect(gateway.media.setting.kind).toBe('embedded');
    const media = gateway.media.port;
    if (media === null) throw new Error('the gateway started without its media anchor');

    await webrtcAgent(cc, 'w1');
    const credential = platform.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: 'org-gw' });
    const page: Page = await (host as BrowserAgentHost).agent(credential);

    const caller = await sipp({
      scenario: 'caller-streams-audio.xml',
      transport: 'udp',
      remotePort: gateway.udpPort,
      service: QUEUE_NUMBER,
      timeoutSeconds: 90,
      fill: { RTP_FILE: toneFile(dir) },
    });

    await page.waitForFunction(() => (window as unknown as AgentWindow).agent.state === 'in-call', undefined, { timeout: 30_000 });
    const callId = streamEntityId((await onlyCall(cc))[0]?.streamId ?? '');
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'));

    // The caller's RTP reaches the browser over DTLS-SRTP, and keeps coming.
    const first = await eventually(async () => {
      const bytes = await page.evaluate(() => (window as unknown as AgentWindow).inboundAudioBytes());
      expect(bytes).toBeGreaterThan(0);
      return bytes;
    }, 20_000);
    await eventually(async () => expect(await page.evaluate(() => (window as unknown as AgentWindow).inboundAudioBytes())).toBeGreaterThan(first), 20_000);

    // The browser's audio reaches rtpengine (decrypted there and sent on as RTP to the caller).
    // The caller keeps its early party (the ports of its 183); the browser has a party of its own
    // leg next to the gateway's placeholder, which carried nothing.
    await eventually(async () => {
      const current = await media.stats(callId);
      const fromAgent = current.parties.find((party) => party.side === 'agent' && party.legId !== callId);
      const fromCaller = current.parties.find((party) => party.side === 'caller');
      expect(fromAgent?.packets).toBeGreaterThan(0);
      expect(fromCaller?.legId).toBe(callId);
      expect(fromCaller?.packets).toBeGreaterThan(0);
    }, 20_000);
    expect(await page.evaluate(() => (window as unknown as AgentWindow).outboundAudioBytes())).toBeGreaterThan(0);

    await page.evaluate(() => (window as unknown as AgentWindow).hangUp());
    expect(await caller.exit, caller.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
    // Every end deletes the call's media in rtpengine.
    await eventually(async () => expect(await media.stats(callId).then(() => 'still there', (error: unknown) => (error instanceof NgErrorResult ? 'deleted' : String(error)))).toBe('deleted'));
    await page.close();
  });
});
