/**
 * Stopping the platform waits for the SIP transactions the stop started (real sipp peers over
 * UDP): a BYE the caller answers only when it is retransmitted, a 503 whose ACK comes late, and a
 * caller who never answers the BYE (the stop goes ahead at stopDrainMs). Callers arriving while
 * the edge drains get 503 and never reach the core. The scenarios that need to see the gateway's
 * retransmissions run sipp with -nr (seesRetransmissions), so a resent message is a new <recv>.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { killAllSipp, sipp } from './support/sipp.ts';
import { callLogs, eventually, externalAgent, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';

let platform: Platform | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
});

/** The calls whose log has reached `type`. */
const callsWith = async (platform: Platform, type: string): Promise<number> => [...(await callLogs(platform.cc)).values()].filter((log) => types(log).includes(type)).length;

/** Whether this process can bind 127.0.0.1:<port> for `transport` (so the gateway no longer holds it). */
const canBind = async (transport: 'udp' | 'tcp', port: number): Promise<boolean> => {
  if (transport === 'udp') {
    const socket = dgram.createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) await new Promise<void>((resolve) => socket.close(() => resolve()));
    return bound;
  }
  const server = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  return listening;
};

/** A UDP caller connected to a1's sipp phone, the call answered in the core. */
const connectedCall = async (current: Platform, scenario: string, options: { seesRetransmissions?: boolean; fill?: Record<string, string> }) => {
  const phone = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1', timeoutSeconds: 30 });
  await externalAgent(current.cc, 'a1', phoneUri('a1', phone.port, 'udp'));
  const caller = await sipp({ scenario, transport: 'udp', remotePort: current.gateway.udpPort, service: QUEUE_NUMBER, earlyMedia: current.callerEarlyMedia, timeoutSeconds: 30, ...options });
  await eventually(async () => expect(await callsWith(current, 'CallAnswered')).toBe(1));
  await current.cc.whenIdle();
  // The core records the answer before the caller's 200 leaves: a stop in between would refuse the
  // caller (503) instead of hanging up on it. Both dialogs up, no INVITE pending: answered over SIP too.
  await eventually(() => expect(current.gateway.stats()).toMatchObject({ pendingCalls: 0, dialogs: 2 }));
  return { phone, caller };
};

test('a caller who answers only the retransmitted BYE: the stop keeps the socket open until that BYE is answered', { timeout: 60_000 }, async () => {
  platform = await startPlatform({ maxMissedOffersInRow: null });
  const { phone, caller } = await connectedCall(platform, 'caller-answers-retransmitted-bye.xml', { seesRetransmissions: true });

  await platform.gateway.stop();

  // sipp fails unless the BYE came a second time (timer E, 100 ms with the tests' T1) and its 200 was taken.
  expect(await caller.exit, caller.errors()).toBe(0);
  expect(await phone.exit, phone.errors()).toBe(0);
});

test('a waiting caller refused 503 who ACKs late: the 503 is retransmitted until the ACK, which ends it', { timeout: 60_000 }, async () => {
  platform = await startPlatform();
  const current = platform;
  const caller = await sipp({
    scenario: 'caller-refused-acks-late.xml',
    transport: 'udp',
    remotePort: current.gateway.udpPort,
    service: QUEUE_NUMBER,
    fill: { EXPECTED_STATUS: '503' },
    earlyMedia: current.callerEarlyMedia,
    seesRetransmissions: true,
    timeoutSeconds: 30,
  });
  await eventually(async () => expect(await callsWith(current, 'CallQueued')).toBe(1));
  await current.cc.whenIdle();

  await current.gateway.stop();

  // sipp fails unless two retransmissions of the 503 came before its ACK, and none after it.
  expect(await caller.exit, caller.errors()).toBe(0);
  const [log] = [...(await callLogs(current.cc)).values()];
  expect(types(log ?? [])).toEqual(['CallReceived', 'CallQueued', 'CallAbandoned']);
});

test('a caller who never answers the BYE: the stop still ends, the edge closed; a caller arriving meanwhile gets 503 and no call', { timeout: 60_000 }, async () => {
  platform = await startPlatform({ maxMissedOffersInRow: null, stopDrainMs: 3000 });
  const current = platform;
  const { gateway } = current;
  // Ignores the BYE for longer than the drain may last.
  const { phone } = await connectedCall(current, 'caller-ignores-bye.xml', { fill: { IGNORE_BYE_MS: '10000' } });

  const stopping = gateway.stop();
  // The legs are ended: the edge is draining now (the unanswered BYE holds it open up to stopDrainMs).
  await eventually(() => expect(gateway.stats().calls).toBe(0));
  const late = await sipp({ scenario: 'caller-refused.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { EXPECTED_STATUS: '503' }, earlyMedia: false, timeoutSeconds: 30 });
  expect(await late.exit, late.errors()).toBe(0);

  await stopping;

  expect(await phone.exit, phone.errors()).toBe(0);
  // Only the connected call ever reached the core.
  expect((await callLogs(current.cc)).size).toBe(1);
  expect(await canBind('udp', gateway.udpPort)).toBe(true);
  expect(await canBind('tcp', gateway.tcpPort)).toBe(true);
});
