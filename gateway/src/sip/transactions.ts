/**
 * A small RFC 3261 transaction layer: enough for a B2BUA that answers INVITEs and places them.
 * - Server transactions absorb request retransmissions (the last response is sent again), send
 *   100 Trying for INVITE at once, and over UDP retransmit a final response (timer G, doubling up
 *   to T2) until the ACK arrives or timer H gives up. 2xx responses are retransmitted the same way
 *   until the dialog's ACK (RFC 6026 "accepted"), so the layer owns every SIP timer.
 * - Client transactions (INVITE, BYE, CANCEL) retransmit over UDP (timers A / E) and time out
 *   (timers B / F); a non-2xx final response to INVITE is ACKed here.
 * - Matching is by the top Via branch and the CSeq method (ACK and CANCEL find their INVITE).
 */
import { randomFillSync } from 'node:crypto';
import type { CoreLogger } from '@cc/core';
import {
  type OutgoingHeaders,
  parseMessage,
  reasonPhrase,
  responseHeaders,
  serialiseRequest,
  serialiseResponse,
  type SipRequest,
  type SipResponse,
} from './message.ts';
import type { Flow, SipTransport } from './transport.ts';

export interface TimerSettings {
  /** RTT estimate (ms): first retransmit interval. */
  t1: number;
  /** Longest retransmit interval (ms) for non-INVITE requests and final INVITE responses. */
  t2: number;
  /** Longest time a message stays in the network (ms). */
  t4: number;
}

export const DEFAULT_TIMERS: TimerSettings = { t1: 500, t2: 4000, t4: 5000 };

/**
 * Random hex for branches and tags, cut from a pool refilled 4 KB at a time: one randomBytes call
 * per message cost more than the rest of building it (as node's randomUUID does, for the same reason).
 */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;
const randomHex = (bytes: number): string => {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.toString('hex', randomOffset - bytes, randomOffset);
};

export const newBranch = (): string => `z9hG4bK${randomHex(8)}`;
export const newTag = (): string => randomHex(6);

/** The upper layer: the edge's dialog and call logic. */
export interface TransactionUser {
  /** A new request with its server transaction (not for ACK or CANCEL). */
  request(request: SipRequest, transaction: ServerTransaction): void;
  /** An ACK that matched no transaction: the ACK of a 2xx, for the dialog. */
  ack(request: SipRequest, flow: Flow): void;
  /** A CANCEL matched a ringing INVITE: the INVITE must now be answered 487. */
  cancelled(invite: ServerTransaction): void;
}

type ServerState = 'proceeding' | 'completed' | 'accepted' | 'confirmed' | 'terminated';

export class ServerTransaction {
  readonly request: SipRequest;
  readonly flow: Flow;
  readonly key: string;
  state: ServerState = 'proceeding';
  /** The To tag this transaction's responses carry (the UAS dialog's local tag). */
  toTag: string | null = null;
  /** Called when a 2xx was never ACKed (timer H): the dialog must be torn down. */
  onAckTimeout: (() => void) | null = null;
  readonly #layer: TransactionLayer;
  #last: string | null = null;
  #retransmit: NodeJS.Timeout | null = null;
  #giveUp: NodeJS.Timeout | null = null;

  constructor(layer: TransactionLayer, request: SipRequest, flow: Flow, key: string) {
    this.#layer = layer;
    this.request = request;
    this.flow = flow;
    this.key = key;
  }

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  respond(status: number, options: { headers?: OutgoingHeaders; body?: string; reason?: string } = {}): void {
    if (this.state !== 'proceeding') return;
    const toTag = status === 100 ? null : this.toTag;
    const headers = [...responseHeaders(this.request.headers, toTag, this.request.to.params.tag), ...(options.headers ?? [])];
    this.#last = serialiseResponse(status, options.reason ?? reasonPhrase(status), headers, options.body ?? '');
    this.#layer.transport.send(this.flow, this.#last);
    if (status < 200) return;
    const { t1, t2 } = this.#layer.timers;
    const udp = this.flow.transport === 'udp';
    if (!this.isInvite) {
      this.state = 'completed';
      this.#after(udp ? 64 * t1 : 0, () => this.terminate()); // timer J
      return;
    }
    this.state = status < 300 ? 'accepted' : 'completed';
    if (udp) this.#scheduleRetransmit(t1, t2);
    this.#giveUp = setTimeout(() => {
      // Timer H: the ACK never came.
      const accepted = this.state === 'accepted';
      this.terminate();
      if (accepted) this.onAckTimeout?.();
    }, 64 * t1);
  }

  /** A retransmission of the request: the last response goes out again. */
  retransmitted(): void {
    if (this.#last !== null) this.#layer.transport.send(this.flow, this.#last);
  }

  /** The ACK arrived (for a non-2xx through the transaction, for a 2xx through the dialog). */
  acknowledged(): void {
    if (this.state !== 'completed' && this.state !== 'accepted') return;
    this.#clearTimers();
    this.state = 'confirmed';
    // Timer I: absorb ACK retransmissions for a while over UDP.
    this.#after(this.flow.transport === 'udp' ? this.#layer.timers.t4 : 0, () => this.terminate());
  }

  terminate(): void {
    this.#clearTimers();
    this.state = 'terminated';
    this.#layer.forgetServer(this);
  }

  #scheduleRetransmit(interval: number, cap: number): void {
    this.#retransmit = setTimeout(() => {
      if (this.#last === null || (this.state !== 'completed' && this.state !== 'accepted')) return;
      this.#layer.transport.send(this.flow, this.#last);
      this.#scheduleRetransmit(Math.min(interval * 2, cap), cap);
    }, interval);
  }

  #after(ms: number, action: () => void): void {
    if (this.#giveUp !== null) clearTimeout(this.#giveUp);
    this.#giveUp = setTimeout(action, ms);
  }

  #clearTimers(): void {
    if (this.#retransmit !== null) clearTimeout(this.#retransmit);
    if (this.#giveUp !== null) clearTimeout(this.#giveUp);
    this.#retransmit = null;
    this.#giveUp = null;
  }
}

