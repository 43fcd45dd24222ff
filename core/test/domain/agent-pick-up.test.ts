/**
 * ReserveAgent for a pick-up (the agent chose a waiting call on the queue board): allowed in any
 * status but Offline, while offers from the router and transfers still need Online. The other
 * rules (one call per agent, queue membership, disabled, locked) are the same as for any offer.
 */
import { describe, it } from 'vitest';
import { agentDecider, type AgentCommand, type ReserveAgent } from '../../src/domain/agent/index.ts';
import type { AgentEvent, AgentStatus } from '../../src/events/agent-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { anAgentProfile } from '../support/fixtures.ts';

const spec = DeciderSpec.for(agentDecider);
const at = '2025-06-02T08:00:00.000Z';

const registered: AgentEvent = { type: 'AgentRegistered', data: { agentId: 'agent-1', organisationId: 'org-1', profile: anAgentProfile(), at } };
const joined: AgentEvent = { type: 'AgentJoinedQueue', data: { queueId: 'queue-1', penalty: 0, skills: [], at } };
const status = (to: AgentStatus): AgentEvent => ({ type: 'AgentStatusChanged', data: { status: to, reason: null, previousStatus: 'offline', at } });
const reserved = (kind: ReserveAgent['data']['kind'], callId = 'call-1'): AgentEvent => ({ type: 'AgentReserved', data: { callId, offerId: `offer-${callId}`, kind, at } });
const pickUp = (overrides: Partial<ReserveAgent['data']> = {}): AgentCommand => ({
  type: 'ReserveAgent',
  data: { callId: 'call-1', organisationId: 'org-1', offerId: 'offer-call-1', kind: 'pick-up', queueId: 'queue-1', at, ...overrides },
});

describe('ReserveAgent for a pick-up', () => {
  for (const aux of ['online', 'break', 'meeting', 'education'] as const) {
    it(`reserves an agent who is ${aux}`, () => spec.given([registered, joined, status(aux)]).when(pickUp()).then([reserved('pick-up')]));
  }

  it('refuses an Offline agent, saying any other status will do', () =>
    spec.given([registered, joined]).when(pickUp()).thenThrows('AgentNotAvailable', 'status is offline; a call can be picked up in any other status'));

  it('still refuses an offer from the router to an agent on Break', () =>
    spec.given([registered, joined, status('break')]).when(pickUp({ kind: 'offer' })).thenThrows('AgentNotAvailable', 'not online'));

  it('refuses a second call: one call per agent', () =>
    spec.given([registered, joined, status('break'), reserved('offer', 'call-0')]).when(pickUp()).thenThrows('AgentNotAvailable', 'already reserved for call call-0'));

  it("refuses a call of a queue the agent is not in", () =>
    spec.given([registered, status('break')]).when(pickUp()).thenThrows('NotInQueue', 'queue-1'));
});
