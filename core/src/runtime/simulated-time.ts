/**
 * Simulated time for the capacity simulator and tests: a clock that only moves when told to, and a
 * timer scheduler whose timers fire, in due order, as the clock is advanced. No sleeping, no wall clock.
 */
import { EventHeap } from '../simulator/event-heap.ts';
import type { Clock, TimerScheduler } from './clock.ts';

interface PendingTimer {
  key: string;
  dueAt: number;
  fire: () => void;
}

export class SimulatedClock implements Clock {
  #now: number;
  constructor(start: Date) {
    this.#now = start.getTime();
  }
  now(): Date {
    return new Date(this.#now);
  }
  get millis(): number {
    return this.#now;
  }
  set(millis: number): void {
    if (millis < this.#now) throw new RangeError(`Simulated time cannot go back from ${this.#now} to ${millis}`);
    this.#now = millis;
  }
}

/**
 * Timers in a heap ordered by due time (then scheduling order); cancelled or replaced timers stay in
 * the heap and are skipped when they surface, so every operation is O(log n).
 */
export class SimulatedTimerScheduler implements TimerScheduler {
  readonly #timers = new Map<string, PendingTimer>();
  readonly #heap = new EventHeap<PendingTimer>();

  schedule(key: string, dueAt: Date, fire: () => void): void {
    const timer = { key, dueAt: dueAt.getTime(), fire };
    this.#timers.set(key, timer);
    this.#heap.push(timer.dueAt, timer);
  }

  cancel(key: string): void {
    this.#timers.delete(key);
  }

  clear(): void {
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }

  /** Due time of the earliest live timer, or null. */
  nextDueAt(): number | null {
    return this.#earliest()?.dueAt ?? null;
  }

  /** Removes and fires the earliest timer due at or before `millis`; false when none is due. */
  fireNextDue(millis: number): boolean {
    const timer = this.#earliest();
    if (timer === undefined || timer.dueAt > millis) return false;
    this.#heap.pop();
    this.#timers.delete(timer.key);
    timer.fire();
    return true;
  }

  /** The heap's top once stale entries (cancelled, or rescheduled under the same key) are dropped. */
  #earliest(): PendingTimer | undefined {
    for (;;) {
      const top = this.#heap.peek();
      if (top === undefined) return undefined;
      if (this.#timers.get(top.key) === top) return top;
      this.#heap.pop();
    }
  }
}
