/**
 * sipp as load for the gateway benchmark: one sipp UAS stands for every External agent's phone, and
 * a sipp UAC per rate step plays the PSTN callers. Each sipp runs on 127.0.0.1 in a scratch folder
 * with its own traces (response times per call, call counts per second), read back here. Every
 * process started is killed by its own pid when the benchmark ends, however it ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';

const scenarios = path.join(import.meta.dirname, 'scenarios');
const running = new Set<ChildProcess>();

// A benchmark stopped by an exception or Ctrl-C must not leave sipp behind on the machine.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A UDP port free on 127.0.0.1 right now. */
const freeUdpPort = async (): Promise<number> => {
  const socket = dgram.createSocket('udp4');
  const port = await new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
};

/** The scenario with its placeholders filled, written into the run's folder. */
const scenarioFile = (workDir: string, name: string, fill: Record<string, string | number>): string => {
  let text = fs.readFileSync(path.join(scenarios, name), 'utf8');
  for (const [key, value] of Object.entries(fill)) text = text.replaceAll(key, String(value));
  const file = path.join(workDir, name);
  fs.writeFileSync(file, text);
  return file;
};

interface SippProcess {
  child: ChildProcess;
  exited: Promise<number>;
  stderr(): string;
}

const startSipp = (args: string[], cwd: string): SippProcess => {
  const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal === null ? -1 : 128));
    });
    child.once('error', () => {
      running.delete(child);
      resolve(-1);
    });
  });
  return { child, exited, stderr: () => stderr };
};

const stop = async (sipp: SippProcess): Promise<void> => {
  if (sipp.child.exitCode === null && sipp.child.signalCode === null) sipp.child.kill('SIGKILL');
  await sipp.exited;
};

/** Options every sipp in the benchmark shares: loopback, UDP on one socket, no call-count limit. */
const commonArgs = (port: number): string[] => [
  '-i', '127.0.0.1',
  '-p', String(port),
  '-t', 'u1',
  '-nostdin',
  // sipp's own default limit (3 x rate x call length) would slow the callers down when the gateway
  // lags: the benchmark wants the offered rate to stay as asked and the lag to show as delay.
  '-l', '15000',
  '-buff_size', String(4 * 1024 * 1024),
];

export interface AgentPhones {
  port: number;
  /** The SIP URI of one agent's phone (all of them reach the same sipp). */
  uriFor(agentId: string): string;
  stop(): Promise<void>;
}

/** The agents' phones: one sipp UAS answering every INVITE after `ringMs`, then waiting for the BYE. */
export const startAgentPhones = async (workDir: string, options: { ringMs: number; holdMs: number }): Promise<AgentPhones> => {
  const port = await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const dir = fs.mkdtempSync(path.join(workDir, 'phones-'));
  const file = scenarioFile(dir, 'bench-phone.xml', { RING_MS: options.ringMs, ACK_TIMEOUT_MS: 32_000, BYE_TIMEOUT_MS: options.holdMs + 60_000 });
  const sipp = startSipp(['-sf', file, ...commonArgs(port), '-mp', String(mediaPort), ...(process.env.BENCH_KEEP === undefined ? [] : ['-trace_err', '-trace_stat', '-fd', '1'])], dir);
  await waitForBind(port, sipp);
  return {
    port,
    uriFor: (agentId) => `sip:${agentId}@127.0.0.1:${port}`,
    stop: () => stop(sipp),
  };
};

