/**
 * The recording pipeline without a network: captures made up here (pcap files written by the test),
 * read back, demultiplexed into RTP streams, decoded from G.711 and laid out as a stereo WAV.
 */
import { describe, expect, test } from 'vitest';
import { decodeG711, g711LawOf } from '../src/recording/g711.ts';
import { PcapFormatError, readPcap } from '../src/recording/pcap-reader.ts';
import { renderRecording } from '../src/recording/pcap-to-wav.ts';
import { isRecorded, parseRecordingPolicy, RecordingPolicyError } from '../src/recording/recording-policy.ts';
import { rtpStreamsOf } from '../src/recording/rtp-streams.ts';
import { decodeWav, encodeWav } from '../src/recording/wav-writer.ts';
import { aLaw, goertzel, type MadeUpPacket, muLaw, pcapFile, rtpPacket, tone } from './support/audio-tones.ts';

const CALLER: [string, number] = ['192.0.2.10', 40000];
const AGENT: [string, number] = ['192.0.2.20', 50000];
const ANCHOR_FOR_CALLER: [string, number] = ['127.0.0.1', 30000];
const ANCHOR_FOR_AGENT: [string, number] = ['127.0.0.1', 30002];
const START = 1_700_000_000;

/** 20 ms frames of a tone as RTP from `from` to `to`, starting at `startTime`. */
const talk = (options: { from: [string, number]; to: [string, number]; frequency: number; seconds: number; startTime: number; law: 'pcmu' | 'pcma'; ssrc: number; firstTimestamp?: number }): MadeUpPacket[] => {
  const samples = tone(options.frequency, options.seconds * 8000);
  const encode = options.law === 'pcmu' ? muLaw : aLaw;
  const packets: MadeUpPacket[] = [];
  for (let frame = 0; frame * 160 < samples.length; frame += 1) {
    const payload = Buffer.from(Array.from(samples.subarray(frame * 160, frame * 160 + 160), encode));
    packets.push({
      time: options.startTime + frame * 0.02,
      source: options.from,
      destination: options.to,
      payload: rtpPacket({ payloadType: options.law === 'pcmu' ? 0 : 8, sequence: 1000 + frame, timestamp: (options.firstTimestamp ?? 5000) + frame * 160, ssrc: options.ssrc, payload }),
    });
  }
  return packets;
};

const byTime = (packets: MadeUpPacket[]): MadeUpPacket[] => [...packets].sort((a, b) => a.time - b.time);

describe('G.711', () => {
  test('mu-law and A-law decode to the values of the ITU tables, and round-trip encoded samples closely', () => {
    expect(Array.from(decodeG711('pcmu', Uint8Array.from([0xff, 0x7f, 0x00, 0x80])))).toEqual([0, 0, -32124, 32124]);
    expect(Array.from(decodeG711('pcma', Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a])))).toEqual([8, -8, 32256, -32256]);
    for (const sample of [-30000, -1000, -40, 0, 40, 1000, 30000]) {
      const fromMu = decodeG711('pcmu', Uint8Array.from([muLaw(sample)]))[0] as number;
      const fromA = decodeG711('pcma', Uint8Array.from([aLaw(sample)]))[0] as number;
      // Logarithmic quantisation: the error grows with the magnitude, about 1/16 of it at most.
      expect(Math.abs(fromMu - sample), `mu-law ${sample}`).toBeLessThanOrEqual(Math.abs(sample) / 16 + 8);
      expect(Math.abs(fromA - sample), `A-law ${sample}`).toBeLessThanOrEqual(Math.abs(sample) / 16 + 16);
    }
    expect([g711LawOf(0), g711LawOf(8), g711LawOf(9), g711LawOf(111)]).toEqual(['pcmu', 'pcma', null, null]);
  });
});

describe('WAV files', () => {
  test('a stereo file has the RIFF header players expect and reads back sample for sample', () => {
    const left = tone(440, 800);
    const right = tone(1000, 800);
    const file = encodeWav({ sampleRate: 8000, channels: [left, right] });
    expect(file.length).toBe(44 + 800 * 4);
    expect(file.toString('ascii', 0, 4)).toBe('RIFF');
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.readUInt16LE(22)).toBe(2);
    expect(file.readUInt32LE(28)).toBe(8000 * 4);
    const back = decodeWav(file);
    expect(back.sampleRate).toBe(8000);
    expect(Array.from(back.channels[0] ?? [])).toEqual(Array.from(left));
    expect(Array.from(back.channels[1] ?? [])).toEqual(Array.from(right));
    expect(() => encodeWav({ sampleRate: 8000, channels: [left, right.subarray(1)] })).toThrow(RangeError);
  });
});

