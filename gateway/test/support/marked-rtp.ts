/**
 * RTP endpoints that tell who hears whom: each party sends PCMU whose payload is one byte repeated
 * (its mark), and counts what it receives by mark. Used where the media server connects several
 * parties (consultations), so a count says which party's audio reached which.
 */
import dgram from 'node:dgram';
import { expect } from 'vitest';
import type { NgClient } from '../../src/media/ng-client.ts';
import { eventually } from './platform.ts';

/** Where the media server sends party `tag`'s media (the address that party gave it). */
export const remotePortOf = async (client: NgClient, callId: string, tag: string): Promise<number> => {
  const query = await client.query({ 'call-id': callId });
  const party = (query.tags as Record<string, { medias?: Array<{ streams?: Array<{ endpoint?: { port?: number } }> }> }>)[tag];
  return Number(party?.medias?.[0]?.streams?.[0]?.endpoint?.port);
};

/** A party's RTP endpoint: counts what it hears by mark, and sends its own marked PCMU every 20 ms once told where. */
export class MarkedRtp {
  readonly socket = dgram.createSocket('udp4');
  readonly #heard = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;

  async open(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (packet) => {
      if (packet.length < 13) return;
      const mark = packet[12] ?? -1;
      if (packet[packet.length - 1] === mark) this.#heard.set(mark, (this.#heard.get(mark) ?? 0) + 1);
    });
    return this.socket.address().port;
  }

  heard(mark: number): number {
    return this.#heard.get(mark) ?? 0;
  }

  send(port: number, mark: number): void {
    this.stop();
    let sequence = 1;
    this.#timer = setInterval(() => {
      const packet = Buffer.alloc(172, mark);
      packet[0] = 0x80;
      packet[1] = 0;
      packet.writeUInt16BE(sequence & 0xffff, 2);
      packet.writeUInt32BE(sequence * 160, 4);
      packet.writeUInt32BE(0x0c0c0000 + mark, 8);
      sequence += 1;
      this.socket.send(packet, port, '127.0.0.1');
    }, 20);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async close(): Promise<void> {
    this.stop();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** Waits until `rtp` has heard more than `count` further packets of `mark` (audio is flowing now, not just before). */
export const heardMore = (rtp: MarkedRtp, mark: number, count = 25): Promise<void> => {
  const from = rtp.heard(mark);
  return eventually(() => expect(rtp.heard(mark)).toBeGreaterThan(from + count), 20_000);
};

/** A test's RTP endpoints, each opened on a free port and all closed after the test. */
export class MarkedRtpEndpoints {
  #open: MarkedRtp[] = [];

  async open(): Promise<[MarkedRtp, number]> {
    const rtp = new MarkedRtp();
    this.#open.push(rtp);
    return [rtp, await rtp.open()];
  }

  async closeAll(): Promise<void> {
    const open = this.#open;
    this.#open = [];
    await Promise.all(open.map((rtp) => rtp.close()));
  }
}