/** Waits until the UAS holds its port (binding it ourselves starts to fail). */
const waitForBind = async (port: number, sipp: SippProcess): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (sipp.child.exitCode !== null) throw new Error(`sipp (agent phones) exited at start: ${sipp.stderr()}`);
    const taken = await new Promise<boolean>((resolve) => {
      const probe = dgram.createSocket('udp4');
      probe.once('error', () => resolve(true));
      probe.bind(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (taken) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sipp (agent phones) did not bind port ${port}`);
};

export interface CallerStepOptions {
  /** The gateway's UDP port on 127.0.0.1. */
  gatewayPort: number;
  /** Queue numbers dialled in turn. */
  numbers: readonly string[];
  callsPerSecond: number;
  calls: number;
  holdMs: number;
  /** How long a caller waits for the 200 (after the 180) before sipp gives the call up. */
  answerTimeoutMs: number;
  /** A call answered later than this after its INVITE was not set up in time: it counts as failed. */
  answerLimitMs: number;
}

export interface CallerStepResult {
  calls: number;
  /** Calls answered within the limit and hung up cleanly. */
  succeeded: number;
  /** Calls that failed, were answered too late, or had not finished when the step's deadline passed. */
  failed: number;
  /** Calls sipp completed but whose answer came after the limit. */
  late: number;
  /** INVITE -> first 180/183/200, per call, in ms (sipp's millisecond clock). */
  postDialDelayMs: number[];
  /** INVITE -> 200, per call, in ms. */
  answerDelayMs: number[];
  /** Seconds from the first INVITE to the last call's end, as sipp saw it. */
  elapsedSeconds: number;
}

/** One step of PSTN callers: `calls` calls at `callsPerSecond`, each talking `holdMs`, then hanging up. */
export const runCallers = async (workDir: string, options: CallerStepOptions): Promise<CallerStepResult> => {
  const port = await freeUdpPort();
  const mediaPort = await freeUdpPort();
  const dir = fs.mkdtempSync(path.join(workDir, `callers-${options.callsPerSecond}-`));
  const file = scenarioFile(dir, 'bench-caller.xml', { HOLD_MS: options.holdMs, ANSWER_TIMEOUT_MS: options.answerTimeoutMs, BYE_TIMEOUT_MS: 32_000 });
  const numbers = path.join(dir, 'numbers.csv');
  fs.writeFileSync(numbers, ['SEQUENTIAL', ...options.numbers.map((number) => `${number};`)].join('\n') + '\n');
  const statFile = path.join(dir, 'stat.csv');
  const args = [
    '-sf', file,
    ...commonArgs(port),
    '-mp', String(mediaPort),
    '-inf', numbers,
    '-r', String(options.callsPerSecond),
    '-m', String(options.calls),
    '-trace_rtt', '-rtt_freq', '50',
    '-trace_stat', '-stf', statFile, '-fd', '1', ...(process.env.BENCH_KEEP === undefined ? [] : ['-trace_err']),
    '127.0.0.1:' + String(options.gatewayPort),
  ];
  const sipp = startSipp(args, dir);
  // Enough for every call to be placed, answered, held and hung up, with room for retransmissions.
  const deadlineMs = (options.calls / options.callsPerSecond) * 1000 + options.answerTimeoutMs + options.holdMs + 40_000;
  const timer = setTimeout(() => sipp.child.kill('SIGKILL'), deadlineMs);
  const exitCode = await sipp.exited;
  clearTimeout(timer);
  const counts = lastStatLine(statFile);
  if (counts === null) throw new Error(`sipp (callers at ${options.callsPerSecond}/s) left no statistics (exit ${exitCode}): ${sipp.stderr()}`);
  const times = responseTimes(dir);
  const answerDelayMs = times.get('answer') ?? [];
  const late = answerDelayMs.filter((delay) => delay > options.answerLimitMs).length;
  const succeeded = Math.max(0, Math.min(options.calls, counts.successful) - late);
  return {
    calls: options.calls,
    succeeded,
    failed: options.calls - succeeded,
    late,
    postDialDelayMs: times.get('pdd') ?? [],
    answerDelayMs,
    elapsedSeconds: counts.elapsedSeconds,
  };
};

/** The cumulative counts in the last line of sipp's statistics file. */
const lastStatLine = (file: string): { successful: number; elapsedSeconds: number } | null => {
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const header = lines[0]?.split(';');
  const last = lines.at(-1)?.split(';');
  if (header === undefined || last === undefined || lines.length < 2) return null;
  const column = (name: string): string | undefined => last[header.indexOf(name)];
  const successful = Number(column('SuccessfulCall(C)'));
  // ElapsedTime(C) is hh:mm:ss:ms... in sipp's format; the hours/minutes/seconds are what matter here.
  const [hours, minutes, seconds] = (column('ElapsedTime(C)') ?? '').split(':').map(Number);
  const elapsedSeconds = (hours ?? 0) * 3600 + (minutes ?? 0) * 60 + (seconds ?? 0);
  return Number.isFinite(successful) ? { successful, elapsedSeconds } : null;
};

/** Every response time sipp traced (`<scenario>_<pid>_rtt.csv`: date_ms;response_time_ms;rtd name), by rtd name. */
const responseTimes = (dir: string): Map<string, number[]> => {
  const byName = new Map<string, number[]>();
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('_rtt.csv')) continue;
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n').slice(1)) {
      const [, time, rtd] = line.trim().split(';');
      if (rtd === undefined || time === undefined) continue;
      const values = byName.get(rtd) ?? [];
      values.push(Number(time));
      byName.set(rtd, values);
    }
  }
  return byName;
};
