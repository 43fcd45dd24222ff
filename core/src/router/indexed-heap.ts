/**
 * A keyed binary min-heap (indexed priority queue): every entry has a key, so an entry can be
 * found, re-prioritised or removed in O(log n) — what the router needs when an agent's idle time
 * changes or a call leaves the line from the middle. "Min" means first by the comparator.
 */
export type Comparator<V> = (a: V, b: V) => number;

export class IndexedHeap<K, V> {
  readonly #compare: Comparator<V>;
  readonly #keys: K[] = [];
  readonly #values: V[] = [];
  readonly #slot = new Map<K, number>();

  constructor(compare: Comparator<V>) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#keys.length;
  }

  has(key: K): boolean {
    return this.#slot.has(key);
  }

  get(key: K): V | undefined {
    const slot = this.#slot.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  /** Inserts the key, or moves it to where its new value belongs. O(log n). */
  set(key: K, value: V): void {
    const slot = this.#slot.get(key);
    if (slot === undefined) {
      this.#keys.push(key);
      this.#values.push(value);
      this.#slot.set(key, this.#keys.length - 1);
      this.#siftUp(this.#keys.length - 1);
      return;
    }
    this.#values[slot] = value;
    this.#siftDown(this.#siftUp(slot));
  }

  /** Same as `set`: the names the callers think in. */
  insert(key: K, value: V): void {
    this.set(key, value);
  }

  update(key: K, value: V): void {
    this.set(key, value);
  }

  /** Removes the key if present; returns whether it was. O(log n). */
  remove(key: K): boolean {
    const slot = this.#slot.get(key);
    if (slot === undefined) return false;
    const last = this.#keys.length - 1;
    if (slot !== last) this.#swap(slot, last);
    this.#keys.pop();
    this.#values.pop();
    this.#slot.delete(key);
    if (slot !== last) this.#siftDown(this.#siftUp(slot));
    return true;
  }

  peek(): { key: K; value: V } | undefined {
    if (this.#keys.length === 0) return undefined;
    return { key: this.#keys[0] as K, value: this.#values[0] as V };
  }

  pop(): { key: K; value: V } | undefined {
    const top = this.peek();
    if (top !== undefined) this.remove(top.key);
    return top;
  }

  clear(): void {
    this.#keys.length = 0;
    this.#values.length = 0;
    this.#slot.clear();
  }

  /** Every entry, in no particular order. O(n). */
  *entries(): Generator<[K, V]> {
    for (let i = 0; i < this.#keys.length; i++) yield [this.#keys[i] as K, this.#values[i] as V];
  }

  /**
   * Entries in comparator order, produced lazily: the first k cost O(k log k), so a caller that
   * stops early pays only for what it read. The heap must not change while this is iterated.
   */
  *ordered(): Generator<[K, V]> {
    if (this.#keys.length === 0) return;
    // A small heap of slots of this heap: a slot's children can only come after it.
    const frontier: number[] = [0];
    const before = (a: number, b: number): boolean => this.#compare(this.#values[a] as V, this.#values[b] as V) < 0;
    while (frontier.length > 0) {
      const slot = frontier[0] as number;
      const last = frontier.pop() as number;
      if (frontier.length > 0) {
        frontier[0] = last;
        siftDownSlots(frontier, 0, before);
      }
      yield [this.#keys[slot] as K, this.#values[slot] as V];
      for (const child of [2 * slot + 1, 2 * slot + 2]) {
        if (child < this.#keys.length) {
          frontier.push(child);
          siftUpSlots(frontier, frontier.length - 1, before);
        }
      }
    }
  }

  #less(i: number, j: number): boolean {
    return this.#compare(this.#values[i] as V, this.#values[j] as V) < 0;
  }

  #swap(i: number, j: number): void {
    const key = this.#keys[i] as K;
    const value = this.#values[i] as V;
    this.#keys[i] = this.#keys[j] as K;
    this.#values[i] = this.#values[j] as V;
    this.#keys[j] = key;
    this.#values[j] = value;
    this.#slot.set(this.#keys[i] as K, i);
    this.#slot.set(key, j);
  }

  /** Returns the slot the entry ended in. */
  #siftUp(start: number): number {
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
    return i;
  }

  #siftDown(start: number): void {
    let i = start;
    const n = this.#keys.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < n && this.#less(left, first)) first = left;
      if (right < n && this.#less(right, first)) first = right;
      if (first === i) return;
      this.#swap(i, first);
      i = first;
    }
  }
}

const siftUpSlots = (heap: number[], start: number, before: (a: number, b: number) => boolean): void => {
  let i = start;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i] as number, heap[parent] as number)) return;
    [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
    i = parent;
  }
};

const siftDownSlots = (heap: number[], start: number, before: (a: number, b: number) => boolean): void => {
  let i = start;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let first = i;
    if (left < heap.length && before(heap[left] as number, heap[first] as number)) first = left;
    if (right < heap.length && before(heap[right] as number, heap[first] as number)) first = right;
    if (first === i) return;
    [heap[i], heap[first]] = [heap[first] as number, heap[i] as number];
    i = first;
  }
};
