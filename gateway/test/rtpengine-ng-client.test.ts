/** Bencode and the ng client, against a fake ng server on 127.0.0.1 (a real UDP socket). */
import dgram from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { BencodeError, type BencodeValue, decode, encode, isDictionary } from '../src/media/bencode.ts';
import { NgClient, NgErrorResult, NgProtocolError, NgTimeoutError } from '../src/media/ng-client.ts';

describe('bencode', () => {
  test('encodes integers, strings, lists and dictionaries with sorted keys', () => {
    expect(encode(42).toString()).toBe('i42e');
    expect(encode(-7).toString()).toBe('i-7e');
    expect(encode('spam').toString()).toBe('4:spam');
    expect(encode(['a', 1, []]).toString()).toBe('l1:ai1elee');
    expect(encode({ zeta: 1, alpha: 'x', 'call-id': 'c' }).toString()).toBe('d5:alpha1:x7:call-id1:c4:zetai1ee');
  });

  test('string lengths count UTF-8 bytes, not characters', () => {
    expect(encode('é').toString('utf8')).toBe('2:é');
    expect(decode(encode('Grâce'))).toBe('Grâce');
  });

  test('round-trips an ng-shaped dictionary', () => {
    const value: BencodeValue = { command: 'offer', 'call-id': 'abc', flags: ['trust-address'], 'rtcp-mux': ['demux'], sdp: 'v=0\r\nm=audio 9 RTP/AVP 0\r\n', replace: [], nested: { n: 0 } };
    expect(decode(encode(value))).toEqual(value);
  });

  test('rejects malformed input with the offset', () => {
    for (const bad of ['i12', 'i01e', 'i-0e', '5:abc', 'l1:a', 'di1e1:ae', 'x', '1:ab', '']) {
      expect(() => decode(bad), bad).toThrow(BencodeError);
    }
    expect(() => decode('l1:a')).toThrow(/at byte 4/);
  });

  test('refuses values bencode cannot carry', () => {
    expect(() => encode(1.5)).toThrow(BencodeError);
    expect(() => encode(null as unknown as BencodeValue)).toThrow(BencodeError);
  });
});

/** A fake rtpengine: answers each request with what `reply` returns (nothing: stays silent). */
const fakeNg = async (reply: (request: Record<string, BencodeValue>, cookie: string, attempt: number) => string | null) => {
  const socket = dgram.createSocket('udp4');
  const attempts = new Map<string, number>();
  const received: Array<{ cookie: string; request: Record<string, BencodeValue> }> = [];
  socket.on('message', (message, from) => {
    const space = message.indexOf(0x20);
    const cookie = message.toString('ascii', 0, space);
    const request = decode(message.subarray(space + 1));
    if (!isDictionary(request)) return;
    received.push({ cookie, request });
    const attempt = (attempts.get(cookie) ?? 0) + 1;
    attempts.set(cookie, attempt);
    const body = reply(request, cookie, attempt);
    if (body !== null) socket.send(Buffer.from(`${cookie} ${body}`), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, received, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const open = async (port: number, options: { timeoutMs?: number; retries?: number } = {}): Promise<NgClient> => {
  const client = await NgClient.open({ host: '127.0.0.1', port, ...options });
  closers.push(() => client.close());
  return client;
};

describe('the ng client', () => {
  test('ping: the request carries the command, the reply is matched by its cookie', async () => {
    const server = await fakeNg((request) => (request.command === 'ping' ? encode({ result: 'pong' }).toString() : null));
    closers.push(server.close);
    const client = await open(server.port);
    await client.ping();
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.request).toEqual({ command: 'ping' });
    expect(server.received[0]?.cookie).toMatch(/^[0-9a-f]{16}$/);
  });

  test('concurrent requests get their own replies, even answered out of order', async () => {
    const held: Array<() => void> = [];
    const socket = dgram.createSocket('udp4');
    socket.on('message', (message, from) => {
      const space = message.indexOf(0x20);
      const cookie = message.toString('ascii', 0, space);
      const request = decode(message.subarray(space + 1)) as Record<string, string>;
      const send = () => socket.send(Buffer.from(`${cookie} ${encode({ result: 'ok', echo: request['call-id'] ?? '' }).toString()}`), from.port, from.address);
      held.push(send);
      // Both requests are in: answer the second first.
      if (held.length === 2) for (const answer of held.reverse()) answer();
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    closers.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    const client = await open(socket.address().port);
    const [a, b] = await Promise.all([client.query({ 'call-id': 'first' }), client.query({ 'call-id': 'second' })]);
    expect(a.echo).toBe('first');
    expect(b.echo).toBe('second');
  });

  test('a lost datagram is sent again with the same cookie', async () => {
    const server = await fakeNg((_request, _cookie, attempt) => (attempt < 2 ? null : encode({ result: 'ok' }).toString()));
    closers.push(server.close);
    const client = await open(server.port, { timeoutMs: 100, retries: 2 });
    expect((await client.request('list')).result).toBe('ok');
    expect(server.received).toHaveLength(2);
    expect(server.received[1]?.cookie).toBe(server.received[0]?.cookie);
  });

  test('no reply after every retry: NgTimeoutError', async () => {
    const server = await fakeNg(() => null);
    closers.push(server.close);
    const client = await open(server.port, { timeoutMs: 50, retries: 1 });
    const failure = await client.ping().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NgTimeoutError);
    expect(failure).toMatchObject({ command: 'ping', attempts: 2 });
    expect(server.received).toHaveLength(2);
  });

  test('result=error: NgErrorResult with rtpengine\'s reason', async () => {
    const server = await fakeNg(() => encode({ result: 'error', 'error-reason': 'Unknown call-id' }).toString());
    closers.push(server.close);
    const client = await open(server.port);
    const failure = await client.delete({ 'call-id': 'gone' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NgErrorResult);
    expect(failure).toMatchObject({ command: 'delete', reason: 'Unknown call-id' });
  });

  test('a reply that is not a dictionary with a result, or an offer without SDP: NgProtocolError', async () => {
    const server = await fakeNg((request) => (request.command === 'offer' ? encode({ result: 'ok' }).toString() : 'i1e'));
    closers.push(server.close);
    const client = await open(server.port);
    await expect(client.request('list')).rejects.toThrow(NgProtocolError);
    await expect(client.offer({ 'call-id': 'c', 'from-tag': 'f', sdp: 'v=0\r\n' })).rejects.toThrow(/without an SDP/);
  });

  test('replies with an unknown cookie are ignored; closing rejects what is pending', async () => {
    const server = await fakeNg((_request, cookie) => {
      const socketReply = encode({ result: 'ok' }).toString();
      return cookie === 'never' ? socketReply : null;
    });
    closers.push(server.close);
    const client = await NgClient.open({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 });
    const pending = client.ping().catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.close();
    expect(await pending).toBeInstanceOf(NgProtocolError);
    await expect(client.ping()).rejects.toThrow(/closed/);
  });
});
