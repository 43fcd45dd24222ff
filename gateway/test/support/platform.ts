/** A wall-clock core on an in-memory store, one organisation, and the gateway in front of it. */
import { ContactCenter, type QueueSettings, type AgentProfile, type RecordedEvent, silentLogger, streams, readStreamToArray, type CoreLogger } from '@cc/core';
import { SqliteEventStore } from '@cc/core/eventstore';
import http from 'node:http';
import { expect } from 'vitest';
import { type RunningGateway, SipCredentials, type SipTlsSettings, startGateway } from '../../src/index.ts';
import { defaultQueueSettings } from '@cc/core';

export const ORG = 'org-gw';
export const QUEUE_NUMBER = '+3225551234';

export interface Platform {
  cc: ContactCenter;
  gateway: RunningGateway;
  /** Agents' SIP credentials (domain 'cc.test'). */
  credentials: SipCredentials;
  /** ws://127.0.0.1:<port>/sip on the platform's own HTTP server. */
  wsUrl: string;
  /** Sessions the credential store treats as signed out. */
  revokedSessions: Set<string>;
  /** A queued SIP caller with an SDP offer gets a 183 (early media on, and rtpengine anchors media). */
  callerEarlyMedia: boolean;
  stop(): Promise<void>;
}

const setup = { organisationId: ORG, actor: { kind: 'user' as const, userId: 'setup' } };

export const queueSettings = (overrides: Partial<QueueSettings> = {}): QueueSettings => defaultQueueSettings('Support', { number: QUEUE_NUMBER, ...overrides });

const agentProfile = (agentId: string, externalUri: string | null, extension: number, typology: AgentProfile['typology'] = 'external'): AgentProfile => ({
  fullName: `Agent ${agentId}`,
  username: agentId,
  alias: null,
  email: null,
  extension: String(extension),
  typology,
  externalUri,
  wrapUpSeconds: null,
  description: null,
  voicemail: false,
});

/** When DEBUG_GATEWAY is set, logs go to stderr. */
const testLogger: CoreLogger = process.env.DEBUG_GATEWAY
  ? {
      debug: (details, message) => process.stderr.write(`debug ${message} ${JSON.stringify(details)}\n`),
      info: (details, message) => process.stderr.write(`info ${message} ${JSON.stringify(details)}\n`),
      warn: (details, message) => process.stderr.write(`warn ${message} ${JSON.stringify(details)}\n`),
      error: (details, message) => process.stderr.write(`error ${message} ${JSON.stringify(details)}\n`),
    }
  : silentLogger;

export const startPlatform = async (
  options: { queue?: Partial<QueueSettings>; trustedPeers?: string[]; maxMissedOffersInRow?: number | null; trunkUri?: string | null; transferFrom?: string | null; earlyMedia?: boolean; placedCallRingSeconds?: number; sipTls?: SipTlsSettings; stopDrainMs?: number } = {},
): Promise<Platform> => {
  const store = SqliteEventStore.open({ file: ':memory:' });
  const cc = new ContactCenter({ store, logger: testLogger });
  await cc.start();
  await cc.execute(
    'organisation',
    ORG,
    { type: 'CreateOrganisation', data: { organisationId: ORG, name: 'Gateway org', timeZone: 'UTC', maxMissedOffersInRow: options.maxMissedOffersInRow ?? null, at: cc.now() } },
    setup,
  );
  await cc.execute('queue', 'q1', { type: 'CreateQueue', data: { queueId: 'q1', organisationId: ORG, settings: queueSettings(options.queue), at: cc.now() } }, setup);
  // The API's HTTP server stands in here: a bare one that answers 404 and carries the /sip upgrade.
  const httpServer = http.createServer((_request, response) => response.writeHead(404).end());
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve()));
  const address = httpServer.address();
  const httpPort = address !== null && typeof address === 'object' ? address.port : 0;
  const revokedSessions = new Set<string>();
  const credentials = new SipCredentials({ domain: 'cc.test', wsUrl: `ws://127.0.0.1:${httpPort}/sip`, isSessionLive: async (sessionId) => !revokedSessions.has(sessionId) });
  const gateway = await startGateway({
    credentials,
    httpServer,
    cc,
    sipPort: 0,
    host: '127.0.0.1',
    trustedPeers: options.trustedPeers ?? ['127.0.0.0/8'],
    trunkUri: options.trunkUri ?? null,
    transferFrom: options.transferFrom ?? null,
    logger: testLogger,
    sipTimers: { t1: 100, t2: 400, t4: 500 },
    // On, as in the product; the tests of the early-media-off path say `earlyMedia: false`.
    earlyMedia: options.earlyMedia ?? true,
    ...(options.placedCallRingSeconds === undefined ? {} : { placedCallRingSeconds: options.placedCallRingSeconds }),
    ...(options.stopDrainMs === undefined ? {} : { stopDrainMs: options.stopDrainMs }),
    // No TLS unless a test asks (SIP_TLS_* in the environment must not leak in).
    sipTls: options.sipTls ?? null,
  });
  return {
    cc,
    gateway,
    credentials,
    wsUrl: credentials.wsUrl,
    revokedSessions,
    callerEarlyMedia: (options.earlyMedia ?? true) && gateway.media.anchor != null,
    stop: async () => {
      await gateway.stop();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await cc.stop();
      await store.close();
    },
  };
};

