/**
 * The gateway benchmark alone, for profiling (`node --cpu-prof gateway/bench/cli.ts`): the same
 * figures `npm run bench` prints, at BENCH_SCALE (0 < s <= 1, default 1). BENCH_GATEWAY_RATES
 * (comma-separated calls per second) replaces the rate steps.
 */
import { benchGateway, gatewayBenchOptions } from './gateway-bench.ts';

const scale = Number(process.env.BENCH_SCALE ?? '1');
if (!(scale > 0 && scale <= 1)) throw new Error(`BENCH_SCALE must be a number in (0, 1], got ${process.env.BENCH_SCALE}`);
const options = gatewayBenchOptions(scale);
const rates = process.env.BENCH_GATEWAY_RATES;
if (rates !== undefined && rates.trim() !== '') {
  const parsed = rates.split(',').map((rate) => Number(rate.trim()));
  if (parsed.some((rate) => !(Number.isInteger(rate) && rate > 0))) throw new Error(`BENCH_GATEWAY_RATES must be positive integers separated by commas, got ${rates}`);
  options.rates = parsed;
}
await benchGateway(options);