describe('pcap files', () => {
  test('raw IP and Ethernet captures give the same IP packets; a cut-off last record is dropped; other files are refused', () => {
    const packets = talk({ from: CALLER, to: ANCHOR_FOR_CALLER, frequency: 440, seconds: 0.1, startTime: START, law: 'pcmu', ssrc: 1 });
    const raw = readPcap(pcapFile(packets, 101));
    const ethernet = readPcap(pcapFile(packets, 1));
    expect(raw).toHaveLength(5);
    expect(ethernet.map((p) => p.ip.toString('hex'))).toEqual(raw.map((p) => p.ip.toString('hex')));
    expect(raw[1]?.time).toBeCloseTo(START + 0.02, 5);
    const whole = pcapFile(packets);
    expect(readPcap(whole.subarray(0, whole.length - 10))).toHaveLength(4);
    expect(() => readPcap(Buffer.from('not a capture at all, really not'))).toThrow(PcapFormatError);
    const pcapng = Buffer.alloc(32);
    pcapng.writeUInt32LE(0x0a0d0d0a, 0);
    expect(() => readPcap(pcapng)).toThrow(/pcapng/);
  });

  test('RTP streams are told apart by sender and SSRC; RTCP and non-RTP datagrams are skipped', () => {
    const caller = talk({ from: CALLER, to: ANCHOR_FOR_CALLER, frequency: 440, seconds: 0.2, startTime: START, law: 'pcmu', ssrc: 11 });
    const agent = talk({ from: AGENT, to: ANCHOR_FOR_AGENT, frequency: 1000, seconds: 0.2, startTime: START, law: 'pcma', ssrc: 22 });
    const rtcp: MadeUpPacket = { time: START + 0.05, source: CALLER, destination: ANCHOR_FOR_CALLER, payload: Buffer.from([0x80, 200, 0, 6, ...new Array<number>(24).fill(0)]) };
    const junk: MadeUpPacket = { time: START + 0.06, source: AGENT, destination: ANCHOR_FOR_AGENT, payload: Buffer.from('STUN-ish, not RTP') };
    const streams = rtpStreamsOf(readPcap(pcapFile(byTime([...caller, ...agent, rtcp, junk]))));
    expect(streams.map((s) => [s.source, s.destination, s.ssrc, s.packets.length])).toEqual([
      ['192.0.2.10:40000', '127.0.0.1:30000', 11, 10],
      ['192.0.2.20:50000', '127.0.0.1:30002', 22, 10],
    ]);
    expect(streams[1]?.packets[0]).toMatchObject({ payloadType: 8, sequence: 1000, timestamp: 5000 });
    expect(streams[1]?.packets[0]?.payload.length).toBe(160);
  });
});

