/** Test audio: G.711 encoders, pure tones, Goertzel power, and a small pcap writer for made-up captures. */

/** G.711 mu-law of one 16-bit linear sample. */
export const muLaw = (sample: number): number => {
  const BIAS = 0x84;
  const sign = sample < 0 ? 0x80 : 0;
  const magnitude = Math.min(Math.abs(sample), 32635) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent -= 1;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
};

/** G.711 A-law of one 16-bit linear sample (the segment search of the ITU reference coder). */
export const aLaw = (sample: number): number => {
  const mask = sample >= 0 ? 0xd5 : 0x55;
  const value = Math.min(sample >= 0 ? sample : -sample - 1, 32767) >> 3;
  const ends = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
  const segment = ends.findIndex((end) => value <= end);
  if (segment === -1) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
};

/** `count` samples of a sine at `frequency` Hz, 8 kHz. */
export const tone = (frequency: number, count: number, amplitude = 8000, offset = 0): Int16Array =>
  Int16Array.from({ length: count }, (_unused, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (i + offset)) / 8000)));

/** Relative power of one frequency in the samples (Goertzel), normalised by the number of samples. */
export const goertzel = (samples: ArrayLike<number>, frequency: number, sampleRate = 8000): number => {
  const coefficient = 2 * Math.cos((2 * Math.PI * frequency) / sampleRate);
  let previous = 0;
  let beforePrevious = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const current = (samples[i] as number) + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  const power = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious;
  return power / Math.max(1, samples.length) ** 2;
};

export interface MadeUpPacket {
  time: number;
  source: [string, number];
  destination: [string, number];
  payload: Buffer;
}

export const rtpPacket = (fields: { payloadType: number; sequence: number; timestamp: number; ssrc: number; payload: Buffer; marker?: boolean }): Buffer => {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (fields.marker === true ? 0x80 : 0) | fields.payloadType;
  header.writeUInt16BE(fields.sequence & 0xffff, 2);
  header.writeUInt32BE(fields.timestamp >>> 0, 4);
  header.writeUInt32BE(fields.ssrc >>> 0, 8);
  return Buffer.concat([header, fields.payload]);
};

const ipv4 = (address: string): Buffer => Buffer.from(address.split('.').map(Number));

/** An IPv4/UDP datagram. */
export const udpDatagram = (packet: MadeUpPacket): Buffer => {
  const udpLength = 8 + packet.payload.length;
  const ip = Buffer.alloc(20 + udpLength);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + udpLength, 2);
  ip[8] = 64;
  ip[9] = 17;
  ipv4(packet.source[0]).copy(ip, 12);
  ipv4(packet.destination[0]).copy(ip, 16);
  ip.writeUInt16BE(packet.source[1], 20);
  ip.writeUInt16BE(packet.destination[1], 22);
  ip.writeUInt16BE(udpLength, 24);
  packet.payload.copy(ip, 28);
  return ip;
};

/** A classic pcap file (microsecond timestamps, little-endian) of the packets: raw IP (101) or Ethernet (1). */
export const pcapFile = (packets: readonly MadeUpPacket[], linkType: 1 | 101 = 101): Buffer => {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(linkType, 20);
  const records = packets.map((packet) => {
    const ip = udpDatagram(packet);
    const frame = linkType === 1 ? Buffer.concat([Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00]), ip]) : ip;
    const record = Buffer.alloc(16);
    const seconds = Math.floor(packet.time);
    record.writeUInt32LE(seconds, 0);
    record.writeUInt32LE(Math.round((packet.time - seconds) * 1e6), 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
};
