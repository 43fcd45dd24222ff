/**
 * A reader for classic libpcap files (what rtpengine's `--recording-method=pcap` writes): the global
 * header, then one record per captured packet. Only the link types rtpengine and tcpdump write for
 * recorded media are understood: raw IP (rtpengine's default `--recording-format=raw`), Ethernet
 * (`eth`) and Linux cooked capture; each packet comes out as its IP datagram.
 */

/** The file is not a pcap this reader understands (bad magic, unknown link type, cut short). */
export class PcapFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapFormatError';
  }
}

export interface CapturedPacket {
  /** Capture time, seconds since the epoch (microsecond or nanosecond resolution). */
  time: number;
  /** The IP datagram (v4 or v6), link-layer header removed. */
  ip: Buffer;
}

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** The link-layer header's length, or null when the frame carries no IP (e.g. ARP). */
const ipOffset = (linkType: number, frame: Buffer): number | null => {
  switch (linkType) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return 0;
    case LINKTYPE_ETHERNET: {
      if (frame.length < 14) return null;
      let offset = 12;
      let etherType = frame.readUInt16BE(offset);
      // 802.1Q VLAN tags sit between the addresses and the real type.
      while ((etherType === 0x8100 || etherType === 0x88a8) && frame.length >= offset + 6) {
        offset += 4;
        etherType = frame.readUInt16BE(offset);
      }
      return etherType === 0x0800 || etherType === 0x86dd ? offset + 2 : null;
    }
    case LINKTYPE_LINUX_SLL: {
      if (frame.length < 16) return null;
      const protocol = frame.readUInt16BE(14);
      return protocol === 0x0800 || protocol === 0x86dd ? 16 : null;
    }
    default:
      throw new PcapFormatError(`pcap link type ${linkType} is not supported (raw IP, Ethernet or Linux cooked capture expected)`);
  }
};

/** Every IP packet of a pcap file's contents, in file order. */
export const readPcap = (file: Buffer): CapturedPacket[] => {
  if (file.length < GLOBAL_HEADER) throw new PcapFormatError(`a pcap file has a ${GLOBAL_HEADER}-byte header; this one has ${file.length} bytes`);
  const magic = file.readUInt32LE(0);
  let littleEndian: boolean;
  let nanoseconds: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    littleEndian = true;
    nanoseconds = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    littleEndian = false;
    nanoseconds = magic === 0x4d3cb2a1;
  } else {
    throw new PcapFormatError(`not a pcap file (magic 0x${magic.toString(16)}; pcapng is not supported)`);
  }
  const u32 = (offset: number): number => (littleEndian ? file.readUInt32LE(offset) : file.readUInt32BE(offset));
  const linkType = u32(20) & 0x0fffffff;
  const fraction = nanoseconds ? 1e-9 : 1e-6;
  const packets: CapturedPacket[] = [];
  let offset = GLOBAL_HEADER;
  while (offset + RECORD_HEADER <= file.length) {
    const seconds = u32(offset);
    const subseconds = u32(offset + 4);
    const captured = u32(offset + 8);
    const start = offset + RECORD_HEADER;
    // A file still being written (or cut by a crash) ends in a partial record: what came before is kept.
    if (start + captured > file.length) break;
    const frame = file.subarray(start, start + captured);
    offset = start + captured;
    const at = ipOffset(linkType, frame);
    if (at === null) continue;
    packets.push({ time: seconds + subseconds * fraction, ip: frame.subarray(at) });
  }
  return packets;
};
