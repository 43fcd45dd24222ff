/** Teams group agents of one organisation for supervision and filtering; they do not route calls. */
import type { DomainEventOf } from './event.ts';

export type TeamCreated = DomainEventOf<'TeamCreated', { teamId: string; organisationId: string; name: string; at: string }>;
export type TeamRenamed = DomainEventOf<'TeamRenamed', { name: string; at: string }>;
export type TeamRemoved = DomainEventOf<'TeamRemoved', { at: string }>;

export type TeamEvent = TeamCreated | TeamRenamed | TeamRemoved;