export interface ClientListener {
  /** Every response the transaction lets through (provisional, final; for INVITE also 2xx retransmissions). */
  response(response: SipResponse): void;
  /** No final response in time (timer B / F) or the transport failed: treated as 408 / 503. */
  failed(status: 408 | 503): void;
}

export interface OutgoingRequest {
  method: string;
  uri: string;
  /** Every header but Via (added here with the transaction's branch) and Content-Length. */
  headers: OutgoingHeaders;
  body?: string;
}

type ClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

export class ClientTransaction {
  readonly branch: string;
  readonly method: string;
  readonly flow: Flow;
  readonly request: OutgoingRequest;
  readonly via: string;
  state: ClientState = 'calling';
  readonly #layer: TransactionLayer;
  readonly #listener: ClientListener;
  readonly #text: string;
  #retransmit: NodeJS.Timeout | null = null;
  #timeout: NodeJS.Timeout | null = null;
  #ack: string | null = null;

  constructor(layer: TransactionLayer, request: OutgoingRequest, flow: Flow, listener: ClientListener, branch = newBranch()) {
    this.#layer = layer;
    this.request = request;
    this.method = request.method;
    this.flow = flow;
    this.branch = branch;
    this.#listener = listener;
    this.via = layer.viaFor(flow, branch);
    this.#text = serialiseRequest(request.method, request.uri, [['Via', this.via], ...request.headers], request.body ?? '');
  }

  get key(): string {
    return `${this.branch}|${this.method}`;
  }

  start(): void {
    const { t1, t2 } = this.#layer.timers;
    this.#send();
    if (this.flow.transport === 'udp') this.#scheduleRetransmit(t1, this.method === 'INVITE' ? Number.POSITIVE_INFINITY : t2);
    this.#timeout = setTimeout(() => this.#fail(408), 64 * t1); // timer B / F
  }

  /** After a CANCEL: give the INVITE 64*T1 to end before it is considered gone (RFC 3261 9.1). */
  expectEnd(): void {
    if (this.state !== 'calling' && this.state !== 'proceeding') return;
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    this.#timeout = setTimeout(() => this.#fail(408), 64 * this.#layer.timers.t1);
  }

