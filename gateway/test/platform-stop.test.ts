/**
 * Stopping the platform with calls in progress (real sipp peers): the core records each call ended
 * first (a connected one by 'system', 'platform stopping'; ringing and waiting callers abandoned),
 * then the legs go: BYE to the connected caller and phone, CANCEL to the ringing phone, 503 to the
 * callers nobody answered.
 */
import { afterEach, expect, test } from 'vitest';
import type { RecordedEvent } from '@cc/core';
import { killAllSipp, sipp } from './support/sipp.ts';
import { callLogs, eventually, externalAgent, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';

let platform: Platform | null = null;

afterEach(async () => {
  await killAllSipp();
  await platform?.stop();
  platform = null;
});

const last = (events: RecordedEvent[]): RecordedEvent => events.at(-1) as RecordedEvent;

/** The calls whose log has reached `type`. */
const callsWith = async (platform: Platform, type: string): Promise<RecordedEvent[][]> => [...(await callLogs(platform.cc)).values()].filter((log) => types(log).includes(type));

test('a connected call, a ringing one and a waiting one: ended in the core with the stop reason, then BYE, CANCEL and 503', { timeout: 60_000 }, async () => {
  platform = await startPlatform({ maxMissedOffersInRow: null });
  const current = platform;
  const { cc, gateway } = current;
  const phone = await sipp({ scenario: 'agent-answers.xml', transport: 'udp', agent: 'a1', timeoutSeconds: 30 });
  await externalAgent(cc, 'a1', phoneUri('a1', phone.port, 'udp'));
  const connectedCaller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 30 });
  await eventually(async () => expect(await callsWith(current, 'CallAnswered')).toHaveLength(1));

  // a2 comes online only now, so the second caller rings a2's phone, which never answers.
  const silentPhone = await sipp({ scenario: 'agent-no-answer.xml', transport: 'tcp', agent: 'a2', timeoutSeconds: 30 });
  await externalAgent(cc, 'a2', phoneUri('a2', silentPhone.port, 'tcp'));
  const ringingCaller = await sipp({ scenario: 'caller-refused.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, fill: { EXPECTED_STATUS: '503' }, timeoutSeconds: 30 });
  await eventually(async () => expect(await callsWith(current, 'CallOffered')).toHaveLength(2));
  // Nobody is left free: the third caller waits.
  const waitingCaller = await sipp({ scenario: 'caller-refused.xml', transport: 'tcp', remotePort: gateway.tcpPort, service: QUEUE_NUMBER, fill: { EXPECTED_STATUS: '503' }, timeoutSeconds: 30 });
  await eventually(async () => expect(await callLogs(cc)).toHaveProperty('size', 3));
  await cc.whenIdle();

  await gateway.stop();

  expect(await connectedCaller.exit, connectedCaller.errors()).toBe(0);
  expect(await phone.exit, phone.errors()).toBe(0);
  expect(await silentPhone.exit, silentPhone.errors()).toBe(0);
  expect(await ringingCaller.exit, ringingCaller.errors()).toBe(0);
  expect(await waitingCaller.exit, waitingCaller.errors()).toBe(0);

  // Read before the store closes (afterEach): each call's last decision is the stop's.
  const logs = [...(await callLogs(cc)).values()];
  const connected = logs.find((log) => types(log).includes('CallAnswered')) as RecordedEvent[];
  const ringing = logs.find((log) => !types(log).includes('CallAnswered') && types(log).includes('CallOffered')) as RecordedEvent[];
  const waiting = logs.find((log) => !types(log).includes('CallOffered')) as RecordedEvent[];
  const stopping = { kind: 'system', component: 'gateway:platform-stopping' };

  const ended = connected.find((event) => event.type === 'CallEnded');
  expect(ended?.data).toMatchObject({ endedBy: 'system', agentId: 'a1', reason: 'platform stopping' });
  expect(ended?.metadata.actor).toEqual(stopping);
  expect(types(connected).slice(-2)).toEqual(['CallEnded', 'WrapUpStarted']);

  expect(last(ringing).type).toBe('CallAbandoned');
  expect(last(ringing).data).toMatchObject({ while: 'ringing', offers: [{ agentId: 'a2' }] });
  expect(last(ringing).metadata.actor).toEqual(stopping);

  expect(types(waiting)).toEqual(['CallReceived', 'CallQueued', 'CallAbandoned']);
  expect(last(waiting).data).toMatchObject({ while: 'waiting', offers: [] });
  expect(last(waiting).metadata.actor).toEqual(stopping);
});
