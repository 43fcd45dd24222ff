/**
 * Queue management for admins. Queue numbers are unique across the platform: checked against every
 * queue the core knows (it folds every queue stream) before the queue is written.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, streams, type QueueSettings } from '@cc/core';
import { validateQueueSettings, type QueueState } from '../core-internals.ts';
import type { Viewer } from '../auth/viewer.ts';
import { settle, type Services } from '../services.ts';
import { contextOf } from './agent-admin.ts';
import { defaultQueueSettings } from '@cc/core';

export type CreateQueueInput = Partial<QueueSettings> & { name: string };

export interface QueueView extends QueueSettings {
  id: string;
  organisationId: string;
  removed: boolean;
}

export const queueSettingsDefaults = (name: string): QueueSettings => defaultQueueSettings(name);

const viewOf = (state: QueueState): QueueView | null =>
  state.exists && state.settings !== null && state.queueId !== null && state.organisationId !== null
    ? { ...state.settings, id: state.queueId, organisationId: state.organisationId, removed: state.removed }
    : null;

const defined = <T extends object>(value: T): Partial<T> => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

export class QueueAdmin {
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  async queue(organisationId: string, queueId: string): Promise<QueueView> {
    const { state } = await this.#services.core.states.queues.load(streams.queue(queueId));
    const view = viewOf(state);
    if (view === null || view.removed || view.organisationId !== organisationId) {
      throw new DomainError('QueueNotFound', `There is no queue ${queueId} in your organisation.`, { queueId });
    }
    return view;
  }

  async create(viewer: Viewer, input: CreateQueueInput): Promise<QueueView> {
    const queueId = randomUUID();
    const settings: QueueSettings = { ...queueSettingsDefaults(input.name.trim()), ...defined(input), name: input.name.trim() };
    await this.#check(viewer.organisationId, queueId, settings);
    const { core } = this.#services;
    const result = await core.execute('queue', queueId, { type: 'CreateQueue', data: { queueId, organisationId: viewer.organisationId, settings, at: core.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return this.queue(viewer.organisationId, queueId);
  }

  async update(viewer: Viewer, queueId: string, input: Partial<QueueSettings>): Promise<QueueView> {
    const current = await this.queue(viewer.organisationId, queueId);
    const changes = defined(input);
    if (typeof changes.name === 'string') changes.name = changes.name.trim();
    const { id: _id, organisationId: _org, removed: _removed, ...settings } = current;
    await this.#check(viewer.organisationId, queueId, { ...settings, ...changes });
    const { core } = this.#services;
    const result = await core.execute('queue', queueId, { type: 'UpdateQueue', data: { changes, at: core.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return this.queue(viewer.organisationId, queueId);
  }

  async remove(viewer: Viewer, queueId: string): Promise<boolean> {
    await this.queue(viewer.organisationId, queueId);
    const { core } = this.#services;
    const result = await core.execute('queue', queueId, { type: 'RemoveQueue', data: { at: core.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return true;
  }

  async #check(organisationId: string, queueId: string, settings: QueueSettings): Promise<void> {
    validateQueueSettings(queueId, settings);
    if (settings.overflowQueueId !== null) await this.queue(organisationId, settings.overflowQueueId);
    if (settings.number === null) return;
    for (const [, snapshot] of this.#services.core.states.queues.entries()) {
      const other = viewOf(snapshot.state);
      if (other !== null && !other.removed && other.id !== queueId && other.number === settings.number) {
        throw new DomainError('QueueNumberTaken', `The number ${settings.number} is already used by another queue; each number reaches one queue.`, {
          number: settings.number,
        });
      }
    }
    const elsewhere = this.#services.readSide.queueByNumber(settings.number);
    if (elsewhere !== null && !elsewhere.removed && elsewhere.queueId !== queueId) {
      throw new DomainError('QueueNumberTaken', `The number ${settings.number} is already used by another queue; each number reaches one queue.`, { number: settings.number });
    }
  }
}
