/**
 * The capacity figures, measured from the events the core records (not from what the simulator
 * intended), so they report what the real deciders, router and call flow did.
 * - offered: calls that arrived and were queued; answered: calls with a CallAnswered; abandoned: CallAbandoned.
 * - ASA: mean wait from the call's first CallQueued to its CallAnswered, over answered calls (0 when none).
 * - service level: calls answered within the threshold of arrival (CallReceived) / offered, in percent.
 * - occupancy: agent busy time (CallAnswered to WrapUpCompleted: talk plus wrap-up) inside the
 *   measured period, over agents x period, in percent.
 */
import type { CallAnswered, CallQueued, CallReceived, WrapUpCompleted } from '../events/call-events.ts';
import { streamEntityId } from '../events/index.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

export interface CapacityFigures {
  offered: number;
  answered: number;
  abandoned: number;
  asaSeconds: number;
  serviceLevelPercent: number;
  occupancyPercent: number;
}

interface CallTimes {
  receivedAt: number;
  queuedAt: number | null;
  answeredAt: number | null;
}

export class SimulationMetrics {
  readonly #calls = new Map<string, CallTimes>();
  /** Agent -> when their current call was answered. */
  readonly #busySince = new Map<string, number>();
  readonly #periodStart: number;
  readonly #periodEnd: number;
  readonly #serviceLevelSeconds: number;
  #offered = 0;
  #answered = 0;
  #abandoned = 0;
  #totalWaitMs = 0;
  #withinServiceLevel = 0;
  #busyMs = 0;

  constructor(periodStart: number, periodEnd: number, serviceLevelSeconds: number) {
    this.#periodStart = periodStart;
    this.#periodEnd = periodEnd;
    this.#serviceLevelSeconds = serviceLevelSeconds;
  }

  observe(event: RecordedEvent): void {
    switch (event.type) {
      case 'CallReceived': {
        const { callId, at } = event.data as CallReceived['data'];
        this.#calls.set(callId, { receivedAt: Date.parse(at), queuedAt: null, answeredAt: null });
        return;
      }
      case 'CallQueued': {
        const call = this.#calls.get(streamEntityId(event.streamId));
        if (call === undefined || call.queuedAt !== null) return;
        call.queuedAt = Date.parse((event.data as CallQueued['data']).at);
        this.#offered += 1;
        return;
      }
      case 'CallAnswered': {
        const { agentId, at } = event.data as CallAnswered['data'];
        const answeredAt = Date.parse(at);
        this.#busySince.set(agentId, answeredAt);
        const call = this.#calls.get(streamEntityId(event.streamId));
        if (call === undefined || call.answeredAt !== null || call.queuedAt === null) return;
        call.answeredAt = answeredAt;
        this.#answered += 1;
        this.#totalWaitMs += answeredAt - call.queuedAt;
        if (answeredAt - call.receivedAt <= this.#serviceLevelSeconds * 1000) this.#withinServiceLevel += 1;
        return;
      }
      case 'CallAbandoned':
        this.#abandoned += 1;
        return;
      case 'WrapUpCompleted': {
        const { agentId, at } = event.data as WrapUpCompleted['data'];
        const since = this.#busySince.get(agentId);
        if (since === undefined) return;
        this.#busySince.delete(agentId);
        this.#addBusy(since, Date.parse(at));
        return;
      }
      default:
        return;
    }
  }

  figures(agents: number): CapacityFigures {
    let busyMs = this.#busyMs;
    // Agents still busy when the figures are taken count up to the end of the period.
    for (const since of this.#busySince.values()) busyMs += this.#clipped(since, this.#periodEnd);
    const periodMs = this.#periodEnd - this.#periodStart;
    return {
      offered: this.#offered,
      answered: this.#answered,
      abandoned: this.#abandoned,
      asaSeconds: this.#answered === 0 ? 0 : this.#totalWaitMs / this.#answered / 1000,
      serviceLevelPercent: this.#offered === 0 ? 0 : (100 * this.#withinServiceLevel) / this.#offered,
      occupancyPercent: periodMs <= 0 || agents === 0 ? 0 : (100 * busyMs) / (agents * periodMs),
    };
  }

  #addBusy(from: number, to: number): void {
    this.#busyMs += this.#clipped(from, to);
  }

  #clipped(from: number, to: number): number {
    return Math.max(0, Math.min(to, this.#periodEnd) - Math.max(from, this.#periodStart));
  }
}
