/** Where the current time comes from: the wall clock in production, simulated time in the simulator and tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Runs a callback at a due time. Keys make scheduling idempotent: scheduling a key again replaces it.
 * Timers are not the source of truth: they are re-derived from events after a restart.
 */
export interface TimerScheduler {
  schedule(key: string, dueAt: Date, fire: () => void): void;
  cancel(key: string): void;
  /** Cancels everything (shutdown). */
  clear(): void;
  readonly size: number;
}

/** Node's setTimeout caps delays at about 24.8 days; longer timers re-arm when that cap passes. */
const MAX_DELAY_MS = 2_147_483_647;

export class WallClockTimerScheduler implements TimerScheduler {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #clock: Clock;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  schedule(key: string, dueAt: Date, fire: () => void): void {
    this.cancel(key);
    const delay = Math.max(0, dueAt.getTime() - this.#clock.now().getTime());
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      if (delay > MAX_DELAY_MS) this.schedule(key, dueAt, fire);
      else fire();
    }, Math.min(delay, MAX_DELAY_MS));
    // A pending ring timeout must not keep a stopping process alive.
    timer.unref();
    this.#timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.#timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(key);
  }

  clear(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  get size(): number {
    return this.#timers.size;
  }
}
