/** Fixed-window attempt counter per key (IP + identifier): in memory, per process. */
export class AttemptLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { startedAt: number; count: number }>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one attempt; false when the key has used up its window. */
  tryAttempt(key: string, now: number = Date.now()): boolean {
    const window = this.#windows.get(key);
    if (window === undefined || now - window.startedAt >= this.#windowMs) {
      this.#windows.set(key, { startedAt: now, count: 1 });
      this.#sweep(now);
      return true;
    }
    window.count += 1;
    return window.count <= this.#limit;
  }

  /** Seconds until the key's window resets. */
  retryAfterSeconds(key: string, now: number = Date.now()): number {
    const window = this.#windows.get(key);
    return window === undefined ? 0 : Math.max(1, Math.ceil((window.startedAt + this.#windowMs - now) / 1000));
  }

  // Old windows are dropped now and then, so the map does not grow with every address ever seen.
  #sweep(now: number): void {
    if (this.#windows.size < 10_000) return;
    for (const [key, window] of this.#windows) if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key);
  }
}
