/**
 * Simulated time for the capacity simulator and tests: a clock that only moves when told to, and a
 * timer scheduler whose timers fire, in due order, as the clock is advanced. No sleeping, no wall clock.
 */
import type { Clock, TimerScheduler } from './clock.ts';

interface PendingTimer {
  key: string;
  dueAt: number;
  sequence: number;
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

export class SimulatedTimerScheduler implements TimerScheduler {
  readonly #timers = new Map<string, PendingTimer>();
  #sequence = 0;

  schedule(key: string, dueAt: Date, fire: () => void): void {
    this.#timers.set(key, { key, dueAt: dueAt.getTime(), sequence: this.#sequence++, fire });
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

  /** Due time of the earliest timer, or null. Linear: simulations hold few timers per call. */
  nextDueAt(): number | null {
    return this.#earliest()?.dueAt ?? null;
  }

  /** Removes and fires the earliest timer due at or before `millis`; false when none is due. */
  fireNextDue(millis: number): boolean {
    const timer = this.#earliest();
    if (timer === undefined || timer.dueAt > millis) return false;
    this.#timers.delete(timer.key);
    timer.fire();
    return true;
  }

  #earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (best === undefined || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.sequence < best.sequence)) best = timer;
    }
    return best;
  }
}
