/**
 * The test's handle on a core child process (core-process.ts run by the same Node 24 binary that
 * runs vitest): send requests, await their replies, kill it (-9 by default). Every child started
 * is remembered so `killAllChildren` in afterEach leaves no process behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AckReply, ChildReply, ChildRequestBody } from './protocol.ts';

const ENTRY = fileURLToPath(new URL('./core-process.ts', import.meta.url));
const STDERR_LINES_KEPT = 200;

export interface CoreChildOptions {
  orphanGraceMs?: number;
  pollMs?: number;
  /** How long to wait for `{"ready":true}` (start-up plus catching up with the log). */
  readyTimeoutMs?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<CoreChild>();

export class CoreChild {
  readonly process: ChildProcessWithoutNullStreams;
  readonly exited: Promise<ChildExit>;
  readonly #replies = new Map<number, (reply: ChildReply) => void>();
  readonly #stderr: string[] = [];
  #nextId = 1;
  #exit: ChildExit | null = null;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.process = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        running.delete(this);
        resolve(this.#exit);
      });
    });
    // Writing to a killed child fails with EPIPE: the pending request is rejected by `exited` instead.
    child.stdin.on('error', () => undefined);
    // Always drain stderr: a full pipe would block the child.
    createInterface({ input: child.stderr }).on('line', (line) => {
      this.#stderr.push(line);
      if (this.#stderr.length > STDERR_LINES_KEPT) this.#stderr.shift();
    });
  }

  static async start(file: string, options: CoreChildOptions = {}): Promise<CoreChild> {
    const child = spawn(process.execPath, ['--no-warnings', ENTRY, file], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CC_ORPHAN_GRACE_MS: String(options.orphanGraceMs ?? 2000),
        CC_POLL_MS: String(options.pollMs ?? 10),
      },
    });
    const handle = new CoreChild(child);
    running.add(handle);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`core child not ready after ${options.readyTimeoutMs ?? 15_000} ms\n${handle.stderrTail()}`)), options.readyTimeoutMs ?? 15_000);
      void handle.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`core child exited before ready (${JSON.stringify(exit)})\n${handle.stderrTail()}`));
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        const message = JSON.parse(line) as ChildReply | { ready: true };
        if ('ready' in message) {
          clearTimeout(timer);
          resolve();
        } else handle.#deliver(message);
      });
    });
    // A child that dies at start must not be left running if `ready` fails.
    await ready.catch(async (error: unknown) => {
      await handle.kill();
      throw error;
    });
    return handle;
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get alive(): boolean {
    return this.#exit === null;
  }

  /** Sends a request; resolves with its ack or error reply, or rejects if the child dies first. */
  send(body: ChildRequestBody): Promise<ChildReply> {
    const id = this.#nextId++;
    return new Promise<ChildReply>((resolve, reject) => {
      if (!this.alive) {
        reject(new Error(`core child ${this.pid} is not running`));
        return;
      }
      this.#replies.set(id, resolve);
      void this.exited.then(() => {
        if (this.#replies.delete(id)) reject(new ChildGoneError(this.pid));
      });
      this.process.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /** Sends a request that must succeed. */
  async request(body: ChildRequestBody): Promise<AckReply> {
    const reply = await this.send(body);
    if ('error' in reply) throw new Error(`core child ${this.pid} refused ${JSON.stringify(body).slice(0, 300)}: ${reply.code} ${reply.message}`);
    return reply;
  }

  async stats(): Promise<Record<string, number>> {
    return (await this.request({ kind: 'stats' })).stats ?? {};
  }

  /** kill -9 (by default) and wait until the OS has reaped it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ChildExit> {
    if (this.alive) this.process.kill(signal);
    return this.exited;
  }

  /** Closes stdin: the child stops its core and store and exits 0. */
  async stop(): Promise<ChildExit> {
    if (this.alive) this.process.stdin.end();
    return this.exited;
  }

  stderrTail(lines = 30): string {
    return this.#stderr.slice(-lines).join('\n');
  }

  #deliver(reply: ChildReply): void {
    const id = 'ack' in reply ? reply.ack : reply.error;
    const resolve = this.#replies.get(id);
    if (resolve === undefined) return;
    this.#replies.delete(id);
    resolve(reply);
  }
}

export class ChildGoneError extends Error {
  override readonly name = 'ChildGoneError';
  constructor(pid: number) {
    super(`core child ${pid} exited before replying`);
  }
}

/** For afterEach: kill -9 every child still running and wait for each to be reaped. */
export const killAllChildren = async (): Promise<void> => {
  await Promise.all([...running].map((child) => child.kill()));
};
