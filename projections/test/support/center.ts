/** A simulated contact center (the real core, in simulated time) with read models following its log. */
import type { AgentProfile, EventStore, QueueSettings } from '@cc/core';
import { SimulatedContactCenter } from '@cc/core/testing';
import { ReadModels } from '../../src/read-models.ts';
import { defaultQueueSettings } from '@cc/core';

export const START = Date.parse('2026-01-05T08:00:00.000Z');

export const queueSettings = (overrides: Partial<QueueSettings> = {}): QueueSettings => defaultQueueSettings('Support', overrides);

let extension = 3000;
export const agentProfile = (overrides: Partial<AgentProfile> = {}): AgentProfile => {
  extension += 1;
  return {
    fullName: 'Ada Lovelace',
    username: `agent${extension}`,
    alias: null,
    email: null,
    extension: String(extension),
    typology: 'webrtc',
    externalUri: null,
    wrapUpSeconds: null,
    description: null,
    voicemail: false,
    ...overrides,
  };
};

const ctx = (organisationId: string, userId: string) => ({ organisationId, actor: { kind: 'user' as const, userId } });

/** The simulator plus shortcuts that let a test read like a call: `answer`, `hold`, `hangUp`... each settles the core and the read models. */
export class Center {
  readonly sim: SimulatedContactCenter;
  readonly readModels: ReadModels;

  private constructor(sim: SimulatedContactCenter, readModels: ReadModels) {
    this.sim = sim;
    this.readModels = readModels;
  }

  static async start(options: { readModelsFile?: string; store?: EventStore } = {}): Promise<Center> {
    const sim = new SimulatedContactCenter({ start: new Date(START), ...(options.store === undefined ? {} : { store: options.store }) });
    const readModels = ReadModels.open({ file: options.readModelsFile ?? ':memory:', store: sim.store });
    await readModels.start();
    await sim.start();
    return new Center(sim, readModels);
  }

  async stop(): Promise<void> {
    await this.readModels.stop();
    await this.sim.stop();
  }

  /** Waits until the core has reacted to everything and the read models hold it all. */
  async settle(): Promise<void> {
    await this.sim.cc.whenIdle();
    await this.readModels.whenCaughtUpTo(this.sim.cc.processedPosition);
  }

  now(): string {
    return this.sim.cc.now();
  }

  /** Moves simulated time to `seconds` after START (timers fire on the way). */
  async at(seconds: number): Promise<void> {
    await this.sim.advanceTo(START + seconds * 1000);
    await this.settle();
  }

  async organisation(organisationId: string, timeZone = 'UTC'): Promise<void> {
    await this.sim.cc.execute(
      'organisation',
      organisationId,
      { type: 'CreateOrganisation', data: { organisationId, name: `Organisation ${organisationId}`, timeZone, maxMissedOffersInRow: null, at: this.now() } },
      ctx(organisationId, 'setup'),
    );
    await this.settle();
  }

  async queue(organisationId: string, queueId: string, overrides: Partial<QueueSettings> = {}): Promise<void> {
    await this.sim.createQueue(organisationId, queueId, queueSettings({ name: `Queue ${queueId}`, ...overrides }));
    await this.settle();
  }

  async agent(organisationId: string, agentId: string, queueIds: string[], profile: Partial<AgentProfile> = {}, online = true): Promise<void> {
    await this.sim.addAgent(organisationId, agentId, agentProfile({ fullName: `Agent ${agentId}`, ...profile }), queueIds, { online });
    await this.settle();
  }

  async status(organisationId: string, agentId: string, status: 'online' | 'offline' | 'break' | 'meeting' | 'education'): Promise<void> {
    await this.sim.setStatus(organisationId, agentId, status);
    await this.settle();
  }

  async call(organisationId: string, queueId: string, caller: { number?: string | null; name?: string | null } = {}, callId?: string): Promise<string> {
    const result = await this.sim.cc.receiveCall(
      {
        ...(callId === undefined ? {} : { callId }),
        organisationId,
        queueId,
        channel: 'pstn',
        caller: { number: caller.number === undefined ? '+3225550100' : caller.number, name: caller.name === undefined ? 'Grace Hopper' : caller.name, customerId: null },
      },
      ctx(organisationId, 'gateway'),
    );
    await this.settle();
    return result.callId;
  }

  async act(organisationId: string, callId: string, type: 'AnswerCall' | 'DeclineOffer' | 'HoldCall' | 'ResumeCall' | 'RejectTransfer', agentId: string): Promise<void> {
    await this.sim.cc.execute('call', callId, { type, data: { agentId, at: this.now() } }, ctx(organisationId, agentId));
    await this.settle();
  }

  async hangUp(organisationId: string, callId: string, by: 'caller' | 'agent' | 'supervisor', agentId: string | null = null): Promise<void> {
    await this.sim.cc.hangUp(callId, by, agentId, null, ctx(organisationId, agentId ?? 'gateway'));
    await this.settle();
  }

  async completeWrapUp(organisationId: string, callId: string, agentId: string, notes: string | null = null, rating: number | null = null): Promise<void> {
    await this.sim.cc.execute('call', callId, { type: 'CompleteWrapUp', data: { agentId, notes, rating, conversationStatus: 'closed', at: this.now() } }, ctx(organisationId, agentId));
    await this.settle();
  }

  async transfer(organisationId: string, callId: string, fromAgentId: string, target: { kind: 'agent'; agentId: string } | { kind: 'queue'; queueId: string }): Promise<void> {
    await this.sim.cc.requestTransfer(callId, fromAgentId, target, ctx(organisationId, fromAgentId));
    await this.settle();
  }

  async acceptTransfer(organisationId: string, callId: string, agentId: string): Promise<void> {
    await this.sim.cc.acceptTransfer(callId, agentId, ctx(organisationId, agentId));
    await this.settle();
  }
}

export const iso = (seconds: number): string => new Date(START + seconds * 1000).toISOString();
