/** Runs the simulator CLI in-process and reads its `name: value` lines back. */
import { runSimulatorCli } from '../../src/simulator/cli.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const runCli = async (args: readonly string[]): Promise<CliRun> => {
  let stdout = '';
  let stderr = '';
  const code = await runSimulatorCli(
    args,
    (text) => (stdout += text),
    (text) => (stderr += text),
  );
  return { code, stdout, stderr };
};

export const parseFigures = (stdout: string): Record<string, number> =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, value] = line.split(': ');
        return [name ?? '', Number(value)];
      }),
  );
