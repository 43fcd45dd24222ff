/**
 * What FreeSWITCH plays for a file the call session names. The session picks files from the
 * gateway's media folder (tone-files.ts); FreeSWITCH runs on another machine and cannot read them,
 * so the built-in tones become FreeSWITCH's own sources (a tone_stream with the same cadence as the
 * generated ringback, and local_stream://moh for music on hold: freeswitch-config/music), and a
 * queue's own file is looked up in FREESWITCH_MEDIA_DIR, the same folder as FreeSWITCH mounts it.
 */
import path from 'node:path';
import type { ToneFiles } from '../media/tone-files.ts';

/** 425 Hz, 1 s on, 4 s off: the European ringback the embedded path generates too. */
export const RINGBACK_TONE = 'tone_stream://%(1000,4000,425)';
export const HOLD_MUSIC = 'local_stream://moh';

/** The playable source for a gateway file; `freeswitchMediaDir` null: FreeSWITCH sees the gateway's folder at the same path. */
export const freeswitchSourceFor = (tones: ToneFiles, freeswitchMediaDir: string | null, file: string): string => {
  if (file === tones.ringback) return RINGBACK_TONE;
  if (file === tones.hold) return HOLD_MUSIC;
  if (freeswitchMediaDir === null) return file;
  const relative = path.relative(tones.dir, file);
  // Only files of the media folder are mapped (mediaFileFor never names others).
  if (relative.startsWith('..') || path.isAbsolute(relative)) return file;
  return path.posix.join(freeswitchMediaDir, ...relative.split(path.sep));
};
