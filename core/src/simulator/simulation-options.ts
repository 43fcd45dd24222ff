/** The capacity simulator's options: defaults, command-line parsing and validation, the usage text. */
import { parseArgs } from 'node:util';
import { QUEUE_STRATEGIES, type QueueStrategy } from '../events/queue-events.ts';

export interface SimulationOptions {
  agents: number;
  arrivalsPerHour: number;
  /** Mean talk time in seconds (exponentially distributed). */
  ahtSeconds: number;
  /** The queues' wrap-up time; it ends by its timer. */
  wrapUpSeconds: number;
  hours: number;
  seed: number;
  /** How long an agent takes to answer an offer. */
  answerDelaySeconds: number;
  /** Mean caller patience (exponential), or null for callers who never hang up before an answer. */
  patienceSeconds: number | null;
  ringTimeoutSeconds: number;
  strategy: QueueStrategy;
  queues: number;
  /** Queues each agent serves, taken in turn (agent i starts at queue i); absent = every queue. */
  queuesPerAgent?: number;
}

export const SIMULATION_DEFAULTS = {
  wrapUpSeconds: 0,
  seed: 1,
  answerDelaySeconds: 0,
  patienceSeconds: null,
  ringTimeoutSeconds: 20,
  strategy: 'longest-idle',
  queues: 1,
} as const satisfies Partial<SimulationOptions>;

/** Bad command-line input: the CLI prints the message and the usage, and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm run simulate -- --agents N --arrivals-per-hour R --aht S --hours H [options]

Runs the contact-center core (deciders, router, call flow) in simulated time and prints its figures.

Required:
  --agents N              agents, all online, every agent in every queue (whole number 1 to 2000)
  --arrivals-per-hour R   mean call arrivals per hour, a Poisson process (greater than 0)
  --aht S                 mean talk time in seconds, exponential (greater than 0)
  --hours H               hours of arrivals to simulate (greater than 0, at most 720)
Options:
  --wrap-up S             wrap-up seconds after each call, ended by its timer (whole number 0 to 3600; default 0)
  --seed N                seed of the random numbers (whole number 0 to 4294967295; default 1)
  --answer-delay S        seconds an agent takes to answer an offer (0 or more, below --ring-timeout; default 0)
  --patience S            mean caller patience in seconds, exponential; callers still waiting or ringing
                          after it hang up (greater than 0; default: callers wait forever)
  --ring-timeout S        seconds an offer rings before it times out (whole number 5 to 600; default 20)
  --strategy NAME         routing strategy: ${QUEUE_STRATEGIES.join(', ')} (default longest-idle)
  --queues N              queues; calls are spread over them in turn (whole number 1 to 100; default 1)
  --help                  show this text`;

const DECIMAL = /^\d+(\.\d+)?$/;
const WHOLE = /^\d+$/;

const text = (values: Record<string, string | boolean | undefined>, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value.trim() : undefined;
};

const required = (values: Record<string, string | boolean | undefined>, name: string): string => {
  const value = text(values, name);
  if (value === undefined) throw new UsageError(`--${name} is required.`);
  return value;
};

const decimal = (name: string, raw: string, check: (value: number) => boolean, expected: string): number => {
  const value = DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value) || !check(value)) throw new UsageError(`--${name} must be ${expected}, got '${raw}'.`);
  return value;
};

const whole = (name: string, raw: string, min: number, max: number): number => {
  const value = WHOLE.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'.`);
  return value;
};

const OPTION_NAMES = ['agents', 'arrivals-per-hour', 'aht', 'wrap-up', 'hours', 'seed', 'answer-delay', 'patience', 'ring-timeout', 'strategy', 'queues'] as const;

/** Parses the CLI arguments (without node and the script). 'help' when --help was asked for. */
export const parseSimulationArgs = (args: readonly string[]): SimulationOptions | 'help' => {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: [...args],
      options: { ...Object.fromEntries(OPTION_NAMES.map((name) => [name, { type: 'string' as const }])), help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    values = parsed.values;
  } catch (error) {
    // parseArgs explains unknown options, missing values and stray arguments well enough.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';

  const positive = (value: number): boolean => value > 0;
  const ringTimeoutSeconds = whole('ring-timeout', text(values, 'ring-timeout') ?? String(SIMULATION_DEFAULTS.ringTimeoutSeconds), 5, 600);
  const answerDelay = text(values, 'answer-delay');
  const patience = text(values, 'patience');
  const strategy = text(values, 'strategy') ?? SIMULATION_DEFAULTS.strategy;
  if (!(QUEUE_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new UsageError(`--strategy must be one of ${QUEUE_STRATEGIES.join(', ')}, got '${strategy}'.`);
  }
  const options: SimulationOptions = {
    agents: whole('agents', required(values, 'agents'), 1, 2000),
    arrivalsPerHour: decimal('arrivals-per-hour', required(values, 'arrivals-per-hour'), (value) => value > 0 && value <= 1_000_000, 'a number greater than 0 (at most 1000000)'),
    ahtSeconds: decimal('aht', required(values, 'aht'), (value) => value > 0 && value <= 86_400, 'a number of seconds greater than 0 (at most 86400)'),
    hours: decimal('hours', required(values, 'hours'), (value) => value > 0 && value <= 720, 'a number of hours greater than 0 and at most 720'),
    wrapUpSeconds: whole('wrap-up', text(values, 'wrap-up') ?? String(SIMULATION_DEFAULTS.wrapUpSeconds), 0, 3600),
    seed: whole('seed', text(values, 'seed') ?? String(SIMULATION_DEFAULTS.seed), 0, 4_294_967_295),
    answerDelaySeconds: answerDelay === undefined ? SIMULATION_DEFAULTS.answerDelaySeconds : decimal('answer-delay', answerDelay, (value) => value >= 0, 'a number of seconds, 0 or more'),
    patienceSeconds: patience === undefined ? SIMULATION_DEFAULTS.patienceSeconds : decimal('patience', patience, positive, 'a number of seconds greater than 0'),
    ringTimeoutSeconds,
    strategy: strategy as QueueStrategy,
    queues: whole('queues', text(values, 'queues') ?? String(SIMULATION_DEFAULTS.queues), 1, 100),
  };
  // A fixed answer delay at or past the ring timeout means every offer times out: no call is ever answered.
  if (options.answerDelaySeconds >= ringTimeoutSeconds) {
    throw new UsageError(`--answer-delay (${options.answerDelaySeconds} s) must be shorter than --ring-timeout (${ringTimeoutSeconds} s), or no offer is ever answered.`);
  }
  return options;
};
