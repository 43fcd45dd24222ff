/** Real sipp peers for the gateway tests: spawned on 127.0.0.1 with random ports, always cleaned up. */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const scenarios = path.join(import.meta.dirname, '..', 'scenarios');
const running = new Set<ChildProcess>();
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-gateway-sipp-'));

/** A port free for both UDP and TCP on 127.0.0.1 right now. */
export const freePort = async (): Promise<number> => {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
    const tcpFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
};

export interface SippRun {
  port: number;
  /** Resolves with sipp's exit code (0: every call succeeded). */
  exit: Promise<number>;
  /** sipp's error log (unexpected messages), for assertion messages. */
  errors(): string;
}

export interface SippOptions {
  scenario: string;
  transport: 'udp' | 'tcp';
  /** For a UAC: the edge's port (calls go to 127.0.0.1:<port>). */
  remotePort?: number;
  /** Request-URI user for a UAC. */
  service?: string;
  /** Value of the [agent] keyword in the scenario. */
  agent?: string;
  timeoutSeconds?: number;
  /** Replacements in the scenario text (e.g. EXPECTED_STATUS). */
  fill?: Record<string, string>;
  /** Listen on this port (e.g. a trunk port the running platform already dials); default a free one. */
  port?: number;
  /**
   * For a caller scenario with the early-media branch (EARLY_183_* in its text): true, a
   * 183 with SDP must come before the 200 and the 200 must repeat that SDP; false, no 183 may come;
   * unset, either (`Platform.callerEarlyMedia` says which one the platform does).
   */
  earlyMedia?: boolean;
  /**
   * sipp's -nr: it neither retransmits over UDP nor absorbs the retransmissions it receives, so a
   * scenario can require the gateway's retransmission (a second <recv> of the same message).
   */
  seesRetransmissions?: boolean;
}

/**
 * A UDP port for sipp's -mp: sipp binds its audio RTP socket there and its video RTP socket two
 * above, and exits if either is taken, so both must be free (freePort checks one).
 */
const freeMediaPort = async (): Promise<number> => {
  for (;;) {
    const port = await freePort();
    if (port + 2 > 65535) continue;
    const probe = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.bind(port + 2, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    if (free) return port;
  }
};

/** Thrown when sipp exits before it holds its ports, e.g. because another process took one of the chosen ports meanwhile. */
class SippStartError extends Error {}

export const sipp = async (options: SippOptions): Promise<SippRun> => {
  // Ports chosen by freePort can be taken by a parallel test file before sipp binds them: pick again
  // (a fixed `port` is kept; the media ports are new each time).
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startSipp(options, options.port ?? (await freePort()));
    } catch (error) {
      if (!(error instanceof SippStartError) || attempt === 3) throw error;
    }
  }
};

