/**
 * Worker-thread body for the cross-connection test: appends `count` events one at a time to one
 * stream with exact expected revisions, re-reading and retrying on conflict, through its own
 * SqliteEventStore (own SQLite connection) on the shared file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '../../src/eventstore/sqlite-event-store.ts';
import { WrongExpectedRevisionError } from '../../src/eventstore/port.ts';

interface Job {
  file: string;
  streamId: string;
  writer: string;
  count: number;
}

const job = workerData as Job;
const store = SqliteEventStore.open({ file: job.file });
// Both writers start together, so they really contend for the stream.
parentPort?.postMessage({ ready: true });
await new Promise((resolve) => parentPort?.once('message', resolve));
let conflicts = 0;
for (let n = 0; n < job.count; n += 1) {
  for (;;) {
    const revision = await store.streamRevision(job.streamId);
    try {
      await store.append(
        job.streamId,
        [
          {
            type: 'AgentStatusChanged',
            data: { writer: job.writer, n },
            metadata: {
              organisationId: 'org-1',
              correlationId: `${job.writer}-${n}`,
              causationId: null,
              actor: { kind: 'system', component: 'router' },
              timestamp: '2025-01-01T00:00:00.000Z',
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: revision ?? 'no_stream' },
      );
      break;
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      conflicts += 1;
    }
  }
}
await store.close();
parentPort?.postMessage({ done: true, conflicts });
