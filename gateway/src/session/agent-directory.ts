/**
 * Which agent an internal extension reaches, per organisation: kept from the agent events (live
 * through cc.onEvent, and read from the store on start), so a phone's REFER to `sip:3001@...` can
 * name a transfer target. Events apply once each, in revision order per agent.
 */
import { streamCategory, streamEntityId, type DomainEvent, type EventStore, type RecordedEvent } from '@cc/core';
import { catchUpStreams } from './store-catch-up.ts';

interface AgentEntry {
  organisationId: string;
  extension: string;
  removed: boolean;
  revision: number;
}

export class AgentDirectory {
  readonly #agents = new Map<string, AgentEntry>();
  /** `${organisationId}|${extension}` -> agent id. */
  readonly #byExtension = new Map<string, string>();

  /** Reads every agent event already in the store. */
  async catchUp(store: EventStore): Promise<void> {
    await catchUpStreams(store, 'agent-', (event) => this.apply(event));
  }

  apply(recorded: RecordedEvent): void {
    if (streamCategory(recorded.streamId) !== 'agent') return;
    const agentId = streamEntityId(recorded.streamId);
    const known = this.#agents.get(agentId);
    if (known !== undefined && recorded.revision <= known.revision) return;
    if (known === undefined && recorded.type !== 'AgentRegistered') return; // a gap: the catch-up brings it in order
    const event = recorded as unknown as RecordedEvent & DomainEvent;
    let next: AgentEntry | undefined;
    switch (event.type) {
      case 'AgentRegistered':
        next = { organisationId: event.data.organisationId, extension: event.data.profile.extension, removed: false, revision: recorded.revision };
        break;
      case 'AgentProfileUpdated':
        if (known === undefined) return;
        next = { ...known, extension: event.data.changes.extension ?? known.extension, revision: recorded.revision };
        break;
      case 'AgentRemoved':
        if (known === undefined) return;
        next = { ...known, removed: true, revision: recorded.revision };
        break;
      default:
        if (known !== undefined) next = { ...known, revision: recorded.revision };
    }
    if (next === undefined) return;
    if (known !== undefined) {
      const oldKey = `${known.organisationId}|${known.extension}`;
      if (this.#byExtension.get(oldKey) === agentId) this.#byExtension.delete(oldKey);
    }
    this.#agents.set(agentId, next);
    if (!next.removed) this.#byExtension.set(`${next.organisationId}|${next.extension}`, agentId);
  }

  /** The agent of `organisationId` with that extension, or null. */
  byExtension(organisationId: string, extension: string): string | null {
    return this.#byExtension.get(`${organisationId}|${extension}`) ?? null;
  }
}
