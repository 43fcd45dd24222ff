/**
 * An agent's softphone that dials out over a real WebSocket, speaking SIP text as JsSIP does: it
 * registers with digest, sends INVITE sip:+E164@domain, answers the 407 challenge with
 * Proxy-Authorization (the same credentials), and keeps every response it got (provisional ones
 * too) so a test can assert what the agent saw. It ACKs final responses, answers the gateway's BYE,
 * and can CANCEL or BYE itself.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { parseMessage, type SipRequest, type SipResponse } from '../../src/sip/message.ts';
import { browserSdp } from './ws-agent.ts';

const token = (bytes = 6): string => randomBytes(bytes).toString('hex');
const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

export interface SoftphoneCredentials {
  uri: string;
  authorizationUser: string;
  password: string;
}

/** The digest answer to a WWW-/Proxy-Authenticate challenge (qop=auth). */
const digestAnswer = (challengeHeader: string, method: string, uri: string, credentials: SoftphoneCredentials): string => {
  const realm = /realm="([^"]*)"/.exec(challengeHeader)?.[1] ?? '';
  const nonce = /nonce="([^"]*)"/.exec(challengeHeader)?.[1] ?? '';
  const cnonce = token();
  const ha1 = md5(`${credentials.authorizationUser}:${realm}:${credentials.password}`);
  const ha2 = md5(`${method}:${uri}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
  return `Digest algorithm=MD5, username="${credentials.authorizationUser}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, cnonce="${cnonce}", nc=00000001`;
};

interface OutgoingCall {
  callId: string;
  localTag: string;
  requestUri: string;
  from: string;
  to: string;
  cseq: number;
  branch: string;
  remoteTag: string | null;
  remoteTarget: string | null;
}

export class WsDiallingAgent {
  readonly contactUser = token(4);
  readonly viaHost = `${token(4)}.invalid`;
  /** Every response to the call's INVITEs, in order (100, 407, 180, 183, 200, 486...). */
  readonly responses: SipResponse[] = [];
  /** Requests the gateway sent (BYE, re-INVITE). */
  readonly requests: SipRequest[] = [];
  readonly #socket: WebSocket;
  readonly #credentials: SoftphoneCredentials;
  readonly #waiters: Array<{ match: (message: SipRequest | SipResponse) => boolean; resolve: (message: SipRequest | SipResponse) => void }> = [];
  readonly #unclaimed: Array<SipRequest | SipResponse> = [];
  #call: OutgoingCall | null = null;

