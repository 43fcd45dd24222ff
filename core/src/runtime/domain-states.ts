/** The four aggregates' folded states, one cache each, and how a stream id maps to its decider. */
import { agentDecider, type AgentState } from '../domain/agent/index.ts';
import { callDecider, type CallState } from '../domain/call/index.ts';
import { organisationDecider, type OrganisationState } from '../domain/organisation/index.ts';
import { queueDecider, type QueueState } from '../domain/queue/index.ts';
import type { AgentEvent } from '../events/agent-events.ts';
import type { CallEvent } from '../events/call-events.ts';
import { streamCategory } from '../events/index.ts';
import type { OrganisationEvent } from '../events/organisation-events.ts';
import type { QueueEvent } from '../events/queue-events.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { AggregateStates } from './aggregate-states.ts';

export const deciders = {
  organisation: organisationDecider,
  queue: queueDecider,
  agent: agentDecider,
  call: callDecider,
} as const;

export type AggregateKind = keyof typeof deciders;

export class DomainStates {
  readonly organisations: AggregateStates<OrganisationState, OrganisationEvent>;
  readonly queues: AggregateStates<QueueState, QueueEvent>;
  readonly agents: AggregateStates<AgentState, AgentEvent>;
  readonly calls: AggregateStates<CallState, CallEvent>;

  constructor(store: EventStore) {
    this.organisations = new AggregateStates(store, organisationDecider);
    this.queues = new AggregateStates(store, queueDecider);
    this.agents = new AggregateStates(store, agentDecider);
    this.calls = new AggregateStates(store, callDecider);
  }

  /** Folds an event from the subscription into its aggregate's cache (no-op when already folded). */
  apply(event: RecordedEvent): void {
    switch (streamCategory(event.streamId)) {
      case 'organisation':
        this.organisations.apply(event);
        return;
      case 'queue':
        this.queues.apply(event);
        return;
      case 'agent':
        this.agents.apply(event);
        return;
      case 'call':
        this.calls.apply(event);
        return;
      default:
        return;
    }
  }
}
