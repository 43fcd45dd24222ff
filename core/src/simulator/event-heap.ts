/**
 * The simulator's agenda: a binary min-heap of events by due time. Events due at the same
 * millisecond come out in the order they were scheduled, which keeps runs deterministic.
 */

interface Entry<T> {
  at: number;
  sequence: number;
  event: T;
}

export class EventHeap<T> {
  readonly #entries: Entry<T>[] = [];
  #sequence = 0;

  get size(): number {
    return this.#entries.length;
  }

  push(at: number, event: T): void {
    this.#entries.push({ at, sequence: this.#sequence++, event });
    this.#siftUp(this.#entries.length - 1);
  }

  /** Due time of the earliest event, or null when the agenda is empty. */
  peekAt(): number | null {
    return this.#entries[0]?.at ?? null;
  }

  /** The earliest event without removing it. */
  peek(): T | undefined {
    return this.#entries[0]?.event;
  }

  pop(): { at: number; event: T } | undefined {
    const first = this.#entries[0];
    if (first === undefined) return undefined;
    const last = this.#entries.pop() as Entry<T>;
    if (this.#entries.length > 0) {
      this.#entries[0] = last;
      this.#siftDown(0);
    }
    return { at: first.at, event: first.event };
  }

  #before(a: Entry<T>, b: Entry<T>): boolean {
    return a.at < b.at || (a.at === b.at && a.sequence < b.sequence);
  }

  #siftUp(index: number): void {
    const entries = this.#entries;
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const up = entries[child] as Entry<T>;
      const down = entries[parent] as Entry<T>;
      if (!this.#before(up, down)) break;
      entries[child] = down;
      entries[parent] = up;
      child = parent;
    }
  }

  #siftDown(index: number): void {
    const entries = this.#entries;
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < entries.length && this.#before(entries[left] as Entry<T>, entries[smallest] as Entry<T>)) smallest = left;
      if (right < entries.length && this.#before(entries[right] as Entry<T>, entries[smallest] as Entry<T>)) smallest = right;
      if (smallest === parent) break;
      const moved = entries[parent] as Entry<T>;
      entries[parent] = entries[smallest] as Entry<T>;
      entries[smallest] = moved;
      parent = smallest;
    }
  }
}
