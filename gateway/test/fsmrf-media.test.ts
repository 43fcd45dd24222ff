/**
 * The FreeSWITCH media adapter against fake drachtio-fsmrf objects (no FreeSWITCH can run here):
 * a fake MediaServer creates fake Endpoints that record every command and can be told to fail or
 * to emit 'dtmf'. The recording test runs on a real core (in-memory store) and a real data folder.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContactCenter, defaultQueueSettings, type RecordedEvent, silentLogger } from '@cc/core';
import { SqliteEventStore } from '@cc/core/eventstore';
import { afterEach, describe, expect, test } from 'vitest';
import type { MediaLeg } from '../src/media/media-port.ts';
import type { ToneFiles } from '../src/media/tone-files.ts';
import { encodeWav } from '../src/recording/wav-writer.ts';
import { BrowserOfferNotAnchored, FreeSwitchCommandError, FreeSwitchEndpointError, FreeSwitchUnreachable, InvalidDigits, NoFreeSwitchChannel } from '../src/fsmrf/fsmrf-errors.ts';
import { FsmrfMedia } from '../src/fsmrf/fsmrf-media.ts';
import { connectFreeSwitch, freeSwitchSettingsFrom } from '../src/fsmrf/fsmrf-setup.ts';
import { FreeSwitchRecordings } from '../src/fsmrf/freeswitch-recordings.ts';
import type { EslEvent, FsCreateEndpointOptions, FsDtmfEvent, FsEndpoint, FsMediaServer, MrfConstructor } from '../src/fsmrf/fsmrf-types.ts';
import type { SrfLike } from '../src/drachtio/srf-types.ts';

const description = (address: string, port: number, version: number, direction = 'sendrecv', protocol = 'RTP/AVP'): string =>
  [
    'v=0',
    `o=FreeSWITCH 1000 ${version} IN IP4 ${address}`,
    's=FreeSWITCH',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} ${protocol} 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    `a=${direction}`,
    '',
  ].join('\r\n');

const CALLER_OFFER = description('198.51.100.7', 40000, 1);
const BROWSER_OFFER = description('0.0.0.0', 9, 1, 'sendrecv', 'UDP/TLS/RTP/SAVPF');
const AGENT_ANSWER = description('198.51.100.20', 50000, 1);

/** What a fake channel was told, in order, across all channels of a server. */
type Log = string[];

class FakeEndpoint extends EventEmitter implements FsEndpoint {
  readonly uuid: string;
  readonly local: { sdp: string };
  connected = true;
  readonly created: FsCreateEndpointOptions;
  readonly #server: FakeMediaServer;
  readonly #port: number;
  #version = 1;

