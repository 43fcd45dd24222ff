/**
 * The platform the gateway benchmark calls into, in this process: the embedded SQLite store in a
 * scratch data folder, the core, and the gateway's embedded edge on a free UDP port with the SIP
 * timers of production. One organisation with many queues (each with its own E.164 number, no
 * wrap-up) and External agents, Online, whose phones are all the same sipp.
 */
import { ContactCenter, defaultQueueSettings, silentLogger, type CommandContext } from '@cc/core';
import { openEventStore } from '@cc/core/eventstore';
import { type RunningGateway, startGateway } from '../src/index.ts';

const ORG = 'org-gateway-bench';
const setup: CommandContext = { organisationId: ORG, actor: { kind: 'user', userId: 'bench-setup' } };

export interface BenchPlatform {
  cc: ContactCenter;
  gateway: RunningGateway;
  /** The queues' numbers, in queue order. */
  numbers: string[];
  stop(): Promise<void>;
}

export interface BenchPlatformOptions {
  dataDir: string;
  queues: number;
  agents: number;
  /** The SIP URI of an agent's phone. */
  phoneUri(agentId: string): string;
}

const queueNumber = (index: number): string => `+3228${String(1_000_000 + index).slice(1)}`;

/** Runs `work` over `items` with at most `width` at a time (the store serialises appends anyway). */
const inBatches = async <T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> => {
  for (let start = 0; start < items.length; start += width) await Promise.all(items.slice(start, start + width).map(work));
};

export const startBenchPlatform = async (options: BenchPlatformOptions): Promise<BenchPlatform> => {
  const store = await openEventStore({ dataDir: options.dataDir });
  const cc = new ContactCenter({ store, logger: silentLogger });
  await cc.start();
  await cc.execute('organisation', ORG, { type: 'CreateOrganisation', data: { organisationId: ORG, name: 'Gateway bench', timeZone: 'UTC', maxMissedOffersInRow: null, at: cc.now() } }, setup);
  const queueIds = Array.from({ length: options.queues }, (_, index) => `bench-q${index}`);
  const numbers = queueIds.map((_, index) => queueNumber(index));
  await inBatches(queueIds, 20, async (queueId) => {
    const index = queueIds.indexOf(queueId);
    // No wrap-up: an agent is free again as soon as the caller hangs up, so agents never limit the rate.
    const settings = defaultQueueSettings(`Bench queue ${index}`, { number: numbers[index] ?? null, wrapUpSeconds: 0 });
    await cc.execute('queue', queueId, { type: 'CreateQueue', data: { queueId, organisationId: ORG, settings, at: cc.now() } }, setup);
  });
  const agentIds = Array.from({ length: options.agents }, (_, index) => `bench_a${index}`);
  await inBatches(agentIds, 50, async (agentId) => {
    const index = agentIds.indexOf(agentId);
    const queueId = queueIds[index % queueIds.length] as string;
    const profile = {
      fullName: `Bench agent ${index}`,
      username: agentId,
      alias: null,
      email: null,
      extension: String(10_000 + index),
      typology: 'external' as const,
      externalUri: options.phoneUri(agentId),
      wrapUpSeconds: null,
      description: null,
      voicemail: false,
    };
    await cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile, at: cc.now() } }, setup);
    await cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: cc.now() } }, setup);
    await cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status: 'online', reason: null, at: cc.now() } }, { ...setup, actor: { kind: 'user', userId: agentId } });
  });
  await cc.whenIdle();
  const gateway = await startGateway({ cc, sipPort: 0, host: '127.0.0.1', trustedPeers: ['127.0.0.0/8'], trunkUri: null, logger: silentLogger, media: 'off' });
  return {
    cc,
    gateway,
    numbers,
    stop: async () => {
      await gateway.stop();
      await cc.stop();
      await store.close();
    },
  };
};
