import { randomUUID } from 'node:crypto';
import type { Actor, EventMetadata } from '../events/metadata.ts';
import { currentSchemaVersion } from '../events/upcasting.ts';

/** Who asks, for which organisation, and as part of which request: becomes every event's metadata. */
export interface CommandContext {
  organisationId: string;
  actor: Actor;
  /** Shared by everything that follows from one outside request; generated when absent. */
  correlationId?: string;
  /** Event or command id that caused this command; null for an outside request. */
  causationId?: string | null;
}

export const metadataFor = (context: CommandContext, type: string, timestamp: string): EventMetadata => ({
  organisationId: context.organisationId,
  correlationId: context.correlationId ?? randomUUID(),
  causationId: context.causationId ?? null,
  actor: context.actor,
  timestamp,
  schemaVersion: currentSchemaVersion(type),
});