  constructor(server: FakeMediaServer, uuid: string, created: FsCreateEndpointOptions) {
    super();
    this.#server = server;
    this.uuid = uuid;
    this.created = created;
    this.#port = 20000 + server.endpoints.length * 2;
    this.local = { sdp: description('203.0.113.5', this.#port, this.#version) };
  }

  async modify(sdp: string): Promise<unknown> {
    this.#server.log.push(`modify ${this.uuid}`);
    if (this.#server.failModify !== null) throw this.#server.failModify;
    this.#version += 1;
    // FreeSWITCH answers a hold with recvonly, anything else sendrecv.
    this.local.sdp = description('203.0.113.5', this.#port, this.#version, /a=sendonly/.test(sdp) ? 'recvonly' : 'sendrecv');
    this.#server.modified.push({ uuid: this.uuid, sdp });
    return undefined;
  }

  async api(command: string, args: string | string[]): Promise<EslEvent> {
    const line = `${command} ${Array.isArray(args) ? args.join(' ') : args}`;
    this.#server.log.push(line);
    const reply = this.#server.replies.get(command) ?? '+OK\n';
    return { getBody: () => reply, getHeader: () => undefined };
  }

  async bridge(other: FsEndpoint | string): Promise<void> {
    const uuid = typeof other === 'string' ? other : other.uuid;
    this.#server.log.push(`uuid_bridge ${this.uuid} ${uuid}`);
    if (this.#server.refuseBridge) throw new Error('-ERR Invalid uuid');
  }

  async destroy(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    this.#server.log.push(`hangup ${this.uuid}`);
  }

  async getChannelVariables(_includeMedia: boolean): Promise<Record<string, string>> {
    return { variable_rtp_audio_in_packet_count: '250', variable_rtp_audio_in_media_bytes: '40000' };
  }

  digit(dtmf: string): void {
    const event: FsDtmfEvent = { dtmf, duration: '1600', source: 'RTP' };
    this.emit('dtmf', event);
  }
}

class FakeMediaServer extends EventEmitter implements FsMediaServer {
  readonly address = '203.0.113.5';
  readonly endpoints: FakeEndpoint[] = [];
  readonly log: Log = [];
  readonly modified: Array<{ uuid: string; sdp: string }> = [];
  /** API replies by command (default +OK). */
  readonly replies = new Map<string, string>();
  failCreate: unknown = null;
  failModify: unknown = null;
  refuseBridge = false;
  disconnected = false;

  async createEndpoint(options: FsCreateEndpointOptions = {}): Promise<FsEndpoint> {
    if (this.failCreate !== null) throw this.failCreate;
    const endpoint = new FakeEndpoint(this, `uuid-${this.endpoints.length + 1}`, options);
    this.endpoints.push(endpoint);
    return endpoint;
  }

  disconnect(): void {
    this.disconnected = true;
  }

  /** The channel created from a remote offer (the caller's) or under an X-CC-Media header (agents'). */
  caller(): FakeEndpoint {
    const found = this.endpoints.find((endpoint) => endpoint.created.remoteSdp !== undefined);
    if (found === undefined) throw new Error('no caller channel');
    return found;
  }

  agents(): FakeEndpoint[] {
    return this.endpoints.filter((endpoint) => endpoint.created.remoteSdp === undefined);
  }
}

const tones: ToneFiles = { dir: '/var/lib/cc/media', ringback: '/var/lib/cc/media/ringback.wav', hold: '/var/lib/cc/media/hold-music.wav' };

const leg = (legId: string, agent: MediaLeg['agent'] = 'sip'): MediaLeg => ({ callId: 'call-1', legId, caller: 'sip', agent });

const setup = (): { server: FakeMediaServer; media: FsmrfMedia } => {
  const server = new FakeMediaServer();
  return { server, media: new FsmrfMedia(server, { tones, freeswitchMediaDir: '/usr/local/freeswitch/sounds/cc' }) };
};

describe('FsmrfMedia as the media port (one FreeSWITCH channel per party)', () => {
  test("the caller's offer makes the caller's channel, each leg gets a channel FreeSWITCH offers, the answer bridges them", async () => {
    const { server, media } = setup();
    const offerToA = await media.offerToAgent(leg('offer-a', 'webrtc'), CALLER_OFFER);
    const offerToB = await media.offerToAgent(leg('offer-b'), CALLER_OFFER);
    // Ring-all: one caller channel, one agent channel per leg, flavoured for the phone.
    expect(server.endpoints.map((endpoint) => endpoint.created)).toEqual([{ remoteSdp: CALLER_OFFER }, { headers: { 'X-CC-Media': 'webrtc' } }, { headers: { 'X-CC-Media': 'sip' } }]);
    const [agentA, agentB] = server.agents() as [FakeEndpoint, FakeEndpoint];
    expect(offerToA).toBe(agentA.local.sdp);
    expect(offerToB).toBe(agentB.local.sdp);

    const callerAnswer = await media.answerFromAgent(leg('offer-b'), AGENT_ANSWER);
    expect(callerAnswer).toBe(server.caller().local.sdp);
    expect(server.modified).toEqual([{ uuid: agentB.uuid, sdp: AGENT_ANSWER }]);
    expect(server.log).toEqual([`modify ${agentB.uuid}`, `uuid_break ${server.caller().uuid} all`, `uuid_bridge ${agentB.uuid} ${server.caller().uuid}`]);
  });

  test('endLeg hangs up only that leg; endCall hangs up every channel once, and a second endCall does nothing', async () => {
    const { server, media } = setup();
    await media.offerToAgent(leg('offer-a'), CALLER_OFFER);
    await media.offerToAgent(leg('offer-b'), CALLER_OFFER);
    const [agentA, agentB] = server.agents() as [FakeEndpoint, FakeEndpoint];
    await media.answerFromAgent(leg('offer-b'), AGENT_ANSWER);
    server.log.length = 0;

    await media.endLeg(leg('offer-a'));
    expect(server.log).toEqual([`hangup ${agentA.uuid}`]);
    expect(server.caller().connected && agentB.connected).toBe(true);

    await media.endCall('call-1');
    expect(server.log).toEqual([`hangup ${agentA.uuid}`, `hangup ${server.caller().uuid}`, `hangup ${agentB.uuid}`]);
    expect(media.calls.activeCalls).toBe(0);
    await media.endCall('call-1');
    expect(server.log).toHaveLength(3);
    await expect(media.endLeg(leg('offer-b'))).resolves.toBeUndefined();
  });

  test('a hold re-offer goes to FreeSWITCH with modify(); the other side is re-offered its channel with the hold direction, then resumed', async () => {
    const { server, media } = setup();
    await media.offerToAgent(leg('offer-a'), CALLER_OFFER);
    await media.answerFromAgent(leg('offer-a'), AGENT_ANSWER);
    const agent = server.agents()[0] as FakeEndpoint;
    const hold = description('198.51.100.7', 40000, 2, 'sendonly');

    const toAgent = await media.reoffer(leg('offer-a'), 'caller', hold);
    expect(server.modified.at(-1)).toEqual({ uuid: server.caller().uuid, sdp: hold });
    expect(toAgent).toMatch(/a=sendonly/);
    expect(toAgent).toMatch(/m=audio 20002 RTP\/AVP/);
    expect(toAgent).toMatch(/o=FreeSWITCH 1000 3 IN IP4/);
    const toCaller = await media.reanswer(leg('offer-a'), 'caller', description('198.51.100.20', 50000, 2, 'recvonly'));
    expect(toCaller).toBe(server.caller().local.sdp);
    expect(toCaller).toMatch(/a=recvonly/);
    // The agent's answer changes nothing on FreeSWITCH's side: its channel was not touched.
    expect(server.modified.map((change) => change.uuid)).toEqual([agent.uuid, server.caller().uuid]);

    const resumed = await media.reoffer(leg('offer-a'), 'caller', description('198.51.100.7', 40000, 3));
    expect(resumed).toMatch(/a=sendrecv/);
    expect(resumed).toMatch(/o=FreeSWITCH 1000 4 IN IP4/);
    await expect(media.reanswer(leg('offer-a'), 'agent', AGENT_ANSWER)).rejects.toThrow(NoFreeSwitchChannel);
  });

  test("stats are FreeSWITCH's RTP counters per channel", async () => {
    const { server, media } = setup();
    await media.offerToAgent(leg('offer-a'), CALLER_OFFER);
    await media.answerFromAgent(leg('offer-a'), AGENT_ANSWER);
    const stats = await media.stats('call-1');
    expect(stats).toEqual({
      callId: 'call-1',
      parties: [
        { legId: 'call-1', side: 'caller', tag: server.caller().uuid, packets: 250, bytes: 40000 },
        { legId: 'offer-a', side: 'agent', tag: (server.agents()[0] as FakeEndpoint).uuid, packets: 250, bytes: 40000 },
      ],
    });
  });
});

describe('FsmrfMedia as the caller anchor (early media, music, DTMF)', () => {
  test("the caller is answered early; ring-all phones of one kind share a channel; the agent's answer keeps the early answer", async () => {
    const { server, media } = setup();
    const early = await media.anchor.answerCaller('call-1', CALLER_OFFER);
    expect(early).toBe(server.caller().local.sdp);
    const first = await media.anchor.offerToAgent('call-1', 'sip', CALLER_OFFER);
    const second = await media.anchor.offerToAgent('call-1', 'sip', CALLER_OFFER);
    expect(second).toBe(first);
    expect(server.endpoints).toHaveLength(2);

    expect(await media.anchor.answerFromAgent('call-1', 'sip', AGENT_ANSWER, early)).toBe(early);
    const agent = server.agents()[0] as FakeEndpoint;
    expect(server.log).toContain(`uuid_bridge ${agent.uuid} ${server.caller().uuid}`);
    // A late answer from the other ringing phone finds nothing offered: it is refused, not bridged.
    await expect(media.anchor.answerFromAgent('call-1', 'sip', AGENT_ANSWER, early)).rejects.toThrow(NoFreeSwitchChannel);

    // A transfer: a fresh channel is offered; once answered, the previous agent's channel is hung up.
    await media.anchor.offerToAgent('call-1', 'sip', CALLER_OFFER);
    const next = server.agents()[1] as FakeEndpoint;
    await media.anchor.answerFromAgent('call-1', 'sip', AGENT_ANSWER, early);
    expect(server.log.slice(-2)).toEqual([`uuid_bridge ${next.uuid} ${server.caller().uuid}`, `hangup ${agent.uuid}`]);
    expect(next.connected).toBe(true);
  });

  test("play loops FreeSWITCH's own tones (or the queue's file as FreeSWITCH sees it) into a side's channel; stop breaks it", async () => {
    const { server, media } = setup();
    await media.anchor.answerCaller('call-1', CALLER_OFFER);
    const caller = server.caller().uuid;
    server.log.length = 0;
    await media.anchor.play('call-1', 'caller', tones.ringback);
    await media.anchor.play('call-1', 'caller', tones.hold);
    await media.anchor.play('call-1', 'caller', '/var/lib/cc/media/welcome.wav');
    await media.anchor.stopPlaying('call-1', 'caller');
    expect(server.log).toEqual([
      `uuid_break ${caller} all`,
      `uuid_broadcast ${caller} endless_playback::tone_stream://%(1000,4000,425) aleg`,
      `uuid_break ${caller} all`,
      `uuid_broadcast ${caller} endless_playback::local_stream://moh aleg`,
      `uuid_break ${caller} all`,
      `uuid_broadcast ${caller} endless_playback::/usr/local/freeswitch/sounds/cc/welcome.wav aleg`,
      `uuid_break ${caller} all`,
    ]);
    // Nobody connected yet: there is no agent side to play to.
    await expect(media.anchor.play('call-1', 'agent', tones.hold)).rejects.toThrow(NoFreeSwitchChannel);
  });

  test("a held caller's audio is muted where FreeSWITCH reads the caller's channel, and the agent's where it reads the agent's (music to the caller still plays); both heard again once unblocked", async () => {
    const { server, media } = setup();
    const early = await media.anchor.answerCaller('call-1', CALLER_OFFER);
    await media.anchor.offerToAgent('call-1', 'webrtc', CALLER_OFFER);
    await media.anchor.answerFromAgent('call-1', 'webrtc', AGENT_ANSWER, early);
    const caller = server.caller().uuid;
    const agent = (server.agents()[0] as FakeEndpoint).uuid;
    server.log.length = 0;
    await media.anchor.blockCaller?.('call-1');
    await media.anchor.play('call-1', 'caller', tones.hold);
    await media.anchor.unblockCaller?.('call-1');
    expect(server.log).toEqual([
      `uuid_audio ${caller} start read mute 1`,
      `uuid_audio ${agent} start read mute 1`,
      `uuid_break ${caller} all`,
      `uuid_broadcast ${caller} endless_playback::local_stream://moh aleg`,
      `uuid_audio ${caller} stop`,
      `uuid_audio ${agent} stop`,
    ]);
    // No caller channel: nothing to block.
    await expect(media.anchor.blockCaller?.('call-2')).rejects.toThrow(NoFreeSwitchChannel);
  });

  test('DTMF out is uuid_send_dtmf on the side that hears it; DTMF in is reported per side like rtpengine reports', async () => {
    const { server, media } = setup();
    await media.anchor.answerCaller('call-1', CALLER_OFFER);
    await media.anchor.offerToAgent('call-1', 'webrtc', CALLER_OFFER);
    await media.anchor.answerFromAgent('call-1', 'webrtc', AGENT_ANSWER, server.caller().local.sdp);
    const heard: unknown[] = [];
    const stop = media.dtmf.onDigit((digit) => heard.push(digit));

    await media.anchor.playDtmf('call-1', 'caller', '12#a');
    expect(server.log.at(-1)).toBe(`uuid_send_dtmf ${server.caller().uuid} 12#A`);
    await expect(media.anchor.playDtmf('call-1', 'caller', '1; hangup')).rejects.toThrow(InvalidDigits);

    server.caller().digit('5');
    (server.agents()[0] as FakeEndpoint).digit('#');
    (server.agents()[0] as FakeEndpoint).digit('x');
    expect(heard).toEqual([
      { callId: 'call-1', side: 'caller', digit: '5' },
      { callId: 'call-1', side: 'agent', digit: '#' },
    ]);
    // Injected digits never come back from FreeSWITCH: announcing them must not swallow a real one.
    media.dtmf.expectInjected('call-1', 'agent', '7');
    (server.agents()[0] as FakeEndpoint).digit('7');
    expect(heard).toHaveLength(3);
    stop();
    server.caller().digit('9');
    expect(heard).toHaveLength(3);
  });
});

describe("FreeSWITCH's failures surface as typed errors", () => {
  test('a channel FreeSWITCH refuses, a browser offer, a refused command, a refused bridge and an answer with nothing offered', async () => {
    const { server, media } = setup();
    server.failCreate = Object.assign(new Error('Service Unavailable'), { status: 503 });
    const refused = media.offerToAgent(leg('offer-a'), CALLER_OFFER);
    await expect(refused).rejects.toThrow(FreeSwitchEndpointError);
    await expect(refused).rejects.toThrow('FreeSWITCH could not create a channel for the caller of call call-1: Service Unavailable');

    // A later leg tries again once FreeSWITCH is back.
    server.failCreate = null;
    const retried = await media.offerToAgent(leg('offer-b'), CALLER_OFFER);
    expect(retried).toBe((server.agents()[0] as FakeEndpoint).local.sdp);

    const before = server.endpoints.length;
    await expect(media.offerToAgent({ callId: 'call-2', legId: 'o', caller: 'webrtc', agent: 'sip' }, BROWSER_OFFER)).rejects.toThrow(BrowserOfferNotAnchored);
    expect(server.endpoints).toHaveLength(before);

    server.replies.set('uuid_send_dtmf', '-ERR no such channel\n');
    const dtmf = media.anchor.playDtmf('call-1', 'caller', '1');
    await expect(dtmf).rejects.toThrow(FreeSwitchCommandError);
    await expect(dtmf).rejects.toThrow(`FreeSWITCH refused 'uuid_send_dtmf ${server.caller().uuid} 1': -ERR no such channel`);

    server.refuseBridge = true;
    await expect(media.answerFromAgent(leg('offer-b'), AGENT_ANSWER)).rejects.toThrow(/FreeSWITCH refused 'uuid_bridge .*': -ERR Invalid uuid/);
    expect((server.agents()[0] as FakeEndpoint).connected).toBe(false);

    await expect(media.answerFromAgent(leg('never-offered'), AGENT_ANSWER)).rejects.toThrow('call call-1 has no FreeSWITCH channel for an agent answer (nothing offered under never-offered)');

    server.refuseBridge = false;
    await media.offerToAgent(leg('offer-c'), CALLER_OFFER);
    server.failModify = Object.assign(new Error('Not Acceptable Here'), { status: 488 });
    await expect(media.answerFromAgent(leg('offer-c'), AGENT_ANSWER)).rejects.toThrow("FreeSWITCH could not take the agent phone answer for the agent of call call-1: Not Acceptable Here");
  });

  test('a channel created while its call ends is hung up at once', async () => {
    const { server, media } = setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const create = server.createEndpoint.bind(server);
    server.createEndpoint = async (options) => {
      await gate;
      return create(options);
    };
    const offering = media.offerToAgent(leg('offer-a'), CALLER_OFFER);
    const ending = media.endCall('call-1');
    release();
    await ending;
    await expect(offering).rejects.toThrow(NoFreeSwitchChannel);
    expect(server.endpoints).toHaveLength(1);
    expect(server.endpoints.every((endpoint) => !endpoint.connected)).toBe(true);
  });

  test('settings come from FREESWITCH_*; an unreachable event socket is FreeSwitchUnreachable', async () => {
    expect(freeSwitchSettingsFrom({})).toBeNull();
    expect(freeSwitchSettingsFrom({ FREESWITCH_HOST: 'fs' })).toEqual({ host: 'fs', port: 8021, secret: 'ClueCon', mediaDir: null, recordingsDir: '/recordings' });
    expect(freeSwitchSettingsFrom({ FREESWITCH_HOST: 'fs', FREESWITCH_PORT: '9021', FREESWITCH_SECRET: 's3cret', FREESWITCH_MEDIA_DIR: '/media', FREESWITCH_RECORDINGS_DIR: '/rec' })).toEqual({ host: 'fs', port: 9021, secret: 's3cret', mediaDir: '/media', recordingsDir: '/rec' });
    expect(() => freeSwitchSettingsFrom({ FREESWITCH_HOST: 'fs', FREESWITCH_PORT: 'esl' })).toThrow("FREESWITCH_PORT: 'esl' is not a port number");

    const connects: unknown[] = [];
    const Refusing: MrfConstructor = class {
      async connect(options: unknown): Promise<FsMediaServer> {
        connects.push(options);
        throw new Error('acl-error');
      }
    };
    const srf = {} as SrfLike; // never used: the fake Mrf does not place INVITEs
    const settings = { host: 'fs.example', port: 8021, secret: 'ClueCon', mediaDir: null, recordingsDir: '/recordings' };
    await expect(connectFreeSwitch(srf, settings, silentLogger, Refusing)).rejects.toThrow(FreeSwitchUnreachable);
    await expect(connectFreeSwitch(srf, settings, silentLogger, Refusing)).rejects.toThrow('FreeSWITCH event socket at fs.example:8021 refused or did not answer (acl-error)');
    expect(connects[0]).toEqual({ address: 'fs.example', port: 8021, secret: 'ClueCon' });
  });
});

describe('recording the whole call with uuid_record', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
  });

  /** A real core with one answered call (queue q1, agent a1). */
  const answeredCall = async (): Promise<{ cc: ContactCenter; callId: string; context: { organisationId: string; actor: { kind: 'system'; component: string } } }> => {
    const cc = new ContactCenter({ store: SqliteEventStore.open({ file: ':memory:' }), logger: silentLogger });
    await cc.start();
    const context = { organisationId: 'org-1', actor: { kind: 'system' as const, component: 'test' } };
    await cc.execute('organisation', 'org-1', { type: 'CreateOrganisation', data: { organisationId: 'org-1', name: 'Org', timeZone: 'UTC', maxMissedOffersInRow: null, at: cc.now() } }, context);
    await cc.execute('queue', 'q1', { type: 'CreateQueue', data: { queueId: 'q1', organisationId: 'org-1', settings: defaultQueueSettings('Support', { number: '+3225550000', recordCalls: true }), at: cc.now() } }, context);
    const profile = { fullName: 'Agent One', username: 'a1', alias: null, email: null, extension: '4001', typology: 'external' as const, externalUri: 'sip:a1@198.51.100.20', wrapUpSeconds: null, description: null, voicemail: false };
    await cc.execute('agent', 'a1', { type: 'RegisterAgent', data: { agentId: 'a1', organisationId: 'org-1', profile, at: cc.now() } }, context);
    await cc.execute('agent', 'a1', { type: 'JoinQueue', data: { queueId: 'q1', penalty: 0, skills: [], at: cc.now() } }, context);
    await cc.execute('agent', 'a1', { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, { ...context, actor: { kind: 'user' as const, userId: 'a1' } });
    const offered = new Promise<RecordedEvent>((resolve) => cc.onEvent((event) => event.type === 'CallOffered' && resolve(event)));
    const { callId } = await cc.receiveCall({ organisationId: 'org-1', queueId: 'q1', channel: 'pstn', caller: { number: '+3225551111', name: null, customerId: null } }, context);
    await offered;
    await cc.execute('call', callId, { type: 'AnswerCall', data: { agentId: 'a1', at: cc.now() } }, context);
    return { cc, callId, context };
  };

  test("uuid_record on the caller's channel into FreeSWITCH's folder; the finished WAV under DATA_DIR/recordings reaches the core as CallRecordingStored", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fsmrf-rec-'));
    folders.push(dataDir);
    const { cc, callId, context } = await answeredCall();
    const { server, media } = setup();
    await media.anchor.answerCaller(callId, CALLER_OFFER);
    const recordings = new FreeSwitchRecordings({ calls: media.calls, dataDir, cc, logger: silentLogger, policy: 'queue', finishTimeoutMs: 2_000 });
    expect(await recordings.wanted('q1')).toBe(true);
    expect(await recordings.wanted(null)).toBe(false);

    const recording = await recordings.start({ callId, organisationId: 'org-1', context, callerOffer: CALLER_OFFER, callerAnswer: null });
    const caller = server.caller().uuid;
    expect(server.log.at(-1)).toBe(`uuid_record ${caller} start /recordings/org-1/${callId}.wav`);

    // FreeSWITCH writes the file on the shared volume: 1.5 s of stereo 8 kHz.
    const file = path.join(dataDir, 'recordings', 'org-1', `${callId}.wav`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodeWav({ sampleRate: 8000, channels: [new Int16Array(12_000).fill(100), new Int16Array(12_000).fill(-100)] }));

    const stored = await recording.finish();
    expect(server.log.at(-1)).toBe(`uuid_record ${caller} stop /recordings/org-1/${callId}.wav`);
    expect(stored).toMatchObject({ format: 'wav', file, durationSeconds: 1.5, bytes: 44 + 12_000 * 4 });
    const events = await cc.store.readAll({ after: 0n, maxCount: 1000, streamPrefixes: ['call-'] });
    const event = events.find((recorded) => recorded.type === 'CallRecordingStored');
    expect(event?.data).toMatchObject({ recordingId: stored?.recordingId, format: 'wav', durationSeconds: 1.5, bytes: 44 + 12_000 * 4 });
    // finish() is once only.
    expect(await recording.finish()).toBe(stored);
    await cc.stop();
  });

  test('no caller channel: start throws; a file FreeSWITCH never finished where the gateway reads it: nothing stored', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-fsmrf-rec-'));
    folders.push(dataDir);
    const { cc, callId, context } = await answeredCall();
    const { server, media } = setup();
    const recordings = new FreeSwitchRecordings({ calls: media.calls, dataDir, cc, logger: silentLogger, policy: 'all', finishTimeoutMs: 300 });
    const call = { callId, organisationId: 'org-1', context, callerOffer: CALLER_OFFER, callerAnswer: null };
    await expect(recordings.start(call)).rejects.toThrow(NoFreeSwitchChannel);

    await media.anchor.answerCaller(callId, CALLER_OFFER);
    const recording = await recordings.start(call);
    // The channel is gone by the time the recording stops: FreeSWITCH closed the file with it.
    server.replies.set('uuid_record', '-ERR Cannot locate session!\n');
    const file = path.join(dataDir, 'recordings', 'org-1', `${callId}.wav`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A header still being written: its RIFF size does not match the file.
    const partial = encodeWav({ sampleRate: 8000, channels: [new Int16Array(800)] });
    partial.writeUInt32LE(0, 4);
    fs.writeFileSync(file, partial);
    expect(await recording.finish()).toBeNull();
    const events = await cc.store.readAll({ after: 0n, maxCount: 1000, streamPrefixes: ['call-'] });
    expect(events.map((recorded) => recorded.type)).not.toContain('CallRecordingStored');
    await cc.stop();
  });
});
