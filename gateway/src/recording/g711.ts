/**
 * G.711 decoding (ITU-T G.711): PCMU (mu-law, RTP payload type 0) and PCMA (A-law, payload type 8),
 * one byte per 8 kHz sample to 16-bit linear PCM, through 256-entry tables built once.
 */

const muLawSample = (byte: number): number => {
  const value = ~byte & 0xff;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign === 0 ? magnitude : -magnitude;
};

const aLawSample = (byte: number): number => {
  const value = byte ^ 0x55;
  const sign = value & 0x80;
  const exponent = (value >> 4) & 0x07;
  const mantissa = value & 0x0f;
  const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  // In A-law the sign bit set means positive.
  return sign === 0 ? -magnitude : magnitude;
};

const table = (decode: (byte: number) => number): Int16Array => Int16Array.from({ length: 256 }, (_unused, byte) => decode(byte));

const MU_LAW = table(muLawSample);
const A_LAW = table(aLawSample);

export type G711Law = 'pcmu' | 'pcma';

/** The static RTP payload types of G.711 (RFC 3551), or null for any other. */
export const g711LawOf = (payloadType: number): G711Law | null => (payloadType === 0 ? 'pcmu' : payloadType === 8 ? 'pcma' : null);

/** Decodes G.711 bytes to linear 16-bit samples. */
export const decodeG711 = (law: G711Law, payload: Uint8Array): Int16Array => {
  const lookup = law === 'pcmu' ? MU_LAW : A_LAW;
  const samples = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i += 1) samples[i] = lookup[payload[i] as number] as number;
  return samples;
};
