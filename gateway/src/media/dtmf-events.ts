/**
 * RFC 4733 digits rtpengine detected, as it reports them with `--dtmf-log-dest` (one JSON datagram
 * per event: callid, source_tag, event 0-15, duration ...). The call id is the core's call id and the
 * source tag tells the side (`c.` caller, `a.` agent). Digits the gateway injected itself with
 * `play DTMF` are reported too (as sent by the far side): callers of `expectInjected` have them skipped.
 */
import dgram from 'node:dgram';
import type { MediaSide } from './media-port.ts';

export interface DetectedDigit {
  callId: string;
  side: MediaSide;
  digit: string;
}

const DIGITS = '0123456789*#ABCD';

/** A datagram as a detected digit, or null when it is no DTMF report of a known party. */
export const detectedDigitOf = (datagram: Buffer): DetectedDigit | null => {
  let report: unknown;
  try {
    report = JSON.parse(datagram.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof report !== 'object' || report === null) return null;
  const { callid, source_tag: tag, event, type } = report as Record<string, unknown>;
  if (type !== undefined && type !== 'DTMF') return null;
  if (typeof callid !== 'string' || typeof tag !== 'string' || typeof event !== 'number') return null;
  const digit = DIGITS[event];
  const side: MediaSide | null = tag.startsWith('c.') ? 'caller' : tag.startsWith('a.') ? 'agent' : null;
  if (digit === undefined || side === null) return null;
  return { callId: callid, side, digit };
};

/** Detected digits as the call sessions follow them, whichever media server detects them (rtpengine here, FreeSWITCH in gateway/src/fsmrf). */
export interface DigitReports {
  onDigit(listener: (digit: DetectedDigit) => void): () => void;
  /** The gateway is about to inject these digits as if `side` sent them: a report of them is not the party's. */
  expectInjected(callId: string, side: MediaSide, digits: string): void;
}

export class DtmfReports implements DigitReports {
  readonly port: number;
  readonly #socket: dgram.Socket;
  readonly #listeners = new Set<(digit: DetectedDigit) => void>();
  /** Digits injected per call and side they appear to come from, in order. */
  readonly #injected = new Map<string, string[]>();

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    this.port = socket.address().port;
    socket.on('message', (datagram) => this.#receive(datagram));
    socket.on('error', () => undefined);
  }

  /** Listens on a free UDP port of `host` (give it to rtpengine as --dtmf-log-dest). */
  static async open(host = '127.0.0.1'): Promise<DtmfReports> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new DtmfReports(socket);
  }

  onDigit(listener: (digit: DetectedDigit) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The gateway is about to inject these digits as if `side` sent them: their reports are not the party's. */
  expectInjected(callId: string, side: MediaSide, digits: string): void {
    const key = `${callId} ${side}`;
    this.#injected.set(key, [...(this.#injected.get(key) ?? []), ...digits]);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #receive(datagram: Buffer): void {
    const detected = detectedDigitOf(datagram);
    if (detected === null) return;
    const key = `${detected.callId} ${detected.side}`;
    const injected = this.#injected.get(key);
    if (injected !== undefined && injected[0] === detected.digit) {
      injected.shift();
      if (injected.length === 0) this.#injected.delete(key);
      return;
    }
    for (const listener of this.#listeners) listener(detected);
  }
}