  received(response: SipResponse): void {
    const { t2, t4 } = this.#layer.timers;
    const udp = this.flow.transport === 'udp';
    if (this.state === 'terminated') return;
    if (response.status < 200) {
      if (this.state === 'calling') {
        this.state = 'proceeding';
        if (this.method === 'INVITE') this.#stopRetransmit();
        else {
          this.#stopRetransmit();
          if (udp) this.#scheduleRetransmit(t2, t2);
        }
      }
      if (this.state === 'proceeding') this.#listener.response(response);
      return;
    }
    if (this.method === 'INVITE') {
      if (response.status < 300) {
        const first = this.state !== 'accepted';
        if (first) {
          this.#stopTimers();
          this.state = 'accepted';
          // Keep matching 2xx retransmissions (the dialog ACKs each) for a while.
          this.#timeout = setTimeout(() => this.terminate(), 64 * this.#layer.timers.t1);
        }
        this.#listener.response(response);
        return;
      }
      if (this.state === 'completed') {
        if (this.#ack !== null) this.#layer.transport.send(this.flow, this.#ack);
        return;
      }
      if (this.state === 'accepted') return;
      this.#stopTimers();
      this.state = 'completed';
      this.#ack = this.#ackFor(response);
      this.#layer.transport.send(this.flow, this.#ack);
      this.#timeout = setTimeout(() => this.terminate(), udp ? 32_000 : 0); // timer D
      this.#listener.response(response);
      return;
    }
    if (this.state === 'completed') return;
    this.#stopTimers();
    this.state = 'completed';
    this.#timeout = setTimeout(() => this.terminate(), udp ? t4 : 0); // timer K
    this.#listener.response(response);
  }

  terminate(): void {
    this.#stopTimers();
    this.state = 'terminated';
    this.#layer.forgetClient(this);
  }

  /** ACK for a non-2xx final response: same branch, the response's To (RFC 3261 17.1.1.3). */
  #ackFor(response: SipResponse): string {
    const keep = (name: string) => this.request.headers.filter(([header]) => header.toLowerCase() === name);
    const headers: OutgoingHeaders = [
      ['Via', this.via],
      ...keep('from'),
      ['To', response.headers.to ?? ''],
      ...keep('call-id'),
      ['CSeq', `${response.cseq.seq} ACK`],
      ...keep('route'),
      ['Max-Forwards', '70'],
    ];
    return serialiseRequest('ACK', this.request.uri, headers);
  }

  #fail(status: 408 | 503): void {
    if (this.state === 'terminated' || this.state === 'completed' || this.state === 'accepted') return;
    this.terminate();
    this.#listener.failed(status);
  }

  #send(): void {
    this.#layer.transport.send(this.flow, this.#text, () => this.#fail(503));
  }

  #scheduleRetransmit(interval: number, cap: number): void {
    this.#retransmit = setTimeout(() => {
      if (this.state !== 'calling' && this.state !== 'proceeding') return;
      this.#layer.transport.send(this.flow, this.#text);
      this.#scheduleRetransmit(Math.min(interval * 2, cap), cap);
    }, interval);
  }

  #stopRetransmit(): void {
    if (this.#retransmit !== null) clearTimeout(this.#retransmit);
    this.#retransmit = null;
  }

  #stopTimers(): void {
    this.#stopRetransmit();
    if (this.#timeout !== null) clearTimeout(this.#timeout);
    this.#timeout = null;
  }
}

/** What a stop's wait for the transactions in flight ended with (TransactionLayer.whenSettled). */
export interface TransactionsSettled {
  /** True when every one finished before the deadline. */
  settled: boolean;
  /** Client transactions still without a final response (BYE, CANCEL, an INVITE being cancelled). */
  awaitingResponse: number;
  /** INVITE server transactions whose final response still awaits its ACK. */
  awaitingAck: number;
}

export class TransactionLayer {
  readonly transport: SipTransport;
  readonly timers: TimerSettings;
  readonly #logger: CoreLogger;
  readonly #servers = new Map<string, ServerTransaction>();
  readonly #clients = new Map<string, ClientTransaction>();
  #user: TransactionUser | null = null;
  /** Stops waiting for the transactions in flight to finish (whenSettled): told after every change that may finish one. */
  readonly #settleWaiters = new Set<() => void>();

  constructor(transport: SipTransport, timers: TimerSettings, logger: CoreLogger) {
    this.transport = transport;
    this.timers = timers;
    this.#logger = logger;
  }

  attach(user: TransactionUser): void {
    this.#user = user;
  }

