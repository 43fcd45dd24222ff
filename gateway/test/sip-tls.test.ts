/**
 * SIP over TLS on the embedded edge: a caller over TLS to the queue, answered by an External
 * agent's phone reached over TLS (`;transport=tls` and `sips:`), the phone's certificate checked
 * (and not, with verification off), and start-up refusing certificate settings that cannot work.
 * sipp stands behind node:tls relays (see support/tls-relay.ts: Debian's sipp has no TLS).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ContactCenter, silentLogger } from '@cc/core';
import { SqliteEventStore } from '@cc/core/eventstore';
import { SipTlsSettingError, type SipTlsSettings, sipTlsSettingsFrom, startGateway } from '../src/index.ts';
import { freePort, killAllSipp, sipp } from './support/sipp.ts';
import { eventually, externalAgent, onlyCall, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { type Certificate, opensslMissing, selfSignedCertificate, type TlsRelay, tlsBehind, tlsInFrontOf } from './support/tls-relay.ts';

const missing = opensslMissing();
if (missing !== null) console.warn(`sip-tls tests skipped: ${missing}`);

let dir = '';
let edgeCertificate: Certificate;
let phoneCertificate: Certificate;
/** A phone certificate nobody was told to trust. */
let strangerCertificate: Certificate;
let platform: Platform | null = null;
const relays: TlsRelay[] = [];

beforeAll(() => {
  if (missing !== null) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-sip-tls-'));
  edgeCertificate = selfSignedCertificate(dir, 'edge');
  phoneCertificate = selfSignedCertificate(dir, 'phone');
  strangerCertificate = selfSignedCertificate(dir, 'stranger');
});

afterEach(async () => {
  await killAllSipp();
  for (const relay of relays.splice(0)) await relay.close();
  await platform?.stop();
  platform = null;
});

afterAll(() => {
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** The edge's TLS settings: its own certificate, the test phones' CA trusted on top of the bundled roots. */
const edgeTls = (overrides: Partial<SipTlsSettings> = {}): SipTlsSettings => ({ port: 0, cert: edgeCertificate.cert, key: edgeCertificate.key, verifyPeers: true, ca: phoneCertificate.cert, ...overrides });

/** An External agent's phone (sipp on TCP) behind a TLS relay; its Contact names the relay with `;transport=tls`. */
const tlsPhone = async (agent: string, certificate: Certificate): Promise<{ relay: TlsRelay; exit: Promise<number>; errors: () => string }> => {
  const sippPort = await freePort();
  const relay = await tlsInFrontOf(sippPort, certificate);
  relays.push(relay);
  const phone = await sipp({ scenario: 'agent-answers.xml', transport: 'tcp', agent, port: sippPort, fill: { '[local_ip]:[local_port];transport=[transport]': `127.0.0.1:${relay.port};transport=tls` } });
  return { relay, exit: phone.exit, errors: phone.errors };
};

/** A PSTN caller (sipp on TCP) whose connection reaches the edge's TLS port through a relay that checks the edge's certificate. */
const tlsCaller = async (tlsPort: number, scenario = 'caller.xml', timeoutSeconds = 20) => {
  const relay = await tlsBehind(tlsPort, edgeCertificate.cert);
  relays.push(relay);
  const caller = await sipp({ scenario, transport: 'tcp', remotePort: relay.port, service: QUEUE_NUMBER, fill: { '[transport]': 'TLS' }, timeoutSeconds });
  return { relay, exit: caller.exit, errors: caller.errors };
};

describe.skipIf(missing !== null)('SIP over TLS', () => {
  test.each([
    ['sip:a1@127.0.0.1:<port>;transport=tls', (port: number) => `sip:a1@127.0.0.1:${port};transport=tls`],
    ['sips:a1@127.0.0.1:<port>', (port: number) => `sips:a1@127.0.0.1:${port}`],
  ])('caller over TLS -> queue -> External agent at %s answers over TLS -> caller hangs up', async (_name, uriOf) => {
    platform = await startPlatform({ sipTls: edgeTls() });
    const { cc, gateway } = platform;
    expect(gateway.tlsPort).toBeGreaterThan(0);
    const phone = await tlsPhone('a1', phoneCertificate);
    await externalAgent(cc, 'a1', uriOf(phone.relay.port));

    const caller = await tlsCaller(gateway.tlsPort);

    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('WrapUpStarted');
      return log;
    });
    expect(types(events)).toEqual(['CallReceived', 'CallQueued', 'CallOffered', 'CallAnswered', 'CallEnded', 'WrapUpStarted']);

    // What the edge said on the TLS flows: Via TLS and a Contact that brings requests back over TLS.
    const ours = `127.0.0.1:${gateway.tlsPort}`;
    const toPhone = phone.relay.transcript();
    expect(toPhone).toMatch(new RegExp(`^INVITE ${uriOf(phone.relay.port).replace(/[.;]/g, '\\$&')} SIP/2.0\\r\\nVia: SIP/2.0/TLS ${ours};branch=`, 'm'));
    expect(toPhone).toContain(`Contact: <sip:gateway@${ours};transport=tls>`);
    // The ACK and the BYE follow the phone's TLS Contact over the same connection.
    expect(toPhone).toMatch(/^ACK sip:a1@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS /m);
    expect(toPhone).toMatch(/^BYE sip:a1@127\.0\.0\.1:\d+;transport=tls SIP\/2\.0\r\nVia: SIP\/2\.0\/TLS /m);
    const toCaller = caller.relay.transcript();
    expect(toCaller).toMatch(/^SIP\/2\.0 200 OK\r\n/m);
    expect(toCaller).toContain(`Contact: <sip:gateway@${ours};transport=tls>`);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("a phone whose certificate the edge does not trust gets no INVITE; with SIP_TLS_VERIFY off it rings and answers", async () => {
    platform = await startPlatform({ sipTls: edgeTls(), maxMissedOffersInRow: 1 });
    const stranger = await tlsPhone('a1', strangerCertificate);
    await externalAgent(platform.cc, 'a1', `sip:a1@127.0.0.1:${stranger.relay.port};transport=tls`);
    const caller = await tlsCaller(platform.gateway.tlsPort, 'caller.xml', 5);

    const cc = platform.cc;
    const events = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallOfferDeclined');
      return log;
    });
    expect(types(events)).not.toContain('CallAnswered');
    // The edge broke off the handshake: not one byte of SIP reached the phone.
    expect(stranger.relay.handshakeErrors.length).toBeGreaterThan(0);
    expect(stranger.relay.transcript()).toBe('');
    await caller.exit;
    await killAllSipp();
    for (const relay of relays.splice(0)) await relay.close();
    await platform.stop();

    platform = await startPlatform({ sipTls: edgeTls({ verifyPeers: false, ca: null }) });
    const unchecked = await tlsPhone('a2', strangerCertificate);
    await externalAgent(platform.cc, 'a2', `sip:a2@127.0.0.1:${unchecked.relay.port};transport=tls`);
    const second = await tlsCaller(platform.gateway.tlsPort);
    expect(await second.exit, second.errors()).toBe(0);
    expect(await unchecked.exit, unchecked.errors()).toBe(0);
    expect(unchecked.relay.transcript()).toMatch(/^INVITE sip:a2@/);
  });
});

