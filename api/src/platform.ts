/**
 * Everything the API serves from, in one process: the event store, the running core, the read
 * models and the user directory. `openPlatform` starts them in order; `close` stops them in reverse.
 */
import path from 'node:path';
import { ContactCenter, silentLogger, type CoreLogger, type EventStore } from '@cc/core';
import { openEventStore } from '@cc/core/eventstore';
import { UserDirectory } from './auth/user-directory.ts';
import { openReadModels, type RunningReadSide } from './read-side.ts';

export interface Platform {
  store: EventStore;
  core: ContactCenter;
  readSide: RunningReadSide;
  users: UserDirectory;
  close(): Promise<void>;
}

export interface PlatformOptions {
  dataDir: string;
  eventStoreConnectionString?: string;
  logger?: CoreLogger;
  sessionTtlMs?: number;
  /** Tests may pass their own read side; the default opens @cc/projections' ReadModels under dataDir. */
  readSide?: (store: EventStore) => Promise<RunningReadSide>;
}

export const DEFAULT_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export const openPlatform = async (options: PlatformOptions): Promise<Platform> => {
  const store = await openEventStore({
    dataDir: options.dataDir,
    ...(options.eventStoreConnectionString === undefined ? {} : { eventStoreConnectionString: options.eventStoreConnectionString }),
  });
  const core = new ContactCenter({ store, logger: options.logger ?? silentLogger });
  await core.start();
  const readSide = options.readSide === undefined
    ? openReadModels({ file: path.join(options.dataDir, 'read-models.sqlite'), store })
    : await options.readSide(store);
  await readSide.start();
  const users = new UserDirectory(store, { now: () => core.now(), sessionTtlMs: options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS });
  return {
    store,
    core,
    readSide,
    users,
    async close() {
      await readSide.stop();
      await core.stop();
      await store.close();
    },
  };
};
