/**
 * A read-model process for the crash test: catches up with an event-store file in small batches,
 * slowly (each page read waits a little), so the test can kill it with SIGKILL half-way.
 * Usage: node catch-up-child.ts <events.sqlite> <read-models.sqlite>
 */
import { SqliteEventStore, type EventStore } from '@cc/core/eventstore';
import { ReadModels } from '../../src/read-models.ts';

const [eventsFile, readModelsFile] = process.argv.slice(2);
if (eventsFile === undefined || readModelsFile === undefined) throw new Error('usage: catch-up-child.ts <events.sqlite> <read-models.sqlite>');
const store = SqliteEventStore.open({ file: eventsFile });
const slow: EventStore = {
  append: (...args) => store.append(...args),
  readStream: (...args) => store.readStream(...args),
  readAll: async (options) => {
    await new Promise((resolve) => setTimeout(resolve, 3));
    return store.readAll(options);
  },
  subscribeToAll: (options) => store.subscribeToAll(options),
  streamRevision: (streamId) => store.streamRevision(streamId),
  close: () => store.close(),
};
const readModels = ReadModels.open({ file: readModelsFile, store: slow, catchUpBatchSize: 13 });
process.stdout.write('started\n');
await readModels.start();
process.stdout.write('caught-up\n');
await readModels.stop();
await store.close();
