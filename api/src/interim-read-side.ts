/**
 * A stop-gap read side, used only while @cc/projections has no ReadModels yet: in memory, rebuilt
 * from the whole log at start, covering what the API serves (boards, history, agents, queues) with
 * simple figures. The projections' ReadModels replace it as soon as they exist.
 */
import type { AgentProfile, AgentStatus, EventStore, QueueSettings, RecordedEvent, AllSubscription } from '@cc/core';
import type {
  AgentBoardRow, AgentListQuery, AgentListRow, CallHistoryEntry, CallHistoryFilter, CallHistoryPage, MetricsFigures, MetricsQuery, MetricsResult,
  QueueBoard, QueueBoardFilter, QueueListRow, ReadModelChange, ReadModelName, RunningReadSide,
} from './read-side.ts';

interface AgentRow { organisationId: string; profile: AgentProfile; status: AgentStatus; statusReason: string | null; since: string; disabled: boolean; locked: boolean; removed: boolean; queueIds: Set<string>; createdAt: string; callId: string | null; activity: AgentBoardRow['activity']; calls: number; missed: number }

const emptyFigures = (): MetricsFigures => ({ offered: 0, answered: 0, abandoned: 0, missedOffers: 0, asaSeconds: null, ahtSeconds: null, averageTalkSeconds: null, averageHoldSeconds: null, averageWrapUpSeconds: null, longestWaitSeconds: null, serviceLevel: null, serviceLevelExcludingShortAbandons: null, abandonmentRate: null, occupancy: null, transfers: 0, csatAverage: null });
const seconds = (from: string, to: string): number => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

export class InterimReadSide implements RunningReadSide {
  readonly #store: EventStore;
  readonly #queues = new Map<string, QueueListRow>();
  readonly #agents = new Map<string, AgentRow>();
  readonly #calls = new Map<string, CallHistoryEntry & { queuedAt: string; onHold: boolean; heldAt: string | null }>();
  readonly #listeners = new Set<(change: ReadModelChange) => void>();
  readonly #waiters: Array<{ position: bigint; resolve: () => void }> = [];
  #subscription: AllSubscription | null = null;
  #loop: Promise<void> | null = null;
  #position = 0n;
  #caughtUp = false;

  constructor(store: EventStore) {
    this.#store = store;
  }