describe('a recorded call as a WAV', () => {
  const call = (): MadeUpPacket[] => {
    // The caller talks for 2 s; the agent answers 0.5 s in, for 1.5 s, in A-law; a DTMF event in between.
    const caller = talk({ from: CALLER, to: ANCHOR_FOR_CALLER, frequency: 440, seconds: 2, startTime: START, law: 'pcmu', ssrc: 11 });
    const agent = talk({ from: AGENT, to: ANCHOR_FOR_AGENT, frequency: 1000, seconds: 1.5, startTime: START + 0.5, law: 'pcma', ssrc: 22, firstTimestamp: 0xffff_ff00 });
    const dtmf: MadeUpPacket = { time: START + 1, source: CALLER, destination: ANCHOR_FOR_CALLER, payload: rtpPacket({ payloadType: 101, sequence: 2000, timestamp: 5000 + 8000, ssrc: 11, payload: Buffer.from([1, 0x8a, 0, 160]) }) };
    return byTime([...caller, ...agent, dtmf]);
  };

  test('the caller is on the left, the agent on the right, each where they spoke, sample-exact', () => {
    const rendered = renderRecording(pcapFile(call()), { isCaller: (stream) => stream.destination === '127.0.0.1:30000' });
    if (rendered.kind !== 'wav') throw new Error(`expected a WAV, got ${rendered.kind}`);
    expect(rendered.durationSeconds).toBeCloseTo(2, 2);
    expect(rendered.streams).toBe(2);
    const { channels, sampleRate } = decodeWav(rendered.wav);
    expect(sampleRate).toBe(8000);
    const [left, right] = channels as [Int16Array, Int16Array];
    expect(goertzel(left, 440)).toBeGreaterThan(100 * goertzel(left, 1000));
    const agentPart = right.subarray(4000);
    expect(goertzel(agentPart, 1000)).toBeGreaterThan(100 * goertzel(agentPart, 440));
    // Nothing from the agent before they answered; the caller's samples are the decoded frames, in place.
    expect(right.subarray(0, 4000).every((sample) => sample === 0)).toBe(true);
    const expectedCaller = decodeG711('pcmu', Uint8Array.from(Array.from(tone(440, 16000), muLaw)));
    expect(Array.from(left.subarray(0, 16000))).toEqual(Array.from(expectedCaller));
  });

  test('packets that arrive late or out of order are placed by their RTP timestamps (across the 32-bit wrap)', () => {
    const inOrder = renderRecording(pcapFile(call()), { isCaller: (stream) => stream.source === '192.0.2.10:40000' });
    // Jitter: each agent packet arrives up to 15 ms late, and pairs of them swap places.
    const jittered = call().map((packet, index) => (packet.source === AGENT ? { ...packet, time: packet.time + ((index * 7) % 15) / 1000 } : packet));
    for (let i = 10; i + 1 < jittered.length; i += 6) [jittered[i], jittered[i + 1]] = [jittered[i + 1] as MadeUpPacket, jittered[i] as MadeUpPacket];
    const shuffled = renderRecording(pcapFile(jittered), { isCaller: (stream) => stream.source === '192.0.2.10:40000' });
    if (inOrder.kind !== 'wav' || shuffled.kind !== 'wav') throw new Error('expected WAVs');
    expect(decodeWav(shuffled.wav).channels[1]?.subarray(0, 16000)).toEqual(decodeWav(inOrder.wav).channels[1]?.subarray(0, 16000));
  });

  test('without a hint the first stream heard is the caller', () => {
    const rendered = renderRecording(pcapFile(call()));
    if (rendered.kind !== 'wav') throw new Error('expected a WAV');
    const [left] = decodeWav(rendered.wav).channels as [Int16Array];
    expect(goertzel(left, 440)).toBeGreaterThan(100 * goertzel(left, 1000));
  });

  test('Opus (or any codec not decoded here) is reported with its payload types; no RTP at all is no audio', () => {
    const opus = Array.from({ length: 50 }, (_unused, i): MadeUpPacket => ({
      time: START + i * 0.02,
      source: CALLER,
      destination: ANCHOR_FOR_CALLER,
      payload: rtpPacket({ payloadType: 111, sequence: i, timestamp: i * 960, ssrc: 5, payload: Buffer.alloc(60, 7) }),
    }));
    const rendered = renderRecording(pcapFile(opus));
    expect(rendered).toMatchObject({ kind: 'unsupported-codec', payloadTypes: [111] });
    expect(rendered.kind === 'unsupported-codec' ? rendered.durationSeconds : 0).toBeCloseTo(0.98, 2);
    expect(renderRecording(pcapFile([]))).toEqual({ kind: 'no-audio' });
  });
});

describe('RECORD_CALLS', () => {
  test("'all' records every queue, 'queue' (the default) follows each queue, 'off' none; anything else is refused", () => {
    expect([undefined, '', 'queue', 'all', ' ALL ', 'off'].map((value) => parseRecordingPolicy(value))).toEqual(['queue', 'queue', 'queue', 'all', 'all', 'off']);
    expect(() => parseRecordingPolicy('yes')).toThrow(RecordingPolicyError);
    expect([isRecorded('all', undefined), isRecorded('queue', true), isRecorded('queue', false), isRecorded('queue', undefined), isRecorded('off', true)]).toEqual([true, true, false, false, false]);
  });
});
