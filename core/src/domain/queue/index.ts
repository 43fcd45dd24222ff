import type { Decider } from '../decider.ts';
import type { QueueEvent } from '../../events/queue-events.ts';
import type { QueueCommand } from './commands.ts';
import { decide } from './decide.ts';
import { evolve, initialState, type QueueState } from './state.ts';

export type * from './commands.ts';
export { decide } from './decide.ts';
export { evolve, initialState, type QueueState } from './state.ts';
export { isQueueOpen, localWeekTime } from './business-hours.ts';
export { defaultQueueSettings } from './default-settings.ts';
export { validateQueueSettings } from './settings-validation.ts';

export const queueDecider: Decider<QueueCommand, QueueEvent, QueueState> = { decide, evolve, initialState };