describe.skipIf(missing !== null)('TLS settings at start-up', () => {
  test('a certificate path that cannot be read stops start-up, naming the variable and the path', async () => {
    const env = { SIP_TLS_PORT: '0', SIP_TLS_CERT: path.join(dir, 'nowhere.crt'), SIP_TLS_KEY: edgeCertificate.keyFile };
    expect(() => sipTlsSettingsFrom(env)).toThrow(SipTlsSettingError);
    expect(() => sipTlsSettingsFrom(env)).toThrow(`SIP_TLS_CERT: cannot read '${env.SIP_TLS_CERT}' (ENOENT)`);

    // Through startGateway and the environment, as `npm start` reads it.
    const store = SqliteEventStore.open({ file: ':memory:' });
    const cc = new ContactCenter({ store, logger: silentLogger });
    await cc.start();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      await expect(startGateway({ cc, sipPort: 0, host: '127.0.0.1', logger: silentLogger, media: 'off' })).rejects.toThrow(/^SIP_TLS_CERT: cannot read '.*nowhere\.crt'/);
    } finally {
      for (const name of Object.keys(env)) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      await cc.stop();
      await store.close();
    }
  });

  test('a key that does not belong to the certificate, half a configuration, or a bad port are refused with what to fix', () => {
    expect(() => sipTlsSettingsFrom({ SIP_TLS_PORT: '5061', SIP_TLS_CERT: edgeCertificate.certFile, SIP_TLS_KEY: phoneCertificate.keyFile })).toThrow(
      new RegExp(`^SIP_TLS_CERT '${edgeCertificate.certFile}' / SIP_TLS_KEY '${phoneCertificate.keyFile}': not a usable certificate and key`),
    );
    expect(() => sipTlsSettingsFrom({ SIP_TLS_PORT: '5061', SIP_TLS_CERT: edgeCertificate.certFile })).toThrow(/SIP_TLS_KEY is not/);
    expect(() => sipTlsSettingsFrom({ SIP_TLS_CERT: edgeCertificate.certFile, SIP_TLS_KEY: edgeCertificate.keyFile })).toThrow(/SIP_TLS_PORT is not/);
    expect(() => sipTlsSettingsFrom({ SIP_TLS_PORT: 'tls', SIP_TLS_CERT: edgeCertificate.certFile, SIP_TLS_KEY: edgeCertificate.keyFile })).toThrow("SIP_TLS_PORT: 'tls' is not a port number");
    expect(() => sipTlsSettingsFrom({ SIP_TLS_PORT: '0', SIP_TLS_CERT: edgeCertificate.certFile, SIP_TLS_KEY: edgeCertificate.keyFile, SIP_TLS_VERIFY: 'no' })).toThrow(/SIP_TLS_VERIFY/);
    expect(sipTlsSettingsFrom({})).toBeNull();
    expect(sipTlsSettingsFrom({ SIP_TLS_PORT: '0', SIP_TLS_CERT: edgeCertificate.certFile, SIP_TLS_KEY: edgeCertificate.keyFile, SIP_TLS_VERIFY: 'off' })).toMatchObject({ port: 0, verifyPeers: false, ca: null });
  });

  test('a TLS port already taken stops start-up naming SIP_TLS_PORT, and the UDP/TCP port is let go', async () => {
    const taken = await freePort();
    const blocker = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', () => resolve()));
    const store = SqliteEventStore.open({ file: ':memory:' });
    const cc = new ContactCenter({ store, logger: silentLogger });
    await cc.start();
    const sipPort = await freePort();
    try {
      await expect(startGateway({ cc, sipPort, host: '127.0.0.1', logger: silentLogger, media: 'off', sipTls: edgeTls({ port: taken }) })).rejects.toThrow(`SIP_TLS_PORT: cannot listen on 127.0.0.1:${taken}`);
      // The plain SIP port is free again: a retry after fixing the setting can bind it.
      const retry = await startGateway({ cc, sipPort, host: '127.0.0.1', logger: silentLogger, media: 'off', sipTls: null });
      expect(retry.udpPort).toBe(sipPort);
      await retry.stop();
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      await cc.stop();
      await store.close();
    }
  });
});
