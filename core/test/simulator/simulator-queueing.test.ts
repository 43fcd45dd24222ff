/**
 * Sanity against queueing theory: the simulated contact center, run long enough, behaves like the
 * M/M/c model it is set up to be. The run is stochastic, so tolerances are generous; a mistake in
 * units, in what counts as busy or in how waits are measured lands far outside them.
 */
import { describe, expect, test } from 'vitest';
import { runCapacitySimulation } from '../../src/simulator/capacity-simulation.ts';
import { parseSimulationArgs, type SimulationOptions } from '../../src/simulator/simulation-options.ts';
import { erlangCAsaSeconds, erlangCServiceLevel } from './erlang-c.ts';

const options = (args: string): SimulationOptions => {
  const parsed = parseSimulationArgs(args.split(' '));
  if (parsed === 'help') throw new Error('unexpected --help');
  return parsed;
};

describe('capacity simulation against M/M/c', () => {
  test('20 agents, 360 calls/h, AHT 180 s, no wrap-up (18 Erlangs): occupancy near 90 %, ASA and service level near Erlang C', async () => {
    const agents = 20;
    const erlangs = (360 * 180) / 3600;
    // 24 h: at 90 % load the queue relaxes over about an hour, so shorter runs swing too much.
    const figures = await runCapacitySimulation(options(`--agents ${agents} --arrivals-per-hour 360 --aht 180 --wrap-up 0 --hours 24 --seed 3`));

    expect(figures.offered).toBeGreaterThan(360 * 24 * 0.95);
    expect(figures.offered).toBeLessThan(360 * 24 * 1.05);
    expect(figures.answered).toBe(figures.offered); // nobody abandons without --patience; the drain lets every call finish
    expect(figures.abandoned).toBe(0);
    expect(Math.abs(figures.occupancyPercent - (100 * erlangs) / agents)).toBeLessThan(4);
    const expectedAsa = erlangCAsaSeconds(agents, erlangs, 180); // about 50 s
    expect(figures.asaSeconds).toBeGreaterThan(expectedAsa * 0.5);
    expect(figures.asaSeconds).toBeLessThan(expectedAsa * 1.5);
    const expectedServiceLevel = 100 * erlangCServiceLevel(agents, erlangs, 180, 20); // about 56 %
    expect(Math.abs(figures.serviceLevelPercent - expectedServiceLevel)).toBeLessThan(12);
  });

  test('a lightly loaded center (10 Erlangs on 20 agents) barely queues: ASA a few seconds, service level near 100 %', async () => {
    const figures = await runCapacitySimulation(options('--agents 20 --arrivals-per-hour 200 --aht 180 --hours 8 --seed 5'));
    const expectedAsa = erlangCAsaSeconds(20, 10, 180); // about 0.5 s
    expect(figures.asaSeconds).toBeLessThan(expectedAsa + 3);
    expect(figures.serviceLevelPercent).toBeGreaterThan(98);
    expect(Math.abs(figures.occupancyPercent - 50)).toBeLessThan(4);
  });

  test('wrap-up counts as busy time: 300 calls/h x (180 s talk + 36 s wrap-up) on 20 agents is about 90 % occupancy', async () => {
    const figures = await runCapacitySimulation(options('--agents 20 --arrivals-per-hour 300 --aht 180 --wrap-up 36 --hours 8 --seed 2'));
    expect(Math.abs(figures.occupancyPercent - (100 * 300 * (180 + 36)) / 3600 / 20)).toBeLessThan(5);
    // Without wrap-up the same calls keep agents busy only 75 % of the time.
    const noWrapUp = await runCapacitySimulation(options('--agents 20 --arrivals-per-hour 300 --aht 180 --wrap-up 0 --hours 8 --seed 2'));
    expect(noWrapUp.occupancyPercent).toBeLessThan(figures.occupancyPercent - 8);
  });

  test('impatient callers in an overloaded center abandon; every offered call is answered or abandoned', async () => {
    // 18 Erlangs on 12 agents cannot keep up: callers give up after 60 s on average.
    const figures = await runCapacitySimulation(options('--agents 12 --arrivals-per-hour 360 --aht 180 --hours 2 --patience 60 --answer-delay 3 --seed 4'));
    expect(figures.abandoned).toBeGreaterThan(0);
    expect(figures.answered + figures.abandoned).toBe(figures.offered);
    // About a third of the load cannot be served at all.
    expect(figures.abandoned / figures.offered).toBeGreaterThan(0.2);
    expect(figures.occupancyPercent).toBeGreaterThan(90);
  });

  test('ring-all with several queues still answers every call once', async () => {
    const figures = await runCapacitySimulation(options('--agents 6 --arrivals-per-hour 60 --aht 120 --hours 2 --strategy ring-all --queues 3 --answer-delay 2 --seed 6'));
    expect(figures.offered).toBeGreaterThan(0);
    expect(figures.answered).toBe(figures.offered);
    expect(figures.asaSeconds).toBeGreaterThanOrEqual(2); // every answer takes the agent's 2 s
  });
});
