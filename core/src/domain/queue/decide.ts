import { DomainError } from '../errors.ts';
import type { QueueEvent, QueueSettings } from '../../events/queue-events.ts';
import type { CreateQueue, QueueCommand, RemoveQueue, UpdateQueue } from './commands.ts';
import { sameValue } from './same-value.ts';
import { validateQueueSettings } from './settings-validation.ts';
import type { QueueState } from './state.ts';

type LiveQueue = QueueState & { queueId: string; settings: QueueSettings };

const notFound = (state: QueueState): DomainError =>
  state.removed
    ? new DomainError('QueueNotFound', `Queue ${state.queueId ?? ''} was removed.`, { queueId: state.queueId, removed: true })
    : new DomainError('QueueNotFound', 'This queue does not exist; create it first.');

/** A queue that was created and not removed, or QueueNotFound. */
const requireLiveQueue = (state: QueueState): LiveQueue => {
  if (!state.exists || state.removed || state.queueId === null || state.settings === null) throw notFound(state);
  return { ...state, queueId: state.queueId, settings: state.settings };
};

const create = ({ data }: CreateQueue, state: QueueState): QueueEvent[] => {
  if (state.exists) {
    throw new DomainError('QueueAlreadyExists', `Queue ${state.queueId ?? data.queueId} already exists${state.removed ? ' (removed)' : ''}.`, {
      queueId: state.queueId ?? data.queueId,
    });
  }
  const settings = { ...data.settings, name: data.settings.name.trim() };
  validateQueueSettings(data.queueId, settings);
  return [{ type: 'QueueCreated', data: { queueId: data.queueId, organisationId: data.organisationId, settings, at: data.at } }];
};

/** Optional settings that queues created before them lack: still settings, so an update may set them. */
const SETTINGS_ADDED_LATER: ReadonlySet<string> = new Set<keyof QueueSettings>(['recordCalls']);

/** Validates the merged settings, then emits only the fields whose value changes ([] when none). */
const update = ({ data }: UpdateQueue, state: QueueState): QueueEvent[] => {
  const queue = requireLiveQueue(state);
  const requested: Partial<QueueSettings> =
    data.changes.name === undefined ? data.changes : { ...data.changes, name: data.changes.name.trim() };
  validateQueueSettings(queue.queueId, { ...queue.settings, ...requested });

  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(requested)) {
    // Unknown keys (from untyped callers) are not settings and are never recorded.
    if (value === undefined || !(Object.hasOwn(queue.settings, field) || SETTINGS_ADDED_LATER.has(field))) continue;
    if (!sameValue(value, queue.settings[field as keyof QueueSettings])) changes[field] = value;
  }
  if (Object.keys(changes).length === 0) return [];
  // The keys come from Partial<QueueSettings> and each value from the same key.
  return [{ type: 'QueueUpdated', data: { changes: changes as Partial<QueueSettings>, at: data.at } }];
};

/** Removing a removed queue again is an idempotent repeat. */
const remove = ({ data }: RemoveQueue, state: QueueState): QueueEvent[] => {
  if (!state.exists) throw notFound(state);
  if (state.removed) return [];
  return [{ type: 'QueueRemoved', data: { at: data.at } }];
};

export const decide = (command: QueueCommand, state: QueueState): QueueEvent[] => {
  switch (command.type) {
    case 'CreateQueue':
      return create(command, state);
    case 'UpdateQueue':
      return update(command, state);
    case 'RemoveQueue':
      return remove(command, state);
  }
};
