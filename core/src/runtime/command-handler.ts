/**
 * The one command handler: load state (from the cache, topped up from the stream), decide, append with
 * the expected revision, and on a concurrent write re-read and decide again.
 */
import { randomUUID } from 'node:crypto';
import type { Decider } from '../domain/decider.ts';
import type { DomainEventOf } from '../events/event.ts';
import { WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '../eventstore/port.ts';
import { metadataFor, type CommandContext } from './command-context.ts';
import type { AggregateStates } from './aggregate-states.ts';

export interface HandledCommand<State, Event> {
  /** Events appended by this command ([] when the decider decided nothing). */
  events: RecordedEvent<string, unknown>[];
  decided: Event[];
  state: State;
  revision: number | null;
}

export class CommandConflictError extends Error {
  override readonly name = 'CommandConflictError';
}

const MAX_ATTEMPTS = 8;

export const handleCommand = async <Command extends { data: { at: string } }, Event extends DomainEventOf<string, unknown>, State>(
  store: EventStore,
  states: AggregateStates<State, Event>,
  streamId: string,
  command: Command,
  context: CommandContext,
  decider: Decider<Command, Event, State>,
): Promise<HandledCommand<State, Event>> => {
  const correlationId = context.correlationId ?? randomUUID();
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await states.load(streamId);
    const decided = decider.decide(command, current.state);
    if (decided.length === 0) return { events: [], decided, state: current.state, revision: current.revision };
    try {
      const newEvents = decided.map((event) => ({
        id: randomUUID(),
        type: event.type,
        data: event.data,
        metadata: metadataFor({ ...context, correlationId }, event.type, command.data.at),
      }));
      const result = await store.append(streamId, newEvents, {
        expectedRevision: current.revision === null ? 'no_stream' : current.revision,
      });
      const firstRevision = result.nextExpectedRevision - newEvents.length + 1;
      const firstPosition = result.position - BigInt(newEvents.length - 1);
      const recorded = newEvents.map((event, index) => ({
        ...event,
        streamId,
        revision: firstRevision + index,
        position: firstPosition + BigInt(index),
      }));
      const state = states.record(streamId, recorded);
      return { events: recorded, decided, state, revision: result.nextExpectedRevision };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      // Someone else wrote first: the next load reads what they wrote before deciding again.
    }
  }
  throw new CommandConflictError(`Gave up on ${streamId} after ${MAX_ATTEMPTS} concurrent-write retries`);
};
