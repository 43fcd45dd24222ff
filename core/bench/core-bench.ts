/**
 * The core's benchmarks (router and store at scale, store against raw SQLite), one `name: value`
 * line per figure; `scale` 1 is the load the issue asks for.
 */
import { percentile, report, sortedCopy } from './report.ts';
import { benchRouting } from './routing-bench.ts';
import { benchStore } from './store-bench.ts';

export const runCoreBenchmarks = async (scale: number): Promise<void> => {
  const agents = Math.round(10_000 * scale);
  const queues = Math.max(2, Math.round(200 * scale));
  const callsPerSecond = Math.round(500 * scale);
  const simulatedSeconds = 60;

  report('bench_scale', scale);
  report('router_agents', agents);
  report('router_queues', queues);
  report('router_arrivals_per_second', callsPerSecond);
  report('router_simulated_seconds', simulatedSeconds);

  const routing = await benchRouting({ agents, queues, callsPerSecond, simulatedSeconds });
  const latencies = sortedCopy(routing.queuedToOfferedMs);
  const decisions = sortedCopy(routing.decisionMs);
  report('router_setup_seconds', routing.setupSeconds);
  report('router_calls', routing.calls);
  report('router_calls_answered', routing.answered);
  report('route_decision_p50_ms', percentile(decisions, 50));
  report('route_decision_p99_ms', percentile(decisions, 99));
  report('route_queued_to_offered_p50_ms', percentile(latencies, 50));
  report('route_queued_to_offered_p99_ms', percentile(latencies, 99));
  report('router_offers_per_second', routing.offers / routing.runSeconds);
  report('core_events_appended_per_second', routing.eventsAppended / routing.runSeconds);
  report('router_wall_seconds_for_simulated_minute', routing.runSeconds);

  const store = await benchStore(routing.batches);
  report('store_append_batches', routing.batches.length);
  report('store_events_per_second', store.storeEventsPerSecond);
  report('raw_sqlite_inserts_per_second', store.rawEventsPerSecond);
  report('store_to_raw_ratio', store.ratio);
};
