import fs from 'node:fs';
import path from 'node:path';
import type { EventStore } from './port.ts';
import { SqliteEventStore } from './sqlite-event-store.ts';
import type * as EventStoreDbModule from './eventstoredb-event-store.ts';

export * from './port.ts';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite-event-store.ts';
// Type-only: the class itself is loaded on demand by openEventStore, so the embedded default never loads gRPC.
export type { EventStoreDbEventStore } from './eventstoredb-event-store.ts';

export interface EventStoreConfig {
  /** Directory for the embedded store's file (`<dataDir>/events.sqlite`); created when missing. */
  dataDir: string;
  /** When set (e.g. `esdb://127.0.0.1:2113?tls=false`), EventStoreDB is used instead of the embedded store. */
  eventStoreConnectionString?: string;
}

export const openEventStore = async (config: EventStoreConfig): Promise<EventStore> => {
  const connectionString = config.eventStoreConnectionString?.trim();
  if (connectionString !== undefined && connectionString !== '') {
    const { EventStoreDbEventStore } = await import('./eventstoredb-event-store.ts');
    return EventStoreDbEventStore.connect(connectionString);
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  return SqliteEventStore.open({ file: path.join(config.dataDir, 'events.sqlite') });
};

/** The EventStoreDB adapter, loaded on demand (it pulls in the gRPC client). */
export const loadEventStoreDbAdapter = async (): Promise<typeof EventStoreDbModule> =>
  import('./eventstoredb-event-store.ts');
