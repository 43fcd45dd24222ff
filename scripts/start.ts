/**
 * `npm start`: the platform on the embedded default. Today that is the core (event store, router,
 * call flow, timers) on DATA_DIR; the API, the SIP edge and the console join this process as their
 * issues land.
 */
import { ContactCenter, jsonLogger } from '@cc/core';
import { openEventStore } from '@cc/core/eventstore';

const dataDir = process.env.DATA_DIR ?? './data';
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

const store = await openEventStore({ dataDir, ...(connectionString === undefined ? {} : { eventStoreConnectionString: connectionString }) });
const core = new ContactCenter({ store, logger: jsonLogger });
await core.start();
jsonLogger.info(
  { dataDir, eventStore: connectionString === undefined ? 'embedded sqlite' : 'eventstoredb', position: String(core.processedPosition) },
  'contact-center core started',
);

// The core itself runs on timers and its subscription; this keeps the process up until asked to stop.
const keepAlive = setInterval(() => undefined, 60_000);
const shutdown = async (signal: string): Promise<void> => {
  jsonLogger.info({ signal }, 'stopping');
  clearInterval(keepAlive);
  await core.stop();
  await store.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
