/**
 * sipp over TLS for the tests. Debian's sipp (sip-tester) is built without OpenSSL: `-t l1` exits
 * with "To use a TLS transport you must compile SIPp with OpenSSL". So sipp speaks TCP to a relay
 * of node:tls on 127.0.0.1 and the edge sees real TLS: a caller's relay connects to the edge's TLS
 * port and checks its certificate; a phone's relay is a TLS server with its own certificate, which
 * the edge checks. Each relay keeps the plain SIP text that crossed it, so tests can read what was
 * said on the TLS side. Certificates come from openssl at test time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';

export interface Certificate {
  cert: Buffer;
  key: Buffer;
  certFile: string;
  keyFile: string;
}

/** Why TLS tests cannot run here, or null. */
export const opensslMissing = (): string | null => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'no openssl on PATH to make test certificates (apt-get install openssl)';
  }
};

/** A self-signed certificate for 127.0.0.1 (CN and IP subjectAltName) in `dir`. */
export const selfSignedCertificate = (dir: string, name: string): Certificate => {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile],
    { stdio: 'ignore' },
  );
  return { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), certFile, keyFile };
};

export interface TlsRelay {
  /** The relay's listening port (TLS for a phone's relay, TCP for a caller's). */
  port: number;
  /** The SIP text that crossed the relay, both ways, in order. */
  transcript(): string;
  /** Handshakes the relay's TLS server refused or lost (a phone's relay only). */
  readonly handshakeErrors: string[];
  close(): Promise<void>;
}

const listen = (server: net.Server): Promise<number> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(address !== null && typeof address === 'object' ? address.port : 0);
    });
  });

const pipe = (a: net.Socket, b: net.Socket, text: string[]): void => {
  a.on('data', (chunk: Buffer) => text.push(chunk.toString('utf8')));
  b.on('data', (chunk: Buffer) => text.push(chunk.toString('utf8')));
  a.pipe(b);
  b.pipe(a);
  const end = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
};

const relayOf = async (server: net.Server, text: string[], sockets: Set<net.Socket>, handshakeErrors: string[]): Promise<TlsRelay> => {
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    transcript: () => text.join(''),
    handshakeErrors,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/** A phone's side: a TLS server with `certificate` in front of sipp listening on TCP `sippPort`. */
export const tlsInFrontOf = (sippPort: number, certificate: Certificate): Promise<TlsRelay> => {
  const text: string[] = [];
  const sockets = new Set<net.Socket>();
  const handshakeErrors: string[] = [];
  const server = tls.createServer({ cert: certificate.cert, key: certificate.key }, (secure) => {
    const plain = net.connect({ host: '127.0.0.1', port: sippPort });
    sockets.add(plain);
    pipe(secure, plain, text);
  });
  server.on('tlsClientError', (error) => handshakeErrors.push(error.message));
  return relayOf(server, text, sockets, handshakeErrors);
};

/** A caller's side: sipp connects here over TCP, the relay goes on over TLS to the edge's `tlsPort`, trusting only `ca`. */
export const tlsBehind = (tlsPort: number, ca: Buffer): Promise<TlsRelay> => {
  const text: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((plain) => {
    const secure = tls.connect({ host: '127.0.0.1', port: tlsPort, ca });
    sockets.add(secure);
    pipe(plain, secure, text);
  });
  return relayOf(server, text, sockets, []);
};
