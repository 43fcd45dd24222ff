/**
 * The event-store port. Semantics follow EventStoreDB so that the embedded adapter and the
 * EventStoreDB adapter are interchangeable and pass one conformance suite.
 *
 * Revisions are 0-based per stream (the first event of a stream has revision 0).
 * Positions are global, monotonic; in the embedded store they are also gap-free (1, 2, 3, ...).
 */
import type { EventMetadata } from '../events/metadata.ts';

/** What the writer expects the stream to look like before the append. */
export type ExpectedRevision =
  | 'no_stream' // the stream must not exist
  | 'stream_exists' // the stream must exist (any revision)
  | 'any' // no check
  | number; // the revision of the stream's last event must be exactly this

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** Optional id (UUID); generated when absent. Re-appending the same id is not deduplicated by the port. */
  id?: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  streamId: string;
  /** 0-based revision of this event within its stream. */
  revision: number;
  /** Global position in the log. */
  position: bigint;
  type: Type;
  data: Data;
  metadata: EventMetadata;
}

export interface AppendResult {
  /** Revision of the last event written: pass it as the next expectedRevision. */
  nextExpectedRevision: number;
  /** Global position of the last event written. */
  position: bigint;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; 'start' (default forwards) or 'end' (default backwards). */
  fromRevision?: number | 'start' | 'end';
  maxCount?: number;
}

export interface SubscribeToAllOptions {
  /** 'start' replays everything; 'end' only live events; a position replays events strictly after it. */
  fromPosition: 'start' | 'end' | bigint;
  /** Only events whose stream id starts with one of these prefixes (e.g. 'call-', 'agent-'). */
  streamPrefixes?: readonly string[];
}

export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  /** Sent once, when the subscription has delivered everything that existed when it caught up. */
  | { kind: 'caughtUp'; position: bigint };

export interface AllSubscription extends AsyncIterable<SubscriptionMessage> {
  /** Ends the iteration; pending `next()` calls resolve with done. */
  stop(): Promise<void>;
}

export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** Reads a stream; a stream that does not exist reads as empty (no error). */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** Reads the whole log forwards strictly after `after` (0n for the beginning), in pages. */
  readAll(options: { after: bigint; maxCount: number; streamPrefixes?: readonly string[] }): Promise<RecordedEvent[]>;
  subscribeToAll(options: SubscribeToAllOptions): AllSubscription;
  /** Revision of the stream's last event, or null when the stream does not exist. */
  streamRevision(streamId: string): Promise<number | null>;
  close(): Promise<void>;
}

/** A concurrent writer got there first: re-read and decide again. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** Actual revision of the stream's last event, null when the stream does not exist. */
  readonly actual: number | null;
  constructor(streamId: string, expected: ExpectedRevision, actual: number | null) {
    super(`Append to ${streamId} expected revision ${String(expected)} but the stream is at ${actual === null ? 'no stream' : actual}`);
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The store was asked for something it can't do (closed, bad arguments). */
export class EventStoreError extends Error {
  override readonly name = 'EventStoreError';
}

export const readStreamToArray = async (store: EventStore, streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId, options)) events.push(event);
  return events;
};
