/**
 * SIP over UDP and TCP on one port number, over TLS on its own port (when configured, see
 * tls-settings.ts), and over WebSocket (RFC 7118) on connections handed in by the HTTP server (see
 * websocket-endpoint.ts): one SIP message per frame. UDP datagrams are whole messages; TCP and TLS
 * are byte streams framed by the blank line after the headers and the Content-Length. A connection whose framing is
 * lost (a header block that does not parse, or no header end within the size limit) is closed:
 * nothing after it on that stream can be trusted. Responses and in-dialog requests go back over the
 * flow (connection or address) they belong to.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { CoreLogger } from '@cc/core';
import type { WebSocket } from 'ws';
import { contentLengthOf } from './message.ts';
import { type SipTlsSettings, SipTlsSettingError } from './tls-settings.ts';

export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws';

/** Where a message came from, or where one goes: an address, and for TCP/TLS/WS the connection. */
export interface Flow {
  transport: TransportName;
  address: string;
  port: number;
  connection?: net.Socket;
  /** The WebSocket a WS flow is bound to: nothing can be sent to a WS peer any other way. */
  websocket?: WebSocket;
}

export type MessageHandler = (text: string, flow: Flow) => void;

/** Largest header block (and message) accepted on a stream before the connection is dropped. */
const MAX_STREAM_MESSAGE = 64 * 1024;
/**
 * The UDP socket's receive buffer: room for the datagrams of a few hundred calls while the event
 * loop is busy (a GC pause, a burst of appends). The default (~200 KB) overflowed at 200 calls/s and
 * every dropped INVITE cost its caller a 0.5 s+ retransmission. The kernel caps it at net.core.rmem_max.
 */
const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

const normaliseAddress = (address: string): string => (address.startsWith('::ffff:') ? address.slice(7) : address);

export class SipTransport {
  readonly #host: string;
  readonly #logger: CoreLogger;
  readonly #onMessage: MessageHandler;
  #udp: dgram.Socket | null = null;
  #tcp: net.Server | null = null;
  #tls: tls.Server | null = null;
  /** How connections we open over TLS check the far end (from SipTlsSettings). */
  #tlsClient: tls.ConnectionOptions = {};
  /** Open TCP and TLS connections by `transport:address:port` of the far end. */
  readonly #connections = new Map<string, net.Socket>();
  readonly #websockets = new Set<WebSocket>();
  readonly #websocketClosedHandlers: Array<(websocket: WebSocket) => void> = [];
  udpPort = 0;
  tcpPort = 0;
  /** The TLS listener's port, 0 when there is none (then nothing is sent over TLS either). */
  tlsPort = 0;
  /** The HTTP port the WebSocket endpoint is on (for Via/Contact), 0 when there is none. */
  wsPort = 0;
  /** The WebSocket endpoint is on an HTTPS server: our Via and Contact say WSS. */
  wsSecure = false;

  constructor(host: string, logger: CoreLogger, onMessage: MessageHandler) {
    this.#host = host;
    this.#logger = logger;
    this.#onMessage = onMessage;
  }

  get host(): string {
    return this.#host;
  }

