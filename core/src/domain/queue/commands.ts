import type { CommandOf } from '../decider.ts';
import type { QueueSettings } from '../../events/queue-events.ts';

export type CreateQueue = CommandOf<'CreateQueue', { queueId: string; organisationId: string; settings: QueueSettings; at: string }>;
export type UpdateQueue = CommandOf<'UpdateQueue', { changes: Partial<QueueSettings>; at: string }>;
export type RemoveQueue = CommandOf<'RemoveQueue', { at: string }>;

export type QueueCommand = CreateQueue | UpdateQueue | RemoveQueue;
