/**
 * `npm run rebuild`: drops the read models and builds them again from the whole event log.
 * DATA_DIR (default ./data) holds read-models.sqlite and, unless EVENTSTORE_CONNECTION_STRING
 * names an EventStoreDB, the embedded events.sqlite. Run it while the platform is stopped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { jsonLogger } from '@cc/core';
import { openEventStore } from '@cc/core/eventstore';
import { ReadModels } from './read-models.ts';

const dataDir = path.resolve(process.env.DATA_DIR ?? './data');
fs.mkdirSync(dataDir, { recursive: true });
const store = await openEventStore({ dataDir, eventStoreConnectionString: process.env.EVENTSTORE_CONNECTION_STRING });
const file = path.join(dataDir, 'read-models.sqlite');
const readModels = ReadModels.open({ file, store, logger: jsonLogger });
try {
  const { events, seconds } = await readModels.rebuild();
  console.log(`read_models_file: ${file}`);
  console.log(`events: ${events}`);
  console.log(`seconds: ${seconds.toFixed(3)}`);
  console.log(`events_per_second: ${seconds > 0 ? Math.round(events / seconds) : events}`);
} finally {
  await readModels.stop();
  await store.close();
}
