/**
 * Recorded packets to RTP streams: each IP/UDP datagram that parses as RTP (version 2, RFC 3550)
 * is filed under its stream, one per sender address, port and SSRC. RTCP on the same port (rtcp-mux,
 * payload types 200-204 in the second byte) and anything that is not RTP is skipped.
 */
import type { CapturedPacket } from './pcap-reader.ts';

export interface RtpPacket {
  /** Capture time, seconds since the epoch. */
  time: number;
  sequence: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
  payload: Buffer;
}

export interface RtpStream {
  /** `address:port` the packets came from. */
  source: string;
  /** `address:port` they were sent to. */
  destination: string;
  ssrc: number;
  packets: RtpPacket[];
}

interface UdpDatagram {
  source: string;
  destination: string;
  payload: Buffer;
}

const ipv6Text = (bytes: Buffer): string => {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return `[${groups.join(':')}]`;
};

/** The UDP datagram inside an IP packet, or null (another protocol, a fragment, cut short). */
export const udpOf = (ip: Buffer): UdpDatagram | null => {
  if (ip.length < 1) return null;
  const version = (ip[0] as number) >> 4;
  let source: string;
  let destination: string;
  let offset: number;
  if (version === 4) {
    const headerLength = ((ip[0] as number) & 0x0f) * 4;
    if (ip.length < headerLength + 8 || ip[9] !== 17) return null;
    // Only whole datagrams: a later fragment has no UDP header of its own.
    if ((ip.readUInt16BE(6) & 0x1fff) !== 0) return null;
    source = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    destination = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    offset = headerLength;
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return null;
    source = ipv6Text(ip.subarray(8, 24));
    destination = ipv6Text(ip.subarray(24, 40));
    offset = 40;
  } else return null;
  const sourcePort = ip.readUInt16BE(offset);
  const destinationPort = ip.readUInt16BE(offset + 2);
  const udpLength = ip.readUInt16BE(offset + 4);
  const end = udpLength >= 8 ? Math.min(ip.length, offset + udpLength) : ip.length;
  return { source: `${source}:${sourcePort}`, destination: `${destination}:${destinationPort}`, payload: ip.subarray(offset + 8, end) };
};

/** The RTP packet in a UDP payload, or null when it is not RTP. */
export const rtpOf = (payload: Buffer, time: number): (RtpPacket & { ssrc: number }) | null => {
  if (payload.length < 12 || (payload[0] as number) >> 6 !== 2) return null;
  const second = payload[1] as number;
  // RTCP multiplexed on the RTP port: packet types 200-204 (RFC 5761).
  if (second >= 200 && second <= 204) return null;
  const csrcCount = (payload[0] as number) & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (((payload[0] as number) & 0x10) !== 0) {
    if (payload.length < offset + 4) return null;
    offset += 4 + payload.readUInt16BE(offset + 2) * 4;
  }
  let end = payload.length;
  if (((payload[0] as number) & 0x20) !== 0 && end > offset) end -= payload[end - 1] as number;
  if (end < offset) return null;
  return {
    time,
    sequence: payload.readUInt16BE(2),
    timestamp: payload.readUInt32BE(4),
    ssrc: payload.readUInt32BE(8),
    payloadType: second & 0x7f,
    marker: (second & 0x80) !== 0,
    payload: payload.subarray(offset, end),
  };
};

/** The RTP streams among the recorded packets, in the order each was first seen. */
export const rtpStreamsOf = (packets: readonly CapturedPacket[]): RtpStream[] => {
  const streams = new Map<string, RtpStream>();
  for (const captured of packets) {
    const udp = udpOf(captured.ip);
    if (udp === null) continue;
    const rtp = rtpOf(udp.payload, captured.time);
    if (rtp === null) continue;
    const key = `${udp.source}/${rtp.ssrc}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = { source: udp.source, destination: udp.destination, ssrc: rtp.ssrc, packets: [] };
      streams.set(key, stream);
    }
    const { ssrc: _ssrc, ...packet } = rtp;
    stream.packets.push(packet);
  }
  return [...streams.values()];
};
