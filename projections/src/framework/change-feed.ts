/** Turns an applied batch into one ReadModelChange per organisation, and hands them to listeners. */
import type { ReadModelChange, ReadModelName } from '../read-model-contract.ts';
import type { ProjectedEvent, Projection } from './projection.ts';

interface Pending {
  models: Set<ReadModelName>;
  callIds: Set<string>;
  agentIds: Set<string>;
  queueIds: Set<string>;
}

const idAfterDash = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);

/** Agent and queue ids an event's data names. */
const mentioned = (data: Record<string, unknown>, agentIds: Set<string>, queueIds: Set<string>): void => {
  for (const key of ['agentId', 'toAgentId', 'fromAgentId']) {
    const value = data[key];
    if (typeof value === 'string') agentIds.add(value);
  }
  for (const key of ['queueId', 'overflowQueueId']) {
    const value = data[key];
    if (typeof value === 'string') queueIds.add(value);
  }
  const offers = data.offers;
  if (Array.isArray(offers)) {
    for (const offer of offers as { agentId?: unknown }[]) if (typeof offer.agentId === 'string') agentIds.add(offer.agentId);
  }
};

export class ChangeCollector {
  readonly #byOrganisation = new Map<string, Pending>();

  record(event: ProjectedEvent, projections: readonly Projection[]): void {
    let models: ReadModelName[] | null = null;
    for (const projection of projections) {
      if (!projection.eventTypes.has(event.type)) continue;
      models ??= [];
      models.push(...projection.models);
    }
    if (models === null) return;
    const organisationId = event.metadata.organisationId;
    let pending = this.#byOrganisation.get(organisationId);
    if (pending === undefined) {
      pending = { models: new Set(), callIds: new Set(), agentIds: new Set(), queueIds: new Set() };
      this.#byOrganisation.set(organisationId, pending);
    }
    for (const model of models) pending.models.add(model);
    const id = idAfterDash(event.streamId);
    if (event.streamId.startsWith('call-')) pending.callIds.add(id);
    else if (event.streamId.startsWith('agent-')) pending.agentIds.add(id);
    else if (event.streamId.startsWith('queue-')) pending.queueIds.add(id);
    mentioned(event.data as unknown as Record<string, unknown>, pending.agentIds, pending.queueIds);
  }

  drain(position: bigint): ReadModelChange[] {
    const changes: ReadModelChange[] = [];
    for (const [organisationId, pending] of this.#byOrganisation) {
      changes.push({
        organisationId,
        models: [...pending.models],
        callIds: [...pending.callIds],
        agentIds: [...pending.agentIds],
        queueIds: [...pending.queueIds],
        position,
      });
    }
    this.#byOrganisation.clear();
    return changes;
  }

  clear(): void {
    this.#byOrganisation.clear();
  }
}
