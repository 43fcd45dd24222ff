/**
 * Pure translations between the port and `@eventstore/db-client` shapes. Type-only imports:
 * this module never loads the gRPC client, so it is unit-tested without a server.
 */
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  CurrentRevision,
  Position,
  ReadPosition,
  ReadRevision,
  ResolvedEvent,
} from '@eventstore/db-client';
import type { EventMetadata } from '../events/metadata.ts';
import { EventStoreError, WrongExpectedRevisionError, type ExpectedRevision, type ReadStreamOptions, type RecordedEvent } from './port.ts';

export const toEsdbExpectedRevision = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'no_stream':
      return 'no_stream';
    case 'stream_exists':
      return 'stream_exists';
    case 'any':
      return 'any';
    default:
      if (!Number.isSafeInteger(expected) || expected < -1) throw new EventStoreError(`Invalid expected revision ${expected}`);
      // -1 is "before the first event", which EventStoreDB spells NO_STREAM.
      return expected === -1 ? 'no_stream' : BigInt(expected);
  }
};

/** EventStoreDB's current revision ('no_stream' or a bigint) as the port's `number | null`. */
export const fromEsdbCurrentRevision = (current: CurrentRevision): number | null => (current === 'no_stream' ? null : Number(current));

const errorType = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'type' in error && typeof error.type === 'string' ? error.type : undefined;

/**
 * The client's WrongExpectedVersionError (matched by its `type` tag, so no runtime import) as
 * the port's WrongExpectedRevisionError; any other error is returned unchanged.
 */
export const mapAppendError = (error: unknown, streamId: string, expected: ExpectedRevision): unknown => {
  if (errorType(error) !== 'wrong-expected-version') return error;
  const actual = (error as { actualVersion?: CurrentRevision }).actualVersion;
  return new WrongExpectedRevisionError(streamId, expected, actual === undefined ? null : fromEsdbCurrentRevision(actual));
};

/** A read of a missing stream fails with StreamNotFoundError; the port reads it as empty. */
export const isStreamNotFound = (error: unknown): boolean => errorType(error) === 'stream-not-found';

/** The port's global position is EventStoreDB's commit position. */
export const fromEsdbPosition = (position: Position): bigint => position.commit;

/**
 * A port position as an EventStoreDB read position. The port keeps only the commit position;
 * events appended over gRPC have prepare == commit, so both are set to it.
 */
export const toEsdbReadPosition = (position: bigint): ReadPosition =>
  position <= 0n ? 'start' : { commit: position, prepare: position };

export const toEsdbReadRevision = (from: ReadStreamOptions['fromRevision'], backwards: boolean): ReadRevision => {
  if (from === undefined) return backwards ? 'end' : 'start';
  if (from === 'start' || from === 'end') return from;
  return BigInt(from);
};

/** Streams whose name starts with `$` belong to EventStoreDB itself, never to the platform. */
export const isSystemStream = (streamId: string): boolean => streamId.startsWith('$');

export const matchesPrefixes = (streamId: string, prefixes: readonly string[] | undefined): boolean =>
  prefixes === undefined || prefixes.length === 0 || prefixes.some((prefix) => streamId.startsWith(prefix));

/**
 * A resolved event as the port's RecordedEvent; null for what the port never shows (link
 * events without a target, binary events, system streams, events without a position).
 */
export const fromEsdbResolvedEvent = (resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null => {
  const event = resolved.event;
  if (event === undefined || !event.isJson || isSystemStream(event.streamId)) return null;
  const position = event.position ?? (resolved.commitPosition === undefined ? undefined : { commit: resolved.commitPosition, prepare: resolved.commitPosition });
  if (position === undefined) return null;
  return {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: fromEsdbPosition(position),
    type: event.type,
    data: event.data,
    // Written by this adapter as the JSON of EventMetadata; the client types metadata loosely.
    metadata: event.metadata as unknown as EventMetadata,
  };
};
