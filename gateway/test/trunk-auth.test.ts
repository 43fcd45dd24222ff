/**
 * Digest authentication towards the SIP trunk: an agent dials out from their softphone (a
 * SIP-over-WebSocket UA, support/ws-dialling-agent.ts), the trunk is sipp as a UAS that challenges
 * the INVITE. With SIP_TRUNK_USERNAME/SIP_TRUNK_PASSWORD the gateway ACKs the challenge and sends
 * the INVITE once more (same Call-ID, CSeq 2) with credentials sipp verifies; a second challenge,
 * or no credentials, fails the call without the agent's phone being asked for a password.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { eventually, onlyCall, type Platform, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { killAllSipp, sipp } from './support/sipp.ts';
import { WsDiallingAgent } from './support/ws-dialling-agent.ts';

const CALLEE = '+3225550199';
const TRUNK_USER = 'trunk-user';
const TRUNK_PASSWORD = 'S3cret-trunk';

let platform: Platform | null = null;
const softphones: WsDiallingAgent[] = [];
const previous = { username: process.env.SIP_TRUNK_USERNAME, password: process.env.SIP_TRUNK_PASSWORD };

afterEach(async () => {
  await killAllSipp();
  for (const softphone of softphones.splice(0)) await softphone.close();
  await platform?.stop();
  platform = null;
  for (const [name, value] of [['SIP_TRUNK_USERNAME', previous.username], ['SIP_TRUNK_PASSWORD', previous.password]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const dataOf = <T>(events: { type: string; data: unknown }[], type: string): T | undefined => events.find((event) => event.type === type)?.data as T | undefined;

/** The platform with the trunk at sipp's port (login from the environment, as `npm start` reads it) and a registered softphone. */
const platformWithTrunk = async (trunkPort: number, login: { username: string; password: string } | null): Promise<{ running: Platform; softphone: WsDiallingAgent }> => {
  if (login === null) {
    delete process.env.SIP_TRUNK_USERNAME;
    delete process.env.SIP_TRUNK_PASSWORD;
  } else {
    process.env.SIP_TRUNK_USERNAME = login.username;
    process.env.SIP_TRUNK_PASSWORD = login.password;
  }
  const running = await startPlatform({ trunkUri: `sip:127.0.0.1:${trunkPort}` });
  platform = running;
  await webrtcAgent(running.cc, 'w1');
  const credential = running.credentials.issue({ sessionId: 'session-w1', agentId: 'w1', organisationId: 'org-gw' });
  const softphone = await WsDiallingAgent.connect(running.wsUrl, credential);
  softphones.push(softphone);
  expect(await softphone.register()).toBe(200);
  return { running, softphone };
};

describe('the trunk asks for digest authentication', () => {
  test('401, ACKed, then the INVITE again (CSeq 2) with an Authorization sipp verifies (qop=auth): answered, and the agent hangs up', { timeout: 60_000 }, async () => {
    const trunk = await sipp({ scenario: 'trunk-challenges-answers.xml', transport: 'udp', fill: { TRUNK_USER, TRUNK_PASSWORD } });
    const { running, softphone } = await platformWithTrunk(trunk.port, { username: TRUNK_USER, password: TRUNK_PASSWORD });

    const final = await softphone.dial(CALLEE);
    expect(final.status).toBe(200);
    // The agent saw its own 407 (the gateway's, for its softphone credentials) and never the trunk's 401.
    expect(softphone.responses.map((response) => response.status)).not.toContain(401);
    await eventually(async () => expect(types(await onlyCall(running.cc))).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']));

    expect((await softphone.bye()).status).toBe(200);
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('407 from a proxy in front of the trunk: the INVITE goes again with Proxy-Authorization (username, realm, uri, qop, nc, cnonce, opaque); answered', { timeout: 60_000 }, async () => {
    const trunk = await sipp({
      scenario: 'trunk-proxy-challenges-answers.xml',
      transport: 'udp',
      fill: { TRUNK_USER, TRUNK_PASSWORD, EXPECTED_URI: `${CALLEE.replace('+', '\\+')}@127\\.0\\.0\\.1:[0-9]+` },
    });
    const { running, softphone } = await platformWithTrunk(trunk.port, { username: TRUNK_USER, password: TRUNK_PASSWORD });

    expect((await softphone.dial(CALLEE)).status).toBe(200);
    expect(softphone.responses.filter((response) => response.status === 407)).toHaveLength(1);
    await eventually(async () => expect(types(await onlyCall(running.cc))).toEqual(['OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered']));
    expect((await softphone.bye()).status).toBe(200);
    expect(await trunk.exit, trunk.errors()).toBe(0);
  });

  test('challenged again after the credentials: the call fails with the 401, the agent gets 403, and no third INVITE goes out', { timeout: 60_000 }, async () => {
    const trunk = await sipp({ scenario: 'trunk-challenges-twice.xml', transport: 'udp' });
    const { running, softphone } = await platformWithTrunk(trunk.port, { username: TRUNK_USER, password: 'not-the-password' });

    const final = await softphone.dial(CALLEE);
    expect(final.status).toBe(403);
    expect(final.reason).toBe('Forbidden');
    const events = await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallFailed']);
      return log;
    });
    expect(dataOf(events, 'OutboundCallFailed')).toMatchObject({ sipStatus: 401, agentId: 'w1' });
    expect(await trunk.exit, trunk.errors()).toBe(0);
    await eventually(() => expect(running.gateway.stats()).toMatchObject({ calls: 0, dialogs: 0 }));
  });

  test('without SIP_TRUNK_USERNAME/SIP_TRUNK_PASSWORD the 407 is ACKed and fails the call (sipStatus 407)', { timeout: 60_000 }, async () => {
    const trunk = await sipp({ scenario: 'trunk-challenges-once.xml', transport: 'udp' });
    const { running, softphone } = await platformWithTrunk(trunk.port, null);

    expect((await softphone.dial(CALLEE)).status).toBe(403);
    const events = await eventually(async () => {
      const log = await onlyCall(running.cc);
      expect(types(log)).toEqual(['OutboundCallPlaced', 'OutboundCallFailed']);
      return log;
    });
    expect(dataOf(events, 'OutboundCallFailed')).toMatchObject({ sipStatus: 407 });
    expect(await trunk.exit, trunk.errors()).toBe(0);
  });
});
