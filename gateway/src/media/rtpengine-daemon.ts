/**
 * A local rtpengine daemon in userspace mode (`--table=-1`: no kernel module, no iptables), run by
 * the platform itself: spawned in the foreground on loopback, ready once `ping` answers `pong`,
 * stopped with SIGTERM (then SIGKILL) when the platform stops. Its log lines go to the platform's
 * logger at debug level. `--config-file=none` keeps the distribution's /etc/rtpengine/rtpengine.conf
 * (kernel table 0, fixed ports) out of it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { CoreLogger } from '@cc/core';
import { NgClient } from './ng-client.ts';

export const RTPENGINE_BINARY = '/usr/bin/rtpengine';

/** The daemon could not be started (binary missing, exited early, never answered ping). */
export class RtpengineStartError extends Error {
  /** The daemon exited because its ng control port was in use (another port may be tried). */
  readonly controlPortTaken: boolean;

  constructor(message: string) {
    super(message);
    this.name = 'RtpengineStartError';
    this.controlPortTaken = /NG control connection port.*Address already in use/.test(message);
  }
}

export interface RtpengineDaemonOptions {
  /** Default /usr/bin/rtpengine. */
  binary?: string;
  /** Address for both the ng socket and media. Default 127.0.0.1. */
  host?: string;
  /** The ng control port; default: a free UDP port. */
  ngPort?: number;
  /** RTP/RTCP port range (inclusive). Default 16384-32767. */
  portMin?: number;
  portMax?: number;
  /** rtpengine's log level (syslog numbers: 6 info, 7 debug). Default 6. */
  logLevel?: number;
  logger: CoreLogger;
  /** How long to wait for the first pong. Default 10 s. */
  startTimeoutMs?: number;
  /** host:port that receives rtpengine's JSON report of each RFC 4733 digit it sees (--dtmf-log-dest). */
  dtmfLogDest?: string;
  /** Where `start recording` writes pcaps (`--recording-method=pcap`); absent: recording is not available. */
  recordingDir?: string;
}

export const rtpengineMissing = (binary = RTPENGINE_BINARY): string | null =>
  fs.existsSync(binary) ? null : `no rtpengine at ${binary} (apt-get install rtpengine-daemon)`;

/** A UDP port free on `host` right now. */
const freeUdpPort = (host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });

export class RtpengineDaemon {
  readonly host: string;
  readonly ngPort: number;
  readonly portMin: number;
  readonly portMax: number;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, exited: Promise<void>, host: string, ngPort: number, portMin: number, portMax: number) {
    this.#child = child;
    this.#exited = exited;
    this.host = host;
    this.ngPort = ngPort;
    this.portMin = portMin;
    this.portMax = portMax;
    this.pid = child.pid ?? -1;
  }

  /** Spawns the daemon and resolves once it answers ping. */
  static async start(options: RtpengineDaemonOptions): Promise<RtpengineDaemon> {
    const host = options.host ?? '127.0.0.1';
    // A control port found free can be taken by another process before the daemon binds it: the
    // daemon then exits at once, and another free port is tried (a configured one is not changed).
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await RtpengineDaemon.#startOnce(options, host, options.ngPort ?? (await freeUdpPort(host)));
      } catch (error) {
        if (!(error instanceof RtpengineStartError) || !error.controlPortTaken || options.ngPort !== undefined || attempt === 3) throw error;
      }
    }
  }

  static async #startOnce(options: RtpengineDaemonOptions, host: string, ngPort: number): Promise<RtpengineDaemon> {
    const binary = options.binary ?? RTPENGINE_BINARY;
    const missing = rtpengineMissing(binary);
    if (missing !== null) throw new RtpengineStartError(missing);
    // Below Linux's ephemeral range (32768-60999): the ports the OS hands to other sockets never collide with RTP.
    const portMin = options.portMin ?? 16384;
    const portMax = options.portMax ?? 32767;
    if (!(Number.isInteger(portMin) && Number.isInteger(portMax) && portMin >= 1024 && portMax <= 65535 && portMax - portMin >= 3)) {
      throw new RtpengineStartError(`RTP port range ${portMin}-${portMax} is not usable (1024-65535, at least 4 ports)`);
    }
    const ngAddress = host.includes(':') ? `[${host}]:${ngPort}` : `${host}:${ngPort}`;
    const args = [
      '--config-file=none',
      '--foreground',
      '--table=-1',
      `--interface=${host}`,
      `--listen-ng=${ngAddress}`,
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      '--log-stderr',
      '--no-log-timestamps',
      `--log-level=${options.logLevel ?? 6}`,
      // Deleted calls go at once (the default keeps them 30 s for late retransmissions of BYE).
      '--delete-delay=0',
      '--num-threads=2',
    ];
    if (options.dtmfLogDest !== undefined) args.push(`--dtmf-log-dest=${options.dtmfLogDest}`);
    if (options.recordingDir !== undefined) {
      fs.mkdirSync(options.recordingDir, { recursive: true });
      args.push(`--recording-dir=${options.recordingDir}`, '--recording-method=pcap');
    }
    const logger = options.logger;
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    // A platform that exits without stopping (process.exit, an uncaught error) leaves no daemon behind.
    const killOnExit = (): void => void child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let lastLines: string[] = [];
    let buffered = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        lastLines = [...lastLines.slice(-9), line];
        logger.debug({ pid: child.pid, line }, 'rtpengine');
      }
    });
    let exitedEarly: string | null = null;
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitedEarly = `rtpengine exited (${signal ?? `code ${code}`}): ${lastLines.join(' | ')}`;
        resolve();
      });
      child.once('error', (error) => {
        exitedEarly = `rtpengine could not be spawned: ${error.message}`;
        resolve();
      });
    });
    const daemon = new RtpengineDaemon(child, exited, host, ngPort, portMin, portMax);
    const client = await NgClient.open({ host, port: ngPort, timeoutMs: 200, retries: 0 });
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    try {
      for (;;) {
        if (exitedEarly !== null) throw new RtpengineStartError(exitedEarly);
        try {
          await client.ping();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw new RtpengineStartError(`rtpengine did not answer ping on ${ngAddress}: ${(error as Error).message}`);
        }
      }
    } catch (error) {
      await daemon.stop();
      throw error;
    } finally {
      await client.close();
    }
    logger.info({ pid: daemon.pid, ng: ngAddress, rtpPorts: `${portMin}-${portMax}` }, 'rtpengine started');
    return daemon;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return this.#exited;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
