/**
 * What a blindly transferred SIP caller hears while it waits, through rtpengine: ringback while the
 * target agent's phone rings, the new queue's music while it waits there, and silence again once
 * someone answers or the transfer fails. The caller's RTP endpoint is a socket of this test and the
 * agents' sipp phones send no audio, so every packet the caller gets is what the gateway plays.
 */
import { type CommandContext, defaultQueueSettings, streamEntityId, streams } from '@cc/core';
import { afterEach, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { CallerRtp } from './support/caller-rtp.ts';
import { eventually, externalAgent, onlyCall, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`transfer-waiting-media: skipped: ${missing}`);

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });

/** Resolves once no packet has reached the caller for a while: nothing is played to it. */
const silent = (rtp: CallerRtp): Promise<void> =>
  eventually(async () => {
    const before = rtp.packets;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(rtp.packets).toBe(before);
  }, 20_000);

/** Resolves once `count` more packets reached the caller. */
const hears = (rtp: CallerRtp, count = 25): Promise<void> => {
  const from = rtp.packets;
  return eventually(() => expect(rtp.packets).toBeGreaterThan(from + count), 20_000);
};

describe.skipIf(missing !== null)(`a transferred SIP caller hears ringback or music while it waits${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
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

  /** A queued caller answered by e1: resolves with the call id once the caller hears nothing more. */
  const answeredCall = async (callerScenario: string): Promise<{ callId: string; caller: Awaited<ReturnType<typeof sipp>>; first: Awaited<ReturnType<typeof sipp>> }> => {
    if (platform === null || rtp === null) throw new Error('start the platform first');
    const { cc, gateway } = platform;
    const callerPort = await rtp.open();
    const caller = await sipp({ scenario: callerScenario, transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
    const first = await sipp({ scenario: 'agent-answers-dtmf.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 90 });
    await externalAgent(cc, 'e1', phoneUri('e1', first.port, 'udp'));
    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallAnswered'), 20_000);
    await silent(rtp);
    return { callId: streamEntityId((await onlyCall(cc))[0]?.streamId ?? ''), caller, first };
  };

  test('to an agent: ringback while the phone rings, stopped when it answers', { timeout: 120_000 }, async () => {
    platform = await startPlatform({ earlyMedia: true });
    const { cc, gateway } = platform;
    rtp = new CallerRtp();
    const { callId, caller, first } = await answeredCall('caller-early-media-transferred.xml');
    // It rings long enough for the ringback to be heard (and checked) before it answers on a loaded
    // machine, and answers well before the edge gives up on a ringing INVITE (64*T1: 6.4 s with the tests' timers).
    const second = await sipp({ scenario: 'agent-rings-then-answers.xml', transport: 'udp', agent: 'e2', timeoutSeconds: 90, fill: { RING_MS: '4500' } });
    await externalAgent(cc, 'e2', phoneUri('e2', second.port, 'udp'));

    await cc.requestTransfer(callId, 'e1', { kind: 'agent', agentId: 'e2' }, asAgent('e1'));
    await hears(rtp);
    expect(types(await onlyCall(cc))).not.toContain('CallTransferAccepted');

    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallTransferAccepted'), 20_000);
    await silent(rtp);
    expect(await first.exit, first.errors()).toBe(0);
    await cc.hangUp(callId, 'agent', 'e2', 'done', asAgent('e2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('to an agent whose phone is busy: ringback while it rings, silence once the caller is back with the first agent', { timeout: 120_000 }, async () => {
    platform = await startPlatform({ earlyMedia: true });
    const { cc, gateway } = platform;
    rtp = new CallerRtp();
    const { callId, caller, first } = await answeredCall('caller-early-media.xml');
    // The phone rings a while, then declines: the transfer fails and the caller is back with e1.
    const second = await sipp({ scenario: 'agent-rings-then-busy.xml', transport: 'udp', agent: 'e2', timeoutSeconds: 90, fill: { RING_MS: '4500' } });
    await externalAgent(cc, 'e2', phoneUri('e2', second.port, 'udp'));

    await cc.requestTransfer(callId, 'e1', { kind: 'agent', agentId: 'e2' }, asAgent('e1'));
    await hears(rtp);

    await eventually(async () => expect(types(await onlyCall(cc))).toContain('CallTransferRejected'), 20_000);
    await silent(rtp);
    expect((await cc.states.calls.load(streams.call(callId))).state).toMatchObject({ status: 'connected', connectedAgentId: 'e1', transfer: null });
    expect(await second.exit, second.errors()).toBe(0);
    await cc.hangUp(callId, 'agent', 'e1', 'done', asAgent('e1'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await first.exit, first.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test("to a queue: the queue's music while the caller waits there, stopped when its agent answers", { timeout: 120_000 }, async () => {
    platform = await startPlatform({ earlyMedia: true });
    const { cc, gateway } = platform;
    await cc.execute('queue', 'q2', { type: 'CreateQueue', data: { queueId: 'q2', organisationId: ORG, settings: defaultQueueSettings('Sales', { number: '+3225554321', musicOnHold: 'hold-music' }), at: cc.now() } }, asAgent('setup'));
    rtp = new CallerRtp();
    const { callId, caller, first } = await answeredCall('caller-early-media-transferred.xml');

    await cc.requestTransfer(callId, 'e1', { kind: 'queue', queueId: 'q2' }, asAgent('e1'));
    expect(await first.exit, first.errors()).toBe(0);
    // Nobody in q2 yet: the caller keeps hearing the music.
    await hears(rtp);
    await hears(rtp);
    expect((await cc.states.calls.load(streams.call(callId))).state).toMatchObject({ status: 'waiting', queueId: 'q2' });

    const second = await sipp({ scenario: 'agent-answers-dtmf.xml', transport: 'udp', agent: 'e2', timeoutSeconds: 90 });
    await externalAgent(cc, 'e2', phoneUri('e2', second.port, 'udp'));
    await cc.execute('agent', 'e2', { type: 'JoinQueue', data: { queueId: 'q2', penalty: 0, skills: [], at: cc.now() } }, asAgent('setup'));
    await eventually(async () => expect((await cc.states.calls.load(streams.call(callId))).state).toMatchObject({ status: 'connected', connectedAgentId: 'e2' }), 20_000);
    await silent(rtp);

    await cc.hangUp(callId, 'agent', 'e2', 'done', asAgent('e2'));
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await second.exit, second.errors()).toBe(0);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });
});
