/**
 * The recording proof, end to end on the real platform (API server, core, read models, SIP edge,
 * rtpengine): a PSTN caller (sipp, streaming a 440 Hz PCMU tone) calls a queue with recordCalls on;
 * an External agent's phone (sipp, streaming 1000 Hz) answers, talks and hangs up. The WAV lands
 * under the data directory with the caller on the left and the agent on the right, the core has
 * CallRecordingStored, the history links it, and GET /recordings/<callId>.wav serves it to a
 * supervisor of the organisation and to nobody else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultQueueSettings, type RecordedEvent, streamEntityId, type UserRole } from '@cc/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningServer, startServer } from '../../api/src/server.ts';
import { rtpengineMissing } from '../src/media/rtpengine-daemon.ts';
import { workerRtpPorts } from './support/worker-rtp-ports.ts';
import { decodeWav } from '../src/recording/wav-writer.ts';
import { goertzel, muLaw, tone } from './support/audio-tones.ts';
import { eventually, phoneUri } from './support/platform.ts';
import { freePort, killAllSipp, sipp } from './support/sipp.ts';

const missing = rtpengineMissing();
if (missing !== null) console.warn(`call-recording: skipped: ${missing}`);

const QUEUE_NUMBER = '+3225559876';
const OWNER = { email: 'owner@rec.example', password: 'Owner#Pass1' };

/** Two seconds of a tone as raw 8 kHz PCMU (sipp's rtp_stream loops it). */
const toneFile = (dir: string, frequency: number): string => {
  const file = path.join(dir, `tone-${frequency}.pcmu`);
  fs.writeFileSync(file, Buffer.from(Array.from(tone(frequency, 16_000), muLaw)));
  return file;
};

const login = async (url: string, email: string, password: string): Promise<string> => {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', variables: { e: email, p: password } }),
  });
  const body = (await response.json()) as { data?: { login?: { token?: string } } };
  const token = body.data?.login?.token;
  if (token === undefined) throw new Error(`login failed for ${email}: ${JSON.stringify(body)}`);
  return token;
};