  get counts(): { server: number; client: number } {
    return { server: this.#servers.size, client: this.#clients.size };
  }

  /** Our Via for a request sent over a flow. */
  viaFor(flow: Flow, branch: string): string {
    return `SIP/2.0/${this.transport.wireName(flow.transport).toUpperCase()} ${this.transport.host}:${this.transport.localPort(flow.transport)};branch=${branch};rport`;
  }

  send(request: OutgoingRequest, flow: Flow, listener: ClientListener, branch?: string): ClientTransaction {
    const transaction = new ClientTransaction(this, request, flow, listener, branch);
    this.#clients.set(transaction.key, transaction);
    transaction.start();
    return transaction;
  }

  /** A request outside any transaction (the ACK of a 2xx): sent once, as is; a resent ACK passes its first branch, so it is the same request. */
  sendStateless(request: OutgoingRequest, flow: Flow, branch = newBranch()): void {
    const via = this.viaFor(flow, branch);
    this.transport.send(flow, serialiseRequest(request.method, request.uri, [['Via', via], ...request.headers], request.body ?? ''));
  }

  findInvite(branch: string): ServerTransaction | undefined {
    return this.#servers.get(`${branch}|INVITE`);
  }

  forgetServer(transaction: ServerTransaction): void {
    if (this.#servers.get(transaction.key) === transaction) this.#servers.delete(transaction.key);
    this.#tellSettleWaiters();
  }

  forgetClient(transaction: ClientTransaction): void {
    if (this.#clients.get(transaction.key) === transaction) this.#clients.delete(transaction.key);
    this.#tellSettleWaiters();
  }

  /**
   * The transactions a peer is still finishing with us: client ones without a final response (a BYE
   * being retransmitted, a CANCEL, the INVITE it cancels awaiting its 487) and INVITE server ones
   * whose final response awaits its ACK. Closing the sockets under them leaves the peer retrying.
   */
  unsettled(): { awaitingResponse: number; awaitingAck: number } {
    let awaitingResponse = 0;
    for (const transaction of this.#clients.values()) if (transaction.state === 'calling' || transaction.state === 'proceeding') awaitingResponse += 1;
    let awaitingAck = 0;
    for (const transaction of this.#servers.values()) if (transaction.isInvite && (transaction.state === 'completed' || transaction.state === 'accepted')) awaitingAck += 1;
    return { awaitingResponse, awaitingAck };
  }

  /** Resolves once nothing is unsettled, or at `deadlineMs` with what was left (the timers B/F/H are far longer than a stop should wait). */
  whenSettled(deadlineMs: number): Promise<TransactionsSettled> {
    return new Promise((resolve) => {
      const check = (): void => {
        const left = this.unsettled();
        if (left.awaitingResponse > 0 || left.awaitingAck > 0) return;
        finish();
      };
      const finish = (): void => {
        clearTimeout(deadline);
        this.#settleWaiters.delete(check);
        const left = this.unsettled();
        resolve({ settled: left.awaitingResponse === 0 && left.awaitingAck === 0, ...left });
      };
      const deadline = setTimeout(finish, deadlineMs);
      this.#settleWaiters.add(check);
      check();
    });
  }

  #tellSettleWaiters(): void {
    for (const check of [...this.#settleWaiters]) check();
  }

  stop(): void {
    for (const transaction of [...this.#servers.values()]) transaction.terminate();
    for (const transaction of [...this.#clients.values()]) transaction.terminate();
  }

  /** Everything the transport delivers comes through here. */
  receive(text: string, flow: Flow): void {
    const outcome = parseMessage(text);
    if (outcome.kind === 'unparseable') {
      this.#logger.warn({ reason: outcome.reason, from: `${flow.address}:${flow.port}`, transport: flow.transport }, 'sip message dropped');
      return;
    }
    if (outcome.kind === 'bad-request') {
      this.#logger.warn({ reason: outcome.reason, from: `${flow.address}:${flow.port}` }, 'sip request refused: 400');
      const headers = responseHeaders(outcome.headers, null, undefined);
      this.transport.send(flow, serialiseResponse(400, `Bad Request (${outcome.reason})`, headers));
      return;
    }
    const { message } = outcome;
    if (message.kind === 'response') this.#receiveResponse(message);
    else this.#receiveRequest(message, flow);
  }

  #receiveResponse(response: SipResponse): void {
    const branch = response.via[0]?.params.branch ?? '';
    const transaction = this.#clients.get(`${branch}|${response.cseq.method}`);
    if (transaction === undefined) {
      this.#logger.debug({ status: response.status, callId: response.callId }, 'stray sip response dropped');
      return;
    }
    transaction.received(response);
    this.#tellSettleWaiters();
  }

  #receiveRequest(request: SipRequest, flow: Flow): void {
    const user = this.#user;
    if (user === null) return;
    const branch = request.via[0]?.params.branch ?? '';
    if (request.method === 'ACK') {
      const invite = this.#servers.get(`${branch}|INVITE`);
      if (invite !== undefined && invite.state === 'completed') invite.acknowledged();
      else if (invite === undefined || invite.state !== 'confirmed') user.ack(request, flow);
      this.#tellSettleWaiters();
      return;
    }
    const key = `${branch}|${request.method}`;
    const existing = this.#servers.get(key);
    if (existing !== undefined) {
      existing.retransmitted();
      return;
    }
    const transaction = new ServerTransaction(this, request, flow, key);
    this.#servers.set(key, transaction);
    if (request.method === 'INVITE') transaction.respond(100);
    if (request.method === 'CANCEL') {
      const invite = this.#servers.get(`${branch}|INVITE`);
      if (invite === undefined) {
        transaction.respond(481);
        return;
      }
      transaction.respond(200);
      if (invite.state === 'proceeding') user.cancelled(invite);
      return;
    }
    user.request(request, transaction);
  }
}
