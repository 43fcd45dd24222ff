/**
 * A WebRTC agent's (or website visitor's) SIP user agent over a real WebSocket, speaking SIP text
 * the way JsSIP does (subprotocol 'sip', Via SIP/2.0/WS with a made-up .invalid host, Contact
 * sip:<random>@<random>.invalid;transport=ws). JsSIP itself cannot place or answer calls in Node
 * (no RTCPeerConnection), so the call tests use this; the registration tests use JsSIP itself.
 * The SDP it offers and answers is a fixed WebRTC-shaped description: media is not exercised.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { parseMessage, reasonPhrase, type SipRequest, type SipResponse } from '../../src/sip/message.ts';

const token = (bytes = 6): string => randomBytes(bytes).toString('hex');
const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

export const browserSdp = (name: string, direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' = 'sendrecv'): string =>
  [
    'v=0',
    `o=${name} 4611731400430051336 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${name.slice(0, 4)}`,
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
    'a=setup:actpass',
    'a=mid:0',
    `a=${direction}`,
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');

/** Mirrors an offer's direction in an answer (sendonly -> recvonly). */
const answerDirection = (offer: string): 'sendrecv' | 'recvonly' | 'inactive' => {
  if (/a=sendonly/.test(offer)) return 'recvonly';
  if (/a=inactive/.test(offer)) return 'inactive';
  return 'sendrecv';
};

interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** The From/To as we send them (local URI, remote URI). */
  local: string;
  remote: string;
  remoteTarget: string;
  cseq: number;
}

export class WsAgent {
  readonly contactUser = token(4);
  readonly viaHost = `${token(4)}.invalid`;
  readonly received: SipRequest[] = [];
  /**
   * What the agent does with an INVITE: ring (180) and answer after a delay (or refuse with
   * `status`), only ring ('ring': a CANCEL then gets 200 and the INVITE 487, as JsSIP does), or nothing.
   */
  answerInvites: { delayMs: number; status?: number } | 'ring' | null = { delayMs: 100 };
  dialog: Dialog | null = null;
  /** The close code once the socket has closed (1008 when the gateway closed it for a revoked session), else null. */
  closeCode: number | null = null;
  readonly #socket: WebSocket;
  readonly #waiters: Array<{ match: (message: SipRequest | SipResponse) => boolean; resolve: (message: SipRequest | SipResponse) => void }> = [];
  readonly #name: string;