describe.skipIf(missing !== null)(`a recorded queue's call ends up as a WAV in the data directory${missing === null ? '' : ` (skipped: ${missing})`}`, () => {
  let server: RunningServer | null = null;
  let dataDir = '';
  let sipPort = 0;
  const previous = { RTPENGINE: process.env.RTPENGINE, RTPENGINE_PORTS: process.env.RTPENGINE_PORTS, RECORD_CALLS: process.env.RECORD_CALLS };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-recording-proof-'));
    process.env.RTPENGINE = 'embedded';
    const { portMin, portMax } = workerRtpPorts();
    process.env.RTPENGINE_PORTS = `${portMin}-${portMax}`;
    // The queue's own setting turns recording on here, not the platform-wide switch.
    delete process.env.RECORD_CALLS;
    sipPort = await freePort();
    server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminEmail: OWNER.email, adminPassword: OWNER.password, logLevel: 'silent', sipPort, sipHost: '127.0.0.1' }, () => undefined);
  }, 60_000);

  afterAll(async () => {
    await killAllSipp();
    await server?.stop();
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('sipp caller (440 Hz) -> recorded queue -> sipp agent (1000 Hz) answers and hangs up -> WAV, CallRecordingStored, served to the supervisor only', { timeout: 120_000 }, async () => {
    const running = server as RunningServer;
    const { core: cc, users } = running.platform;
    const organisationId = [...cc.states.organisations.entries()].map(([, snapshot]) => snapshot.state.organisationId).find((id) => id !== null) as string;
    const context = { organisationId, actor: { kind: 'system' as const, component: 'test' } };
    await cc.execute('queue', 'q-rec', { type: 'CreateQueue', data: { queueId: 'q-rec', organisationId, settings: defaultQueueSettings('Recorded', { number: QUEUE_NUMBER, recordCalls: true, wrapUpSeconds: 0 }), at: cc.now() } }, context);

    const agentPhone = await sipp({ scenario: 'agent-streams-audio-hangs-up.xml', transport: 'udp', agent: 'rec1', timeoutSeconds: 60, fill: { AGENT_RTP_FILE: toneFile(dataDir, 1000), TALK_MS: '3000' } });
    const profile = { fullName: 'Rita Recorded', username: 'rita', alias: null, email: null, extension: '4101', typology: 'external' as const, externalUri: phoneUri('rec1', agentPhone.port, 'udp'), wrapUpSeconds: null, description: null, voicemail: false };
    await cc.execute('agent', 'rec1', { type: 'RegisterAgent', data: { agentId: 'rec1', organisationId, profile, at: cc.now() } }, context);
    await cc.execute('agent', 'rec1', { type: 'JoinQueue', data: { queueId: 'q-rec', penalty: 0, skills: [], at: cc.now() } }, context);
    await cc.execute('agent', 'rec1', { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, { ...context, actor: { kind: 'user' as const, userId: 'rec1' } });

    const caller = await sipp({ scenario: 'caller-streams-audio.xml', transport: 'udp', remotePort: sipPort, service: QUEUE_NUMBER, timeoutSeconds: 60, fill: { RTP_FILE: toneFile(dataDir, 440) } });
    expect(await agentPhone.exit, agentPhone.errors()).toBe(0);
    expect(await caller.exit, caller.errors()).toBe(0);

    // The core: the call was answered and its recording stored.
    const callEvents = async (): Promise<RecordedEvent[]> => (await cc.store.readAll({ after: 0n, maxCount: 10_000, streamPrefixes: ['call-'] })).filter((event) => event.streamId.startsWith('call-'));
    const stored = await eventually(async () => {
      const found = (await callEvents()).find((event) => event.type === 'CallRecordingStored');
      if (found === undefined) throw new Error('no CallRecordingStored yet');
      return found;
    }, 30_000);
    const callId = streamEntityId(stored.streamId);
    expect((await callEvents()).map((event) => event.type)).toContain('CallAnswered');
    const facts = stored.data as { recordingId: string; format: string; durationSeconds: number; bytes: number };
    expect(facts.format).toBe('wav');

    // The file: where the README says, the size the event says, about as long as the conversation.
    const file = path.join(dataDir, 'recordings', organisationId, `${callId}.wav`);
    const wav = fs.readFileSync(file);
    expect(wav.length).toBe(facts.bytes);
    const { sampleRate, channels } = decodeWav(wav);
    const [left, right] = channels as [Int16Array, Int16Array];
    expect(sampleRate).toBe(8000);
    expect(channels).toHaveLength(2);
    const seconds = left.length / sampleRate;
    expect(seconds).toBeCloseTo(facts.durationSeconds, 2);
    // The agent talked for 3 s before hanging up: the recording holds about that, not the ringing nor minutes of nothing.
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(15);
    // The caller's tone on the left, the agent's on the right.
    expect(goertzel(left, 440)).toBeGreaterThan(20 * goertzel(left, 1000));
    expect(goertzel(right, 1000)).toBeGreaterThan(20 * goertzel(right, 440));
    // Nothing left behind in rtpengine's spool.
    expect(fs.readdirSync(path.join(dataDir, 'recordings', 'spool', 'pcaps'))).toEqual([]);

    // The history links it; the supervisor can fetch it (whole and by range), an agent of another organisation cannot.
    const register = async (role: UserRole, org: string, name: string): Promise<string> => {
      const password = 'Some#Pass9';
      const email = `${name}@rec.example`;
      await users.register({ email, username: name, displayName: name, password, memberships: [{ organisationId: org, role, agentId: null }] }, { organisationId: org, actor: { kind: 'system', component: 'test' } });
      return login(running.url, email, password);
    };
    const otherOrganisation = 'org-elsewhere';
    await cc.execute('organisation', otherOrganisation, { type: 'CreateOrganisation', data: { organisationId: otherOrganisation, name: 'Elsewhere', timeZone: 'UTC', maxMissedOffersInRow: null, at: cc.now() } }, { organisationId: otherOrganisation, actor: { kind: 'system', component: 'test' } });
    const supervisor = await register('supervisor', organisationId, 'sam_supervisor');
    const stranger = await register('agent', otherOrganisation, 'olga_other');

    const history = await eventually(async () => {
      const response = await fetch(`${running.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${supervisor}` },
        body: JSON.stringify({ query: 'query($id:ID!){call(id:$id){recording{url durationSeconds format bytes}}}', variables: { id: callId } }),
      });
      const body = (await response.json()) as { data?: { call?: { recording?: { url: string; durationSeconds: number; format: string; bytes: number } | null } } };
      const recording = body.data?.call?.recording;
      if (recording == null) throw new Error(`no recording in the history yet: ${JSON.stringify(body)}`);
      return recording;
    }, 20_000);
    expect(history).toEqual({ url: `/recordings/${callId}.wav`, durationSeconds: facts.durationSeconds, format: 'wav', bytes: facts.bytes });

    const whole = await fetch(`${running.url}${history.url}`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await whole.arrayBuffer()).equals(wav)).toBe(true);
    const part = await fetch(`${running.url}${history.url}`, { headers: { authorization: `Bearer ${supervisor}`, range: 'bytes=0-43' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-43/${wav.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(wav.subarray(0, 44))).toBe(true);

    const refused = await fetch(`${running.url}${history.url}`, { headers: { authorization: `Bearer ${stranger}` } });
    expect(refused.status).toBe(404);
    await refused.arrayBuffer();
    const anonymous = await fetch(`${running.url}${history.url}`);
    expect(anonymous.status).toBe(401);
    await anonymous.arrayBuffer();
  });
});
