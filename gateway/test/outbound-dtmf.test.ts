/**
 * An agent's SIP INFO digits on an outbound call reach the callee as RFC 4733 events (the agent
 * navigates the callee's IVR). The agent is a desk phone (sipp over UDP, outside the trusted peers,
 * answering the gateway's 407 with its SIP credentials) that presses 4 and 2 as INFO once the
 * callee answered; the trunk is sipp, with the callee's RTP endpoint a socket of this test. The test
 * also stands in for the phone's audio, which rtpengine injects the events into. Each digit is
 * recorded once in the core.
 */
import { streamEntityId } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { anchorPortOf, CallerRtp, streamAudio } from './support/caller-rtp.ts';
import { eventually, onlyCall, type Platform, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';

const CALLEE = '+3225550199';
const missing = rtpengineMissing();
if (missing !== null) console.warn(`outbound-dtmf: skipped: ${missing}`);

describe.skipIf(missing !== null)(`agent DTMF on an outbound call reaches the callee${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  let calleeRtp: CallerRtp | null = null;
  let audio: { stop(): void } | null = null;
  useEmbeddedRtpengine();

  afterEach(async () => {
    audio?.stop();
    audio = null;
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await calleeRtp?.close();
    calleeRtp = null;
  });

  test('INFO 4 and 2 from the agent phone arrive at the callee as telephone-events; DtmfReceived once each', { timeout: 120_000 }, async () => {
    calleeRtp = new CallerRtp();
    const calleePort = await calleeRtp.open();
    const trunk = await sipp({ scenario: 'trunk-answers-to-rtp.xml', transport: 'udp', timeoutSeconds: 90, fill: { CALLEE_RTP_PORT: String(calleePort) } });
    // 127.0.0.1 is not a trusted peer here: the phone's INVITE is an agent dialling out, challenged with 407.
    platform = await startPlatform({ trustedPeers: ['10.99.0.0/16'], trunkUri: `sip:127.0.0.1:${trunk.port}` });
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the gateway started without its ng client');
    await webrtcAgent(cc, 'd1');
    const credential = platform.credentials.issue({ sessionId: 'session-d1', agentId: 'd1', organisationId: 'org-gw' });
    // The phone presses its keys a few seconds after the answer: by then its audio (below) flows.
    const phone = await sipp({
      scenario: 'agent-dials-sends-info.xml',
      transport: 'udp',
      remotePort: gateway.udpPort,
      service: CALLEE,
      agent: 'd1',
      timeoutSeconds: 90,
      fill: { AUTH_USER: credential.authorizationUser, AUTH_PASSWORD: credential.password, INFO_DELAY: '3000' },
    });

    await eventually(async () => expect(types(await onlyCall(cc))).toEqual(['OutboundCallPlaced', 'OutboundCallAnswered']), 20_000);
    const callId = streamEntityId((await onlyCall(cc))[0]?.streamId ?? '');
    // The agent's side of the one media leg of an outbound call (call-media.ts: party c.<leg>).
    const agentPort = await anchorPortOf(client, callId, 'c.trunk');
    expect(agentPort).toBeGreaterThan(0);
    audio = streamAudio(agentPort);

    await eventually(() => expect(calleeRtp?.digits()).toBe('42'), 30_000);
    const received = (await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived').map((event) => event.data as { digits: string; from: string });
    expect(received).toEqual([expect.objectContaining({ digits: '4', from: 'agent' }), expect.objectContaining({ digits: '2', from: 'agent' })]);

    await cc.hangUp(callId, 'agent', 'd1', 'agent hung up', { organisationId: 'org-gw', actor: { kind: 'user', userId: 'd1' } });
    expect(await phone.exit, phone.errors()).toBe(0);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    expect((await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived')).toHaveLength(2);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });
});
