/**
 * Folded decider states by stream, kept current from two sides: the command handler records what it
 * appended, the all-stream subscription applies what anyone appended. Each event applies once, in
 * revision order; a gap (an event this process has not seen yet) is filled by reading the stream.
 */
import type { Decider } from '../domain/decider.ts';
import type { DomainEventOf } from '../events/event.ts';
import { upcast } from '../events/upcasting.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';

export interface AggregateSnapshot<State> {
  state: State;
  /** Revision of the last event folded in, or null when the stream does not exist. */
  revision: number | null;
}

export class AggregateStates<State, Event extends DomainEventOf<string, unknown>> {
  readonly #store: EventStore;
  readonly #decider: Decider<unknown, Event, State>;
  readonly #entries = new Map<string, AggregateSnapshot<State>>();

  constructor(store: EventStore, decider: Decider<never, Event, State>) {
    this.#store = store;
    // Only evolve/initialState are used here; decide is the handler's business.
    this.#decider = decider as unknown as Decider<unknown, Event, State>;
  }

  /** The state as the store has it now (reads any events newer than the cached revision). */
  async load(streamId: string): Promise<AggregateSnapshot<State>> {
    const cached = this.#entries.get(streamId);
    const fromRevision = cached?.revision === null || cached === undefined ? 0 : cached.revision + 1;
    const newer: RecordedEvent[] = [];
    for await (const event of this.#store.readStream(streamId, { fromRevision })) newer.push(event);
    if (newer.length === 0 && cached !== undefined) return cached;
    this.#fold(streamId, newer);
    return this.#entries.get(streamId) ?? { state: this.#decider.initialState(), revision: null };
  }

  /** State known to this process without touching the store (may lag the store). */
  peek(streamId: string): AggregateSnapshot<State> | undefined {
    return this.#entries.get(streamId);
  }

  /** Folds events this process just appended or received; returns the new state. */
  record(streamId: string, events: readonly RecordedEvent[]): State {
    this.#fold(streamId, events);
    return (this.#entries.get(streamId) as AggregateSnapshot<State>).state;
  }

  /** Applies one event from the subscription; false when it was already folded or leaves a gap. */
  apply(event: RecordedEvent): boolean {
    const cached = this.#entries.get(event.streamId);
    const expected = cached === undefined || cached.revision === null ? 0 : cached.revision + 1;
    if (event.revision !== expected) return false;
    this.#fold(event.streamId, [event]);
    return true;
  }

  forget(streamId: string): void {
    this.#entries.delete(streamId);
  }

  entries(): IterableIterator<[string, AggregateSnapshot<State>]> {
    return this.#entries.entries();
  }

  #fold(streamId: string, events: readonly RecordedEvent[]): void {
    let snapshot = this.#entries.get(streamId) ?? { state: this.#decider.initialState(), revision: null };
    for (const recorded of events) {
      if (snapshot.revision !== null && recorded.revision <= snapshot.revision) continue;
      const event = upcast(recorded);
      snapshot = { state: this.#decider.evolve(snapshot.state, { type: event.type, data: event.data } as Event), revision: recorded.revision };
    }
    this.#entries.set(streamId, snapshot);
  }
}
