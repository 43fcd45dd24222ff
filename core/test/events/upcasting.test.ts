import { describe, expect, it } from 'vitest';
import { currentSchemaVersion, upcast, upcasters, type UpcasterRegistry } from '../../src/events/upcasting.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';

const stored = (type: string, data: unknown, schemaVersion: number): RecordedEvent => ({
  id: 'e1',
  streamId: 'call-1',
  revision: 0,
  position: 1n,
  type,
  data,
  metadata: { organisationId: 'org-1', correlationId: 'c1', causationId: null, actor: { kind: 'system', component: 'test' }, timestamp: '2026-01-05T08:00:00.000Z', schemaVersion },
});

// A made-up history of one event shape: v1 had `callerNumber`, v2 a `caller` object, v3 added `channel`.
const registry: UpcasterRegistry = {
  CallReceived: [
    (data) => {
      const { callerNumber, ...rest } = data as { callerNumber: string };
      return { ...rest, caller: { number: callerNumber, name: null } };
    },
    (data) => ({ ...(data as object), channel: 'pstn' }),
  ],
};

describe('upcasting stored events to the current shape', () => {
  it('names the current version of each type: one more than its upcasters', () => {
    expect(currentSchemaVersion('CallReceived', registry)).toBe(3);
    expect(currentSchemaVersion('CallQueued', registry)).toBe(1);
  });

  it('runs every upcaster from the stored version up, and stamps the current version', () => {
    const event = upcast(stored('CallReceived', { callId: 'c', callerNumber: '+3225550100' }, 1), registry);
    expect(event.data).toEqual({ callId: 'c', caller: { number: '+3225550100', name: null }, channel: 'pstn' });
    expect(event.metadata.schemaVersion).toBe(3);
  });

  it('starts from the stored version: a v2 event only takes the last step', () => {
    const event = upcast(stored('CallReceived', { callId: 'c', caller: { number: null, name: 'Ada' } }, 2), registry);
    expect(event.data).toEqual({ callId: 'c', caller: { number: null, name: 'Ada' }, channel: 'pstn' });
  });

  it('leaves current events and types without upcasters untouched (same object)', () => {
    const current = stored('CallReceived', { callId: 'c' }, 3);
    expect(upcast(current, registry)).toBe(current);
    const other = stored('CallQueued', { queueId: 'q' }, 1);
    expect(upcast(other, registry)).toBe(other);
  });

  it('has no upcasters registered today: every stored event is at version 1', () => {
    expect(Object.keys(upcasters)).toEqual([]);
  });
});