  private constructor(socket: WebSocket, name: string) {
    this.#socket = socket;
    this.#name = name;
    socket.on('message', (data: Buffer) => this.#receive(data.toString('utf8')));
    socket.on('close', (code: number) => {
      this.closeCode = code;
    });
  }

  static connect(url: string, name = 'webrtc-agent', protocol: string | null = 'sip'): Promise<WsAgent> {
    return new Promise((resolve, reject) => {
      const socket = protocol === null ? new WebSocket(url) : new WebSocket(url, protocol);
      socket.once('open', () => resolve(new WsAgent(socket, name)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
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

  /** REGISTER with digest, answering the 401 challenge; resolves with the final response. */
  async register(credentials: { uri: string; authorizationUser: string; password: string }, expires = 600): Promise<SipResponse> {
    const callId = token(8);
    const fromTag = token();
    let cseq = 1;
    const domain = credentials.uri.replace(/^sip:[^@]*@/, '');
    const send = (authorization: string | null): Promise<SipResponse> => {
      const branch = `z9hG4bK${token()}`;
      const lines = [
        `REGISTER sip:${domain} SIP/2.0`,
        `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
        'Max-Forwards: 69',
        `To: <${credentials.uri}>`,
        `From: <${credentials.uri}>;tag=${fromTag}`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq++} REGISTER`,
        `Contact: <${this.contact}>;+sip.instance="<urn:uuid:${this.contactUser}>";expires=${expires}`,
        `Expires: ${expires}`,
        ...(authorization === null ? [] : [`Authorization: ${authorization}`]),
        'Content-Length: 0',
      ];
      return this.#request(lines, '', branch);
    };
    const first = await send(null);
    if (first.status !== 401) return first;
    const challenge = first.headers['www-authenticate'] ?? '';
    const realm = /realm="([^"]*)"/.exec(challenge)?.[1] ?? '';
    const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
    const uri = `sip:${domain}`;
    const cnonce = token();
    const ha1 = md5(`${credentials.authorizationUser}:${realm}:${credentials.password}`);
    const ha2 = md5(`REGISTER:${uri}`);
    const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
    return send(`Digest algorithm=MD5, username="${credentials.authorizationUser}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", qop=auth, cnonce="${cnonce}", nc=00000001`);
  }

  /** Places a call (a website visitor): INVITE with a WebRTC offer, ACKs the 200; resolves with the final response. */
  async call(requestUri: string): Promise<SipResponse> {
    const callId = token(8);
    const localTag = token();
    const local = `"Visitor" <sip:visitor-${this.contactUser}@${this.viaHost}>`;
    const remote = `<${requestUri}>`;
    const branch = `z9hG4bK${token()}`;
    const lines = [
      `INVITE ${requestUri} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
      'Max-Forwards: 69',
      `To: ${remote}`,
      `From: ${local};tag=${localTag}`,
      `Call-ID: ${callId}`,
      'CSeq: 1 INVITE',
      `Contact: <${this.contact};ob>`,
      'Content-Type: application/sdp',
    ];
    const response = await this.#request(lines, browserSdp(this.#name), branch, (r) => r.status >= 200);
    if (response.status >= 200 && response.status < 300) {
      this.dialog = { callId, localTag, remoteTag: response.to.params.tag ?? '', local, remote, remoteTarget: /<([^>]+)>/.exec(response.headers.contact ?? '')?.[1] ?? requestUri, cseq: 1 };
      this.#sendAck(this.dialog, 1);
    }
    return response;
  }

  /** A re-INVITE in the current dialog (hold: 'sendonly'); ACKs a 2xx and resolves with the final response. */
  async reinvite(direction: 'sendrecv' | 'sendonly' | 'inactive'): Promise<SipResponse> {
    const dialog = this.#requireDialog();
    dialog.cseq += 1;
    const seq = dialog.cseq;
    const branch = `z9hG4bK${token()}`;
    const lines = [...this.#dialogLines(dialog, 'INVITE', seq, branch), `Contact: <${this.contact}>`, 'Content-Type: application/sdp'];
    const response = await this.#request(lines, browserSdp(this.#name, direction), branch, (r) => r.status >= 200);
    if (response.status < 300) this.#sendAck(dialog, seq);
    return response;
  }

  /** DTMF as JsSIP sends it (INFO, application/dtmf-relay). */
  info(digit: string): Promise<SipResponse> {
    const dialog = this.#requireDialog();
    dialog.cseq += 1;
    const branch = `z9hG4bK${token()}`;
    const lines = [...this.#dialogLines(dialog, 'INFO', dialog.cseq, branch), 'Content-Type: application/dtmf-relay'];
    return this.#request(lines, `Signal=${digit}\r\nDuration=100\r\n`, branch);
  }

  bye(): Promise<SipResponse> {
    const dialog = this.#requireDialog();
    dialog.cseq += 1;
    const branch = `z9hG4bK${token()}`;
    return this.#request(this.#dialogLines(dialog, 'BYE', dialog.cseq, branch), '', branch);
  }

  /** Resolves with the next request of `method` received (or already received and not yet taken). */
  nextRequest(method: string, timeoutMs = 10_000): Promise<SipRequest> {
    return this.#waitFor((message) => message.kind === 'request' && message.method === method, timeoutMs) as Promise<SipRequest>;
  }

  #requireDialog(): Dialog {
    if (this.dialog === null) throw new Error('no dialog');
    return this.dialog;
  }

  #dialogLines(dialog: Dialog, method: string, seq: number, branch: string): string[] {
    return [
      `${method} ${dialog.remoteTarget} SIP/2.0`,
      `Via: SIP/2.0/WS ${this.viaHost};branch=${branch}`,
      'Max-Forwards: 69',
      `To: ${dialog.remote};tag=${dialog.remoteTag}`,
      `From: ${dialog.local};tag=${dialog.localTag}`,
      `Call-ID: ${dialog.callId}`,
      `CSeq: ${seq} ${method}`,
    ];
  }

  #sendAck(dialog: Dialog, seq: number): void {
    this.#send([...this.#dialogLines(dialog, 'ACK', seq, `z9hG4bK${token()}`)], '');
  }

  #request(lines: string[], body: string, branch: string, final: (response: SipResponse) => boolean = (r) => r.status >= 200): Promise<SipResponse> {
    const waiting = this.#waitFor((message) => message.kind === 'response' && message.via[0]?.params.branch === branch && final(message), 10_000);
    this.#send(lines, body);
    return waiting as Promise<SipResponse>;
  }

  #send(lines: string[], body: string): void {
    this.#socket.send(`${lines.join('\r\n')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }

  #respond(request: SipRequest, status: number, reason: string, extra: string[] = [], body = ''): void {
    const toTag = request.to.params.tag === undefined && status > 100 ? `;tag=${this.dialog?.callId === request.callId ? this.dialog.localTag : token()}` : '';
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      `Via: ${request.headers.via ?? ''}`,
      `From: ${request.headers.from ?? ''}`,
      `To: ${request.headers.to ?? ''}${toTag}`,
      `Call-ID: ${request.callId}`,
      `CSeq: ${request.headers.cseq ?? ''}`,
      ...extra,
    ];
    this.#send(lines, body);
  }

  #receive(text: string): void {
    const outcome = parseMessage(text);
    if (outcome.kind !== 'message') return;
    const message = outcome.message;
    if (message.kind === 'request') {
      this.received.push(message);
      this.#answer(message);
    }
    const index = this.#waiters.findIndex((waiter) => waiter.match(message));
    if (index >= 0) {
      const [waiter] = this.#waiters.splice(index, 1);
      waiter?.resolve(message);
    } else if (message.kind === 'request') this.#unclaimed.push(message);
  }

  readonly #unclaimed: SipRequest[] = [];

  #waitFor(match: (message: SipRequest | SipResponse) => boolean, timeoutMs: number): Promise<SipRequest | SipResponse> {
    const early = this.#unclaimed.findIndex((message) => match(message));
    if (early >= 0) return Promise.resolve(this.#unclaimed.splice(early, 1)[0] as SipRequest);
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
        reject(new Error(`${this.#name}: timed out waiting for a SIP message`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** What the UA does by itself: answer INVITEs (first ones after ringing, re-INVITEs at once), 200 to BYE and INFO. */
  #answer(request: SipRequest): void {
    const contact = `Contact: <${this.contact}>`;
    if (request.method === 'INVITE' && request.to.params.tag === undefined) {
      const answer = this.answerInvites;
      if (answer === null) return;
      if (answer === 'ring' || (answer.status !== undefined && answer.status !== 200)) {
        this.#ringing.set(request.via[0]?.params.branch ?? '', request);
        this.#respond(request, 180, 'Ringing', [contact]);
        if (answer !== 'ring' && answer.status !== undefined) setTimeout(() => this.refuse(request, answer.status ?? 486), answer.delayMs);
        return;
      }
      const localTag = token();
      this.dialog = {
        callId: request.callId,
        localTag,
        remoteTag: request.from.params.tag ?? '',
        local: request.headers.to ?? '',
        remote: request.headers.from?.replace(/;tag=[^;]*/, '') ?? '',
        remoteTarget: /<([^>]+)>/.exec(request.headers.contact ?? '')?.[1] ?? request.from.uri,
        cseq: 100,
      };
      this.#respond(request, 180, 'Ringing', [contact]);
      setTimeout(() => this.#respond(request, 200, 'OK', [contact, 'Content-Type: application/sdp'], browserSdp(this.#name)), answer.delayMs);
      return;
    }
    if (request.method === 'INVITE') {
      this.#respond(request, 200, 'OK', [contact, 'Content-Type: application/sdp'], browserSdp(this.#name, answerDirection(request.body)));
      return;
    }
    if (request.method === 'BYE' || request.method === 'INFO' || request.method === 'OPTIONS' || request.method === 'CANCEL') this.#respond(request, 200, 'OK');
    const ringing = request.method === 'CANCEL' ? this.#ringing.get(request.via[0]?.params.branch ?? '') : undefined;
    if (ringing !== undefined) this.refuse(ringing, 487);
  }

  /** INVITEs this agent let ring without answering, by branch. */
  readonly #ringing = new Map<string, SipRequest>();

  /** Refuses an INVITE still ringing here (486, 603, 487 after a CANCEL); nothing once it has a final response. */
  refuse(invite: SipRequest, status: number): void {
    const branch = invite.via[0]?.params.branch ?? '';
    if (!this.#ringing.delete(branch)) return;
    this.#respond(invite, status, reasonPhrase(status));
  }
}
