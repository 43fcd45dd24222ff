/**
 * A ContactCenter running in simulated time on an in-memory store: used by the capacity simulator,
 * the benchmark and the tests. Time only moves through `advanceTo`, which fires due timers in order
 * and lets the core settle after each one, so runs are deterministic and never sleep.
 */
import type { AgentProfile } from '../events/agent-events.ts';
import type { QueueSettings } from '../events/queue-events.ts';
import type { EventStore } from '../eventstore/port.ts';
import { SqliteEventStore } from '../eventstore/sqlite-event-store.ts';
import type { CommandContext } from '../runtime/command-context.ts';
import { ContactCenter } from '../runtime/contact-center.ts';
import { silentLogger, type CoreLogger } from '../runtime/core-logger.ts';
import { SimulatedClock, SimulatedTimerScheduler } from '../runtime/simulated-time.ts';

export interface SimulatedContactCenterOptions {
  start?: Date;
  store?: EventStore;
  logger?: CoreLogger;
}

export class SimulatedContactCenter {
  readonly clock: SimulatedClock;
  readonly timers = new SimulatedTimerScheduler();
  readonly store: EventStore;
  readonly cc: ContactCenter;

  constructor(options: SimulatedContactCenterOptions = {}) {
    this.clock = new SimulatedClock(options.start ?? new Date('2026-01-05T08:00:00.000Z'));
    this.store = options.store ?? SqliteEventStore.open({ file: ':memory:' });
    this.cc = new ContactCenter({ store: this.store, clock: this.clock, timers: this.timers, logger: options.logger ?? silentLogger });
  }

  async start(): Promise<void> {
    await this.cc.start();
  }

  async stop(): Promise<void> {
    await this.cc.stop();
    await this.store.close();
  }

  /** Moves time forward to `millis`, firing every timer due on the way, each followed by the core settling. */
  async advanceTo(millis: number): Promise<void> {
    await this.cc.whenIdle();
    for (;;) {
      const due = this.timers.nextDueAt();
      if (due === null || due > millis) break;
      if (due > this.clock.millis) this.clock.set(due);
      this.timers.fireNextDue(due);
      await this.cc.whenIdle();
    }
    if (millis > this.clock.millis) this.clock.set(millis);
  }

  advanceBy(seconds: number): Promise<void> {
    return this.advanceTo(this.clock.millis + seconds * 1000);
  }

  // ---- Setting up a contact center --------------------------------------------------------------

  context(organisationId: string, userId = 'setup'): CommandContext {
    return { organisationId, actor: { kind: 'user', userId } };
  }

  async createOrganisation(organisationId: string, options: { maxMissedOffersInRow?: number | null } = {}): Promise<void> {
    await this.cc.execute(
      'organisation',
      organisationId,
      {
        type: 'CreateOrganisation',
        data: { organisationId, name: `Organisation ${organisationId}`, timeZone: 'UTC', maxMissedOffersInRow: options.maxMissedOffersInRow ?? null, at: this.cc.now() },
      },
      this.context(organisationId),
    );
  }

  async createQueue(organisationId: string, queueId: string, settings: QueueSettings): Promise<void> {
    await this.cc.execute('queue', queueId, { type: 'CreateQueue', data: { queueId, organisationId, settings, at: this.cc.now() } }, this.context(organisationId));
  }

  /** Registers an agent, joins the queues (penalty 0) and, unless told otherwise, sets them Online. */
  async addAgent(organisationId: string, agentId: string, profile: AgentProfile, queueIds: readonly string[], options: { online?: boolean; penalty?: number } = {}): Promise<void> {
    const context = this.context(organisationId);
    await this.cc.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId, profile, at: this.cc.now() } }, context);
    for (const queueId of queueIds) {
      await this.cc.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: options.penalty ?? 0, skills: [], at: this.cc.now() } }, context);
    }
    if (options.online ?? true) await this.setStatus(organisationId, agentId, 'online');
  }

  async setStatus(organisationId: string, agentId: string, status: 'online' | 'offline' | 'break' | 'meeting' | 'education'): Promise<void> {
    await this.cc.execute('agent', agentId, { type: 'SetAgentStatus', data: { status, reason: null, at: this.cc.now() } }, this.context(organisationId, agentId));
  }
}
