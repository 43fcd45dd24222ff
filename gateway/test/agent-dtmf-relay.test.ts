/**
 * An agent's SIP INFO digits reach an anchored SIP caller as RFC 4733 events (an IVR the agent
 * navigates hears them). A sipp caller whose RTP endpoint is a socket of this test, an External
 * agent phone (sipp) that answers and then presses 4 and 2 as INFO; the test stands in for the
 * phone's audio, which rtpengine injects the events into. Each digit is recorded once in the core:
 * rtpengine's report of the injected events is not taken for a second key press.
 */
import { streamEntityId } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { agentPartyOf, anchorPortOf, CallerRtp, streamAudio } from './support/caller-rtp.ts';
import { eventually, externalAgent, onlyCall, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`agent-dtmf-relay: skipped: ${missing}`);

describe.skipIf(missing !== null)(`agent DTMF sent as SIP INFO reaches the caller${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  let rtp: CallerRtp | null = null;
  let audio: { stop(): void } | null = null;
  useEmbeddedRtpengine();

  afterEach(async () => {
    audio?.stop();
    audio = null;
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await rtp?.close();
    rtp = null;
  });

  test('INFO 4 and 2 from the agent phone arrive at the caller as telephone-events; DtmfReceived once each', { timeout: 120_000 }, async () => {
    platform = await startPlatform({ earlyMedia: true });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the gateway started without its ng client');
    rtp = new CallerRtp();
    const callerPort = await rtp.open();
    const caller = await sipp({ scenario: 'caller-early-media.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
    // The phone presses its keys a few seconds after answering: by then its audio (below) flows.
    const phone = await sipp({ scenario: 'agent-answers-sends-info.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 90, fill: { INFO_DELAY: '3000' } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'), 20_000);
    const callId = streamEntityId((await onlyCall(cc))[0]?.streamId ?? '');

    const agentPort = await anchorPortOf(client, callId, await agentPartyOf(client, callId));
    expect(agentPort).toBeGreaterThan(0);
    audio = streamAudio(agentPort);

    await eventually(() => expect(rtp?.digits()).toBe('42'), 30_000);
    const received = (await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived').map((event) => event.data as { digits: string; from: string });
    expect(received).toEqual([expect.objectContaining({ digits: '4', from: 'agent' }), expect.objectContaining({ digits: '2', from: 'agent' })]);

    const context = { organisationId: 'org-gw', actor: { kind: 'user' as const, userId: 'e1' } };
    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', context);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    // Reports of the injected events that came in late are not counted either.
    expect((await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived')).toHaveLength(2);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('without media (RTPENGINE=off) INFO digits are recorded and the call goes on: nothing to relay them on', { timeout: 60_000 }, async () => {
    process.env.RTPENGINE = 'off';
    try {
      platform = await startPlatform({ earlyMedia: true });
    } finally {
      process.env.RTPENGINE = 'embedded';
    }
    const { cc, gateway } = platform;
    expect(gateway.media.setting.kind).toBe('off');
    const caller = await sipp({ scenario: 'caller-hung-up-on.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 50 });
    const phone = await sipp({ scenario: 'agent-answers-sends-info.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 50, fill: { INFO_DELAY: '200' } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));
    const log = await eventually(async () => {
      const events = await onlyCall(cc);
      expect(events.filter((event) => event.type === 'DtmfReceived')).toHaveLength(2);
      return events;
    }, 20_000);
    const callId = streamEntityId(log[0]?.streamId ?? '');
    expect((await cc.states.calls.load(`call-${callId}`)).state.status).toBe('connected');
    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', { organisationId: 'org-gw', actor: { kind: 'user', userId: 'e1' } });
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
  });
});
