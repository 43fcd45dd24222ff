/**
 * sendDtmf: the connected agent's dial pad, over real HTTP. Without a SIP edge the checks and the
 * "not on the gateway" answer; with the SIP edge and rtpengine a sipp caller (its RTP endpoint a
 * socket of this test) hears the digits as RFC 4733 events.
 */
import { readStreamToArray, streams } from '@cc/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rtpengineMissing } from '../../gateway/src/media/rtpengine-daemon.ts';
import { agentPartyOf, anchorPortOf, CallerRtp, streamAudio } from '../../gateway/test/support/caller-rtp.ts';
import { eventually } from '../../gateway/test/support/platform.ts';
import { killAllSipp, sipp } from '../../gateway/test/support/sipp.ts';
import { agentInput, anotherOrganisation, codeOf, gql, login, signInOwner, startTestServer, type TestServer } from './support/api-server.ts';

const SEND = 'mutation($c:ID!,$d:String!){sendDtmf(callId:$c, digits:$d)}';
const QUEUE_NUMBER = '+3225551299';

/** The seeded organisation with one queue; agents are created into it and signed in. */
const organisation = async (t: TestServer) => {
  const { owner, organisationId } = await signInOwner(t);
  const queueId = (await gql(t.url, 'mutation($n:String){createQueue(input:{name:"Support", number:$n, wrapUpSeconds:0}){id}}', { n: QUEUE_NUMBER }, owner)).data?.createQueue.id as string;
  const newAgent = async (overrides: Record<string, unknown> = {}): Promise<{ agentId: string; token: string }> => {
    const input = agentInput({ queueIds: [queueId], ...overrides });
    const created = await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner);
    if (created.errors !== undefined) throw new Error(JSON.stringify(created.errors));
    const token = await login(t.url, input.email, input.password);
    return { agentId: created.data?.createAgent.id as string, token };
  };
  /** A call put in through the core, as a channel other than the SIP edge would. */
  const coreCall = async (): Promise<string> => {
    const { core, readSide } = t.server.platform;
    const { callId } = await core.receiveCall({ organisationId, queueId, channel: 'pstn', caller: { number: '+3225550199', name: null, customerId: null } }, { organisationId, actor: { kind: 'system', component: 'test' } });
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    return callId;
  };
  return { owner, organisationId, queueId, newAgent, coreCall };
};

const online = (t: TestServer, token: string) => gql(t.url, 'mutation{setAgentStatus(status:ONLINE){id}}', {}, token);

describe('sendDtmf without a SIP edge', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => t?.stop());

  test('digits are checked; unknown and foreign calls are not found; only the connected agent may send; no SIP edge says so', async () => {
    const { owner, newAgent, coreCall } = await organisation(t);
    const onCall = await newAgent();
    const other = await newAgent();
    await online(t, onCall.token);
    const callId = await coreCall();
    expect((await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: callId }, onCall.token)).errors).toBeUndefined();

    for (const digits of ['', '12x', 'e', '1'.repeat(33)]) {
      const refused = await gql(t.url, SEND, { c: callId, d: digits }, onCall.token);
      expect(codeOf(refused), digits).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.message).toContain('0-9, *, #, A-D');
    }
    expect(codeOf(await gql(t.url, SEND, { c: 'no-such-call', d: '1' }, onCall.token))).toBe('CALL_NOT_FOUND');
    const foreign = await anotherOrganisation(t, 'owner');
    expect(codeOf(await gql(t.url, SEND, { c: callId, d: '1' }, await login(t.url, foreign.email, foreign.password)))).toBe('CALL_NOT_FOUND');
    expect(codeOf(await gql(t.url, SEND, { c: callId, d: '1' }, other.token))).toBe('FORBIDDEN');
    // The owner supervises every call but is not on this one.
    expect(codeOf(await gql(t.url, SEND, { c: callId, d: '1' }, owner))).toBe('FORBIDDEN');
    expect(codeOf(await gql(t.url, SEND, { c: callId, d: '1' }))).toBe('UNAUTHENTICATED');

    const noEdge = await gql(t.url, SEND, { c: callId, d: '1' }, onCall.token);
    expect(codeOf(noEdge)).toBe('CALL_NOT_ON_GATEWAY');
    expect(noEdge.errors?.[0]?.message).toContain('SIP edge is off');
    // Nothing was sent, so nothing is recorded.
    const events = await readStreamToArray(t.server.platform.core.store, streams.call(callId));
    expect(events.map((event) => event.type)).not.toContain('DtmfReceived');
  });
});

