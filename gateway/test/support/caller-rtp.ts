/**
 * Plain RTP endpoints for the media tests: the caller's socket (counts what the anchor sends it and
 * reads RFC 4733 telephone-events) and an agent phone's audio (a real phone always sends some;
 * rtpengine injects DTMF into that stream, so a sipp phone, which sends none, needs this stand-in).
 */
import dgram from 'node:dgram';
import type { NgClient } from '../../src/media/ng-client.ts';

export const TELEPHONE_EVENT = 101;

/** The caller's RTP endpoint: counts what arrives and reads telephone-events (RFC 4733). */
export class CallerRtp {
  readonly socket = dgram.createSocket('udp4');
  packets = 0;
  /** The port rtpengine sends the caller's media from (symmetric RTP: the one it listens on). */
  anchorPort = 0;
  readonly events: number[] = [];

  async open(): Promise<number> {
    await new Promise<void>((resolve) => this.socket.bind(0, '127.0.0.1', () => resolve()));
    this.socket.on('message', (packet, from) => {
      if (packet.length < 12) return;
      this.packets += 1;
      if (this.anchorPort === 0) this.anchorPort = from.port;
      const payloadType = (packet[1] ?? 0) & 0x7f;
      const end = ((packet[13] ?? 0) & 0x80) !== 0;
      // One event, counted at its first end packet (the end is sent three times).
      if (payloadType === TELEPHONE_EVENT && end && this.events.at(-1) !== -1) this.events.push(packet[12] ?? -1, -1);
      else if (payloadType === TELEPHONE_EVENT && !end && this.events.at(-1) === -1) this.events.pop();
    });
    return this.socket.address().port;
  }

  digits(): string {
    return this.events.filter((event) => event >= 0).map((event) => '0123456789*#'[event] ?? '?').join('');
  }

  /** Sends one digit as RFC 4733 events: three updates, then three end packets, one timestamp. */
  async sendDigit(event: number, to: number): Promise<void> {
    const ssrc = 0x5a5a0001;
    let sequence = 1000 + Math.floor(Math.random() * 1000);
    const timestamp = 160 * sequence;
    for (let i = 0; i < 6; i += 1) {
      const end = i >= 3;
      const packet = Buffer.alloc(16);
      packet[0] = 0x80;
      packet[1] = TELEPHONE_EVENT | (i === 0 ? 0x80 : 0);
      packet.writeUInt16BE(sequence & 0xffff, 2);
      packet.writeUInt32BE(timestamp, 4);
      packet.writeUInt32BE(ssrc, 8);
      packet[12] = event;
      packet[13] = (end ? 0x80 : 0) | 10;
      packet.writeUInt16BE(Math.min(i + 1, 4) * 160, 14);
      sequence += 1;
      this.socket.send(packet, to, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** The local port rtpengine listens on for party `tag` of a call (where that party sends its RTP). */
export const anchorPortOf = async (client: NgClient, callId: string, tag: string): Promise<number> => {
  const query = await client.query({ 'call-id': callId });
  const party = (query.tags as Record<string, { medias?: Array<{ streams?: Array<Record<string, unknown>> }> }>)[tag];
  return Number(party?.medias?.[0]?.streams?.[0]?.['local port']);
};

/**
 * The answering agent's party in a caller-anchored call: each agent leg has a party of its own
 * (`a.<offer id>`), next to the gateway's placeholder `a.<call id>`; the connected one is the party
 * the caller's party forwards to.
 */
export const agentPartyOf = async (client: NgClient, callId: string): Promise<string> => {
  const query = await client.query({ 'call-id': callId });
  const tags = query.tags as Record<string, { subscriptions?: Array<{ tag: string }> }>;
  const connected = Object.keys(tags).find((tag) => tag.startsWith('a.') && tag !== `a.${callId}` && (tags[tag]?.subscriptions ?? []).some((s) => s.tag === `c.${callId}`));
  return connected ?? `a.${callId}`;
};

/** Packets the anchor sent to party `tag` so far (its streams' outgoing counters). */
export const packetsSentTo = async (client: NgClient, callId: string, tag: string): Promise<number> => {
  const query = await client.query({ 'call-id': callId });
  const party = (query.tags as Record<string, { medias?: Array<{ streams?: Array<{ stats?: { packets?: number } }> }> }>)[tag];
  return party?.medias?.[0]?.streams?.reduce((sum, stream) => sum + (stream.stats?.packets ?? 0), 0) ?? 0;
};

/** An agent phone's audio: PCMU silence every 20 ms to `port` until stopped. */
export const streamAudio = (port: number): { stop(): void; sent(): number } => {
  const socket = dgram.createSocket('udp4');
  let sequence = 1;
  const timer = setInterval(() => {
    const packet = Buffer.alloc(172, 0xff);
    packet[0] = 0x80;
    packet[1] = 0;
    packet.writeUInt16BE(sequence, 2);
    packet.writeUInt32BE(sequence * 160, 4);
    packet.writeUInt32BE(0x0a9e0001, 8);
    sequence += 1;
    socket.send(packet, port, '127.0.0.1');
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      socket.close();
    },
    sent: () => sequence - 1,
  };
};