  get caughtUp(): boolean { return this.#caughtUp; }
  get position(): bigint { return this.#position; }

  async start(): Promise<void> {
    const subscription = this.#store.subscribeToAll({ fromPosition: 'start', streamPrefixes: ['organisation-', 'queue-', 'agent-', 'call-'] });
    this.#subscription = subscription;
    let ready!: () => void;
    const caughtUp = new Promise<void>((resolve) => { ready = resolve; });
    this.#loop = (async () => {
      for await (const message of subscription) {
        if (message.kind === 'caughtUp') {
          this.#caughtUp = true;
          if (message.position > this.#position) this.#position = message.position;
          ready();
        } else {
          this.#apply(message.event);
        }
        this.#release();
      }
    })();
    await caughtUp;
  }

  async stop(): Promise<void> {
    await this.#subscription?.stop();
    await this.#loop;
  }

  whenCaughtUpTo(position: bigint): Promise<void> {
    if (this.#position >= position) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ position, resolve }));
  }

  onChange(listener: (change: ReadModelChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  queueBoard(organisationId: string, filter: QueueBoardFilter): QueueBoard {
    const live = [...this.#calls.values()].filter((c) => c.organisationId === organisationId && ['waiting', 'ringing', 'in-progress', 'on-hold'].includes(c.status));
    const rows = live
      .filter((c) => filter.queueId === undefined || c.queueId === filter.queueId)
      .map((c) => ({ callId: c.callId, queueId: c.queueId, queueName: c.queueName, status: c.status as QueueBoard['rows'][number]['status'], callerNumber: c.callerNumber, callerName: c.callerName, agentId: c.lastAgentId, agentName: c.lastAgentId === null ? null : (this.#agents.get(c.lastAgentId)?.profile.fullName ?? null), queuedAt: c.queuedAt, media: c.media }))
      .filter((row) => filter.statuses === undefined || filter.statuses.includes(row.status))
      .filter((row) => filter.search === undefined || [row.callerName, row.callerNumber, row.agentName].some((v) => v?.toLowerCase().includes((filter.search ?? '').toLowerCase())));
    const waiting = rows.filter((r) => r.status === 'waiting');
    return { cards: { total: rows.length, active: rows.length - waiting.length, waiting: waiting.length, longestWaitSeconds: Math.round(Math.max(0, ...waiting.map((r) => seconds(r.queuedAt, filter.now)))) }, rows };
  }

  agentBoard(organisationId: string, options: { queueId?: string; now: string }): AgentBoardRow[] {
    return [...this.#agents.entries()]
      .filter(([, a]) => a.organisationId === organisationId && !a.removed && (options.queueId === undefined || a.queueIds.has(options.queueId)))
      .map(([agentId, a]) => ({ agentId, fullName: a.profile.fullName, status: a.status, statusReason: a.statusReason, since: a.since, currentCallId: a.callId, activity: a.activity, callsToday: a.calls, missedOffersToday: a.missed, queueIds: [...a.queueIds] }));
  }

  calls(organisationId: string, filter: CallHistoryFilter): CallHistoryPage {
    const all = [...this.#calls.values()]
      .filter((c) => c.organisationId === organisationId)
      .filter((c) => (filter.queueId === undefined || c.queueId === filter.queueId) && (filter.status === undefined || c.status === filter.status))
      .filter((c) => filter.agentId === undefined || c.timeline.some((t) => t.agentId === filter.agentId))
      .filter((c) => (filter.from === undefined || c.receivedAt >= filter.from) && (filter.to === undefined || c.receivedAt < filter.to))
      .filter((c) => filter.callerNumber === undefined || (c.callerNumber ?? '').includes(filter.callerNumber))
      .reverse();
    const start = filter.after === undefined ? 0 : Number(Buffer.from(filter.after, 'base64url').toString()) || 0;
    const size = Math.min(filter.first ?? 50, 500);
    const page = all.slice(start, start + size);
    const hasNextPage = start + size < all.length;
    return { calls: page.map((c) => this.#entry(c)), endCursor: page.length === 0 ? null : Buffer.from(String(start + page.length)).toString('base64url'), hasNextPage, totalCount: all.length };
  }

  call(organisationId: string, callId: string): CallHistoryEntry | null {
    const call = this.#calls.get(callId);
    return call === undefined || call.organisationId !== organisationId ? null : this.#entry(call);
  }

  metrics(organisationId: string, query: MetricsQuery): MetricsResult {
    const overall = emptyFigures();
    for (const c of this.#calls.values()) {
      if (c.organisationId !== organisationId || c.receivedAt < query.from || c.receivedAt >= query.to) continue;
      if (query.queueId !== undefined && c.queueId !== query.queueId) continue;
      overall.offered += 1;
      if (c.answeredAt !== null) overall.answered += 1;
      if (c.status === 'abandoned') overall.abandoned += 1;
      overall.missedOffers += c.missedOffers;
    }
    return { from: query.from, to: query.to, overall, intervals: [] };
  }

  agents(organisationId: string, query: AgentListQuery): AgentListRow[] {
    const search = query.search?.toLowerCase();
    const rows = [...this.#agents.entries()]
      .filter(([, a]) => a.organisationId === organisationId && !a.removed)
      .map(([agentId, a]): AgentListRow => ({ agentId, ...a.profile, status: a.status, disabled: a.disabled, locked: a.locked, queueIds: [...a.queueIds], createdAt: a.createdAt }))
      .filter((r) => search === undefined || [r.fullName, r.username, r.extension, r.email ?? ''].some((v) => v.toLowerCase().includes(search)))
      .filter((r) => (query.typology === undefined || r.typology === query.typology) && (query.status === undefined || r.status === query.status))
      .filter((r) => (query.queueId === undefined || r.queueIds.includes(query.queueId)) && (query.disabled === undefined || r.disabled === query.disabled));
    const key = query.sortBy ?? 'fullName';
    rows.sort((a, b) => String(a[key]).localeCompare(String(b[key])) * (query.sortDirection === 'desc' ? -1 : 1));
    return rows;
  }

  queues(organisationId: string): QueueListRow[] {
    return [...this.#queues.values()].filter((q) => q.organisationId === organisationId);
  }

  queueByNumber(number: string): QueueListRow | null {
    return [...this.#queues.values()].find((q) => !q.removed && q.settings.number === number) ?? null;
  }

  #entry(call: CallHistoryEntry): CallHistoryEntry {
    const { queuedAt: _q, onHold: _o, heldAt: _h, ...entry } = call as CallHistoryEntry & { queuedAt: string; onHold: boolean; heldAt: string | null };
    return { ...entry, wrapUps: [...entry.wrapUps], timeline: [...entry.timeline] };
  }

  #release(): void {
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter !== undefined && waiter.position <= this.#position) {
        this.#waiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  #apply(event: RecordedEvent): void {
    this.#position = event.position;
    const organisationId = event.metadata.organisationId;
    const id = event.streamId.slice(event.streamId.indexOf('-') + 1);
    const data = event.data as Record<string, unknown> & { at: string };
    const change: ReadModelChange = { organisationId, models: [], callIds: [], agentIds: [], queueIds: [], position: event.position };
    const touched = (...models: ReadModelName[]): void => { change.models.push(...models); };
    const agent = this.#agents.get(id);
    switch (event.type) {
      case 'QueueCreated':
        this.#queues.set(id, { queueId: id, organisationId, settings: data['settings'] as QueueSettings, removed: false, createdAt: data.at });
        touched('queues');
        break;
      case 'QueueUpdated': {
        const queue = this.#queues.get(id);
        if (queue !== undefined) queue.settings = { ...queue.settings, ...(data['changes'] as Partial<QueueSettings>) };
        touched('queues');
        break;
      }
      case 'QueueRemoved': {
        const queue = this.#queues.get(id);
        if (queue !== undefined) queue.removed = true;
        touched('queues');
        break;
      }
      case 'AgentRegistered':
        this.#agents.set(id, { organisationId, profile: data['profile'] as AgentProfile, status: 'offline', statusReason: null, since: data.at, disabled: false, locked: false, removed: false, queueIds: new Set(), createdAt: data.at, callId: null, activity: null, calls: 0, missed: 0 });
        touched('agents', 'agent-board');
        break;
      default:
        if (agent !== undefined && event.streamId.startsWith('agent-')) {
          if (event.type === 'AgentProfileUpdated') agent.profile = { ...agent.profile, ...(data['changes'] as Partial<AgentProfile>) };
          if (event.type === 'AgentStatusChanged') Object.assign(agent, { status: data['status'], statusReason: data['reason'], since: data.at });
          if (event.type === 'AgentJoinedQueue') agent.queueIds.add(data['queueId'] as string);
          if (event.type === 'AgentLeftQueue') agent.queueIds.delete(data['queueId'] as string);
          if (event.type === 'AgentDisabled' || event.type === 'AgentEnabled') agent.disabled = event.type === 'AgentDisabled';
          if (event.type === 'AgentLocked' || event.type === 'AgentUnlocked') agent.locked = event.type === 'AgentLocked';
          if (event.type === 'AgentRemoved') agent.removed = true;
          if (event.type === 'AgentReleased') Object.assign(agent, { callId: null, activity: null });
          touched('agents', 'agent-board');
          change.agentIds.push(id);
        }
        if (event.streamId.startsWith('call-')) this.#applyCall(id, event, data, organisationId, change);
    }
    if (event.streamId.startsWith('queue-')) change.queueIds.push(id);
    if (change.models.length === 0) return;
    for (const listener of this.#listeners) listener(change);
  }

  #applyCall(callId: string, event: RecordedEvent, data: Record<string, unknown> & { at: string }, organisationId: string, change: ReadModelChange): void {
    change.models.push('calls', 'queue-board', 'agent-board', 'metrics');
    change.callIds.push(callId);
    if (event.type === 'CallReceived') {
      const caller = data['caller'] as { number: string | null; name: string | null };
      const queueId = data['queueId'] as string;
      this.#calls.set(callId, { callId, organisationId, queueId, queueName: this.#queues.get(queueId)?.settings.name ?? queueId, channel: data['channel'] as string, media: data['media'] as 'audio' | 'video', callerNumber: caller.number, callerName: caller.name, status: 'waiting', receivedAt: data.at, answeredAt: null, endedAt: null, firstAgentId: null, lastAgentId: null, endedBy: null, waitSeconds: null, talkSeconds: 0, holdSeconds: 0, wrapUpSeconds: 0, missedOffers: 0, transfers: 0, wrapUps: [], timeline: [], queuedAt: data.at, onHold: false, heldAt: null });
    }
    const call = this.#calls.get(callId);
    if (call === undefined) return;
    const agentId = typeof data['agentId'] === 'string' ? data['agentId'] : null;
    const agent = agentId === null ? undefined : this.#agents.get(agentId);
    call.timeline.push({ at: data.at, type: event.type, description: event.type, agentId, queueId: typeof data['queueId'] === 'string' ? data['queueId'] : null });
    if (agentId !== null) change.agentIds.push(agentId);
    switch (event.type) {
      case 'CallQueued': Object.assign(call, { status: 'waiting', queueId: data['queueId'], queuedAt: data['queuedAt'], lastAgentId: null }); break;
      case 'CallOffered': case 'CallTransferOffered': if (event.type === 'CallOffered') Object.assign(call, { status: 'ringing', lastAgentId: agentId }); if (agent) Object.assign(agent, { callId, activity: 'ringing' }); break;
      case 'CallOfferDeclined': case 'CallOfferTimedOut': call.missedOffers += 1; if (agent) { agent.missed += 1; } if (call.status === 'ringing') Object.assign(call, { status: 'waiting', lastAgentId: null }); break;
      case 'CallAnswered': Object.assign(call, { status: 'in-progress', answeredAt: data.at, firstAgentId: call.firstAgentId ?? agentId, lastAgentId: agentId, waitSeconds: seconds(call.receivedAt, data.at) }); if (agent) Object.assign(agent, { callId, activity: 'connected', calls: agent.calls + 1 }); break;
      case 'CallHeld': Object.assign(call, { status: 'on-hold', heldAt: data.at }); break;
      case 'CallResumed': call.holdSeconds += call.heldAt === null ? 0 : seconds(call.heldAt, data.at); Object.assign(call, { status: 'in-progress', heldAt: null }); break;
      case 'CallTransferAccepted': call.transfers += 1; Object.assign(call, { lastAgentId: data['toAgentId'] }); break;
      case 'CallEnded': Object.assign(call, { status: 'completed', endedAt: data.at, endedBy: data['endedBy'] }); break;
      case 'WrapUpStarted': Object.assign(call, { status: 'wrap-up' }); if (agent) agent.activity = 'wrap-up'; break;
      case 'WrapUpCompleted': call.wrapUps.push({ agentId: agentId ?? '', notes: data['notes'] as string | null, rating: data['rating'] as number | null, conversationStatus: data['conversationStatus'] as 'closed' | 'open', endedBy: data['endedBy'] as 'agent', completedAt: data.at }); call.status = 'completed'; break;
      case 'CallAbandoned': Object.assign(call, { status: 'abandoned', endedAt: data.at, endedBy: 'caller' }); break;
      case 'CallRejected': Object.assign(call, { status: 'rejected', endedAt: data.at }); break;
      case 'CallWaitExpired': if (data['overflowQueueId'] === null) Object.assign(call, { status: 'expired', endedAt: data.at }); break;
      case 'CallTransferredExternally': Object.assign(call, { status: 'transferred-externally', endedAt: data.at }); break;
      default: break;
    }
  }
}