  /** Binds UDP and TCP to `port`; port 0 picks a free number shared by both. */
  async listen(port: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const udp = await this.#bindUdp(port);
      const udpPort = udp.address().port;
      try {
        this.#tcp = await this.#listenTcp(udpPort);
        this.#udp = udp;
        this.udpPort = udpPort;
        this.tcpPort = udpPort;
        return;
      } catch (error) {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        // With a random port the TCP side may be taken by someone else: try another number.
        if (port !== 0 || attempt >= 10) throw error;
      }
    }
  }

  /**
   * Listens for SIP over TLS (port 0: a free one). Peers' certificates are not asked for (phones
   * rarely have one); the ones of peers we connect to are checked unless `verifyPeers` is off.
   */
  async listenTls(settings: SipTlsSettings): Promise<void> {
    const server = tls.createServer({ cert: settings.cert, key: settings.key }, (socket) => this.#adopt(socket, 'tls'));
    server.on('tlsClientError', (error, socket) => this.#logger.debug({ err: error.message, peer: `${socket.remoteAddress}:${socket.remotePort}` }, 'sip tls handshake failed'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new SipTlsSettingError(`SIP_TLS_PORT: cannot listen on ${this.#host}:${settings.port} (${error.message})`)));
      server.listen(settings.port, this.#host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    const address = server.address();
    this.tlsPort = address !== null && typeof address === 'object' ? address.port : settings.port;
    // The bundled roots stay trusted next to SIP_TLS_CA (a `ca` alone would replace them).
    this.#tlsClient = { rejectUnauthorized: settings.verifyPeers, ...(settings.ca === null ? {} : { ca: [...tls.rootCertificates, settings.ca.toString('utf8')] }) };
    this.#tls = server;
  }

  /** Our port for a transport, as Via sent-by and Contact give it. */
  localPort(transport: TransportName): number {
    if (transport === 'udp') return this.udpPort;
    if (transport === 'tls') return this.tlsPort;
    return transport === 'ws' ? this.wsPort : this.tcpPort;
  }

  /** The transport as Via and `;transport=` name it (lower case): a WebSocket on HTTPS is `wss`. */
  wireName(transport: TransportName): string {
    return transport === 'ws' && this.wsSecure ? 'wss' : transport;
  }

  send(flow: Flow, text: string, onError?: (error: Error) => void): void {
    if (flow.transport === 'ws') {
      const websocket = flow.websocket;
      if (websocket === undefined || websocket.readyState !== websocket.OPEN) {
        onError?.(new Error('websocket closed'));
        return;
      }
      websocket.send(text, (error) => {
        if (error) onError?.(error);
      });
      return;
    }
    if (flow.transport === 'udp') {
      this.#udp?.send(text, flow.port, flow.address, (error) => {
        if (error) {
          this.#logger.warn({ err: error.message, to: `${flow.address}:${flow.port}` }, 'sip udp send failed');
          onError?.(error);
        }
      });
      return;
    }
    const connection = this.#connectionFor(flow, onError);
    if (connection === null) {
      onError?.(new Error('transport closed'));
      return;
    }
    connection.write(text);
  }

  /** Flow to a target taken from a URI: the open connection to it when TCP/TLS, else a new one on demand. */
  flowTo(transport: 'udp' | 'tcp' | 'tls', address: string, port: number): Flow {
    return { transport, address: normaliseAddress(address), port };
  }

  /** Takes a WebSocket (subprotocol 'sip') accepted by the HTTP server: each frame is one SIP message. */
  adoptWebSocket(websocket: WebSocket, remote: { address: string; port: number }): void {
    this.#websockets.add(websocket);
    const flow: Flow = { transport: 'ws', address: normaliseAddress(remote.address), port: remote.port, websocket };
    websocket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      // RFC 7118 has no keep-alive frames of its own, but some clients send CRLF pings.
      if (text.trim() === '') return;
      this.#deliver(text, flow);
    });
    websocket.on('error', (error) => this.#logger.debug({ err: error.message, peer: `${flow.address}:${flow.port}` }, 'sip websocket error'));
    websocket.on('close', () => {
      this.#websockets.delete(websocket);
      for (const handler of this.#websocketClosedHandlers) handler(websocket);
    });
  }

  /** Called for every WebSocket that closes (the registrar drops its bindings). */
  onWebSocketClosed(handler: (websocket: WebSocket) => void): void {
    this.#websocketClosedHandlers.push(handler);
  }

  async close(): Promise<void> {
    for (const websocket of this.#websockets) websocket.terminate();
    this.#websockets.clear();
    for (const connection of this.#connections.values()) connection.destroy();
    this.#connections.clear();
    const udp = this.#udp;
    const tcp = this.#tcp;
    const tlsServer = this.#tls;
    this.#udp = null;
    this.#tcp = null;
    this.#tls = null;
    await Promise.all([
      udp === null ? undefined : new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp === null ? undefined : new Promise<void>((resolve) => tcp.close(() => resolve())),
      tlsServer === null ? undefined : new Promise<void>((resolve) => tlsServer.close(() => resolve())),
    ]);
  }

  #bindUdp(port: number): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: net.isIPv6(this.#host) ? 'udp6' : 'udp4', recvBufferSize: UDP_RECEIVE_BUFFER_BYTES });
      socket.once('error', reject);
      socket.bind(port, this.#host, () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.#logger.warn({ err: error.message }, 'sip udp socket error'));
        socket.on('message', (data, remote) => {
          this.#deliver(data.toString('utf8'), { transport: 'udp', address: normaliseAddress(remote.address), port: remote.port });
        });
        resolve(socket);
      });
    });
  }

  #listenTcp(port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => this.#adopt(socket, 'tcp'));
      server.once('error', reject);
      server.listen(port, this.#host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  #connectionFor(flow: Flow, onConnectError?: (error: Error) => void): net.Socket | null {
    const secure = flow.transport === 'tls';
    if ((secure ? this.#tls : this.#tcp) === null) return null;
    if (flow.connection !== undefined && !flow.connection.destroyed) return flow.connection;
    const key = `${flow.transport}:${flow.address}:${flow.port}`;
    const open = this.#connections.get(key);
    if (open !== undefined && !open.destroyed) return open;
    const socket = secure ? this.#connectTls(flow) : net.connect({ host: flow.address, port: flow.port });
    if (onConnectError !== undefined) socket.once('error', onConnectError);
    this.#adopt(socket, secure ? 'tls' : 'tcp', key);
    return socket;
  }

  /** A TLS connection to a peer; writes wait for the handshake, a certificate that fails the check ends it with an error. */
  #connectTls(flow: Flow): tls.TLSSocket {
    // SNI carries host names only, never addresses; the certificate is checked against either.
    const socket = tls.connect({ host: flow.address, port: flow.port, ...(net.isIP(flow.address) === 0 ? { servername: flow.address } : {}), ...this.#tlsClient });
    let secured = false;
    socket.once('secureConnect', () => {
      secured = true;
    });
    socket.once('error', (error) => {
      if (secured) return;
      this.#logger.warn({ err: error.message, peer: `${flow.address}:${flow.port}` }, 'sip tls connection failed (certificate checks: SIP_TLS_CA, SIP_TLS_VERIFY)');
    });
    return socket;
  }

  /** Reads framed messages from a connection (accepted or dialled) and keeps it for replies. */
  #adopt(socket: net.Socket, transport: 'tcp' | 'tls', knownKey?: string): void {
    const remote = (): Flow => ({ transport, address: normaliseAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0, connection: socket });
    const key = knownKey ?? `${transport}:${remote().address}:${remote().port}`;
    this.#connections.set(key, socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        // Keep-alive CRLFs between messages (RFC 5626) carry nothing.
        let start = 0;
        while (start + 1 < buffer.length && buffer[start] === 0x0d && buffer[start + 1] === 0x0a) start += 2;
        if (start > 0) buffer = buffer.subarray(start);
        const headerEnd = buffer.indexOf('\r\n\r\n');
        if (headerEnd < 0) {
          if (buffer.length > MAX_STREAM_MESSAGE) this.#dropConnection(socket, 'no header end within the size limit');
          return;
        }
        const length = contentLengthOf(buffer.subarray(0, headerEnd).toString('utf8'));
        if (length === 'bad' || (length !== null && length > MAX_STREAM_MESSAGE)) {
          this.#dropConnection(socket, 'unframeable message on stream');
          return;
        }
        const total = headerEnd + 4 + (length ?? 0);
        if (buffer.length < total) return;
        const text = buffer.subarray(0, total).toString('utf8');
        buffer = buffer.subarray(total);
        this.#deliver(text, remote());
      }
    });
    socket.on('error', (error) => this.#logger.debug({ err: error.message, peer: key }, 'sip tcp connection error'));
    socket.on('close', () => {
      if (this.#connections.get(key) === socket) this.#connections.delete(key);
    });
  }

  #dropConnection(socket: net.Socket, reason: string): void {
    this.#logger.warn({ reason, peer: `${socket.remoteAddress}:${socket.remotePort}` }, 'sip tcp connection dropped');
    socket.destroy();
  }

  #deliver(text: string, flow: Flow): void {
    try {
      this.#onMessage(text, flow);
    } catch (error) {
      // Whatever a message does to the layers above, the transport keeps serving.
      this.#logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'sip message handling failed');
    }
  }
}
