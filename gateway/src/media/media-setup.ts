/**
 * How the gateway gets its media port, from the RTPENGINE setting:
 * - `off`: signalling only (SDP relayed as it is; SIP <-> WebRTC calls have no media);
 * - `embedded`: spawn a local rtpengine on loopback (the default when /usr/bin/rtpengine exists);
 * - `host:port`: the ng control socket of an rtpengine already running.
 * RTPENGINE_PORTS (`min-max`, default 16384-32767) is the embedded daemon's RTP range.
 */
import os from 'node:os';
import path from 'node:path';
import type { CoreLogger } from '@cc/core';
import type { MediaPort } from './media-port.ts';
import { NgClient } from './ng-client.ts';
import { RtpengineDaemon, rtpengineMissing, RTPENGINE_BINARY } from './rtpengine-daemon.ts';
import { RtpengineMedia } from './rtpengine-media.ts';
import { type CallerAnchor, RtpengineCallerAnchor } from './caller-anchor.ts';
import { DtmfReports } from './dtmf-events.ts';
import { type ToneFiles, writeToneFiles } from './tone-files.ts';

/** rtpengine's settings (RTPENGINE), or FreeSWITCH's event socket when the drachtio path anchors media there (gateway/src/fsmrf). */
export type MediaSetting = { kind: 'off' } | { kind: 'embedded' } | { kind: 'remote'; host: string; port: number } | { kind: 'freeswitch'; host: string; port: number };

/** A RTPENGINE value that is none of the accepted forms. */
export class MediaSettingError extends Error {
  constructor(value: string) {
    super(`RTPENGINE: '${value}' is not 'off', 'embedded' or host:port`);
    this.name = 'MediaSettingError';
  }
}

export const parseMediaSetting = (value: string): MediaSetting => {
  const text = value.trim();
  if (text === 'off' || text === 'embedded') return { kind: text };
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !(port > 0 && port < 65536)) throw new MediaSettingError(value);
  return { kind: 'remote', host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
};

export const parsePortRange = (value: string): { portMin: number; portMax: number } => {
  const match = /^(\d+)-(\d+)$/.exec(value.trim());
  if (match === null) throw new Error(`RTPENGINE_PORTS: '${value}' is not min-max`);
  return { portMin: Number(match[1]), portMax: Number(match[2]) };
};

export interface RunningMedia {
  setting: MediaSetting;
  /** null when media is off. */
  port: MediaPort | null;
  /** The ng client (for commands beyond the media port: play media, DTMF, recording), or null. */
  client: NgClient | null;
  /** The spawned daemon (embedded), or null. */
  daemon: RtpengineDaemon | null;
  /** The caller's media anchored once per call: early media, music on hold, DTMF out; null when media is off. */
  anchor?: CallerAnchor | null;
  /** Digits rtpengine detected (embedded daemon only: a remote one reports to its own --dtmf-log-dest). */
  dtmf?: DtmfReports | null;
  /** Ringback and hold music files, and the folder queues' own files are looked up in; null when media is off. */
  tones?: ToneFiles | null;
  stop(): Promise<void>;
}

export interface MediaSetupOptions {
  /** The RTPENGINE value; unset: embedded when the binary exists, else off with a warning. */
  setting?: string | undefined;
  /** The embedded daemon's RTP range; default RTPENGINE_PORTS or 16384-32767. */
  portMin?: number;
  portMax?: number;
  binary?: string;
  /** Address the embedded daemon listens on (ng and media). Default 127.0.0.1. */
  host?: string;
  logger: CoreLogger;
  env?: NodeJS.ProcessEnv;
  /** Where the tones are written and queues' announcement / hold music files are found. Default: a folder under the OS temp dir. */
  mediaDir?: string;
  /** The embedded daemon's --recording-dir (pcap call recording); absent: it records nothing. */
  recordingDir?: string;
}

const off: RunningMedia = { setting: { kind: 'off' }, port: null, client: null, daemon: null, stop: () => Promise.resolve() };

/** The media folder: the option, else DATA_DIR/media, else one under the OS temp dir. */
const mediaDirOf = (options: MediaSetupOptions, env: NodeJS.ProcessEnv): string =>
  options.mediaDir ?? (env.DATA_DIR !== undefined && env.DATA_DIR !== '' ? path.join(env.DATA_DIR, 'media') : path.join(os.tmpdir(), 'cc-gateway-media'));

export const startMedia = async (options: MediaSetupOptions): Promise<RunningMedia> => {
  const env = options.env ?? process.env;
  const binary = options.binary ?? RTPENGINE_BINARY;
  const { logger } = options;
  const raw = options.setting ?? env.RTPENGINE;
  let setting: MediaSetting;
  if (raw === undefined || raw.trim() === '') {
    const missing = rtpengineMissing(binary);
    if (missing !== null) {
      logger.warn({ reason: missing }, 'media off: SIP callers and WebRTC agents will not hear each other (set RTPENGINE=off to silence this)');
      return off;
    }
    setting = { kind: 'embedded' };
  } else setting = parseMediaSetting(raw);
  if (setting.kind === 'off') {
    logger.info({}, 'media off (RTPENGINE=off): signalling only');
    return off;
  }
  if (setting.kind === 'remote') {
    const client = await NgClient.open({ host: setting.host, port: setting.port });
    await client.ping().catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    logger.info({ ng: client.address }, 'media anchored on rtpengine');
    const tones = await writeToneFiles(mediaDirOf(options, env));
    return { setting, port: new RtpengineMedia(client), client, daemon: null, anchor: new RtpengineCallerAnchor(client), dtmf: null, tones, stop: () => client.close() };
  }
  const range = options.portMin !== undefined && options.portMax !== undefined ? { portMin: options.portMin, portMax: options.portMax } : parsePortRange(env.RTPENGINE_PORTS ?? '16384-32767');
  const tones = await writeToneFiles(mediaDirOf(options, env));
  const dtmf = await DtmfReports.open(options.host ?? '127.0.0.1');
  const dtmfLogDest = (options.host ?? '127.0.0.1').includes(':') ? `[${options.host}]:${dtmf.port}` : `${options.host ?? '127.0.0.1'}:${dtmf.port}`;
  const daemon = await RtpengineDaemon.start({ binary, logger, dtmfLogDest, ...range, ...(options.host === undefined ? {} : { host: options.host }), ...(options.recordingDir === undefined ? {} : { recordingDir: options.recordingDir }) }).catch(async (error: unknown) => {
    await dtmf.close();
    throw error;
  });
  const client = await NgClient.open({ host: daemon.host, port: daemon.ngPort });
  return {
    setting,
    port: new RtpengineMedia(client),
    client,
    daemon,
    anchor: new RtpengineCallerAnchor(client),
    dtmf,
    tones,
    stop: async () => {
      await client.close();
      await daemon.stop();
      await dtmf.close();
      logger.info({ pid: daemon.pid }, 'rtpengine stopped');
    },
  };
};
