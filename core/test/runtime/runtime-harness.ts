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

// ---- Several organisations in one center, and call-handling shortcuts ------------------------------

export const ctxIn = (organisationId: string, userId = 'tester') => ({ organisationId, actor: { kind: 'user' as const, userId } });

export const queueIn = (sim: SimulatedContactCenter, organisationId: string, queueId: string, overrides: Partial<QueueSettings> = {}): Promise<void> =>
  sim.createQueue(organisationId, queueId, aQueueSettings({ name: `Queue ${queueId}`, number: null, ...overrides }));

export const agentIn = (
  sim: SimulatedContactCenter,
  organisationId: string,
  agentId: string,
  queueIds: string[],
  options: { online?: boolean; wrapUpSeconds?: number | null } = {},
): Promise<void> => {
  extension += 1;
  return sim.addAgent(
    organisationId,
    agentId,
    anAgentProfile({ fullName: `Agent ${agentId}`, username: agentId.replace(/[^a-z0-9._]/gi, '_'), extension: String(extension), wrapUpSeconds: options.wrapUpSeconds ?? null }),
    queueIds,
    options,
  );
};

export const callIn = async (sim: SimulatedContactCenter, organisationId: string, queueId: string, number?: string): Promise<string> => {
  const { callId } = await sim.cc.receiveCall({ organisationId, queueId, channel: 'pstn', caller: caller(number) }, ctxIn(organisationId, 'gateway'));
  await sim.cc.whenIdle();
  return callId;
};

/** An agent acting on a call (answer, decline, hold, resume, reject a transfer), then the core settles. */
export const agentActs = async (
  sim: SimulatedContactCenter,
  callId: string,
  type: 'AnswerCall' | 'DeclineOffer' | 'HoldCall' | 'ResumeCall' | 'RejectTransfer',
  agentId: string,
  organisationId = ORG,
): Promise<void> => {
  await sim.cc.execute('call', callId, { type, data: { agentId, at: sim.cc.now() } }, ctxIn(organisationId, agentId));
  await sim.cc.whenIdle();
};

export const completeWrapUp = async (sim: SimulatedContactCenter, callId: string, agentId: string, organisationId = ORG): Promise<void> => {
  await sim.cc.execute(
    'call',
    callId,
    { type: 'CompleteWrapUp', data: { agentId, notes: null, rating: null, conversationStatus: 'closed', at: sim.cc.now() } },
    ctxIn(organisationId, agentId),
  );
  await sim.cc.whenIdle();
};

/** Types of the events of a stream, in order. */
export const typesOf = (events: RecordedEvent[]): string[] => events.map((event) => event.type);
