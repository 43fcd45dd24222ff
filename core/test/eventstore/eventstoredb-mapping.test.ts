import { describe, expect, it } from 'vitest';
import type { ResolvedEvent } from '@eventstore/db-client';
import {
  fromEsdbCurrentRevision,
  fromEsdbPosition,
  fromEsdbResolvedEvent,
  isStreamNotFound,
  mapAppendError,
  matchesPrefixes,
  toEsdbExpectedRevision,
  toEsdbReadPosition,
  toEsdbReadRevision,
} from '../../src/eventstore/eventstoredb-mapping.ts';
import { EventStoreError, WrongExpectedRevisionError } from '../../src/eventstore/port.ts';

const metadata = {
  organisationId: 'org-1',
  correlationId: 'corr-1',
  causationId: null,
  actor: { kind: 'user', userId: 'user-1' },
  timestamp: '2025-01-01T00:00:00.000Z',
  schemaVersion: 1,
};

const resolved = (overrides: Record<string, unknown> = {}): ResolvedEvent =>
  ({
    event: {
      streamId: 'call-1',
      id: '6f1c1a57-7a8e-4a53-9d0c-111111111111',
      isJson: true,
      revision: 4n,
      type: 'CallQueued',
      created: new Date(0),
      data: { queueId: 'queue-1' },
      metadata,
      position: { commit: 1234n, prepare: 1234n },
      ...overrides,
    },
  }) as unknown as ResolvedEvent; // a hand-built client object: only the fields the mapping reads

describe('EventStoreDB mapping', () => {
  it('maps every expected-revision kind', () => {
    expect(toEsdbExpectedRevision('no_stream')).toBe('no_stream');
    expect(toEsdbExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toEsdbExpectedRevision('any')).toBe('any');
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
    expect(toEsdbExpectedRevision(-1)).toBe('no_stream');
    expect(() => toEsdbExpectedRevision(-2)).toThrow(EventStoreError);
    expect(() => toEsdbExpectedRevision(1.5)).toThrow(EventStoreError);
  });

  it('maps the current revision', () => {
    expect(fromEsdbCurrentRevision('no_stream')).toBeNull();
    expect(fromEsdbCurrentRevision(7n)).toBe(7);
  });

  it('maps WrongExpectedVersionError to WrongExpectedRevisionError and leaves other errors alone', () => {
    const wrong = Object.assign(new Error('wrong'), { type: 'wrong-expected-version', actualVersion: 3n, expectedVersion: 1n });
    const mapped = mapAppendError(wrong, 'call-1', 1);
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ streamId: 'call-1', expected: 1, actual: 3 });
    const missing = Object.assign(new Error('wrong'), { type: 'wrong-expected-version', actualVersion: 'no_stream' });
    expect(mapAppendError(missing, 'call-2', 'stream_exists')).toMatchObject({ expected: 'stream_exists', actual: null });
    const unavailable = Object.assign(new Error('down'), { type: 'unavailable' });
    expect(mapAppendError(unavailable, 'call-1', 1)).toBe(unavailable);
    expect(isStreamNotFound(Object.assign(new Error('nf'), { type: 'stream-not-found' }))).toBe(true);
    expect(isStreamNotFound(unavailable)).toBe(false);
    expect(isStreamNotFound('stream-not-found')).toBe(false);
  });

  it('converts positions and read positions', () => {
    expect(fromEsdbPosition({ commit: 99n, prepare: 98n })).toBe(99n);
    expect(toEsdbReadPosition(0n)).toBe('start');
    expect(toEsdbReadPosition(500n)).toEqual({ commit: 500n, prepare: 500n });
    expect(toEsdbReadRevision(undefined, false)).toBe('start');
    expect(toEsdbReadRevision(undefined, true)).toBe('end');
    expect(toEsdbReadRevision(3, false)).toBe(3n);
    expect(toEsdbReadRevision('end', false)).toBe('end');
  });

  it('turns a resolved JSON event into a RecordedEvent with a bigint commit position', () => {
    expect(fromEsdbResolvedEvent(resolved())).toEqual({
      id: '6f1c1a57-7a8e-4a53-9d0c-111111111111',
      streamId: 'call-1',
      revision: 4,
      position: 1234n,
      type: 'CallQueued',
      data: { queueId: 'queue-1' },
      metadata,
    });
    expect(fromEsdbResolvedEvent({ ...resolved({ position: undefined }), commitPosition: 77n })?.position).toBe(77n);
  });

  it('hides system streams, binary events and unresolved links', () => {
    expect(fromEsdbResolvedEvent(resolved({ streamId: '$stats-127.0.0.1:2113' }))).toBeNull();
    expect(fromEsdbResolvedEvent(resolved({ isJson: false }))).toBeNull();
    expect(fromEsdbResolvedEvent({})).toBeNull();
  });

  it('matches stream prefixes', () => {
    expect(matchesPrefixes('call-1', undefined)).toBe(true);
    expect(matchesPrefixes('call-1', [])).toBe(true);
    expect(matchesPrefixes('call-1', ['agent-', 'call-'])).toBe(true);
    expect(matchesPrefixes('callback-1', ['call-'])).toBe(false);
  });
});
