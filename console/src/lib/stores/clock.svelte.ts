/** One ticking "now" for every timer on screen (wait times, call timer, wrap-up countdown). */
let now = $state(Date.now());
let started = false;

export const clock = {
  get now(): number {
    if (!started) {
      started = true;
      // A quarter second keeps counters within rounding of the real time without re-rendering much.
      setInterval(() => (now = Date.now()), 250);
    }
    return now;
  },
};
