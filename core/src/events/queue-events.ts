import type { DomainEventOf } from './event.ts';

export const QUEUE_STRATEGIES = ['longest-idle', 'round-robin', 'fewest-calls', 'least-talk-time', 'ring-all', 'skills'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

/** One opening window on a weekday (0 = Sunday), times 'HH:MM' in the queue's time zone; close > open. */
export interface OpeningWindow {
  day: 0 | 1 | 2 | 3 | 4 | 5 | 6;
  open: string;
  close: string;
}

export interface BusinessHours {
  timeZone: string;
  windows: OpeningWindow[];
}

export interface QueueSettings {
  name: string;
  /** E.164 number callers dial ('+3225551234'), or null for queues reached only by widget/link/transfer. */
  number: string | null;
  strategy: QueueStrategy;
  ringTimeoutSeconds: number;
  wrapUpSeconds: number;
  /** Longest a caller waits before overflow (or the call ends); null = no limit. */
  maxWaitSeconds: number | null;
  /** Where calls go when maxWaitSeconds is reached; null = the call ends with outcome 'expired'. */
  overflowQueueId: string | null;
  /** Higher is served first when an agent serves several queues (0 default). */
  priority: number;
  /** Service-level threshold T in seconds (answered within T / offered). */
  serviceLevelSeconds: number;
  /** null = always open. */
  businessHours: BusinessHours | null;
  /** Show only the first character of each name part to agents. */
  maskCallerName: boolean;
  /** Queue serves video calls (console asks for the camera). */
  video: boolean;
  announcement: string | null;
  musicOnHold: string | null;
  /** Record answered calls (up to a transfer) under the data directory; absent = false (queues created before this setting). */
  recordCalls?: boolean;
  /** Items the agent ticks during a call (CallChecklistItemTicked); absent = none (queues created before this setting). */
  checklist?: string[];
}

export type QueueCreated = DomainEventOf<'QueueCreated', { queueId: string; organisationId: string; settings: QueueSettings; at: string }>;
export type QueueUpdated = DomainEventOf<'QueueUpdated', { changes: Partial<QueueSettings>; at: string }>;
export type QueueRemoved = DomainEventOf<'QueueRemoved', { at: string }>;

export type QueueEvent = QueueCreated | QueueUpdated | QueueRemoved;
