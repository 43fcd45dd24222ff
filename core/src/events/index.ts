import type { AgentEvent } from './agent-events.ts';
import type { CallEvent } from './call-events.ts';
import type { OrganisationEvent } from './organisation-events.ts';
import type { QueueEvent } from './queue-events.ts';
import type { SessionEvent, UserClaimEvent, UserEvent } from './user-events.ts';
import type { TeamEvent } from './team-events.ts';

export * from './agent-events.ts';
export * from './call-events.ts';
export type * from './event.ts';
export type * from './metadata.ts';
export * from './organisation-events.ts';
export * from './queue-events.ts';
export type * from './team-events.ts';
export * from './user-events.ts';

export type DomainEvent = OrganisationEvent | QueueEvent | AgentEvent | CallEvent | UserEvent | SessionEvent | UserClaimEvent | TeamEvent;
export type DomainEventType = DomainEvent['type'];

/** Stream names are `category-id`: projections and the router subscribe by category prefix. */
export const streams = {
  organisation: (id: string): string => `organisation-${id}`,
  queue: (id: string): string => `queue-${id}`,
  agent: (id: string): string => `agent-${id}`,
  call: (id: string): string => `call-${id}`,
  team: (id: string): string => `team-${id}`,
  user: (id: string): string => `user-${id}`,
  session: (id: string): string => `session-${id}`,
  /** Claim streams: one per lower-cased email / username, holding the userId that owns it. */
  userEmail: (email: string): string => `useremail-${email.trim().toLowerCase()}`,
  username: (username: string): string => `username-${username.trim().toLowerCase()}`,
} as const;

export const streamCategory = (streamId: string): string => streamId.slice(0, streamId.indexOf('-'));
export const streamEntityId = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);
