/**
 * The FreeSWITCH media adapter against a real drachtio-server and FreeSWITCH (the production stack in
 * docker-compose.yml, with freeswitch-config/): runs only when DRACHTIO_HOST and FREESWITCH_HOST are
 * set (this machine has no Docker engine), otherwise it says why it did not run. Two UDP sockets of
 * this machine stand in for the caller's and the agent's phones: FreeSWITCH must answer the caller,
 * offer the agent, bridge them, play ringback as RTP to the caller and hang everything up at the end.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import os from 'node:os';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfLike } from '../src/drachtio/srf-types.ts';
import { FsmrfMedia } from '../src/fsmrf/fsmrf-media.ts';
import { connectFreeSwitch, freeSwitchSettingsFrom } from '../src/fsmrf/fsmrf-setup.ts';
import { RINGBACK_TONE } from '../src/fsmrf/freeswitch-files.ts';

const drachtioHost = process.env.DRACHTIO_HOST ?? '';
const freeswitch = freeSwitchSettingsFrom(process.env);
const skipped = drachtioHost === '' || freeswitch === null;

if (skipped) {
  process.stdout.write('FreeSWITCH (drachtio-fsmrf) integration test skipped: DRACHTIO_HOST and FREESWITCH_HOST must both be set (needs drachtio-server and FreeSWITCH, see docker-compose.yml)\n');
}

/** This machine's address FreeSWITCH can send RTP to (the one drachtio-fsmrf also advertises). */
const reachableAddress = (): string =>
  Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address ?? '127.0.0.1';

const phoneOffer = (address: string, port: number): string =>
  ['v=0', `o=phone 1 1 IN IP4 ${address}`, 's=phone', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv', ''].join('\r\n');

const udpSocket = async (address: string): Promise<dgram.Socket> => {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  return socket;
};

describe.skipIf(skipped)('drachtio-fsmrf on a real FreeSWITCH', () => {
  test('caller channel answered, agent channel offered and bridged, ringback played as RTP, all hung up at the end', { timeout: 60_000 }, async () => {
    const require = createRequire(import.meta.url);
    const Srf = require('drachtio-srf') as new () => SrfLike;
    const srf = new Srf();
    await DrachtioSignalling.connect(srf, { host: drachtioHost, port: Number(process.env.DRACHTIO_PORT ?? 9022), secret: process.env.DRACHTIO_SECRET ?? 'cymru' }, silentLogger);
    const signalling = new DrachtioSignalling({ srf, logger: silentLogger });
    const server = await connectFreeSwitch(srf, freeswitch as NonNullable<typeof freeswitch>, silentLogger);
    const media = new FsmrfMedia(server);
    const address = reachableAddress();
    const caller = await udpSocket(address);
    const agent = await udpSocket(address);
    try {
      const leg = { callId: `it-${Date.now()}`, legId: 'leg-1', caller: 'sip' as const, agent: 'sip' as const };
      const offerToAgent = await media.offerToAgent(leg, phoneOffer(address, caller.address().port));
      expect(offerToAgent).toMatch(/m=audio \d+ RTP\/AVP/);
      const callerAnswer = await media.answerFromAgent(leg, phoneOffer(address, agent.address().port).replace('o=phone 1 1', 'o=agent 2 1'));
      expect(callerAnswer).toMatch(/m=audio [1-9]\d* RTP\/AVP/);

      const packets: Buffer[] = [];
      caller.on('message', (packet) => packets.push(packet));
      await media.anchor.play(leg.callId, 'caller', RINGBACK_TONE);
      const deadline = Date.now() + 5_000;
      while (packets.length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(packets.length).toBeGreaterThanOrEqual(10);
      await media.anchor.stopPlaying(leg.callId, 'caller');
      await media.anchor.playDtmf(leg.callId, 'caller', '1');

      await media.endCall(leg.callId);
      expect(media.calls.activeCalls).toBe(0);
    } finally {
      caller.close();
      agent.close();
      media.close();
      await signalling.close();
    }
  });
});
