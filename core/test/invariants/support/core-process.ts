/**
 * A running core in its own OS process, for the invariant tests: it opens the SQLite event store
 * named on the command line, starts a ContactCenter on the wall clock with real timers, and serves
 * newline-delimited JSON commands on stdin. A reply goes to stdout only once the command's append
 * has resolved, so an `ack` line means "stored": exactly what a gateway or API would tell a client.
 *
 *   argv[2]  the SQLite file
 *   env CC_ORPHAN_GRACE_MS  grace before an offer-less reservation is released (default 2000)
 *   env CC_POLL_MS          how often the store looks for other processes' appends (default 10)
 *
 * Replies: {"ready":true,"pid":n} once caught up; {"ack":id,"positions":[..],"events":[..]} or
 * {"error":id,"code":..,"message":..} per command. Stdin closing stops the core cleanly.
 */
import { createInterface } from 'node:readline';
import type { AgentCommand } from '../../../src/domain/agent/index.ts';
import type { CallCommand } from '../../../src/domain/call/index.ts';
import { DomainError } from '../../../src/domain/errors.ts';
import type { OrganisationCommand } from '../../../src/domain/organisation/index.ts';
import type { QueueCommand } from '../../../src/domain/queue/index.ts';
import type { EndedBy } from '../../../src/events/call-events.ts';
import type { RecordedEvent } from '../../../src/eventstore/port.ts';
import { SqliteEventStore } from '../../../src/eventstore/sqlite-event-store.ts';
import type { CommandContext } from '../../../src/runtime/command-context.ts';
import type { HandledCommand } from '../../../src/runtime/command-handler.ts';
import { ContactCenter, type ReceiveCallInput } from '../../../src/runtime/contact-center.ts';
import type { CoreLogger } from '../../../src/runtime/core-logger.ts';
import type { ChildReply, ChildRequest, StoredEventView } from './protocol.ts';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: core-process.ts <sqlite-file>\n');
  process.exit(2);
}

const pid = process.pid;
const write = (reply: ChildReply | { ready: true; pid: number }): void => {
  process.stdout.write(`${JSON.stringify(reply)}\n`);
};

// Warnings and errors go to stderr with the pid, so a failing test can show which process said what.
const log =
  (level: string) =>
  (details: Record<string, unknown>, message: string): void => {
    process.stderr.write(`${JSON.stringify({ level, pid, msg: message, ...details })}\n`);
  };
const logger: CoreLogger = { debug: () => undefined, info: () => undefined, warn: log('warn'), error: log('error') };

const store = SqliteEventStore.open({ file, pollIntervalMs: Number(process.env['CC_POLL_MS'] ?? 10) });
const cc = new ContactCenter({ store, logger, orphanReservationGraceMs: Number(process.env['CC_ORPHAN_GRACE_MS'] ?? 2000) });

const view = (event: RecordedEvent): StoredEventView => ({
  id: event.id,
  streamId: event.streamId,
  revision: event.revision,
  position: Number(event.position),
  type: event.type,
  data: event.data,
});

/** Commands carry `at` when the test wants a particular time; otherwise it is this process's now. */
const withAt = <C extends { data: object }>(command: C): C => ({ ...command, data: { at: cc.now(), ...command.data } });

const run = async (request: ChildRequest): Promise<HandledCommand<unknown, unknown> | { stats: Record<string, number> }> => {
  switch (request.kind) {
    case 'execute': {
      const context: CommandContext = request.context;
      // The aggregate kind picks the overload; the casts only restate what the test sent.
      switch (request.aggregate) {
        case 'organisation':
          return cc.execute('organisation', request.entityId, withAt(request.command) as OrganisationCommand, context);
        case 'queue':
          return cc.execute('queue', request.entityId, withAt(request.command) as QueueCommand, context);
        case 'agent':
          return cc.execute('agent', request.entityId, withAt(request.command) as AgentCommand, context);
        case 'call':
          return cc.execute('call', request.entityId, withAt(request.command) as CallCommand, context);
      }
      break;
    }
    case 'receiveCall':
      return (await cc.receiveCall(request.input as ReceiveCallInput, request.context)).result;
    case 'hangUp':
      return cc.hangUp(request.callId, request.by as EndedBy, request.agentId, request.reason, request.context);
    case 'idle':
      await cc.whenIdle();
      return { stats: { offers: cc.stats.offers, failedReservations: cc.stats.failedReservations } };
    case 'stats':
      return { stats: { offers: cc.stats.offers, failedReservations: cc.stats.failedReservations, pid } };
  }
  throw new Error(`unknown request ${JSON.stringify(request)}`);
};

const serve = async (line: string): Promise<void> => {
  let request: ChildRequest;
  try {
    request = JSON.parse(line) as ChildRequest;
  } catch {
    write({ error: -1, code: 'BadRequest', message: `not JSON: ${line.slice(0, 200)}` });
    return;
  }
  try {
    const result = await run(request);
    if ('stats' in result) {
      write({ ack: request.id, positions: [], events: [], stats: result.stats });
      return;
    }
    write({ ack: request.id, positions: result.events.map((event) => Number(event.position)), events: result.events.map(view) });
  } catch (error) {
    const code = error instanceof DomainError ? error.code : error instanceof Error ? error.name : 'Error';
    write({ error: request.id, code, message: error instanceof Error ? error.message : String(error) });
  }
};

await cc.start();
write({ ready: true, pid });

// Commands run concurrently, as requests from many clients would: each replies when its own append is done.
const pending = new Set<Promise<void>>();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  const served = serve(line).finally(() => pending.delete(served));
  pending.add(served);
});
lines.on('close', () => {
  void (async () => {
    await Promise.allSettled([...pending]);
    await cc.stop();
    await store.close();
    process.exit(0);
  })();
});
