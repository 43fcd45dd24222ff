/**
 * A small seeded pseudo-random generator for the capacity simulator (mulberry32): the same seed
 * always gives the same numbers, on every machine, so a run can be repeated exactly. Not for
 * anything secret.
 */

/** Mixes a seed and a stream number into a well-spread 32-bit state (splitmix32-style finaliser). */
const mixSeed = (seed: number, stream: number): number => {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
};

export class Prng {
  #state: number;

  /**
   * `stream` gives independent sequences from one seed: arrivals, handle times and patience each
   * draw from their own, so changing one option (say, patience) leaves the arrival times unchanged.
   */
  constructor(seed: number, stream = 0) {
    this.#state = mixSeed(seed >>> 0, stream);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Exponentially distributed with the given mean (inverse transform; 1 - u keeps log away from 0). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }
}

/** A seeded uniform [0, 1) source as a plain function, for randomized tests that replay exactly. */
export const seededRandom = (seed: number, stream = 0): (() => number) => {
  const prng = new Prng(seed, stream);
  return () => prng.next();
};
