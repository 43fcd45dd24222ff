/**
 * The conformance suite against a real EventStoreDB server, only when one is configured.
 * Every test uses fresh stream names (the server is shared between runs), and subscriptions
 * need a server that sends caughtUp (EventStoreDB 23.10 or later).
 */
import { describe, it } from 'vitest';
import { EventStoreDbEventStore } from '../../src/eventstore/eventstoredb-event-store.ts';
import { describeEventStoreConformance } from './conformance.ts';

const url = process.env['EVENTSTORE_CONNECTION_STRING']?.trim() ?? '';
const skipReason = 'skipped: set EVENTSTORE_CONNECTION_STRING=esdb://127.0.0.1:2113?tls=false to run against a server';

if (url === '') {
  console.warn(`EventStoreDB conformance ${skipReason}`);
  describe.skip(`EventStoreDB conformance (${skipReason})`, () => {
    it('runs the event-store conformance suite against EventStoreDB', () => undefined);
  });
} else {
  describeEventStoreConformance('EventStoreDB conformance', async () => ({
    store: EventStoreDbEventStore.connect(url),
    reopen: async () => EventStoreDbEventStore.connect(url),
    cleanup: async () => undefined,
  }));
}
