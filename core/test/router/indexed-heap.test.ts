import { describe, expect, it } from 'vitest';
import { IndexedHeap } from '../../src/router/indexed-heap.ts';
import { seededRandom } from './router-scenario.ts';

interface Entry {
  weight: number;
  id: string;
}

const byWeightThenId = (a: Entry, b: Entry): number => a.weight - b.weight || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

describe('IndexedHeap', () => {
  it('matches a sorted array through thousands of random inserts, updates, removes and pops', () => {
    const random = seededRandom(20250106);
    const heap = new IndexedHeap<string, Entry>(byWeightThenId);
    let naive: Entry[] = [];
    const keyPool = Array.from({ length: 60 }, (_, i) => `k${i}`);

    for (let step = 0; step < 20_000; step++) {
      const roll = random();
      const key = keyPool[Math.floor(random() * keyPool.length)] as string;
      if (roll < 0.45) {
        // insert or update (small weights so ties on weight are common)
        const entry = { weight: Math.floor(random() * 10), id: key };
        heap.set(key, entry);
        naive = naive.filter((e) => e.id !== key).concat(entry);
      } else if (roll < 0.7) {
        expect(heap.remove(key)).toBe(naive.some((e) => e.id === key));
        naive = naive.filter((e) => e.id !== key);
      } else if (roll < 0.85) {
        naive.sort(byWeightThenId);
        const popped = heap.pop();
        expect(popped?.value).toEqual(naive[0]);
        naive.shift();
      } else {
        expect(heap.has(key)).toBe(naive.some((e) => e.id === key));
        expect(heap.get(key)).toEqual(naive.find((e) => e.id === key));
      }
      naive.sort(byWeightThenId);
      expect(heap.size).toBe(naive.length);
      expect(heap.peek()?.value).toEqual(naive[0]);
      if (step % 500 === 0) expect([...heap.ordered()].map(([, v]) => v)).toEqual(naive);
    }
  });

  it('iterates in order lazily without changing the heap, and stops early on request', () => {
    const random = seededRandom(7);
    const heap = new IndexedHeap<number, Entry>(byWeightThenId);
    for (let i = 0; i < 500; i++) heap.insert(i, { weight: Math.floor(random() * 1000), id: String(i).padStart(3, '0') });
    const all = [...heap.ordered()].map(([, v]) => v);
    expect(all).toEqual([...all].sort(byWeightThenId));
    expect(all).toHaveLength(500);

    const firstThree: Entry[] = [];
    for (const [, value] of heap.ordered()) {
      firstThree.push(value);
      if (firstThree.length === 3) break;
    }
    expect(firstThree).toEqual(all.slice(0, 3));
    expect(heap.size).toBe(500);
    expect(heap.peek()?.value).toEqual(all[0]);
  });

  it('moves an entry both ways on update', () => {
    const heap = new IndexedHeap<string, Entry>(byWeightThenId);
    for (const [id, weight] of [['a', 5], ['b', 3], ['c', 8]] as const) heap.insert(id, { weight, id });
    heap.update('c', { weight: 1, id: 'c' });
    expect(heap.peek()?.key).toBe('c');
    heap.update('c', { weight: 9, id: 'c' });
    expect([...heap.ordered()].map(([key]) => key)).toEqual(['b', 'a', 'c']);
    expect(heap.remove('missing')).toBe(false);
    heap.clear();
    expect(heap.pop()).toBeUndefined();
  });
});
