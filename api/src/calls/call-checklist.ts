/**
 * The queue's checklist on a call: ticking goes to the core (CallChecklistItemTicked); what is
 * ticked is read back from the call's own stream, where each tick is recorded with who and when.
 */
import { DomainError, streams, type CallChecklistItemTicked } from '@cc/core';
import type { Viewer } from '../auth/viewer.ts';
import { contextOf } from '../management/agent-admin.ts';
import { settle, type Services } from '../services.ts';

export interface ChecklistTick {
  item: string;
  ticked: boolean;
  agentId: string;
  at: string;
}

/** The last tick of each item on the call, in the order the items were first ticked. */
export const checklistOf = async (services: Services, callId: string): Promise<ChecklistTick[]> => {
  const latest = new Map<string, ChecklistTick>();
  for await (const event of services.store.readStream(streams.call(callId))) {
    if (event.type !== 'CallChecklistItemTicked') continue;
    const { data } = event as unknown as CallChecklistItemTicked;
    latest.set(data.item, { item: data.item, ticked: data.ticked, agentId: data.agentId, at: data.at });
  }
  return [...latest.values()];
};

/** The signed-in agent ticks (or unticks) an item on a call they are on or wrapping up. */
export const tickChecklistItem = async (services: Services, viewer: Viewer, callId: string, item: string, ticked: boolean): Promise<void> => {
  const { core } = services;
  const { state } = await core.states.calls.load(streams.call(callId));
  if (state.callId === null || state.organisationId !== viewer.organisationId) throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
  if (viewer.agentId === null) throw new DomainError('AgentNotFound', 'Only an agent on the call can tick its checklist; you are not an agent in this organisation.', {});
  const result = await core.execute('call', callId, { type: 'TickChecklistItem', data: { agentId: viewer.agentId, item, ticked, at: core.now() } }, contextOf(viewer));
  await settle(services, result.events);
};
