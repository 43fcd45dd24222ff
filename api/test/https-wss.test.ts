/**
 * The platform on HTTPS (HTTPS_CERT / HTTPS_KEY) with a self-signed certificate made by openssl:
 * GraphQL over https, sipCredentials handing out a wss:// URL, and JsSIP registering over WSS on
 * /sip of the same server. The client trusts exactly that certificate (no verification switched off).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { configFromEnv, startServer, type RunningServer } from '../src/server.ts';
import { HttpsSettingError } from '../src/https-settings.ts';
import { OWNER_PASSWORD, agentInput } from './support/api-server.ts';

interface JsSipUa {
  start(): void;
  stop(): void;
  register(): void;
  on(event: string, listener: (event: { response?: { status_code: number } }) => void): void;
}
const require = createRequire(import.meta.url);
const JsSIP = require('jssip') as { UA: new (configuration: Record<string, unknown>) => JsSipUa; WebSocketInterface: new (url: string) => unknown; debug: { disable(): void } };
JsSIP.debug.disable();

const opensslMissing = ((): string | null => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'no openssl on PATH to make a test certificate';
  }
})();
if (opensslMissing !== null) console.warn(`https tests skipped: ${opensslMissing}`);

let server: RunningServer;
let dir = '';
let cert: Buffer;
let certFile = '';
let keyFile = '';
const uas: JsSipUa[] = [];
const globalWebSocket = globalThis.WebSocket;

beforeAll(async () => {
  if (opensslMissing !== null) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-api-https-'));
  certFile = path.join(dir, 'server.crt');
  keyFile = path.join(dir, 'server.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' });
  cert = fs.readFileSync(certFile);
  server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'data'), adminEmail: 'owner@one.example', adminPassword: OWNER_PASSWORD, logLevel: 'silent', sipPort: 0, sipHost: '127.0.0.1', https: { certFile, keyFile } },
    () => undefined,
  );
  // JsSIP opens `new WebSocket(url, 'sip')`: in this test that is ws's client trusting the test certificate.
  globalThis.WebSocket = class extends NodeWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca: cert });
    }
  } as unknown as typeof globalThis.WebSocket;
});

afterAll(async () => {
  globalThis.WebSocket = globalWebSocket;
  for (const ua of uas) ua.stop();
  await server?.stop();
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** POST /graphql over https, trusting only the test certificate. */
const gqlHttps = (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<{ data?: Record<string, any>; errors?: unknown[] }> => // eslint-disable-line @typescript-eslint/no-explicit-any -- answers are read by the query's own shape
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ query, variables });
    const request = https.request(`${server.url}/graphql`, { method: 'POST', ca: cert, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve(JSON.parse(text) as { data?: Record<string, unknown>; errors?: unknown[] }));
    });
    request.on('error', reject);
    request.end(body);
  });

const loginHttps = async (email: string, password: string): Promise<string> => {
  const result = await gqlHttps('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: email, p: password });
  expect(result.errors).toBeUndefined();
  return result.data?.login.token as string;
};

const register = (credentials: { uri: string; authorizationUser: string; password: string; wsUrl: string }): Promise<number> => {
  const ua = new JsSIP.UA({ sockets: [new JsSIP.WebSocketInterface(credentials.wsUrl)], uri: credentials.uri, authorization_user: credentials.authorizationUser, password: credentials.password, register: false });
  uas.push(ua);
  return new Promise((resolve) => {
    ua.on('registered', () => resolve(200));
    ua.on('registrationFailed', (event) => resolve(event.response?.status_code ?? 0));
    ua.on('connected', () => ua.register());
    ua.start();
  });
};

describe.skipIf(opensslMissing !== null)('the platform over HTTPS', () => {
  test('GraphQL over https, sipCredentials.wsUrl is wss://, and JsSIP registers over WSS on /sip', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const owner = await loginHttps('owner@one.example', OWNER_PASSWORD);
    const input = agentInput();
    expect((await gqlHttps('mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner)).errors).toBeUndefined();
    const token = await loginHttps(input.email, input.password);

    const result = await gqlHttps('{sipCredentials{uri authorizationUser password wsUrl realm}}', {}, token);
    expect(result.errors).toBeUndefined();
    const credentials = result.data?.sipCredentials as { uri: string; authorizationUser: string; password: string; wsUrl: string };
    expect(credentials.wsUrl).toBe(`${server.url.replace(/^https:/, 'wss:')}/sip`);

    expect(await register(credentials)).toBe(200);
    // Plain ws:// to the same port is no way in: the server speaks only TLS.
    const plain = await new Promise<string>((resolve) => {
      const socket = new NodeWebSocket(credentials.wsUrl.replace(/^wss:/, 'ws:'), 'sip');
      socket.once('open', () => resolve('open'));
      socket.once('error', () => resolve('refused'));
    });
    expect(plain).toBe('refused');
  });

  test('an unreadable certificate path stops start-up naming HTTPS_CERT and the path; half a setting is refused', async () => {
    const missing = path.join(dir, 'missing.crt');
    await expect(startServer({ port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'unused'), logLevel: 'silent', sipPort: null, https: { certFile: missing, keyFile } }, () => undefined)).rejects.toThrow(
      new HttpsSettingError(`HTTPS_CERT: cannot read '${missing}' (ENOENT); it must name a readable PEM file`),
    );
    expect(() => configFromEnv({ HTTPS_CERT: certFile })).toThrow('HTTPS_CERT is set but HTTPS_KEY is not');
    expect(configFromEnv({ HTTPS_CERT: certFile, HTTPS_KEY: keyFile }).https).toEqual({ certFile, keyFile });
    expect(configFromEnv({}).https).toBeNull();
  });
});
