import type { QueueSettings } from '../../events/queue-events.ts';

/**
 * What a new queue gets unless told otherwise: longest-idle routing, 20 s ring timeout, 30 s
 * wrap-up, 20 s service-level threshold, no number, no limits, always open.
 */
export const defaultQueueSettings = (name: string, overrides: Partial<QueueSettings> = {}): QueueSettings => ({
  name,
  number: null,
  strategy: 'longest-idle',
  ringTimeoutSeconds: 20,
  wrapUpSeconds: 30,
  maxWaitSeconds: null,
  overflowQueueId: null,
  priority: 0,
  serviceLevelSeconds: 20,
  businessHours: null,
  maskCallerName: false,
  video: false,
  announcement: null,
  musicOnHold: null,
  ...overrides,
});
