/** What the runtime measures about routing, for the benchmark and /metrics. Bounded: keeps the first million samples. */
const MAX_SAMPLES = 1_000_000;

export class RoutingStats {
  /** Wall milliseconds from a call starting to wait (as this process saw it) to its offer being stored. */
  readonly queuedToOfferedMs: number[] = [];
  /** Wall milliseconds the router spent deciding, per assignment. */
  readonly decisionMs: number[] = [];
  offers = 0;
  failedReservations = 0;

  record(samples: number[], value: number): void {
    if (samples.length < MAX_SAMPLES) samples.push(value);
  }
}
