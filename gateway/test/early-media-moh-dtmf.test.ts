/**
 * Early media, music on hold and RFC 4733 DTMF through rtpengine (the gateway's embedded daemon).
 * A sipp caller over UDP whose RTP endpoint is a UDP socket of this test: while queued it gets a
 * 183 with an SDP and the ringback arrives at that socket; an External agent (sipp UAS) answers and
 * the caller gets the 200; digits the caller sends as telephone-event RTP reach the core as
 * DtmfReceived; a hold from the console plays music to the caller while the agent sends nothing;
 * sendDtmf reaches the caller as telephone-event packets.
 */
import { streamEntityId } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { eventually, externalAgent, onlyCall, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { agentPartyOf, anchorPortOf, CallerRtp, streamAudio } from './support/caller-rtp.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`early-media-moh-dtmf: skipped: ${missing}`);

describe.skipIf(missing !== null)(`a SIP caller hears ringback, music on hold and DTMF through rtpengine${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  let rtp: CallerRtp | null = null;
  useEmbeddedRtpengine();

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await rtp?.close();
    rtp = null;
  });

  test('183 with ringback while queued, 200 on answer, caller DTMF to the core, music on hold, sendDtmf to the caller', { timeout: 120_000 }, async () => {
    platform = await startPlatform({ earlyMedia: true });
    const { cc, gateway } = platform;
    expect(gateway.media.setting.kind).toBe('embedded');
    rtp = new CallerRtp();
    const callerPort = await rtp.open();
    const caller = await sipp({ scenario: 'caller-early-media.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });

    // Queued, nobody to answer: the ringback keeps arriving.
    const queuedAt = await eventually(() => {
      expect(rtp?.packets).toBeGreaterThan(25);
      return rtp?.packets ?? 0;
    }, 20_000);
    expect(types(await onlyCall(cc))).toContain('CallQueued');
    expect(types(await onlyCall(cc))).not.toContain('CallAnswered');
    await eventually(() => expect(rtp?.packets).toBeGreaterThan(queuedAt + 25), 20_000);
    const earlyPort = rtp.anchorPort;
    expect(earlyPort).toBeGreaterThan(0);

    // An agent answers: the caller gets its 200 (the scenario checks it carries an SDP).
    const phone = await sipp({ scenario: 'agent-answers-dtmf.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 90 });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'), 20_000);
    const callId = streamEntityId((await onlyCall(cc))[0]?.streamId ?? '');

    // The caller's digits, sent to the port it was given in the 183, reach the core.
    await rtp.sendDigit(5, earlyPort);
    await rtp.sendDigit(9, earlyPort);
    await eventually(async () => {
      const received = (await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived').map((event) => event.data as { digits: string; from: string });
      expect(received).toEqual([
        expect.objectContaining({ digits: '5', from: 'caller' }),
        expect.objectContaining({ digits: '9', from: 'caller' }),
      ]);
    }, 20_000);

    // On hold from the console: music reaches the caller though the agent's phone sends nothing.
    const context = { organisationId: 'org-gw', actor: { kind: 'user' as const, userId: 'e1' } };
    await cc.execute('call', callId, { type: 'HoldCall', data: { agentId: 'e1', at: cc.now() } }, context);
    const heldAt = rtp.packets;
    await eventually(() => expect(rtp?.packets).toBeGreaterThan(heldAt + 25), 20_000);
    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'e1', at: cc.now() } }, context);

    // The agent's dial pad: RFC 4733 events arrive at the caller. rtpengine injects them into the
    // agent's stream, which a real phone always sends; sipp's does not, so this test stands in for it.
    const client = gateway.media.client;
    if (client === null) throw new Error('the gateway started without its ng client');
    const agentPort = await anchorPortOf(client, callId, await agentPartyOf(client, callId));
    expect(agentPort).toBeGreaterThan(0);
    const agentAudio = streamAudio(agentPort);
    try {
      await eventually(() => expect(agentAudio.sent()).toBeGreaterThan(10));
      const sendDtmf = gateway.sendDtmf;
      if (sendDtmf === undefined) throw new Error('the gateway offers no sendDtmf');
      // rtpengine injects only once it has taken in the agent's stream (its SSRC); until then it refuses.
      await eventually(() => sendDtmf(callId, '7'));
      await eventually(() => expect(rtp?.digits()).toBe('7'), 20_000);
    } finally {
      agentAudio.stop();
    }
    // Injected digits are not taken for the agent's own.
    expect((await onlyCall(cc)).filter((event) => event.type === 'DtmfReceived')).toHaveLength(2);

    await cc.hangUp(callId, 'agent', 'e1', 'agent hung up', context);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });
});
