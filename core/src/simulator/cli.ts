/**
 * `npm run simulate -- --agents 20 --arrivals-per-hour 360 --aht 180 --hours 8 --seed 1`:
 * runs the capacity simulation and prints its figures. Bad input: a clear message and exit code 2.
 */
import { runCapacitySimulation } from './capacity-simulation.ts';
import { formatCapacityReport } from './simulation-report.ts';
import { parseSimulationArgs, USAGE, UsageError, type SimulationOptions } from './simulation-options.ts';

/** Runs the CLI on `args`, writing to the given streams; resolves to the exit code. */
export const runSimulatorCli = async (args: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> => {
  let options: SimulationOptions | 'help';
  try {
    options = parseSimulationArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`simulate: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    out(`${USAGE}\n`);
    return 0;
  }
  out(formatCapacityReport(await runCapacitySimulation(options)));
  return 0;
};

if (import.meta.main) {
  process.exitCode = await runSimulatorCli(
    process.argv.slice(2),
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  );
}
