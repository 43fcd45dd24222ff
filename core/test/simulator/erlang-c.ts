/** Erlang C (M/M/c) expectations for the simulator's sanity tests, computed here rather than hard-coded. */

/** Probability that a caller waits, for `agents` servers and `erlangs` offered load (< agents). */
export const erlangCWaitProbability = (agents: number, erlangs: number): number => {
  let term = 1; // erlangs^k / k!
  let sum = 0;
  for (let k = 0; k < agents; k += 1) {
    if (k > 0) term *= erlangs / k;
    sum += term;
  }
  const waiting = ((term * erlangs) / agents) * (agents / (agents - erlangs));
  return waiting / (sum + waiting);
};

/** Mean wait over all callers (answered, no abandonment). */
export const erlangCAsaSeconds = (agents: number, erlangs: number, ahtSeconds: number): number =>
  (erlangCWaitProbability(agents, erlangs) * ahtSeconds) / (agents - erlangs);

/** Fraction of callers answered within `thresholdSeconds`. */
export const erlangCServiceLevel = (agents: number, erlangs: number, ahtSeconds: number, thresholdSeconds: number): number =>
  1 - erlangCWaitProbability(agents, erlangs) * Math.exp((-(agents - erlangs) * thresholdSeconds) / ahtSeconds);