const missing = rtpengineMissing();
if (missing !== null) console.warn(`send-dtmf: SIP edge part skipped: ${missing}`);

describe.skipIf(missing !== null)(`sendDtmf through the SIP edge and rtpengine${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let t: TestServer;
  const previous = process.env.RTPENGINE;
  beforeAll(async () => {
    process.env.RTPENGINE = 'embedded';
    t = await startTestServer(undefined, { sipPort: 0 });
  });
  afterAll(async () => {
    await killAllSipp();
    await t?.stop();
    if (previous === undefined) delete process.env.RTPENGINE;
    else process.env.RTPENGINE = previous;
  });

  test('the agent on a SIP call sends 7# and the caller hears them; a call the edge does not carry gets CALL_NOT_ON_GATEWAY', { timeout: 120_000 }, async () => {
    const gateway = t.server.gateway;
    const client = gateway?.media.client ?? null;
    if (gateway === null || client === null) throw new Error('the server started without its SIP edge and rtpengine');
    const { newAgent, coreCall } = await organisation(t);
    const phone = await sipp({ scenario: 'agent-answers-dtmf.xml', transport: 'udp', agent: 'desk', timeoutSeconds: 90 });
    const onCall = await newAgent({ typology: 'EXTERNAL', externalUri: `sip:desk@127.0.0.1:${phone.port}` });
    const rtp = new CallerRtp();
    const callerPort = await rtp.open();
    try {
      await online(t, onCall.token);
      const caller = await sipp({ scenario: 'caller-early-media.xml', transport: 'udp', remotePort: gateway.udpPort, service: QUEUE_NUMBER, timeoutSeconds: 90, fill: { CALLER_RTP_PORT: String(callerPort) } });
      const { core } = t.server.platform;
      const callId = await eventually(async () => {
        const calls = await gql(t.url, '{calls(first:1){nodes{id status}}}', {}, onCall.token);
        const call = calls.data?.calls.nodes[0] as { id: string; status: string } | undefined;
        expect(call?.status).toBe('IN_PROGRESS');
        return call?.id ?? '';
      }, 20_000);

      // The desk phone's audio, which rtpengine injects the events into (sipp's phone sends none).
      const audio = streamAudio(await anchorPortOf(client, callId, await agentPartyOf(client, callId)));
      try {
        await eventually(() => expect(audio.sent()).toBeGreaterThan(10));
        // rtpengine injects only once it has taken in the phone's stream (its SSRC); until then the API says so.
        const sent = await eventually(async () => {
          const result = await gql(t.url, SEND, { c: callId, d: '7#' }, onCall.token);
          expect(result.errors).toBeUndefined();
          return result;
        });
        expect(sent.data?.sendDtmf).toBe(true);
        await eventually(() => expect(rtp.digits()).toBe('7#'), 20_000);
      } finally {
        audio.stop();
      }
      const { state } = await core.states.calls.load(streams.call(callId));
      expect(state.status).toBe('connected');
      const timeline = await gql(t.url, 'query($c:ID!){call(id:$c){timeline{type}}}', { c: callId }, onCall.token);
      expect((timeline.data?.call.timeline as Array<{ type: string }>).filter((entry) => entry.type === 'DtmfReceived')).toHaveLength(1);

      // A second agent answers a call that never came over SIP.
      const other = await newAgent();
      await online(t, other.token);
      const notSip = await coreCall();
      expect((await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: notSip }, other.token)).errors).toBeUndefined();
      const refused = await gql(t.url, SEND, { c: notSip, d: '1' }, other.token);
      expect(codeOf(refused)).toBe('CALL_NOT_ON_GATEWAY');
      expect(refused.errors?.[0]?.message).toContain('did not come in over SIP');

      expect((await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: callId }, onCall.token)).errors).toBeUndefined();
      expect(await caller.exit, caller.errors()).toBe(0);
      expect(await phone.exit, phone.errors()).toBe(0);
    } finally {
      await rtp.close();
    }
  });
});
