/**
 * Event data shapes evolve. Writers always stamp the current schema version; readers pass stored
 * events through the upcasters from their stored version up to the current one, so deciders and
 * projections only ever see the newest shape.
 */
import type { RecordedEvent } from '../eventstore/port.ts';

/** Turns data of version n into data of version n + 1. */
export type Upcaster = (data: unknown) => unknown;

/** For each event type, the upcasters in order: index 0 turns v1 into v2, and so on. */
export type UpcasterRegistry = Readonly<Record<string, readonly Upcaster[]>>;

/** Every event type is at version 1 today; add an upcaster here when a shape changes. */
export const upcasters: UpcasterRegistry = {};

export const currentSchemaVersion = (type: string, registry: UpcasterRegistry = upcasters): number => (registry[type]?.length ?? 0) + 1;

export const upcast = <E extends RecordedEvent>(event: E, registry: UpcasterRegistry = upcasters): E => {
  const steps = registry[event.type];
  const from = event.metadata.schemaVersion ?? 1;
  if (steps === undefined || from > steps.length) return event;
  let data = event.data;
  for (let version = from; version <= steps.length; version++) data = (steps[version - 1] as Upcaster)(data);
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: steps.length + 1 } };
};
