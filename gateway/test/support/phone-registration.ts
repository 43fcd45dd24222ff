/**
 * A desk phone's registration for sipp phones. sipp matches every message to a scenario by its
 * Call-ID, so one sipp cannot REGISTER and then take the gateway's INVITE (a new Call-ID). This
 * socket stands in front of the sipp phone, as the phone's NAT would: it REGISTERs (digest) with the
 * phone's contact, so the registrar's binding flow is this socket, and it relays everything between
 * the gateway and the sipp phone behind it, keeping a copy of the requests the phone was sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const token = (): string => randomBytes(6).toString('hex');

/** A request the gateway sent to the phone, as relayed. */
export interface RelayedRequest {
  method: string;
  callId: string;
  fromTag: string;
  /** The first value of each header, by lower-case name. */
  headers: Record<string, string>;
  body: string;
}

const headerOf = (text: string, name: string): string => {
  const head = text.split('\r\n\r\n')[0] ?? '';
  const line = head.split('\r\n').find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line === undefined ? '' : line.slice(line.indexOf(':') + 1).trim();
};

const parseRequest = (text: string): RelayedRequest => {
  const [head = '', ...rest] = text.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    if (name !== '' && headers[name] === undefined) headers[name] = line.slice(line.indexOf(':') + 1).trim();
  }
  return {
    method: lines[0]?.split(' ')[0] ?? '',
    callId: headers['call-id'] ?? '',
    fromTag: /;tag=([^;>\s]+)/.exec(headers.from ?? '')?.[1] ?? '',
    headers,
    body: rest.join('\r\n\r\n'),
  };
};

export class PhoneRegistration {
  readonly socket = dgram.createSocket('udp4');
  /** The contact registered: the sipp phone's own address. */
  readonly contact: string;
  /** Requests from the gateway relayed to the phone, in order. */
  readonly requests: RelayedRequest[] = [];
  readonly #gatewayPort: number;
  readonly #phonePort: number;
  readonly #callId = `reg-${token()}`;
  #cseq = 0;
  #response: ((text: string) => void) | null = null;
  readonly #waiters: Array<() => void> = [];

  private constructor(gatewayPort: number, phonePort: number, user: string) {
    this.#gatewayPort = gatewayPort;
    this.#phonePort = phonePort;
    this.contact = `sip:${user}@127.0.0.1:${phonePort}`;
  }

  /** Opens the relay for the sipp phone listening on `phonePort` (UDP). */
  static async open(gatewayPort: number, phonePort: number, user: string): Promise<PhoneRegistration> {
    const registration = new PhoneRegistration(gatewayPort, phonePort, user);
    await new Promise<void>((resolve) => registration.socket.bind(0, '127.0.0.1', () => resolve()));
    registration.socket.on('message', (packet, from) => registration.#relay(packet, from.port));
    return registration;
  }

  /** REGISTER with digest (answering the 401); resolves with the final status. */
  async register(credentials: { uri: string; authorizationUser: string; password: string }): Promise<number> {
    const first = await this.#send(credentials.uri, null);
    if (!first.startsWith('SIP/2.0 401')) return Number(first.split(' ')[1]);
    const challenge = headerOf(first, 'WWW-Authenticate');
    const realm = /realm="([^"]*)"/.exec(challenge)?.[1] ?? '';
    const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '';
    const uri = `sip:${realm}`;
    const cnonce = token();
    const response = md5(`${md5(`${credentials.authorizationUser}:${realm}:${credentials.password}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
    const authorization = `Digest username="${credentials.authorizationUser}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${cnonce}"`;
    return Number((await this.#send(credentials.uri, authorization)).split(' ')[1]);
  }

  /** Resolves with the first relayed request of `method` (waiting for it when none came yet). */
  async nextRequest(method: string, timeoutMs = 20_000): Promise<RelayedRequest> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests.find((request) => request.method === method);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${method} reached ${this.contact} (got ${this.requests.map((request) => request.method).join(', ') || 'nothing'})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  #send(aor: string, authorization: string | null): Promise<string> {
    this.#cseq += 1;
    const port = this.socket.address().port;
    const lines = [
      `REGISTER sip:${aor.slice(aor.indexOf('@') + 1)} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${token()};rport`,
      `From: <${aor}>;tag=${token()}`,
      `To: <${aor}>`,
      `Call-ID: ${this.#callId}`,
      `CSeq: ${this.#cseq} REGISTER`,
      `Contact: <${this.contact}>`,
      'Expires: 600',
      'Max-Forwards: 70',
      ...(authorization === null ? [] : [`Authorization: ${authorization}`]),
      'Content-Length: 0',
    ];
    const answered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to REGISTER for ${this.contact}`)), 10_000);
      this.#response = (text) => {
        clearTimeout(timer);
        resolve(text);
      };
    });
    this.socket.send(`${lines.join('\r\n')}\r\n\r\n`, this.#gatewayPort, '127.0.0.1');
    return answered;
  }

  #relay(packet: Buffer, fromPort: number): void {
    const text = packet.toString('utf8');
    if (fromPort === this.#phonePort) {
      this.socket.send(packet, this.#gatewayPort, '127.0.0.1');
      return;
    }
    if (text.startsWith('SIP/2.0 ')) {
      // Responses to our REGISTERs end here (final ones only); any other response is the phone's business.
      if (headerOf(text, 'Call-ID') === this.#callId) {
        if (!text.startsWith('SIP/2.0 1')) this.#response?.(text);
        return;
      }
    } else {
      this.requests.push(parseRequest(text));
      for (const wake of this.#waiters.splice(0)) wake();
    }
    this.socket.send(packet, this.#phonePort, '127.0.0.1');
  }
}
