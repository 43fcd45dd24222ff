/**
 * A WebRTC agent for real: JsSIP inside headless Debian Chromium (fake microphone), registered to
 * the gateway's /sip WebSocket and answering every incoming call with audio. JsSIP ships CommonJS
 * only, so it is bundled for the browser (rolldown) into a temporary folder and served with a tiny
 * page from a test HTTP server on 127.0.0.1. The page keeps only loopback ICE candidates, so no
 * media ever leaves the machine.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumMissing = (): string | null => (fs.existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium)`);

/** Runs in the page: the agent's softphone, driven through window functions. */
const AGENT_SCRIPT = `
window.agent = { state: 'starting', error: null, pc: null, session: null };
window.startAgent = (config) => {
  JsSIP.debug.disable();
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(config.wsUrl)],
    uri: config.uri,
    authorization_user: config.authorizationUser,
    password: config.password,
    register: true,
    session_timers: false,
  });
  ua.on('registered', () => { window.agent.state = 'registered'; });
  ua.on('registrationFailed', (event) => { window.agent.state = 'registration-failed'; window.agent.error = String(event.cause); });
  ua.on('newRTCSession', ({ session, originator }) => {
    if (originator !== 'remote') return;
    window.agent.state = 'ringing';
    window.agent.session = session;
    // Only loopback candidates and addresses: the test machine's other interfaces stay out of it.
    session.on('sdp', (event) => {
      if (event.originator !== 'local') return;
      event.sdp = event.sdp
        .split('\\r\\n')
        .filter((line) => !line.startsWith('a=candidate:') || / 127\\.0\\.0\\.1 /.test(line))
        .map((line) => (line.startsWith('c=IN IP4 ') ? 'c=IN IP4 127.0.0.1' : line))
        .join('\\r\\n');
    });
    session.on('confirmed', () => { window.agent.state = 'in-call'; });
    session.on('ended', () => { window.agent.state = 'ended'; });
    session.on('failed', (event) => { window.agent.state = 'failed'; window.agent.error = String(event.cause); });
    session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
    window.agent.pc = session.connection;
  });
  ua.start();
  window.agent.ua = ua;
};
window.inboundAudioBytes = async () => {
  if (window.agent.pc === null) return 0;
  let bytes = 0;
  (await window.agent.pc.getStats()).forEach((report) => {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') bytes += report.bytesReceived;
  });
  return bytes;
};
window.outboundAudioBytes = async () => {
  if (window.agent.pc === null) return 0;
  let bytes = 0;
  (await window.agent.pc.getStats()).forEach((report) => {
    if (report.type === 'outbound-rtp' && report.kind === 'audio') bytes += report.bytesSent;
  });
  return bytes;
};
window.hangUp = () => window.agent.session?.terminate();
`;

const PAGE = '<!doctype html><meta charset="utf-8"><title>agent</title><script src="/jssip.js"></script><script src="/agent.js"></script>';

export interface AgentCredentials {
  uri: string;
  authorizationUser: string;
  password: string;
  wsUrl: string;
}

export interface BrowserAgentHost {
  /** A new page with the agent's softphone started and registered. */
  agent(credentials: AgentCredentials): Promise<Page>;
  stop(): Promise<void>;
}

/** Bundles JsSIP, serves the page, launches Chromium. */
export const startBrowserAgentHost = async (): Promise<BrowserAgentHost> => {
  const { rolldown } = await import('rolldown');
  const require = createRequire(import.meta.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-jssip-bundle-'));
  const bundle = await rolldown({ input: require.resolve('jssip'), platform: 'browser', logLevel: 'silent' });
  await bundle.write({ file: path.join(dir, 'jssip.js'), format: 'iife', name: 'JsSIP' });
  await bundle.close();
  const jssip = fs.readFileSync(path.join(dir, 'jssip.js'));
  const server = http.createServer((request, response) => {
    if (request.url === '/jssip.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(jssip);
    if (request.url === '/agent.js') return response.writeHead(200, { 'content-type': 'text/javascript' }).end(AGENT_SCRIPT);
    if (request.url === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const base = `http://127.0.0.1:${address !== null && typeof address === 'object' ? address.port : 0}`;
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        // WebRTC skips the loopback interface unless told; the media anchor listens on 127.0.0.1.
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  } catch (error) {
    server.close();
    throw error;
  }
  const launched = browser;
  return {
    agent: async (credentials) => {
      const page = await launched.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(base);
      await page.evaluate((config) => (window as unknown as { startAgent(config: AgentCredentials): void }).startAgent(config), credentials);
      await page.waitForFunction(() => (window as unknown as { agent: { state: string } }).agent.state !== 'starting');
      const state = await page.evaluate(() => {
        const { agent } = window as unknown as { agent: { state: string; error: string | null } };
        return { state: agent.state, error: agent.error };
      });
      if (state.state !== 'registered') throw new Error(`the browser agent did not register: ${state.state} ${state.error ?? ''}`);
      return page;
    },
    stop: async () => {
      await launched.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
};
