/**
 * What the edge does with input that is not (quite) SIP, sent from raw sockets: garbage is dropped,
 * a request with a broken header gets 400, a retransmitted INVITE is absorbed, and the edge keeps
 * serving throughout without keeping state for any of it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { eventually, type Platform, QUEUE_NUMBER, startPlatform, types, onlyCall } from './support/platform.ts';

let platform: Platform | null = null;
const sockets: Array<dgram.Socket | net.Socket> = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    if (socket instanceof net.Socket) socket.destroy();
    else socket.close();
  }
  await platform?.stop();
  platform = null;
});

const request = (method: string, options: { cseq?: string; from?: string; branch?: string; callId?: string; body?: string; port: number; transport: 'UDP' | 'TCP' }): string => {
  const body = options.body ?? '';
  return [
    `${method} sip:${QUEUE_NUMBER}@127.0.0.1 SIP/2.0`,
    `Via: SIP/2.0/${options.transport} 127.0.0.1:${options.port};branch=${options.branch ?? `z9hG4bK${Math.random().toString(16).slice(2)}`}`,
    `From: ${options.from ?? '"Raw" <sip:+3225550111@127.0.0.1>;tag=raw1'}`,
    `To: <sip:${QUEUE_NUMBER}@127.0.0.1>`,
    `Call-ID: ${options.callId ?? `raw-${Math.random().toString(16).slice(2)}`}`,
    `CSeq: ${options.cseq ?? `1 ${method}`}`,
    'Max-Forwards: 70',
    ...(body === '' ? [] : ['Content-Type: application/sdp']),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
};

const SDP = ['v=0', 'o=raw 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

/** A UDP peer that collects the status lines it receives. */
const udpPeer = async () => {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const received: string[] = [];
  socket.on('message', (data) => received.push(data.toString('utf8')));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { socket, received, port: socket.address().port, send: (text: string, to: number) => socket.send(text, to, '127.0.0.1') };
};

const statusLines = (messages: string[]): string[] => messages.map((message) => message.slice(0, message.indexOf('\r\n')));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('malformed input over UDP', () => {
  test('garbage is dropped, a broken CSeq or From header gets 400, and the edge still answers OPTIONS', async () => {
    platform = await startPlatform();
    const { gateway } = platform;
    const peer = await udpPeer();

    peer.send('\x00\x01 definitely not SIP \r\n\r\n', gateway.udpPort);
    peer.send('INVITE sip:x SIP/2.0\r\nthis line has no colon\r\n\r\n', gateway.udpPort);
    await pause(200);
    expect(peer.received).toEqual([]);

    peer.send(request('INVITE', { cseq: 'abc INVITE', port: peer.port, transport: 'UDP' }), gateway.udpPort);
    peer.send(request('INVITE', { from: '<http://example.invalid/>;tag=1', port: peer.port, transport: 'UDP' }), gateway.udpPort);
    await eventually(() => expect(statusLines(peer.received)).toEqual(['SIP/2.0 400 Bad Request (bad cseq header)', 'SIP/2.0 400 Bad Request (bad from URI)']));

    peer.send(request('OPTIONS', { port: peer.port, transport: 'UDP' }), gateway.udpPort);
    await eventually(() => expect(statusLines(peer.received).at(-1)).toBe('SIP/2.0 200 OK'));
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('a retransmitted INVITE is absorbed: one call in the core, the responses sent again', async () => {
    // Transaction handling only: without early media the provisional responses are 100 and 180 alone.
    platform = await startPlatform({ earlyMedia: false });
    const { cc, gateway } = platform;
    const peer = await udpPeer();
    const invite = request('INVITE', { branch: 'z9hG4bKretransmitted1', callId: 'retransmitted-call', body: SDP, port: peer.port, transport: 'UDP' });
    peer.send(invite, gateway.udpPort);
    await eventually(() => expect(statusLines(peer.received)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing']));
    peer.send(invite, gateway.udpPort);
    await eventually(() => expect(statusLines(peer.received)).toEqual(['SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 180 Ringing']));
    await cc.whenIdle();
    expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued']);

    // A CANCEL for it ends the call: 200 for the CANCEL, 487 for the INVITE.
    peer.send(request('CANCEL', { branch: 'z9hG4bKretransmitted1', callId: 'retransmitted-call', port: peer.port, transport: 'UDP' }), gateway.udpPort);
    await eventually(() => expect(statusLines(peer.received).slice(3).sort()).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated']));
    await eventually(async () => expect(types(await onlyCall(cc))).toEqual(['CallReceived', 'CallQueued', 'CallAbandoned']));
    // Without an ACK the 487 is sent again (timer G) until timer H gives up.
    await eventually(() => expect(statusLines(peer.received).filter((line) => line.includes('487')).length).toBeGreaterThan(1));
  });
});

describe('malformed input over TCP', () => {
  test('a broken header gets 400 on the same connection; an unframeable message closes that connection only', async () => {
    platform = await startPlatform();
    const { gateway } = platform;
    const connect = async () => {
      const socket = net.connect({ host: '127.0.0.1', port: gateway.tcpPort });
      sockets.push(socket);
      let data = '';
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString('utf8');
      });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      return { socket, received: () => data, closed, port: socket.localPort ?? 0 };
    };

    const first = await connect();
    // Two messages in one write: the framing must split them by Content-Length.
    first.socket.write(request('INVITE', { cseq: 'x INVITE', port: first.port, transport: 'TCP' }) + request('OPTIONS', { port: first.port, transport: 'TCP' }));
    await eventually(() => expect(first.received()).toMatch(/^SIP\/2\.0 400 [^\r]*\r\n[\s\S]*SIP\/2\.0 200 OK\r\n/));

    first.socket.write('garbage without any structure\r\nnope\r\n\r\n');
    await first.closed;

    const second = await connect();
    second.socket.write(request('OPTIONS', { port: second.port, transport: 'TCP' }));
    await eventually(() => expect(second.received()).toMatch(/^SIP\/2\.0 200 OK\r\n/));
    expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 });
  });
});
