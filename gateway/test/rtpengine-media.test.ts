/**
 * The media port on a real rtpengine (userspace, spawned on 127.0.0.1): a plain RTP offer becomes a
 * WebRTC one and back, the call shows up in `query`, and `delete` removes it. Plus the supervisor
 * and the RTPENGINE setting.
 */
import dgram from 'node:dgram';
import { silentLogger } from '@cc/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withBundleGroup, withoutZeroConnection } from '../src/media/webrtc-description.ts';
import { parseMediaSetting, startMedia } from '../src/media/media-setup.ts';
import { NgClient, NgErrorResult } from '../src/media/ng-client.ts';
import { RtpengineDaemon, RtpengineStartError, rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { RtpengineMedia } from '../src/media/rtpengine-media.ts';
import { workerRtpPorts } from './support/worker-rtp-ports.ts';
import { anchorPortOf } from './support/caller-rtp.ts';
import { MarkedRtp } from './support/marked-rtp.ts';
import { eventually } from './support/platform.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`rtpengine-media: the daemon tests are skipped: ${missing}`);

const callerSdp = ['v=0', 'o=pstn-caller 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 6000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', ''].join('\r\n');

/** A browser's answer, as Chromium writes it before gathering ends (c=0.0.0.0). */
const browserAnswer = (direction = 'sendrecv'): string =>
  [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 0',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:active',
    'a=mid:1',
    `a=${direction}`,
    'a=rtcp-mux',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');

const lines = (sdp: string, prefix: string): string[] => sdp.split('\r\n').filter((line) => line.startsWith(prefix));

describe('the RTPENGINE setting', () => {
  test('off, embedded and host:port are read; anything else is refused', () => {
    expect(parseMediaSetting('off')).toEqual({ kind: 'off' });
    expect(parseMediaSetting(' embedded ')).toEqual({ kind: 'embedded' });
    expect(parseMediaSetting('10.0.0.5:2223')).toEqual({ kind: 'remote', host: '10.0.0.5', port: 2223 });
    expect(parseMediaSetting('[::1]:2223')).toEqual({ kind: 'remote', host: '::1', port: 2223 });
    for (const bad of ['on', 'rtpengine', 'host:0', 'host:70000', ':2223']) expect(() => parseMediaSetting(bad), bad).toThrow(/RTPENGINE/);
  });

  test('off starts nothing; a missing binary is a clear error, and without a setting it means media off', async () => {
    expect((await startMedia({ setting: 'off', logger: silentLogger })).port).toBeNull();
    await expect(RtpengineDaemon.start({ binary: '/nonexistent/rtpengine', logger: silentLogger })).rejects.toThrow(RtpengineStartError);
    await expect(RtpengineDaemon.start({ binary: '/nonexistent/rtpengine', logger: silentLogger })).rejects.toThrow(/apt-get install rtpengine-daemon/);
    const defaulted = await startMedia({ binary: '/nonexistent/rtpengine', logger: silentLogger, env: {} });
    expect(defaulted.setting).toEqual({ kind: 'off' });
  });
});

describe('webrtc descriptions', () => {
  test('a single bundled-capable stream gets its BUNDLE group; one with a group, several streams or a rejected stream stay as they are', () => {
    const single = ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 30000 UDP/TLS/RTP/SAVPF 0', 'c=IN IP4 127.0.0.1', 'a=mid:0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
    const grouped = withBundleGroup(single);
    expect(lines(grouped, 'a=group:')).toEqual(['a=group:BUNDLE 0']);
    expect(withBundleGroup(grouped)).toBe(grouped);
    const video = single.replace('a=rtpmap:0 PCMU/8000\r\n', 'a=rtpmap:0 PCMU/8000\r\nm=video 30002 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n');
    expect(withBundleGroup(video)).toBe(video);
    const rejected = single.replace('m=audio 30000', 'm=audio 0');
    expect(withBundleGroup(rejected)).toBe(rejected);
    expect(withBundleGroup(callerSdp)).toBe(callerSdp);
  });

  test('a zero connection address of an ICE stream becomes its host candidate; the direction stays', () => {
    const fixed = withoutZeroConnection(browserAnswer('sendonly'));
    expect(lines(fixed, 'c=')).toEqual(['c=IN IP4 127.0.0.1']);
    expect(fixed).toContain('a=sendonly');
    expect(withoutZeroConnection(callerSdp)).toBe(callerSdp);
  });
});

describe.skipIf(missing !== null)("the embedded daemon's control port", () => {
  test('a configured control port already in use: the daemon exits and the error says the port was taken', async () => {
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', () => resolve()));
    try {
      const started = RtpengineDaemon.start({ logger: silentLogger, ngPort: holder.address().port, ...workerRtpPorts() });
      const error = await started.then(() => null, (failure: unknown) => failure);
      expect(error).toBeInstanceOf(RtpengineStartError);
      expect((error as RtpengineStartError).controlPortTaken).toBe(true);
      expect((error as RtpengineStartError).message).toMatch(/Address already in use/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 30_000);
});

describe.skipIf(missing !== null)('RtpengineMedia on a real rtpengine', () => {
  let daemon: RtpengineDaemon | null = null;
  let client: NgClient | null = null;

  beforeAll(async () => {
    daemon = await RtpengineDaemon.start({ logger: silentLogger, ...workerRtpPorts() });
    client = await NgClient.open({ host: daemon.host, port: daemon.ngPort });
  }, 30_000);

  afterAll(async () => {
    await client?.close();
    await daemon?.stop();
    expect(daemon?.running ?? false).toBe(false);
  });

  test('a SIP caller offered to a browser: ICE, DTLS-SRTP and rtcp-mux out; the browser answer back as plain RTP; query; delete', async () => {
    const media = new RtpengineMedia(client as NgClient);
    const leg = { callId: 'media-call-1', legId: 'offer-1', caller: 'sip' as const, agent: 'webrtc' as const };
    const toBrowser = await media.offerToAgent(leg, callerSdp);
    expect(lines(toBrowser, 'm=audio')[0]).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0 101$/);
    expect(lines(toBrowser, 'a=candidate:').length).toBeGreaterThan(0);
    expect(lines(toBrowser, 'a=candidate:').every((line) => line.includes(' 127.0.0.1 '))).toBe(true);
    expect(lines(toBrowser, 'a=fingerprint:sha-256 ')).toHaveLength(1);
    expect(lines(toBrowser, 'a=ice-ufrag:')).toHaveLength(1);
    expect(toBrowser).toContain('a=rtcp-mux');
    expect(toBrowser).toContain('a=setup:actpass');
    expect(lines(toBrowser, 'a=mid:')).toHaveLength(1);
    expect(lines(toBrowser, 'a=crypto:')).toHaveLength(0);

    const toCaller = await media.answerFromAgent(leg, browserAnswer());
    expect(lines(toCaller, 'm=audio')[0]).toMatch(/^m=audio \d+ RTP\/AVP 0$/);
    expect(toCaller).not.toMatch(/a=(candidate|ice-ufrag|fingerprint|setup)/);
    expect(toCaller).toContain('a=sendrecv');
    expect(lines(toCaller, 'c=').every((line) => line === 'c=IN IP4 127.0.0.1')).toBe(true);

    // Hold from the browser: a sendonly re-offer reaches the caller as sendonly, plain RTP.
    const held = await media.reoffer(leg, 'agent', browserAnswer('sendonly').replace('a=setup:active', 'a=setup:actpass'));
    expect(held).toContain('a=sendonly');
    expect(lines(held, 'm=audio')[0]).toMatch(/RTP\/AVP/);
    const heldAnswer = await media.reanswer(leg, 'agent', callerSdp.replace('a=sendrecv', 'a=recvonly'));
    expect(heldAnswer).toContain('a=recvonly');
    expect(lines(heldAnswer, 'm=audio')[0]).toMatch(/UDP\/TLS\/RTP\/SAVPF/);

    const stats = await media.stats(leg.callId);
    expect(stats.parties.map((party) => `${party.side}:${party.legId}`).sort()).toEqual(['agent:offer-1', 'caller:offer-1']);

    await media.endCall(leg.callId);
    await expect(media.stats(leg.callId)).rejects.toThrow(NgErrorResult);
    // Deleting what is gone is not a failure.
    await media.endCall(leg.callId);
  });

  test('a SIP agent gets plain RTP/AVP, with ICE removed from a browser caller', async () => {
    const media = new RtpengineMedia(client as NgClient);
    const leg = { callId: 'media-call-2', legId: 'offer-2', caller: 'webrtc' as const, agent: 'sip' as const };
    const browserOffer = browserAnswer().replace('a=setup:active', 'a=setup:actpass');
    const toPhone = await media.offerToAgent(leg, browserOffer);
    expect(lines(toPhone, 'm=audio')[0]).toMatch(/^m=audio \d+ RTP\/AVP 0$/);
    expect(toPhone).not.toMatch(/a=(candidate|ice-ufrag|fingerprint)/);
    const toBrowser = await media.answerFromAgent(leg, callerSdp.replace(' 0 101', ' 0'));
    expect(lines(toBrowser, 'm=audio')[0]).toMatch(/UDP\/TLS\/RTP\/SAVPF/);
    expect(toBrowser).toMatch(/a=fingerprint:/);
    expect(toBrowser).toContain('a=setup:passive');
    await media.endCall(leg.callId);
  });

  test("blockCaller: the leg's agent gets none of the caller's audio and the caller none of the agent's; unblockCaller lets both through again", async () => {
    const media = new RtpengineMedia(client as NgClient);
    const leg = { callId: 'media-call-3', legId: 'offer-3', caller: 'sip' as const, agent: 'sip' as const };
    const [caller, agent] = [new MarkedRtp(), new MarkedRtp()];
    try {
      const at = (port: number): string => callerSdp.replace('m=audio 6000', `m=audio ${port}`);
      await media.offerToAgent(leg, at(await caller.open()));
      await media.answerFromAgent(leg, at(await agent.open()));
      caller.send(await anchorPortOf(client as NgClient, leg.callId, 'c.offer-3'), 0x77);
      agent.send(await anchorPortOf(client as NgClient, leg.callId, 'a.offer-3'), 0x33);
      await eventually(() => expect(agent.heard(0x77)).toBeGreaterThan(10), 20_000);
      await eventually(() => expect(caller.heard(0x33)).toBeGreaterThan(10), 20_000);

      await media.blockCaller(leg);
      // rtpengine still counts what it receives from a blocked party: the clock while nothing is forwarded.
      const received = async (): Promise<number> => {
        const parties = (await media.stats(leg.callId)).parties;
        return Math.min(...['c.offer-3', 'a.offer-3'].map((tag) => parties.find((party) => party.tag === tag)?.packets ?? 0));
      };
      // Over 25 packets from each side reaching rtpengine, once what was on its way has arrived: nothing forwarded either way.
      await eventually(async () => {
        const [agentHeard, callerHeard, from] = [agent.heard(0x77), caller.heard(0x33), await received()];
        await eventually(async () => expect(await received()).toBeGreaterThan(from + 25), 20_000);
        expect([agent.heard(0x77), caller.heard(0x33)]).toEqual([agentHeard, callerHeard]);
      }, 30_000);

      await media.unblockCaller(leg);
      const [agentBlockedAt, callerBlockedAt] = [agent.heard(0x77), caller.heard(0x33)];
      await eventually(() => expect(agent.heard(0x77)).toBeGreaterThan(agentBlockedAt + 10), 20_000);
      await eventually(() => expect(caller.heard(0x33)).toBeGreaterThan(callerBlockedAt + 10), 20_000);
      await media.endCall(leg.callId);
    } finally {
      await Promise.all([caller.close(), agent.close()]);
    }
  });

  test('a query for an unknown call is an NgErrorResult', async () => {
    await expect((client as NgClient).query({ 'call-id': 'no-such-call' })).rejects.toMatchObject({ name: 'NgErrorResult', command: 'query' });
  });
});
