/**
 * `npm run bench`: every benchmark of every package, one `name: value` line per figure. Comparisons
 * measure their baseline in the same run and print the ratio. BENCH_SCALE (0 < s <= 1, default 1)
 * lowers the load for a quick look; the figures the issues ask for are at scale 1.
 */
import { runCoreBenchmarks } from '../core/bench/core-bench.ts';
import { benchProjections } from '../projections/bench/projections-bench.ts';
import { benchGateway, gatewayBenchOptions } from '../gateway/bench/gateway-bench.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0 && scale <= 1)) throw new Error(`BENCH_SCALE must be a number in (0, 1], got ${process.env.BENCH_SCALE}`);

await runCoreBenchmarks(scale);
await benchProjections({ agents: Math.round(10_000 * scale), rebuildEvents: Math.round(1_000_000 * scale) });
await benchGateway(gatewayBenchOptions(scale));
