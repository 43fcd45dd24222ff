/**
 * A call's recorded pcap to a WAV a person can play: the RTP streams are demultiplexed, decoded
 * (G.711 only) and laid out on one 8 kHz timeline, the caller on the left channel and the agent
 * side on the right. Each stream is placed by its own RTP timestamps (so jitter and reordering do
 * not smear it), anchored where its least delayed packet arrived. Other codecs (Opus...) are not
 * decoded: the caller keeps the pcap.
 */
import { decodeG711, type G711Law, g711LawOf } from './g711.ts';
import { readPcap } from './pcap-reader.ts';
import { type RtpPacket, type RtpStream, rtpStreamsOf } from './rtp-streams.ts';
import { encodeWav } from './wav-writer.ts';

export const RECORDING_SAMPLE_RATE = 8000;
/** Longer than any call a contact center keeps going; it bounds the memory a broken pcap could ask for. */
const MAX_SECONDS = 6 * 60 * 60;
const REANCHOR_SAMPLES = 2 * RECORDING_SAMPLE_RATE;
/** Comfort noise (RFC 3389): no audio to decode, not another codec either. */
const COMFORT_NOISE = 13;

export type RenderedRecording =
  | { kind: 'wav'; wav: Buffer; durationSeconds: number; streams: number }
  /** The audio is in a codec this renderer does not decode; `payloadTypes` are the ones seen. */
  | { kind: 'unsupported-codec'; payloadTypes: number[]; durationSeconds: number }
  | { kind: 'no-audio' };

export interface RenderOptions {
  /**
   * Whether a stream (`address:port` it came from and went to) is the caller's. When it matches no
   * stream (or is absent) the first stream heard is taken for the caller.
   */
  isCaller?: (stream: { source: string; destination: string }) => boolean;
}

/** A telephone-event (RFC 4733) packet carries 4 bytes per event; audio frames are longer. */
const isAudioFrame = (packet: RtpPacket): boolean => packet.payloadType !== COMFORT_NOISE && packet.payload.length > 4;

/**
 * Lays one stream's G.711 frames onto `mix` (summed, clamped later), the timeline starting at
 * `start`. Packets are only ever late, so each run of continuous timestamps starts where its least
 * delayed packet says; a packet more than two seconds off that (a sender that restarted its clock)
 * starts a new run.
 */
const layStream = (stream: RtpStream, start: number, mix: Int32Array): number => {
  const frames: { law: G711Law; payload: Buffer; timeline: number; run: number }[] = [];
  const runStarts: number[] = [];
  let previous: { timestamp: number; timeline: number } | null = null;
  for (const packet of stream.packets) {
    const law = g711LawOf(packet.payloadType);
    if (law === null || packet.payload.length === 0) continue;
    const arrival = Math.round((packet.time - start) * RECORDING_SAMPLE_RATE);
    // The stream's own clock, unwrapped: the signed distance from the previous packet, across the 32-bit wrap.
    const timeline: number = previous === null ? 0 : previous.timeline + ((packet.timestamp - previous.timestamp) | 0);
    previous = { timestamp: packet.timestamp, timeline };
    const runStart = arrival - timeline;
    let run = runStarts.length - 1;
    if (run < 0 || Math.abs(runStart - (runStarts[run] as number)) > REANCHOR_SAMPLES) {
      runStarts.push(runStart);
      run += 1;
    } else runStarts[run] = Math.min(runStarts[run] as number, runStart);
    frames.push({ law, payload: packet.payload, timeline, run });
  }
  let end = 0;
  for (const frame of frames) {
    const position = (runStarts[frame.run] as number) + frame.timeline;
    if (position < 0) continue;
    const samples = decodeG711(frame.law, frame.payload);
    const stop = Math.min(position + samples.length, mix.length);
    for (let i = position; i < stop; i += 1) mix[i] = (mix[i] as number) + (samples[i - position] as number);
    end = Math.max(end, stop);
  }
  return end;
};

const clamped = (mix: Int32Array, length: number): Int16Array => {
  const out = new Int16Array(length);
  for (let i = 0; i < length; i += 1) out[i] = Math.max(-32768, Math.min(32767, mix[i] as number));
  return out;
};

/** Renders one pcap, or several (a recording stopped and started again) as one timeline. */
export const renderRecording = (pcap: Buffer | readonly Buffer[], options: RenderOptions = {}): RenderedRecording => {
  const streams = rtpStreamsOf((Buffer.isBuffer(pcap) ? [pcap] : pcap).flatMap((file) => readPcap(file)));
  const g711 = streams.filter((stream) => stream.packets.some((packet) => g711LawOf(packet.payloadType) !== null));
  const otherCodecs = streams.filter((stream) => !g711.includes(stream) && stream.packets.some(isAudioFrame));
  if (otherCodecs.length > 0) {
    const payloadTypes = [...new Set(otherCodecs.flatMap((stream) => stream.packets.filter(isAudioFrame).map((packet) => packet.payloadType)))].sort((a, b) => a - b);
    let first = Infinity;
    let last = -Infinity;
    for (const stream of streams) for (const packet of stream.packets) [first, last] = [Math.min(first, packet.time), Math.max(last, packet.time)];
    return { kind: 'unsupported-codec', payloadTypes, durationSeconds: Math.max(0, last - first) };
  }
  if (g711.length === 0) return { kind: 'no-audio' };
  const start = Math.min(...g711.map((stream) => stream.packets.find((packet) => g711LawOf(packet.payloadType) !== null)?.time ?? Infinity));
  const firstSource = g711[0]?.source;
  const hinted = options.isCaller !== undefined && g711.some((stream) => options.isCaller?.(stream) === true);
  const isCaller = (stream: RtpStream): boolean => (hinted ? options.isCaller?.(stream) === true : stream.source === firstSource);
  // A frame never lands after its own arrival: the last arrival bounds the timeline.
  let lastArrival = start;
  let longestFrame = 0;
  for (const stream of g711) {
    for (const packet of stream.packets) {
      lastArrival = Math.max(lastArrival, packet.time);
      longestFrame = Math.max(longestFrame, packet.payload.length);
    }
  }
  const length = Math.min(MAX_SECONDS * RECORDING_SAMPLE_RATE, Math.round((lastArrival - start) * RECORDING_SAMPLE_RATE) + longestFrame + 1);
  const caller = new Int32Array(length);
  const agent = new Int32Array(length);
  let end = 0;
  for (const stream of g711) end = Math.max(end, layStream(stream, start, isCaller(stream) ? caller : agent));
  const wav = encodeWav({ sampleRate: RECORDING_SAMPLE_RATE, channels: [clamped(caller, end), clamped(agent, end)] });
  return { kind: 'wav', wav, durationSeconds: end / RECORDING_SAMPLE_RATE, streams: g711.length };
};
