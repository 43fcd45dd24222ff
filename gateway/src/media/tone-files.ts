/**
 * The tones the gateway plays itself, written as 8 kHz 16-bit mono WAV files at start-up (rtpengine's
 * `play media` reads a file and encodes it for each caller's codec): ringback in the European cadence
 * (425 Hz, 1 s on, 4 s off) and a short melody for music on hold. Generated, so no audio is shipped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

const RATE = 8000;

/** A segment of sound: frequencies summed (none: silence) for a duration. */
interface Segment {
  hz: number[];
  seconds: number;
}

const wav = (segments: Segment[], amplitude: number): Buffer => {
  const total = segments.reduce((sum, segment) => sum + Math.round(segment.seconds * RATE), 0);
  const data = Buffer.alloc(total * 2);
  let at = 0;
  for (const segment of segments) {
    const count = Math.round(segment.seconds * RATE);
    // A 5 ms ramp at each edge avoids clicks between notes.
    const ramp = Math.min(40, Math.floor(count / 2));
    for (let i = 0; i < count; i += 1) {
      const envelope = Math.min(1, i / ramp, (count - 1 - i) / ramp);
      let value = 0;
      for (const hz of segment.hz) value += Math.sin((2 * Math.PI * hz * i) / RATE);
      const sample = segment.hz.length === 0 ? 0 : (amplitude * envelope * value) / segment.hz.length;
      data.writeInt16LE(Math.round(sample), (at + i) * 2);
    }
    at += count;
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
};

/** One ringback cycle: 425 Hz for a second, then four of silence (played repeatedly). */
export const ringbackWav = (): Buffer => wav([{ hz: [425], seconds: 1 }, { hz: [], seconds: 4 }], 6000);

/** A calm arpeggio (C major, then G major) for music on hold, about six seconds a cycle. */
export const holdMusicWav = (): Buffer => {
  const notes = [261.63, 329.63, 392.0, 523.25, 392.0, 329.63, 196.0, 246.94, 293.66, 392.0, 293.66, 246.94];
  return wav([...notes.map((hz) => ({ hz: [hz, hz * 2], seconds: 0.45 })), { hz: [], seconds: 0.6 }], 5000);
};

export interface ToneFiles {
  /** The folder the files are in (also where a queue's own announcement and hold music files are looked up). */
  dir: string;
  ringback: string;
  hold: string;
}

/** Writes the gateway's tones into `dir` (created when missing) and says where they are. */
export const writeToneFiles = async (dir: string): Promise<ToneFiles> => {
  await fs.mkdir(dir, { recursive: true });
  const ringback = path.join(dir, 'ringback.wav');
  const hold = path.join(dir, 'hold-music.wav');
  // Written aside and renamed: a daemon of another gateway sharing the folder never reads half a file.
  for (const [file, content] of [
    [ringback, ringbackWav()],
    [hold, holdMusicWav()],
  ] as const) {
    const aside = `${file}.${process.pid}.tmp`;
    await fs.writeFile(aside, content);
    await fs.rename(aside, file);
  }
  return { dir, ringback, hold };
};

/**
 * The file to play for a queue's setting: 'ringback' (or nothing) is the built-in tone; any other
 * value is a file name in the media folder. A value with a path in it is refused (null): settings
 * are written by administrators through the API, the files live only in the media folder.
 */
export const mediaFileFor = (files: ToneFiles, setting: string | null, fallback: 'ringback' | 'hold'): string | null => {
  const name = setting?.trim() ?? '';
  if (name === '' || name === 'ringback') return name === 'ringback' ? files.ringback : files[fallback];
  if (name === 'hold-music') return files.hold;
  if (name.includes('/') || name.includes('\\') || name.startsWith('.')) return null;
  return path.join(files.dir, name);
};