const startSipp = async (options: SippOptions, port: number): Promise<SippRun> => {
  const mediaPort = await freeMediaPort();
  let scenarioFile = path.join(scenarios, options.scenario);
  // Labels the scenario jumps to on a 183 (EARLY_183_NEXT) or when none came in time (EARLY_183_MISSING).
  const early = {
    EARLY_183_OPTIONAL: options.earlyMedia === true ? 'false' : 'true',
    EARLY_183_NEXT: options.earlyMedia === false ? 'early_media_unexpected' : 'early_media',
    EARLY_183_MISSING: options.earlyMedia === true ? 'early_media_missing' : 'no_early_media',
    // How long a caller that may give up while queued (caller-cancels.xml) waits for the 183.
    EARLY_183_WAIT_MS: options.earlyMedia === true ? '20000' : '1000',
  };
  const original = fs.readFileSync(scenarioFile, 'utf8');
  let text = original;
  for (const [key, value] of Object.entries({ ...early, ...options.fill })) text = text.replaceAll(key, value);
  if (text !== original) {
    scenarioFile = path.join(workDir, `${port}-${options.scenario}`);
    fs.writeFileSync(scenarioFile, text);
  }
  const errorFile = path.join(workDir, `${port}-errors.log`);
  const args = [
    '-sf', scenarioFile,
    '-i', '127.0.0.1',
    '-p', String(port),
    '-mp', String(mediaPort),
    '-t', options.transport === 'udp' ? 'u1' : 't1',
    '-m', '1',
    '-nostdin',
    '-trace_err', '-error_file', errorFile,
    '-timeout', `${options.timeoutSeconds ?? 20}s`, '-timeout_error',
    '-key', 'agent', options.agent ?? 'agent',
  ];
  if (options.seesRetransmissions === true) args.push('-nr');
  if (options.remotePort !== undefined) args.push('-s', options.service ?? 'service', `127.0.0.1:${options.remotePort}`);
  const child = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: workDir });
  running.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const stderrRead = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exit = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal === null ? -1 : 128));
    });
    child.once('error', () => resolve(-1));
  });
  // A UAS must be listening before anyone calls it; a UAC whose bind failed never sent anything and can start again.
  await waitForSockets(port, mediaPort, options.transport, child, stderrRead, () => stderr, options.remotePort === undefined ? 'uas' : 'uac');
  return {
    port,
    exit,
    errors: () => {
      const log = fs.existsSync(errorFile) ? fs.readFileSync(errorFile, 'utf8') : '';
      return `${stderr}\n${log}`.trim();
    },
  };
};

/** The inodes of the sockets process `pid` holds (empty once it is gone). */
const socketInodes = (pid: number): Set<string> => {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode !== undefined) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
};

/**
 * Whether one of `owned` (socket inodes) has bound 127.0.0.1:<port> (or the wildcard), read from
 * the kernel's socket tables. Probing by binding the port ourselves raced sipp: while the probe held
 * the port for a moment, sipp's own bind failed and it exited. Owner matters too: a port held by
 * another process only means sipp's bind is about to fail.
 */
const portBound = (port: number, transport: 'udp' | 'tcp', owned: Set<string>): boolean => {
  const table = fs.readFileSync(`/proc/net/${transport}`, 'utf8').split('\n').slice(1);
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return table.some((line) => {
    const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
    if (local === undefined || inode === undefined || !owned.has(inode)) return false;
    const [address, localPort] = local.split(':');
    if (localPort !== hexPort || (address !== '0100007F' && address !== '00000000')) return false;
    // TCP: only a listening socket (state 0A) counts, not a connection that happens to use the port.
    return transport === 'udp' || state === '0A';
  });
};

/**
 * Waits until sipp holds its signalling port and its audio and video RTP ports (it binds them in
 * that order at start-up, before it sends or answers anything); a failed bind makes it exit. If it
 * exits first: a UAS, or a UAC that could not bind, is a start failure (try other ports); a UAC that
 * got further simply ran (its exit code says how).
 */
const waitForSockets = async (
  port: number,
  mediaPort: number,
  transport: 'udp' | 'tcp',
  child: ChildProcess,
  stderrRead: Promise<void>,
  stderr: () => string,
  role: 'uas' | 'uac',
): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      // Its last words may still be in the pipe when the exit is seen.
      await Promise.race([stderrRead, new Promise((resolve) => setTimeout(resolve, 2000))]);
      if (role === 'uac' && !/Unable to bind/.test(stderr())) return;
      throw new SippStartError(`sipp exited (${child.exitCode ?? child.signalCode}) before binding ports ${port}/${mediaPort}: ${stderr()}`);
    }
    const owned = child.pid === undefined ? new Set<string>() : socketInodes(child.pid);
    if (portBound(port, transport, owned) && portBound(mediaPort, 'udp', owned) && portBound(mediaPort + 2, 'udp', owned)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`sipp did not bind ports ${port}/${mediaPort} within 20 s: ${stderr()}`);
};

/** Kills every sipp still running (by its own pid). */
export const killAllSipp = async (): Promise<void> => {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
};