let extension = 3000;

/** An External agent whose phone is at `externalUri`, in q1, Online. */
export const externalAgent = async (cc: ContactCenter, agentId: string, externalUri: string | null): Promise<void> => {
  extension += 1;
  const context = { ...setup, actor: { kind: 'user' as const, userId: agentId } };
  await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile: agentProfile(agentId, externalUri, extension), at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId: 'q1', penalty: 0, skills: [], at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, context);
  await cc.whenIdle();
};

/** A WebRTC agent (reached through their registration), in q1, Online. */
export const webrtcAgent = async (cc: ContactCenter, agentId: string): Promise<void> => {
  extension += 1;
  const context = { ...setup, actor: { kind: 'user' as const, userId: agentId } };
  await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile: agentProfile(agentId, null, extension, 'webrtc'), at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId: 'q1', penalty: 0, skills: [], at: cc.now() } }, setup);
  await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, context);
  await cc.whenIdle();
};

export const phoneUri = (agentId: string, port: number, transport: 'udp' | 'tcp'): string =>
  `sip:${agentId}@127.0.0.1:${port}${transport === 'tcp' ? ';transport=tcp' : ''}`;

/** Every call stream's events, by call id. */
export const callLogs = async (cc: ContactCenter): Promise<Map<string, RecordedEvent[]>> => {
  const all = await cc.store.readAll({ after: 0n, maxCount: 10_000, streamPrefixes: ['call-'] });
  const byCall = new Map<string, RecordedEvent[]>();
  for (const event of all) byCall.set(event.streamId, [...(byCall.get(event.streamId) ?? []), event]);
  return byCall;
};

/** The only call's events (the tests place one call each). */
export const onlyCall = async (cc: ContactCenter): Promise<RecordedEvent[]> => {
  const logs = [...(await callLogs(cc)).values()];
  if (logs.length !== 1) throw new Error(`expected one call, found ${logs.length}`);
  return logs[0] as RecordedEvent[];
};

export const types = (events: RecordedEvent[]): string[] => events.map((event) => event.type);

/** The only call's log once it holds an event of `type`. */
export const onlyCallWith = (cc: ContactCenter, type: string, timeoutMs = 30_000): Promise<RecordedEvent[]> =>
  eventually(async () => {
    const log = await onlyCall(cc);
    expect(types(log)).toContain(type);
    return log;
  }, timeoutMs);

/** The only call's id, once `agentId` has answered it. */
export const answeredBy = (cc: ContactCenter, agentId: string, timeoutMs = 20_000): Promise<string> =>
  eventually(async () => {
    const log = await onlyCall(cc);
    const answers = log.filter((event) => event.type === 'CallAnswered').map((event) => (event.data as { agentId: string }).agentId);
    expect(answers).toContain(agentId);
    return (log[0]?.data as { callId: string }).callId;
  }, timeoutMs);

export const agentLog = (cc: ContactCenter, agentId: string): Promise<RecordedEvent[]> => readStreamToArray(cc.store, streams.agent(agentId));

/** Polls until `check` passes (or throws its last failure after `timeoutMs`). */
export const eventually = async <T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
};
