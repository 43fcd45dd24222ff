/** A simulated contact center with one organisation, ready-made queues and agents, and log readers. */
import { streams } from '../../src/events/index.ts';
import { readStreamToArray, type RecordedEvent } from '../../src/eventstore/port.ts';
import { SimulatedContactCenter } from '../../src/simulator/simulated-contact-center.ts';
import type { QueueSettings } from '../../src/events/queue-events.ts';
import { aQueueSettings, anAgentProfile } from '../support/fixtures.ts';

export const ORG = 'org-1';

export const startCenter = async (options: { maxMissedOffersInRow?: number | null } = {}): Promise<SimulatedContactCenter> => {
  const sim = new SimulatedContactCenter();
  await sim.start();
  await sim.createOrganisation(ORG, options);
  return sim;
};

export const queue = (sim: SimulatedContactCenter, queueId: string, overrides: Partial<QueueSettings> = {}): Promise<void> =>
  sim.createQueue(ORG, queueId, aQueueSettings({ name: `Queue ${queueId}`, number: null, ...overrides }));

let extension = 2000;
export const agent = (sim: SimulatedContactCenter, agentId: string, queueIds: string[], options: { online?: boolean; wrapUpSeconds?: number | null } = {}): Promise<void> => {
  extension += 1;
  return sim.addAgent(
    ORG,
    agentId,
    anAgentProfile({ fullName: `Agent ${agentId}`, username: agentId.replace(/[^a-z0-9._]/gi, '_'), extension: String(extension), wrapUpSeconds: options.wrapUpSeconds ?? null }),
    queueIds,
    options,
  );
};

export const caller = (number = '+3225550100') => ({ number, name: 'Grace Hopper', customerId: null });

export const ctx = (userId = 'tester') => ({ organisationId: ORG, actor: { kind: 'user' as const, userId } });

export const call = async (sim: SimulatedContactCenter, queueId: string, number?: string): Promise<string> => {
  const { callId } = await sim.cc.receiveCall({ organisationId: ORG, queueId, channel: 'pstn', caller: caller(number) }, ctx('gateway'));
  await sim.cc.whenIdle();
  return callId;
};

export const callEvents = async (sim: SimulatedContactCenter, callId: string): Promise<RecordedEvent[]> => readStreamToArray(sim.store, streams.call(callId));
export const callEventTypes = async (sim: SimulatedContactCenter, callId: string): Promise<string[]> => (await callEvents(sim, callId)).map((event) => event.type);
export const agentEvents = async (sim: SimulatedContactCenter, agentId: string): Promise<RecordedEvent[]> => readStreamToArray(sim.store, streams.agent(agentId));

export const callState = async (sim: SimulatedContactCenter, callId: string) => (await sim.cc.states.calls.load(streams.call(callId))).state;
export const agentState = async (sim: SimulatedContactCenter, agentId: string) => (await sim.cc.states.agents.load(streams.agent(agentId))).state;

/** Data of the last event of a type in a stream. */
export const lastOf = <T = Record<string, unknown>>(events: RecordedEvent[], type: string): T | undefined => events.filter((event) => event.type === type).at(-1)?.data as T | undefined;