  private constructor(socket: WebSocket, credentials: SoftphoneCredentials) {
    this.#socket = socket;
    this.#credentials = credentials;
    socket.on('message', (data: Buffer) => this.#receive(data.toString('utf8')));
  }

  static connect(url: string, credentials: SoftphoneCredentials): Promise<WsDiallingAgent> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, 'sip');
      socket.once('open', () => resolve(new WsDiallingAgent(socket, credentials)));
      socket.once('error', reject);
    });
  }

  get domain(): string {
    return this.#credentials.uri.replace(/^sip:[^@]*@/, '');
  }

  get contact(): string {
    return `sip:${this.contactUser}@${this.viaHost};transport=ws`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#socket.readyState === WebSocket.CLOSED) return resolve();
      this.#socket.once('close', () => resolve());
      this.#socket.close();
    });
  }

  /** REGISTER, answering the 401; resolves with the final status. */
  async register(): Promise<number> {
    const callId = token(8);
    const fromTag = token();
    const uri = `sip:${this.domain}`;
    const send = (cseq: number, authorization: string | null): Promise<SipResponse> => {
      const branch = `z9hG4bK${token()}`;
      const lines = [
        `REGISTER ${uri} SIP/2.0`,
        `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
        'Max-Forwards: 69',
        `To: <${this.#credentials.uri}>`,
        `From: <${this.#credentials.uri}>;tag=${fromTag}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <${this.contact}>;expires=600`,
        ...(authorization === null ? [] : [`Authorization: ${authorization}`]),
      ];
      return this.#finalResponse(lines, '', branch);
    };
    const first = await send(1, null);
    if (first.status !== 401) return first.status;
    return (await send(2, digestAnswer(first.headers['www-authenticate'] ?? '', 'REGISTER', uri, this.#credentials))).status;
  }

  /**
   * Dials `number` (sip:<number>@domain): INVITE, and on a 407 the same INVITE again with
   * Proxy-Authorization. `authenticate: false` leaves the 407 unanswered. Resolves with the final
   * response of the last INVITE.
   */
  async dial(number: string, options: { authenticate?: boolean; password?: string } = {}): Promise<SipResponse> {
    const requestUri = `sip:${number}@${this.domain}`;
    const call: OutgoingCall = {
      callId: token(8),
      localTag: token(),
      requestUri,
      from: `<${this.#credentials.uri}>`,
      to: `<${requestUri}>`,
      cseq: 1,
      branch: `z9hG4bK${token()}`,
      remoteTag: null,
      remoteTarget: null,
    };
    this.#call = call;
    const first = await this.#invite(call, null);
    if (first.status !== 407 || options.authenticate === false) return first;
    call.cseq += 1;
    call.branch = `z9hG4bK${token()}`;
    const credentials = options.password === undefined ? this.#credentials : { ...this.#credentials, password: options.password };
    return this.#invite(call, digestAnswer(first.headers['proxy-authenticate'] ?? '', 'INVITE', requestUri, credentials));
  }

  /** Resolves once a response with `status` to the current INVITE has arrived. */
  responseWith(status: number, timeoutMs = 10_000): Promise<SipResponse> {
    const seen = this.responses.find((response) => response.status === status && response.via[0]?.params.branch === this.#call?.branch);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.#waitFor((message) => message.kind === 'response' && message.status === status && message.via[0]?.params.branch === this.#call?.branch, timeoutMs) as Promise<SipResponse>;
  }

  /** CANCEL of the ringing INVITE. */
  cancel(): void {
    const call = this.#requireCall();
    this.#send(
      [
        `CANCEL ${call.requestUri} SIP/2.0`,
        `Via: SIP/2.0/WS ${this.viaHost};branch=${call.branch}`,
        'Max-Forwards: 69',
        `To: ${call.to}`,
        `From: ${call.from};tag=${call.localTag}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${call.cseq} CANCEL`,
      ],
      '',
    );
  }

  /** BYE of the answered call; resolves with its final response. */
  bye(): Promise<SipResponse> {
    const call = this.#requireCall();
    call.cseq += 1;
    const branch = `z9hG4bK${token()}`;
    return this.#finalResponse(
      [
        `BYE ${call.remoteTarget ?? call.requestUri} SIP/2.0`,
        `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
        'Max-Forwards: 69',
        `To: ${call.to};tag=${call.remoteTag ?? ''}`,
        `From: ${call.from};tag=${call.localTag}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${call.cseq} BYE`,
      ],
      '',
      branch,
    );
  }

  /** Resolves with the next request of `method` the gateway sends (or one already received). */
  nextRequest(method: string, timeoutMs = 10_000): Promise<SipRequest> {
    return this.#waitFor((message) => message.kind === 'request' && message.method === method, timeoutMs) as Promise<SipRequest>;
  }

  async #invite(call: OutgoingCall, proxyAuthorization: string | null): Promise<SipResponse> {
    const lines = [
      `INVITE ${call.requestUri} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.viaHost};branch=${call.branch}`,
      'Max-Forwards: 69',
      `To: ${call.to}`,
      `From: ${call.from};tag=${call.localTag}`,
      `Call-ID: ${call.callId}`,
      `CSeq: ${call.cseq} INVITE`,
      `Contact: <${this.contact};ob>`,
      ...(proxyAuthorization === null ? [] : [`Proxy-Authorization: ${proxyAuthorization}`]),
      'Content-Type: application/sdp',
    ];
    const response = await this.#finalResponse(lines, browserSdp('agent-softphone'), call.branch);
    call.remoteTag = response.to.params.tag ?? null;
    if (response.status < 300) {
      call.remoteTarget = /<([^>]+)>/.exec(response.headers.contact ?? '')?.[1] ?? call.requestUri;
      // The ACK of a 2xx is its own transaction (new branch), sent to the remote target.
      this.#sendAck(call, call.remoteTarget, `z9hG4bK${token()}`, response);
    } else {
      // The ACK of a non-2xx belongs to the INVITE's transaction (same branch, RFC 3261 17.1.1.3).
      this.#sendAck(call, call.requestUri, call.branch, response);
    }
    return response;
  }

  #sendAck(call: OutgoingCall, uri: string, branch: string, response: SipResponse): void {
    this.#send(
      [
        `ACK ${uri} SIP/2.0`,
        `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
        'Max-Forwards: 69',
        `To: ${response.headers.to ?? call.to}`,
        `From: ${call.from};tag=${call.localTag}`,
        `Call-ID: ${call.callId}`,
        `CSeq: ${call.cseq} ACK`,
      ],
      '',
    );
  }

  #requireCall(): OutgoingCall {
    if (this.#call === null) throw new Error('no call placed');
    return this.#call;
  }

  /** The final response to the request sent (a CANCEL's 200 shares the INVITE's branch: the CSeq method tells them apart). */
  #finalResponse(lines: string[], body: string, branch: string): Promise<SipResponse> {
    const method = /^(\S+)/.exec(lines[0] ?? '')?.[1] ?? '';
    const waiting = this.#waitFor(
      (message) => message.kind === 'response' && message.via[0]?.params.branch === branch && message.cseq.method === method && message.status >= 200,
      15_000,
    );
    this.#send(lines, body);
    return waiting as Promise<SipResponse>;
  }

  #send(lines: string[], body: string): void {
    this.#socket.send(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  #respond(request: SipRequest, status: number, reason: string): void {
    this.#send(
      [
        `SIP/2.0 ${status} ${reason}`,
        `Via: ${request.headers.via ?? ''}`,
        `From: ${request.headers.from ?? ''}`,
        `To: ${request.headers.to ?? ''}`,
        `Call-ID: ${request.callId}`,
        `CSeq: ${request.headers.cseq ?? ''}`,
      ],
      '',
    );
  }

  #receive(text: string): void {
    const outcome = parseMessage(text);
    if (outcome.kind !== 'message') return;
    const message = outcome.message;
    if (message.kind === 'request') {
      this.requests.push(message);
      if (message.method === 'BYE' || message.method === 'INFO' || message.method === 'OPTIONS') this.#respond(message, 200, 'OK');
    } else if (message.cseq.method === 'INVITE' && message.callId === this.#call?.callId) {
      // Retransmitted final responses (our ACK crossed them) are kept once.
      const repeat = message.status >= 200 && this.responses.some((seen) => seen.status === message.status && seen.via[0]?.params.branch === message.via[0]?.params.branch);
      if (!repeat) this.responses.push(message);
    }
    const index = this.#waiters.findIndex((waiter) => waiter.match(message));
    if (index >= 0) {
      const [waiter] = this.#waiters.splice(index, 1);
      waiter?.resolve(message);
    } else this.#unclaimed.push(message);
  }

  #waitFor(match: (message: SipRequest | SipResponse) => boolean, timeoutMs: number): Promise<SipRequest | SipResponse> {
    const early = this.#unclaimed.findIndex((message) => match(message));
    if (early >= 0) return Promise.resolve(this.#unclaimed.splice(early, 1)[0] as SipRequest | SipResponse);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (message: SipRequest | SipResponse) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error('softphone: timed out waiting for a SIP message'));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }
}
