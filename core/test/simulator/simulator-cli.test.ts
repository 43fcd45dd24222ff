import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { parseSimulationArgs, UsageError } from '../../src/simulator/simulation-options.ts';
import { parseFigures, runCli } from './sim-output.ts';

const CLI = fileURLToPath(new URL('../../src/simulator/cli.ts', import.meta.url));
const runCliProcess = promisify(execFile);

const BASE = ['--agents', '20', '--arrivals-per-hour', '360', '--aht', '180', '--wrap-up', '0', '--hours', '2'];

describe('simulator output', () => {
  test('prints one name: value line per figure, in a fixed order', async () => {
    const run = await runCli([...BASE, '--seed', '1']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const names = run.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(': ')[0]);
    expect(names).toEqual(['offered', 'answered', 'abandoned', 'asa_seconds', 'service_level_20s_percent', 'occupancy_percent']);
    for (const value of Object.values(parseFigures(run.stdout))) expect(Number.isFinite(value)).toBe(true);
  });

  test('the same seed gives byte-identical output, in this process and in a fresh one; another seed differs', async () => {
    const first = await runCli([...BASE, '--seed', '7', '--patience', '90', '--answer-delay', '2', '--wrap-up', '15']);
    const second = await runCli([...BASE, '--seed', '7', '--patience', '90', '--answer-delay', '2', '--wrap-up', '15']);
    expect(second.stdout).toBe(first.stdout);
    const fresh = await runCliProcess(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...BASE, '--seed', '7', '--patience', '90', '--answer-delay', '2', '--wrap-up', '15']);
    expect(fresh.stdout).toBe(first.stdout);
    const other = await runCli([...BASE, '--seed', '8', '--patience', '90', '--answer-delay', '2', '--wrap-up', '15']);
    expect(other.stdout).not.toBe(first.stdout);
  });

  test('bad input exits with code 2 and says what is wrong, with the usage', async () => {
    const failure = await runCliProcess(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, '--agents', 'twenty']).then(
      () => null,
      (error: unknown) => error as { code: number; stderr: string; stdout: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain("--agents must be a whole number from 1 to 2000, got 'twenty'.");
    expect(failure?.stderr).toContain('Usage: npm run simulate');
  });

  test('--help prints the usage and succeeds', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--arrivals-per-hour');
  });
});

describe('argument validation', () => {
  const withBase = (...extra: string[]): string[] => [...BASE, ...extra];
  const rejects = (args: string[], message: RegExp): void => {
    expect(() => parseSimulationArgs(args)).toThrow(UsageError);
    expect(() => parseSimulationArgs(args)).toThrow(message);
  };

  test('defaults fill the optional options', () => {
    expect(parseSimulationArgs(['--agents', '3', '--arrivals-per-hour', '12.5', '--aht', '200', '--hours', '1'])).toEqual({
      agents: 3,
      arrivalsPerHour: 12.5,
      ahtSeconds: 200,
      wrapUpSeconds: 0,
      hours: 1,
      seed: 1,
      answerDelaySeconds: 0,
      patienceSeconds: null,
      ringTimeoutSeconds: 20,
      strategy: 'longest-idle',
      queues: 1,
    });
  });

  test('required options must be given', () => {
    rejects(['--agents', '3', '--aht', '200', '--hours', '1'], /--arrivals-per-hour is required/);
    rejects(['--arrivals-per-hour', '3', '--aht', '200', '--hours', '1'], /--agents is required/);
  });

  test('numbers must be numbers in range', () => {
    rejects(withBase('--agents', '0'), /--agents must be a whole number from 1 to 2000, got '0'/);
    rejects(withBase('--agents', '2.5'), /--agents must be a whole number/);
    rejects(withBase('--aht=-5'), /--aht must be a number of seconds greater than 0/);
    rejects(withBase('--aht', 'abc'), /--aht must be/);
    rejects(withBase('--arrivals-per-hour', '0'), /--arrivals-per-hour must be a number greater than 0/);
    rejects(withBase('--hours', '1e3'), /--hours must be/);
    rejects(withBase('--wrap-up', '3601'), /--wrap-up must be a whole number from 0 to 3600/);
    rejects(withBase('--ring-timeout', '4'), /--ring-timeout must be a whole number from 5 to 600/);
    rejects(withBase('--patience', '0'), /--patience must be a number of seconds greater than 0/);
    rejects(withBase('--seed=-1'), /--seed must be a whole number from 0 to 4294967295/);
    rejects(withBase('--queues', '0'), /--queues must be a whole number from 1 to 100/);
  });

  test('unknown strategies, unknown options, stray arguments and missing values are refused', () => {
    rejects(withBase('--strategy', 'random'), /--strategy must be one of longest-idle, round-robin/);
    rejects(withBase('--agnets', '3'), /agnets/);
    rejects(withBase('extra'), /extra/);
    rejects([...BASE, '--seed'], /--seed/);
  });

  test('an answer delay at or past the ring timeout is refused: no offer could ever be answered', () => {
    rejects(withBase('--answer-delay', '20'), /--answer-delay \(20 s\) must be shorter than --ring-timeout \(20 s\)/);
    expect(parseSimulationArgs(withBase('--answer-delay', '19.5'))).toMatchObject({ answerDelaySeconds: 19.5 });
  });
});
