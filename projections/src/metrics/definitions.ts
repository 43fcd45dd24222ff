/**
 * The metric definitions (../shared/ARCHITECTURE.md "Metrics"), written once. Every figure is a
 * function of sums over per-call fact rows (metrics-projection.ts keeps one row per call, and one
 * per call and agent) and of status time; the SQL below computes the sums, `figuresFrom` the ratios.
 *
 * Scope: for an organisation or a queue a row is a call (counted in the queue the caller reached
 * first, in the 15-minute bucket of its arrival); for an agent a row is that agent's part in a call.
 */
import type { MetricsFigures } from '../read-model-contract.ts';

/** Sums over fact rows. Seconds are real numbers. */
export interface CallSums {
  /** Rows counted as offered: calls that entered a queue (not rejected) / calls offered to the agent. */
  offered: number;
  /** Calls answered from a queue (by the agent, in agent scope). */
  answered: number;
  /** Calls an agent handled: answered, or (agent scope) taken over by accepting a transfer. */
  handled: number;
  /** Callers who hung up before any answer (agent scope: while this agent's offer rang). */
  abandoned: number;
  /** Of those, hung up within the queue's service-level threshold. */
  abandonedWithinThreshold: number;
  answeredWithinThreshold: number;
  /** Sum of waits until answered, over answered rows. */
  waitSeconds: number;
  /** Longest time a caller waited before answered, abandoned, expired or rejected; null with none. */
  longestWaitSeconds: number | null;
  talkSeconds: number;
  holdSeconds: number;
  wrapUpSeconds: number;
  transfers: number;
  missedOffers: number;
  ratingSum: number;
  ratingCount: number;
}

/** Column list the fact tables share, aggregated into CallSums (aliases match the fields). */
export const CALL_SUMS_SQL = `
  coalesce(sum(offered), 0)          AS offered,
  coalesce(sum(answered), 0)         AS answered,
  coalesce(sum(handled), 0)          AS handled,
  coalesce(sum(abandoned), 0)        AS abandoned,
  coalesce(sum(abandoned_in_sl), 0)  AS abandonedWithinThreshold,
  coalesce(sum(answered_in_sl), 0)   AS answeredWithinThreshold,
  coalesce(sum(wait_s), 0)           AS waitSeconds,
  max(waited_s)                      AS longestWaitSeconds,
  coalesce(sum(talk_s), 0)           AS talkSeconds,
  coalesce(sum(hold_s), 0)           AS holdSeconds,
  coalesce(sum(wrapup_s), 0)         AS wrapUpSeconds,
  coalesce(sum(transfers), 0)        AS transfers,
  coalesce(sum(missed_offers), 0)    AS missedOffers,
  coalesce(sum(rating_sum), 0)       AS ratingSum,
  coalesce(sum(rating_count), 0)     AS ratingCount`;

export const emptySums = (): CallSums => ({
  offered: 0,
  answered: 0,
  handled: 0,
  abandoned: 0,
  abandonedWithinThreshold: 0,
  answeredWithinThreshold: 0,
  waitSeconds: 0,
  longestWaitSeconds: null,
  talkSeconds: 0,
  holdSeconds: 0,
  wrapUpSeconds: 0,
  transfers: 0,
  missedOffers: 0,
  ratingSum: 0,
  ratingCount: 0,
});

/** Agent time in a range, from status intervals. */
export interface TimeSums {
  /** Time with a call slot taken: ringing + talk + hold + wrap-up (reservation to release). */
  busySeconds: number;
  /** Time in any status but offline. */
  loggedInSeconds: number;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export const figuresFrom = (sums: CallSums, time: TimeSums): MetricsFigures => ({
  /** Calls that entered a queue (rejected calls never did); agent scope: calls offered to the agent. */
  offered: sums.offered,
  /** Calls answered by an agent from the queue. */
  answered: sums.answered,
  /** Calls whose caller hung up before any agent answered. */
  abandoned: sums.abandoned,
  /** Offers declined or not answered in time (each counts, several per call possible). */
  missedOffers: sums.missedOffers,
  /** ASA: mean wait from arrival until answered, over answered calls. */
  asaSeconds: ratio(sums.waitSeconds, sums.answered),
  /** AHT: (talk + hold + wrap-up) per handled call. */
  ahtSeconds: ratio(sums.talkSeconds + sums.holdSeconds + sums.wrapUpSeconds, sums.handled),
  /** Mean talk time (connected, not on hold) per handled call. */
  averageTalkSeconds: ratio(sums.talkSeconds, sums.handled),
  /** Mean hold time per handled call. */
  averageHoldSeconds: ratio(sums.holdSeconds, sums.handled),
  /** Mean wrap-up time (after-call work, all agents of the call) per handled call. */
  averageWrapUpSeconds: ratio(sums.wrapUpSeconds, sums.handled),
  /** Longest wait of a caller before being answered, hanging up, expiring or being rejected. */
  longestWaitSeconds: sums.longestWaitSeconds,
  /** Service level: answered within the queue's threshold T / offered. */
  serviceLevel: ratio(sums.answeredWithinThreshold, sums.offered),
  /** Service level leaving out callers who hung up within T (they never gave the queue a chance). */
  serviceLevelExcludingShortAbandons: ratio(sums.answeredWithinThreshold, sums.offered - sums.abandonedWithinThreshold),
  /** Abandonment rate: abandoned / queued (callbacks, which do not exist yet, would be excluded). */
  abandonmentRate: ratio(sums.abandoned, sums.offered),
  /** Occupancy: busy (ringing + talk + hold + wrap-up) / logged-in (not offline) time. */
  occupancy: ratio(time.busySeconds, time.loggedInSeconds),
  /** Transfers that went through (to an agent, a queue or a number); agent scope: away from the agent. */
  transfers: sums.transfers,
  /** Mean of the 1..5 ratings recorded at wrap-up. */
  csatAverage: ratio(sums.ratingSum, sums.ratingCount),
});
