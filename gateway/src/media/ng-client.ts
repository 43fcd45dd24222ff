/**
 * A client for rtpengine's "ng" control protocol over UDP: each request is one datagram
 * `<cookie> <bencoded dictionary>` and the reply carries the same cookie. A lost datagram is sent
 * again with the same cookie (rtpengine remembers recent cookies and answers a repeat with its
 * first reply instead of acting twice). Generic `request(command, params)` plus typed helpers for
 * the commands the gateway uses; play media, DTMF, recording and the like go through `request`.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { type BencodeDictionary, type BencodeValue, decode, encode, isDictionary } from './bencode.ts';

/** Every command of the ng protocol the gateway may send. */
export type NgCommand =
  | 'ping'
  | 'offer'
  | 'answer'
  | 'delete'
  | 'query'
  | 'list'
  | 'statistics'
  | 'play media'
  | 'stop media'
  | 'play DTMF'
  | 'start recording'
  | 'stop recording'
  | 'pause recording'
  | 'block media'
  | 'unblock media'
  | 'silence media'
  | 'unsilence media'
  | 'block DTMF'
  | 'unblock DTMF'
  | 'start forwarding'
  | 'stop forwarding';

/** A reply: `result` is 'ok' (or 'pong'); rtpengine may add a `warning`. */
export type NgResponse = BencodeDictionary & { result: string };

/** rtpengine answered `result: error` (an unknown call-id, a malformed SDP, ...). */
export class NgErrorResult extends Error {
  readonly command: string;
  /** rtpengine's `error-reason`. */
  readonly reason: string;

  constructor(command: string, reason: string) {
    super(`rtpengine refused '${command}': ${reason}`);
    this.name = 'NgErrorResult';
    this.command = command;
    this.reason = reason;
  }
}

/** No reply within the timeout, after every retry. */
export class NgTimeoutError extends Error {
  readonly command: string;
  readonly attempts: number;

  constructor(command: string, address: string, attempts: number, timeoutMs: number) {
    super(`rtpengine at ${address} did not answer '${command}' (${attempts} attempts, ${timeoutMs} ms each)`);
    this.name = 'NgTimeoutError';
    this.command = command;
    this.attempts = attempts;
  }
}

/** A reply that is not a bencoded dictionary with a result, or a request on a closed client. */
export class NgProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NgProtocolError';
  }
}

export interface NgClientOptions {
  host: string;
  port: number;
  /** How long one attempt waits for the reply. Default 1000 ms. */
  timeoutMs?: number;
  /** Attempts after the first one. Default 2. */
  retries?: number;
}

/** Parameters common to offer and answer; rtpengine takes many more (passed through as they are). */
export interface NgSdpParams extends BencodeDictionary {
  'call-id': string;
  'from-tag': string;
  sdp: string;
}

/** offer/answer replies carry the rewritten SDP. */
export type NgSdpResponse = NgResponse & { sdp: string };

interface Pending {
  command: string;
  resolve(response: NgResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export class NgClient {
  readonly address: string;
  readonly #host: string;
  readonly #port: number;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #socket: dgram.Socket;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  private constructor(options: NgClientOptions, socket: dgram.Socket) {
    this.#host = options.host;
    this.#port = options.port;
    this.address = `${options.host}:${options.port}`;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#retries = options.retries ?? 2;
    this.#socket = socket;
    socket.on('message', (message) => this.#receive(message));
  }

  /** Opens the client's UDP socket (on an ephemeral port of the matching address family). */
  static async open(options: NgClientOptions): Promise<NgClient> {
    const socket = dgram.createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send error (ICMP unreachable while rtpengine restarts) shows up as a timeout instead.
    socket.on('error', () => undefined);
    return new NgClient(options, socket);
  }

  /** Sends any ng command; resolves with the reply, rejects with NgErrorResult, NgTimeoutError or NgProtocolError. */
  request(command: NgCommand | (string & {}), params: BencodeDictionary = {}): Promise<NgResponse> {
    if (this.#closed) return Promise.reject(new NgProtocolError(`the ng client for ${this.address} is closed`));
    let cookie = randomBytes(8).toString('hex');
    while (this.#pending.has(cookie)) cookie = randomBytes(8).toString('hex');
    const datagram = Buffer.concat([Buffer.from(`${cookie} `, 'ascii'), encode({ ...params, command })]);
    return new Promise<NgResponse>((resolve, reject) => {
      let attempts = 0;
      const attempt = (): void => {
        attempts += 1;
        this.#socket.send(datagram, this.#port, this.#host);
        entry.timer = setTimeout(() => {
          if (attempts <= this.#retries) return attempt();
          this.#pending.delete(cookie);
          reject(new NgTimeoutError(command, this.address, attempts, this.#timeoutMs));
        }, this.#timeoutMs);
      };
      const entry: Pending = { command, resolve, reject, timer: undefined };
      this.#pending.set(cookie, entry);
      attempt();
    });
  }

  async ping(): Promise<void> {
    const response = await this.request('ping');
    if (response.result !== 'pong') throw new NgProtocolError(`ping answered '${response.result}' instead of 'pong'`);
  }

  offer(params: NgSdpParams): Promise<NgSdpResponse> {
    return this.#withSdp('offer', params);
  }

  /** `to-tag` names the answering side. */
  answer(params: NgSdpParams & { 'to-tag': string }): Promise<NgSdpResponse> {
    return this.#withSdp('answer', params);
  }

  /** Without from-tag the whole call goes; with from-tag and to-tag, only that pair of parties. */
  delete(params: BencodeDictionary & { 'call-id': string }): Promise<NgResponse> {
    return this.request('delete', params);
  }

  /** The call's parties (`tags`) with their streams and packet counters, and `totals`. */
  query(params: BencodeDictionary & { 'call-id': string }): Promise<NgResponse> {
    return this.request('query', params);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const [cookie, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(cookie);
      pending.reject(new NgProtocolError(`the ng client for ${this.address} closed before '${pending.command}' was answered`));
    }
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  async #withSdp(command: 'offer' | 'answer', params: BencodeDictionary): Promise<NgSdpResponse> {
    const response = await this.request(command, params);
    if (typeof response.sdp !== 'string') throw new NgProtocolError(`'${command}' was answered without an SDP`);
    return response as NgSdpResponse;
  }

  #receive(message: Buffer): void {
    const space = message.indexOf(0x20);
    if (space <= 0) return;
    const cookie = message.toString('ascii', 0, space);
    const pending = this.#pending.get(cookie);
    // Late replies to a retried request (or to another client) are dropped.
    if (pending === undefined) return;
    this.#pending.delete(cookie);
    clearTimeout(pending.timer);
    let body: BencodeValue;
    try {
      body = decode(message.subarray(space + 1));
    } catch (error) {
      pending.reject(new NgProtocolError(`unreadable reply to '${pending.command}': ${(error as Error).message}`));
      return;
    }
    if (!isDictionary(body) || typeof body.result !== 'string') {
      pending.reject(new NgProtocolError(`reply to '${pending.command}' has no result`));
      return;
    }
    if (body.result === 'error') {
      pending.reject(new NgErrorResult(pending.command, typeof body['error-reason'] === 'string' ? body['error-reason'] : 'no reason given'));
      return;
    }
    pending.resolve(body as NgResponse);
  }
}
