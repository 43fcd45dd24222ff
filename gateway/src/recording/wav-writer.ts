/** RIFF/WAVE files of 16-bit linear PCM (format tag 1), mono or interleaved stereo. */

export interface WavAudio {
  sampleRate: number;
  /** One array per channel, all the same length. */
  channels: Int16Array[];
}

const HEADER = 44;

export const encodeWav = ({ sampleRate, channels }: WavAudio): Buffer => {
  const count = channels.length;
  if (count < 1) throw new RangeError('a WAV file needs at least one channel');
  const frames = channels[0]?.length ?? 0;
  if (channels.some((channel) => channel.length !== frames)) throw new RangeError('every channel of a WAV file has the same length');
  const dataBytes = frames * count * 2;
  const file = Buffer.alloc(HEADER + dataBytes);
  file.write('RIFF', 0, 'ascii');
  file.writeUInt32LE(36 + dataBytes, 4);
  file.write('WAVE', 8, 'ascii');
  file.write('fmt ', 12, 'ascii');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20);
  file.writeUInt16LE(count, 22);
  file.writeUInt32LE(sampleRate, 24);
  file.writeUInt32LE(sampleRate * count * 2, 28);
  file.writeUInt16LE(count * 2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'ascii');
  file.writeUInt32LE(dataBytes, 40);
  let offset = HEADER;
  for (let frame = 0; frame < frames; frame += 1) {
    for (const channel of channels) {
      file.writeInt16LE(channel[frame] as number, offset);
      offset += 2;
    }
  }
  return file;
};

/** A WAV file that is not 16-bit PCM as written above. */
export class WavFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WavFormatError';
  }
}

/** Reads a 16-bit PCM WAV back (for tests and for checking stored recordings), walking its chunks. */
export const decodeWav = (file: Buffer): WavAudio => {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') throw new WavFormatError('not a RIFF/WAVE file');
  let offset = 12;
  let format: { channels: number; sampleRate: number; bits: number; tag: number } | null = null;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') format = { tag: file.readUInt16LE(body), channels: file.readUInt16LE(body + 2), sampleRate: file.readUInt32LE(body + 4), bits: file.readUInt16LE(body + 14) };
    if (id === 'data') {
      if (format === null || format.tag !== 1 || format.bits !== 16) throw new WavFormatError('only 16-bit PCM WAV files are read');
      const frames = Math.floor(Math.min(size, file.length - body) / (2 * format.channels));
      const channels = Array.from({ length: format.channels }, () => new Int16Array(frames));
      for (let frame = 0; frame < frames; frame += 1) {
        for (let c = 0; c < format.channels; c += 1) (channels[c] as Int16Array)[frame] = file.readInt16LE(body + (frame * format.channels + c) * 2);
      }
      return { sampleRate: format.sampleRate, channels };
    }
    offset = body + size + (size % 2);
  }
  throw new WavFormatError('no data chunk');
};
