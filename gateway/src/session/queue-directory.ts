/**
 * Which queue a dialled number reaches: kept from the queue events (live through cc.onEvent, and
 * read from the store on start). Events are applied once each, in revision order per queue, so the
 * live feed and the catch-up read may overlap in any order.
 */
import { streamCategory, streamEntityId, type DomainEvent, type EventStore, type RecordedEvent } from '@cc/core';
import { catchUpStreams } from './store-catch-up.ts';

export interface QueueAddress {
  queueId: string;
  organisationId: string;
}

interface QueueEntry {
  organisationId: string;
  number: string | null;
  removed: boolean;
  revision: number;
}

export class QueueDirectory {
  readonly #queues = new Map<string, QueueEntry>();
  readonly #byNumber = new Map<string, string>();

  /** Reads every queue event already in the store. */
  async catchUp(store: EventStore): Promise<void> {
    await catchUpStreams(store, 'queue-', (event) => this.apply(event));
  }

  apply(recorded: RecordedEvent): void {
    if (streamCategory(recorded.streamId) !== 'queue') return;
    const queueId = streamEntityId(recorded.streamId);
    const known = this.#queues.get(queueId);
    if (known !== undefined && recorded.revision <= known.revision) return;
    if (known === undefined && recorded.type !== 'QueueCreated') return; // a gap: the catch-up brings it in order
    const event = recorded as unknown as RecordedEvent & DomainEvent;
    let next: QueueEntry | undefined;
    switch (event.type) {
      case 'QueueCreated':
        next = { organisationId: event.data.organisationId, number: event.data.settings.number, removed: false, revision: recorded.revision };
        break;
      case 'QueueUpdated':
        if (known === undefined) return;
        next = { ...known, number: event.data.changes.number === undefined ? known.number : event.data.changes.number, revision: recorded.revision };
        break;
      case 'QueueRemoved':
        if (known === undefined) return;
        next = { ...known, removed: true, revision: recorded.revision };
        break;
      default:
        if (known !== undefined) next = { ...known, revision: recorded.revision };
    }
    if (next === undefined) return;
    if (known?.number != null && this.#byNumber.get(known.number) === queueId) this.#byNumber.delete(known.number);
    this.#queues.set(queueId, next);
    if (next.number !== null && !next.removed) this.#byNumber.set(next.number, queueId);
  }

  /** A live queue by its id (website visitors may dial a queue's id rather than a number). */
  byId(queueId: string | null): QueueAddress | null {
    if (queueId === null) return null;
    const entry = this.#queues.get(queueId);
    return entry === undefined || entry.removed ? null : { queueId, organisationId: entry.organisationId };
  }

  /** The queue a number reaches; a number without '+' is also tried as E.164 (trunks often drop it). */
  lookup(dialled: string | null): QueueAddress | null {
    if (dialled === null || dialled === '') return null;
    const queueId = this.#byNumber.get(dialled) ?? (dialled.startsWith('+') ? undefined : this.#byNumber.get(`+${dialled}`));
    if (queueId === undefined) return null;
    const entry = this.#queues.get(queueId);
    return entry === undefined ? null : { queueId, organisationId: entry.organisationId };
  }
}
