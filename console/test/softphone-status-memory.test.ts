/** The status a reload restores: the last one within two minutes, Offline after a longer absence. */
import { describe, expect, test } from 'vitest';
import { restoreDecision, SHORT_ABSENCE_MS } from '../src/lib/softphone/status-memory.ts';

const now = Date.parse('2025-03-04T10:00:00Z');

describe('restoreDecision', () => {
  test('a reload within two minutes re-applies the status this browser last saw', () => {
    expect(restoreDecision({ agentId: 'a1', status: 'BREAK', at: now - 30_000 }, 'a1', 'ONLINE', now)).toEqual({ kind: 'restore', status: 'BREAK' });
    expect(restoreDecision({ agentId: 'a1', status: 'ONLINE', at: now - SHORT_ABSENCE_MS + 1 }, 'a1', 'ONLINE', now)).toEqual({ kind: 'restore', status: 'ONLINE' });
  });

  test('after a long absence the agent goes Offline, unless already Offline', () => {
    expect(restoreDecision({ agentId: 'a1', status: 'ONLINE', at: now - SHORT_ABSENCE_MS }, 'a1', 'ONLINE', now)).toEqual({ kind: 'offline' });
    expect(restoreDecision({ agentId: 'a1', status: 'ONLINE', at: now - 3_600_000 }, 'a1', 'OFFLINE', now)).toEqual({ kind: 'none' });
  });

  test('another agent\'s record, or none, changes nothing', () => {
    expect(restoreDecision({ agentId: 'a2', status: 'ONLINE', at: now }, 'a1', 'OFFLINE', now)).toEqual({ kind: 'none' });
    expect(restoreDecision(null, 'a1', 'ONLINE', now)).toEqual({ kind: 'none' });
  });
});
