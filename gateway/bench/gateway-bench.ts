/**
 * The gateway's benchmark (called by `npm run bench`): sipp PSTN callers dial queue numbers through
 * the embedded edge; the core queues each call and offers it to an External agent whose phone (one
 * sipp for all agents) rings briefly and answers; the caller talks a few seconds and hangs up.
 * Signalling only: sipp to sipp needs no media relay. Rates step up until more than 1% of a step's
 * calls fail; the figures are the highest rate under 1% failures and the post-dial delay (INVITE to
 * the first 180/183/200, what a caller waits before hearing ringback) at each step.
 * BENCH_KEEP=1 keeps the scratch folder (sipp traces and error logs, the event store) for a look.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentile, report, sortedCopy } from '../../core/bench/report.ts';
import { startBenchPlatform } from './bench-platform.ts';
import { runCallers, startAgentPhones, type CallerStepResult } from './sipp-load.ts';

export const TARGET_CALLS_PER_SECOND = 200;
const MAX_FAILED_SHARE = 0.01;
/**
 * A call whose 200 comes more than 5 s after its INVITE (the phone rings 100 ms) was not set up in
 * any useful sense: it counts as failed, so a backlog that sipp would still sit out cannot pass.
 */
const ANSWER_LIMIT_MS = 5000;

export interface GatewayBenchOptions {
  /** Rates tried in order until one fails more than 1% of its calls. */
  rates: number[];
  /** Seconds of calls placed per step. */
  stepSeconds: number;
  /** How long each caller talks before hanging up. */
  holdMs: number;
  /** How long each agent's phone rings before answering. */
  ringMs: number;
  queues: number;
}

export const gatewayBenchOptions = (scale: number): GatewayBenchOptions => ({
  rates: [50, 100, 200, 300, 400, 500, 600, 800],
  stepSeconds: Math.max(3, Math.round(15 * scale)),
  holdMs: Math.max(1000, Math.round(3000 * scale)),
  ringMs: 100,
  queues: Math.max(2, Math.round(20 * scale)),
});

/** Agents enough for the highest rate: each is busy for ring + talk, with room for slow teardowns. */
const agentsFor = (options: GatewayBenchOptions): number => {
  const busySeconds = (options.ringMs + options.holdMs) / 1000 + 1;
  return Math.ceil(Math.max(...options.rates) * busySeconds * 1.5);
};

const failedShare = (step: CallerStepResult): number => (step.calls === 0 ? 1 : step.failed / step.calls);

export const benchGateway = async (options: GatewayBenchOptions): Promise<void> => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-gateway-bench-'));
  const agents = agentsFor(options);
  report('gateway_agents', agents);
  report('gateway_queues', options.queues);
  report('gateway_step_seconds', options.stepSeconds);
  report('gateway_call_hold_ms', options.holdMs);
  report('gateway_agent_ring_ms', options.ringMs);
  try {
    await benchWithPhones(workDir, agents, options);
  } finally {
    if (process.env.BENCH_KEEP === undefined) fs.rmSync(workDir, { recursive: true, force: true });
  }
};

const benchWithPhones = async (workDir: string, agents: number, options: GatewayBenchOptions): Promise<void> => {
  const phones = await startAgentPhones(workDir, { ringMs: options.ringMs, holdMs: options.holdMs });
  try {
    const setupStarted = performance.now();
    const platform = await startBenchPlatform({ dataDir: path.join(workDir, 'data'), queues: options.queues, agents, phoneUri: (agentId) => phones.uriFor(agentId) });
    report('gateway_setup_seconds', (performance.now() - setupStarted) / 1000);
    try {
      let best = 0;
      let atTarget: CallerStepResult | null = null;
      for (const rate of options.rates) {
        // CPU and event-loop delay while calls are being placed (not while the last ones drain).
        const cpuBefore = process.cpuUsage();
        const loopDelay = monitorEventLoopDelay({ resolution: 10 });
        loopDelay.enable();
        let placing: { cpuMs: number; wallMs: number } | null = null;
        const wallBefore = performance.now();
        const placed = setTimeout(() => {
          const cpu = process.cpuUsage(cpuBefore);
          loopDelay.disable();
          placing = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - wallBefore };
        }, options.stepSeconds * 1000);
        const step = await runCallers(workDir, {
          gatewayPort: platform.gateway.udpPort,
          numbers: platform.numbers,
          callsPerSecond: rate,
          calls: rate * options.stepSeconds,
          holdMs: options.holdMs,
          answerTimeoutMs: 10_000,
          answerLimitMs: ANSWER_LIMIT_MS,
        });
        clearTimeout(placed);
        loopDelay.disable();
        await drained(platform.gateway.stats);
        const pdd = sortedCopy(step.postDialDelayMs);
        const answer = sortedCopy(step.answerDelayMs);
        report(`gateway_failed_calls_pct_at_${rate}_cps`, 100 * failedShare(step));
        report(`gateway_late_answers_at_${rate}_cps`, step.late);
        report(`gateway_post_dial_delay_p50_ms_at_${rate}_cps`, percentile(pdd, 50));
        report(`gateway_post_dial_delay_p99_ms_at_${rate}_cps`, percentile(pdd, 99));
        report(`gateway_answer_delay_p50_ms_at_${rate}_cps`, percentile(answer, 50));
        report(`gateway_answer_delay_p99_ms_at_${rate}_cps`, percentile(answer, 99));
        // The platform process's CPU (user + system) while placing calls, as a share of one core.
        // (The cast undoes TypeScript narrowing `placing` to null: it is set in the timer's callback.)
        const usage = placing as { cpuMs: number; wallMs: number } | null;
        if (usage !== null) report(`gateway_platform_cpu_pct_at_${rate}_cps`, (100 * usage.cpuMs) / usage.wallMs);
        // How long the platform's event loop was held up (a SIP message waits that long to be read).
        report(`gateway_event_loop_delay_p99_ms_at_${rate}_cps`, loopDelay.percentile(99) / 1e6);
        report(`gateway_event_loop_delay_max_ms_at_${rate}_cps`, loopDelay.max / 1e6);
        if (rate === TARGET_CALLS_PER_SECOND) atTarget = step;
        if (failedShare(step) > MAX_FAILED_SHARE) break;
        best = rate;
      }
      report('gateway_calls_per_second_under_1pct_failures', best);
      report(`gateway_calls_per_second_target`, TARGET_CALLS_PER_SECOND);
      report(`gateway_calls_per_second_vs_target`, best / TARGET_CALLS_PER_SECOND);
      // The headline post-dial delay is the one at the target rate, comparable from run to run.
      const pdd = sortedCopy(atTarget?.postDialDelayMs ?? []);
      report(`gateway_post_dial_delay_p50_ms`, percentile(pdd, 50));
      report(`gateway_post_dial_delay_p99_ms`, percentile(pdd, 99));
    } finally {
      await platform.stop();
    }
  } finally {
    await phones.stop();
  }
};

/** Waits (up to 60 s) until the gateway holds no call, dialog or unanswered INVITE from the last step. */
const drained = async (stats: () => Record<string, number>): Promise<void> => {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const now = stats();
    if ((now.calls ?? 0) === 0 && (now.dialogs ?? 0) === 0 && (now.pendingCalls ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
