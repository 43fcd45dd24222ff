/**
 * Production media on FreeSWITCH, chosen by FREESWITCH_HOST when signalling goes through
 * drachtio-server (DRACHTIO_HOST): drachtio-fsmrf connects to FreeSWITCH's event socket
 * (FREESWITCH_PORT, default 8021; FREESWITCH_SECRET, default ClueCon) and creates channels by
 * INVITEs through drachtio-server to FreeSWITCH's drachtio_mrf profile (freeswitch-config/).
 * FREESWITCH_MEDIA_DIR is where FreeSWITCH sees the gateway's media folder (queues' own
 * announcement and hold files); FREESWITCH_RECORDINGS_DIR is where it writes recordings, the
 * folder the gateway reads as DATA_DIR/recordings.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { ContactCenter, CoreLogger } from '@cc/core';
import type { SrfLike } from '../drachtio/srf-types.ts';
import type { RunningMedia } from '../media/media-setup.ts';
import { type ToneFiles, writeToneFiles } from '../media/tone-files.ts';
import type { CallRecorder } from '../recording/call-recorder.ts';
import type { RecordingPolicy } from '../recording/recording-policy.ts';
import { FreeSwitchUnreachable } from './fsmrf-errors.ts';
import { FsmrfMedia } from './fsmrf-media.ts';
import type { FsMediaServer, MrfConstructor } from './fsmrf-types.ts';
import { FreeSwitchRecordings } from './freeswitch-recordings.ts';
import type { FreeSwitchDigits } from './freeswitch-digits.ts';
import type { CallerAnchor } from '../media/caller-anchor.ts';

export interface FreeSwitchSettings {
  host: string;
  port: number;
  secret: string;
  /** FREESWITCH_MEDIA_DIR, or null: FreeSWITCH sees the gateway's media folder at the same path. */
  mediaDir: string | null;
  /** FREESWITCH_RECORDINGS_DIR, default /recordings. */
  recordingsDir: string;
}

/** A FREESWITCH_PORT that is no port number. */
export class FreeSwitchSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FreeSwitchSettingError';
  }
}

/** The settings from the environment, or null when FREESWITCH_HOST is unset (no FreeSWITCH media). */
export const freeSwitchSettingsFrom = (env: NodeJS.ProcessEnv): FreeSwitchSettings | null => {
  const host = env.FREESWITCH_HOST?.trim() ?? '';
  if (host === '') return null;
  const portText = env.FREESWITCH_PORT?.trim() || '8021';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FreeSwitchSettingError(`FREESWITCH_PORT: '${portText}' is not a port number`);
  const mediaDir = env.FREESWITCH_MEDIA_DIR?.trim() ?? '';
  return { host, port, secret: env.FREESWITCH_SECRET ?? 'ClueCon', mediaDir: mediaDir === '' ? null : mediaDir, recordingsDir: env.FREESWITCH_RECORDINGS_DIR?.trim() || '/recordings' };
};

/** Connects drachtio-fsmrf to FreeSWITCH through a connected srf. */
export const connectFreeSwitch = async (srf: SrfLike, settings: FreeSwitchSettings, logger: CoreLogger, Mrf?: MrfConstructor): Promise<FsMediaServer> => {
  const require = createRequire(import.meta.url);
  const Constructor = Mrf ?? (require('drachtio-fsmrf') as MrfConstructor);
  const address = `${settings.host}:${settings.port}`;
  let server: FsMediaServer;
  try {
    server = await new Constructor(srf).connect({ address: settings.host, port: settings.port, secret: settings.secret });
  } catch (error) {
    throw new FreeSwitchUnreachable(address, error);
  }
  // drachtio-modesl reconnects by itself; without these listeners an 'error' would end the process.
  server.on('error', (error) => logger.error({ freeswitch: address, err: error.message }, 'FreeSWITCH event socket error'));
  server.on('end', () => logger.error({ freeswitch: address }, 'FreeSWITCH event socket lost: calls have no media until it is back'));
  return server;
};

export interface FreeSwitchMediaOptions {
  srf: SrfLike;
  settings: FreeSwitchSettings;
  logger: CoreLogger;
  cc: ContactCenter;
  /** The gateway's media folder (tones, queues' files). Default: DATA_DIR/media, else one under the OS temp dir. */
  mediaDir?: string;
  /** With it, calls are recorded (policy permitting) and read from <dataDir>/recordings. */
  dataDir?: string;
  recordingPolicy: RecordingPolicy;
  /** Tests pass a fake drachtio-fsmrf. */
  Mrf?: MrfConstructor;
}

export interface RunningFreeSwitchMedia {
  media: FsmrfMedia;
  /** For RunningGateway.media. */
  running: RunningMedia;
  /** SipGateway's callerMedia: early media, music on hold and DTMF on the same channels. */
  callerMedia: { anchor: CallerAnchor; tones: ToneFiles; dtmf: FreeSwitchDigits };
  recordings: CallRecorder | null;
}

export const startFreeSwitchMedia = async (options: FreeSwitchMediaOptions): Promise<RunningFreeSwitchMedia> => {
  const { settings, logger } = options;
  const mediaDir = options.mediaDir ?? (options.dataDir === undefined ? path.join(os.tmpdir(), 'cc-gateway-media') : path.join(options.dataDir, 'media'));
  // The session names files by these paths; FreeSWITCH plays its own sources for the built-in tones (freeswitch-files.ts).
  const tones = await writeToneFiles(mediaDir);
  const server = await connectFreeSwitch(options.srf, settings, logger, options.Mrf);
  const media = new FsmrfMedia(server, { tones, freeswitchMediaDir: settings.mediaDir });
  const recordings =
    options.dataDir === undefined || options.recordingPolicy === 'off'
      ? null
      : new FreeSwitchRecordings({ calls: media.calls, dataDir: options.dataDir, freeswitchRecordingsDir: settings.recordingsDir, cc: options.cc, logger, policy: options.recordingPolicy });
  logger.info({ freeswitch: `${settings.host}:${settings.port}`, recordings: recordings !== null }, 'media anchored on FreeSWITCH (drachtio-fsmrf)');
  return {
    media,
    recordings,
    callerMedia: { anchor: media.anchor, tones, dtmf: media.dtmf },
    running: {
      setting: { kind: 'freeswitch', host: settings.host, port: settings.port },
      port: media,
      client: null,
      daemon: null,
      anchor: media.anchor,
      tones,
      stop: async () => media.close(),
    },
  };
};
