/**
 * SIP over WebSocket (RFC 7118) on an existing HTTP server: an 'upgrade' handler for one path
 * (default /sip) that accepts only the 'sip' subprotocol and hands each connection to the SIP
 * transport. Upgrades for other paths are left to whoever else listens for them (404 if nobody does).
 * On an HTTPS server the same endpoint is WSS (browsers need it off localhost).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { CoreLogger } from '@cc/core';
import type { SipTransport } from './transport.ts';

export interface WebSocketEndpoint {
  readonly path: string;
  close(): Promise<void>;
}

export const attachSipWebSocket = (server: Server | HttpsServer, transport: SipTransport, logger: CoreLogger, path = '/sip'): WebSocketEndpoint => {
  const wss = new WebSocketServer({
    noServer: true,
    // RFC 7118 section 4.1: the 'sip' subprotocol must be negotiated; anything else is refused.
    handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    maxPayload: 64 * 1024,
  });
  // https.Server is a tls.Server: our Via and Contact on its WebSockets say WSS.
  transport.wsSecure = server instanceof tls.Server;
  const address = server.address();
  if (address !== null && typeof address === 'object') transport.wsPort = address.port;
  else server.once('listening', () => {
    const bound = server.address();
    if (bound !== null && typeof bound === 'object') transport.wsPort = bound.port;
  });

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      // Another path: someone else's upgrade, unless nobody else listens (then it would hang forever).
      if (server.listenerCount('upgrade') === 1) socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((value) => value.trim().toLowerCase());
    if (!offered.includes('sip')) {
      logger.info({ remote: request.socket.remoteAddress }, 'sip websocket refused: no sip subprotocol');
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (websocket) => {
      transport.adoptWebSocket(websocket, { address: request.socket.remoteAddress ?? '', port: request.socket.remotePort ?? 0 });
      logger.debug({ remote: `${request.socket.remoteAddress}:${request.socket.remotePort}` }, 'sip websocket connected');
    });
  };
  server.on('upgrade', onUpgrade);

  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
};
