import { describe, expect, test } from 'vitest';
import { EventHeap } from '../../src/simulator/event-heap.ts';
import { Prng } from '../../src/simulator/prng.ts';

describe('seeded random numbers', () => {
  test('the same seed and stream repeat; other seeds and streams differ', () => {
    const draw = (seed: number, stream: number): number[] => {
      const prng = new Prng(seed, stream);
      return Array.from({ length: 5 }, () => prng.next());
    };
    expect(draw(1, 0)).toEqual(draw(1, 0));
    expect(draw(1, 0)).not.toEqual(draw(2, 0));
    expect(draw(1, 0)).not.toEqual(draw(1, 1));
  });

  test('uniforms stay in [0, 1) and exponentials have the asked mean', () => {
    const prng = new Prng(42);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i += 1) {
      const u = prng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += prng.exponential(180);
    }
    expect(Math.abs(sum / n - 180)).toBeLessThan(3); // standard error is 180 / sqrt(n), about 0.6
  });
});

describe('the event agenda', () => {
  test('pops events by time, and events at the same time in the order they were scheduled', () => {
    const heap = new EventHeap<string>();
    const times = [50, 10, 30, 10, 70, 30, 0, 10];
    times.forEach((at, index) => heap.push(at, `e${index}`));
    expect(heap.peekAt()).toBe(0);
    const order: string[] = [];
    for (let next = heap.pop(); next !== undefined; next = heap.pop()) order.push(`${next.at}:${next.event}`);
    expect(order).toEqual(['0:e6', '10:e1', '10:e3', '10:e7', '30:e2', '30:e5', '50:e0', '70:e4']);
    expect(heap.size).toBe(0);
    expect(heap.peekAt()).toBeNull();
  });
});
