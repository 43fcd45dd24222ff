/** Every query of the read side, over every organisation, queue and agent of a history: two read sides answer alike iff their snapshots are equal. */
import type { ReadSide } from '../../src/read-model-contract.ts';
import type { HistoryShape } from './random-history.ts';
import { iso } from './center.ts';

export const snapshotAll = (readSide: ReadSide, shape: HistoryShape, nowSeconds: number): unknown => {
  const now = iso(nowSeconds);
  const snapshot: Record<string, unknown> = {};
  const range = { from: iso(0), to: iso(nowSeconds + 900), now };
  for (const org of [...shape.organisations, 'org-nobody']) {
    const queues = shape.queues.get(org) ?? [];
    const agents = shape.agents.get(org) ?? [];
    snapshot[`${org}/queueBoard`] = readSide.queueBoard(org, { now });
    snapshot[`${org}/agentBoard`] = readSide.agentBoard(org, { now });
    snapshot[`${org}/agents`] = readSide.agents(org, {});
    snapshot[`${org}/agents/search`] = readSide.agents(org, { search: 'agent 1', sortBy: 'createdAt', sortDirection: 'desc' });
    snapshot[`${org}/queues`] = readSide.queues(org);
    snapshot[`${org}/metrics`] = readSide.metrics(org, { ...range, intervals: true });
    const pages: unknown[] = [];
    let after: string | undefined;
    for (;;) {
      const page = readSide.calls(org, { first: 97, ...(after === undefined ? {} : { after }) });
      pages.push(page);
      if (!page.hasNextPage) break;
      after = page.endCursor ?? undefined;
    }
    snapshot[`${org}/calls`] = pages;
    for (const status of ['completed', 'abandoned', 'expired', 'waiting'] as const) snapshot[`${org}/calls/${status}`] = readSide.calls(org, { status, first: 500 });
    for (const queueId of queues) {
      snapshot[`${org}/${queueId}/board`] = readSide.queueBoard(org, { now, queueId });
      snapshot[`${org}/${queueId}/metrics`] = readSide.metrics(org, { ...range, queueId, intervals: true });
      snapshot[`${org}/${queueId}/calls`] = readSide.calls(org, { queueId, first: 500 });
    }
    for (const agentId of agents) {
      snapshot[`${org}/${agentId}/metrics`] = readSide.metrics(org, { ...range, agentId });
      snapshot[`${org}/${agentId}/calls`] = readSide.calls(org, { agentId, first: 500 });
    }
  }
  for (const callId of shape.callIds) {
    const org = shape.organisations.find((candidate) => readSide.call(candidate, callId) !== null) ?? 'none';
    snapshot[`call/${callId}`] = readSide.call(org, callId);
  }
  snapshot.numbers = [readSide.queueByNumber('+3225557000'), readSide.queueByNumber('+12125557000')];
  return snapshot;
};
