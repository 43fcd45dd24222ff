/**
 * A held caller is not heard by the agent, nor hears the agent: a PSTN caller (sipp, its RTP at a
 * socket of this test) answered by External agent e1's phone (sipp, its RTP at another socket), both
 * talking all along with audio whose payload is one byte repeated (its mark), the phone going on
 * sending while on hold (as one that ignores a=sendonly does). On hold from the console the caller
 * hears music and none of e1's packets while e1's phone gets none of the caller's (rtpengine's
 * `block media` on both parties; the music played to the caller is not blocked); once resumed,
 * they hear each other again.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, streams } from '@cc/core';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { agentPartyOf, anchorPortOf } from './support/caller-rtp.ts';
import { useEmbeddedRtpengine } from './support/embedded-rtpengine.ts';
import { MarkedRtp } from './support/marked-rtp.ts';
import { eventually, externalAgent, onlyCall, ORG, phoneUri, type Platform, QUEUE_NUMBER, startPlatform, types } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`hold-caller-audio: skipped: ${missing}`);

const CALLER_MARK = 0x77;
const AGENT_MARK = 0x33;

const asAgent: CommandContext = { organisationId: ORG, actor: { kind: 'user', userId: 'e1' } };
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

/** Counts what reaches the caller besides the agent's marked audio: the music on hold. */
const musicCounter = (callerRtp: MarkedRtp): (() => number) => {
  let music = 0;
  callerRtp.socket.on('message', (packet) => {
    if (!(packet.length > 12 && packet[12] === AGENT_MARK && packet.at(-1) === AGENT_MARK)) music += 1;
  });
  return () => music;
};

/** Resolves once `clock` (a packet count) has gone `count` further. */
const advanced = (clock: () => number, count: number): Promise<void> => {
  const from = clock();
  return eventually(() => expect(clock()).toBeGreaterThanOrEqual(from + count), 20_000);
};

/** Resolves once `rtp` heard nothing of `mark` while `clock` went 10 further: what was on its way before a block has arrived. */
const quietMoment = (rtp: MarkedRtp, mark: number, clock: () => number): Promise<void> =>
  eventually(async () => {
    const heard = rtp.heard(mark);
    await advanced(clock, 10);
    expect(rtp.heard(mark)).toBe(heard);
  }, 30_000);

describe.skipIf(missing !== null)(`a caller on hold is not heard by the agent${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let platform: Platform | null = null;
  let endpoints: MarkedRtp[] = [];
  useEmbeddedRtpengine();

  afterEach(async () => {
    await killAllSipp();
    await platform?.stop();
    platform = null;
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    endpoints = [];
  });

  const endpoint = async (): Promise<[MarkedRtp, number]> => {
    const rtp = new MarkedRtp();
    endpoints.push(rtp);
    return [rtp, await rtp.open()];
  };

  const heardMore = (rtp: MarkedRtp, mark: number, count = 25): Promise<void> => advanced(() => rtp.heard(mark), count + 1);

  test("console hold: the caller hears music and none of the agent's audio, the agent's phone gets none of the caller's; after resume both hear each other again", { timeout: 120_000 }, async () => {
    const [callerRtp, callerPort] = await endpoint();
    const [agentRtp, agentPort] = await endpoint();
    const music = musicCounter(callerRtp);
    platform = await startPlatform();
    const { cc, gateway } = platform;
    const client = gateway.media.client;
    if (client === null) throw new Error('the embedded rtpengine is not running');
    const phone = await sipp({ scenario: 'agent-answers-to-rtp.xml', transport: 'udp', agent: 'e1', timeoutSeconds: 90, fill: { AGENT_RTP_PORT: String(agentPort) } });
    await externalAgent(cc, 'e1', phoneUri('e1', phone.port, 'udp'));
    const caller = await sipp({ scenario: 'caller-early-media.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
    const callId = await eventually(async () => {
      const log = await onlyCall(cc);
      expect(types(log)).toContain('CallAnswered');
      return (log[0]?.data as { callId: string }).callId;
    }, 20_000);

    // Both talk, and hear each other.
    callerRtp.send(await anchorPortOf(client, callId, `c.${callId}`), CALLER_MARK);
    agentRtp.send(await anchorPortOf(client, callId, await agentPartyOf(client, callId)), AGENT_MARK);
    await heardMore(agentRtp, CALLER_MARK);
    await heardMore(callerRtp, AGENT_MARK);

    await cc.execute('call', callId, { type: 'HoldCall', data: { agentId: 'e1', at: cc.now() } }, asAgent);
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', onHold: true });
    // The caller hears music...
    await advanced(music, 25);
    // ...and, once what was on its way before the hold has arrived, e1 gets none of the caller's audio over a second of music.
    await quietMoment(agentRtp, CALLER_MARK, music);
    const heardOnHold = agentRtp.heard(CALLER_MARK);
    await advanced(music, 50);
    expect(agentRtp.heard(CALLER_MARK)).toBe(heardOnHold);
    // The phone kept sending all along; once what it sent before the hold has arrived, the caller gets none of it over a second of music.
    await quietMoment(callerRtp, AGENT_MARK, music);
    const agentHeardOnHold = callerRtp.heard(AGENT_MARK);
    await advanced(music, 50);
    expect(callerRtp.heard(AGENT_MARK)).toBe(agentHeardOnHold);

    await cc.execute('call', callId, { type: 'ResumeCall', data: { agentId: 'e1', at: cc.now() } }, asAgent);
    await heardMore(agentRtp, CALLER_MARK);
    await heardMore(callerRtp, AGENT_MARK);

    await cc.hangUp(callId, 'agent', 'e1', 'done', asAgent);
    expect(await caller.exit, caller.errors()).toBe(0);
    expect(await phone.exit, phone.errors()).toBe(0);
    const log = await onlyCall(cc);
    expect(types(log).slice(4, 6)).toEqual(['CallHeld', 'CallResumed']);
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
