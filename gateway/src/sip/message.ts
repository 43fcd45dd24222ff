/**
 * The SIP message model shared by the embedded edge and (later) the drachtio adapter. Parsing and
 * serialising are drachtio-srf's own standalone parser: messages are parsed lazily (header values
 * kept as text) and only the headers the edge needs are parsed further, each with the parser
 * drachtio uses for that header. A header that does not parse makes the message a bad request.
 */
import { createRequire } from 'node:module';

/** The slice of drachtio-srf's parser module the edge uses (the package ships no types for it). */
interface DrachtioParser {
  parseSipMessage(text: string, lazy: boolean): RawParsed | undefined;
  stringifySipMessage(message: Record<string, unknown>): string;
  parseUri(uri: string): ParsedUri | undefined;
  getParser(header: string): (data: { s: string; i: number }) => unknown;
}

interface RawParsed {
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ParsedUri {
  scheme: string;
  user?: string;
  host?: string;
  port?: number;
  params?: Record<string, string | null>;
  /** tel: URIs */
  number?: string;
}

const require = createRequire(import.meta.url);
const parser = require('drachtio-srf/lib/sip-parser/parser') as DrachtioParser;

export interface Via {
  protocol: string;
  host: string;
  port: number | undefined;
  params: Record<string, string | undefined>;
}

export interface NameAddr {
  /** Display name without quotes, or null. */
  name: string | null;
  uri: string;
  params: Record<string, string | undefined>;
}

export interface CSeq {
  seq: number;
  method: string;
}

interface MessageBase {
  /** Lower-case (or compact-expanded) header name -> raw value; repeated headers joined by ','. */
  headers: Record<string, string>;
  body: string;
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export class BadSipMessage extends Error {}

/** Enough of a bad request to answer it with 400: its raw Via, From, To, Call-ID and CSeq. */
export interface BadRequest {
  kind: 'bad-request';
  reason: string;
  headers: Record<string, string>;
}

export type ParseOutcome = { kind: 'message'; message: SipMessage } | BadRequest | { kind: 'unparseable'; reason: string };

const headerParser = (name: string) => parser.getParser(name);

const parseHeader = <T>(name: string, value: string | undefined): T => {
  if (value === undefined || value.trim() === '') throw new BadSipMessage(`missing ${name}`);
  try {
    const parsed = headerParser(name)({ s: value, i: 0 }) as T | undefined;
    if (parsed === undefined || parsed === null) throw new BadSipMessage(`bad ${name}`);
    return parsed;
  } catch (error) {
    if (error instanceof BadSipMessage) throw error;
    throw new BadSipMessage(`bad ${name} header`);
  }
};

/** A display name or parameter as sent, without its quotes and backslash escapes; null when empty. */
export const unquote = (name: string | undefined): string | null => {
  if (name === undefined) return null;
  const trimmed = name.trim();
  const bare = trimmed.startsWith('"') && trimmed.endsWith('"') && trimmed.length >= 2 ? trimmed.slice(1, -1).replace(/\\(.)/g, '$1') : trimmed;
  return bare === '' ? null : bare;
};

const parseNameAddr = (header: 'from' | 'to', value: string | undefined): NameAddr => {
  const parsed = parseHeader<{ name?: string; uri: string; params?: Record<string, string | undefined> }>(header, value);
  if (parseUri(parsed.uri) === null) throw new BadSipMessage(`bad ${header} URI`);
  return { name: unquote(parsed.name), uri: parsed.uri, params: parsed.params ?? {} };
};

export const parseUri = (uri: string): ParsedUri | null => {
  try {
    return parser.parseUri(uri) ?? null;
  } catch {
    return null;
  }
};

/** Parses one whole message (a UDP datagram or a framed TCP message). */
export const parseMessage = (text: string): ParseOutcome => {
  let raw: RawParsed | undefined;
  try {
    raw = parser.parseSipMessage(text, true);
  } catch {
    raw = undefined;
  }
  if (raw === undefined) return { kind: 'unparseable', reason: 'not a SIP message' };
  const headers = raw.headers;
  try {
    const via = parseHeader<Via[]>('via', headers.via);
    if (via.length === 0 || via[0] === undefined) throw new BadSipMessage('missing via');
    const cseq = parseHeader<CSeq>('cseq', headers.cseq);
    if (!Number.isInteger(cseq.seq) || cseq.seq < 0 || cseq.seq > 2 ** 31) throw new BadSipMessage('bad cseq number');
    const callId = headers['call-id']?.trim();
    if (callId === undefined || callId === '') throw new BadSipMessage('missing call-id');
    const base = { headers, body: raw.body ?? '', via, from: parseNameAddr('from', headers.from), to: parseNameAddr('to', headers.to), callId, cseq };
    if (raw.method !== undefined && raw.uri !== undefined) {
      if (cseq.method !== raw.method) throw new BadSipMessage('cseq method does not match the request');
      if (parseUri(raw.uri) === null) throw new BadSipMessage('bad request-uri');
      const branch = via[0].params.branch;
      if (branch === undefined || branch === '') throw new BadSipMessage('via without branch');
      return { kind: 'message', message: { kind: 'request', method: raw.method, uri: raw.uri, ...base } };
    }
    if (raw.status !== undefined) {
      if (raw.status < 100 || raw.status > 699) throw new BadSipMessage('bad status');
      return { kind: 'message', message: { kind: 'response', status: raw.status, reason: raw.reason ?? '', ...base } };
    }
    return { kind: 'unparseable', reason: 'neither request nor response' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'bad message';
    // Only a request can be answered, and only when we know where the answer goes.
    if (raw.method === undefined || headers.via === undefined) return { kind: 'unparseable', reason };
    return { kind: 'bad-request', reason, headers };
  }
};

/** The value of the Content-Length header of a header block (for stream framing); null when absent. */
export const contentLengthOf = (headerBlock: string): number | null | 'bad' => {
  let raw: RawParsed | undefined;
  try {
    raw = parser.parseSipMessage(`${headerBlock}\r\n\r\n`, true);
  } catch {
    raw = undefined;
  }
  if (raw === undefined) return 'bad';
  const value = raw.headers['content-length'];
  if (value === undefined) return null;
  const length = Number(value.trim());
  return Number.isInteger(length) && length >= 0 ? length : 'bad';
};

// ---- Building messages --------------------------------------------------------------------------

/** Header name -> value, in order; names as they go on the wire. */
export type OutgoingHeaders = Array<[string, string]>;

const toObject = (headers: OutgoingHeaders): Record<string, string> => {
  const object: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (name.toLowerCase() === 'content-length') continue; // the serialiser writes it from the body
    object[name] = object[name] === undefined ? value : `${object[name]}, ${value}`;
  }
  return object;
};

export const serialiseRequest = (method: string, uri: string, headers: OutgoingHeaders, body = ''): string =>
  parser.stringifySipMessage({ method, uri, version: '2.0', headers: toObject(headers), body });

export const serialiseResponse = (status: number, reason: string, headers: OutgoingHeaders, body = ''): string =>
  parser.stringifySipMessage({ status, reason, version: '2.0', headers: toObject(headers), body });

export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  183: 'Session Progress',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  491: 'Request Pending',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  603: 'Decline',
};

export const reasonPhrase = (status: number): string => REASON_PHRASES[status] ?? (status < 300 ? 'OK' : 'Error');

/** Headers a response copies from its request (RFC 3261 8.2.6.2), with the To tag added when given. */
export const responseHeaders = (headers: Record<string, string>, toTag: string | null, requestToTag: string | undefined): OutgoingHeaders => {
  const out: OutgoingHeaders = [];
  if (headers.via !== undefined) out.push(['Via', headers.via]);
  if (headers.from !== undefined) out.push(['From', headers.from]);
  if (headers.to !== undefined) out.push(['To', toTag !== null && requestToTag === undefined ? `${headers.to};tag=${toTag}` : headers.to]);
  if (headers['call-id'] !== undefined) out.push(['Call-ID', headers['call-id']]);
  if (headers.cseq !== undefined) out.push(['CSeq', headers.cseq]);
  return out;
};

/** A SIP URI's user part, for a Request-URI or a From/To URI; null for none. */
export const uriUser = (uri: string): string | null => {
  const parsed = parseUri(uri);
  if (parsed === null) return null;
  if (parsed.scheme === 'tel') return parsed.number ?? null;
  if (parsed.user === undefined || parsed.user === '') return null;
  try {
    return decodeURIComponent(parsed.user);
  } catch {
    return parsed.user;
  }
};

/** The URIs of a Contact header value (drachtio's contact parser); empty for '*' or a bad value. */
export const contactUris = (value: string): string[] => {
  try {
    const parsed = headerParser('contact')({ s: value, i: 0 }) as Array<{ uri: string }> | '*';
    return parsed === '*' ? [] : parsed.map((entry) => entry.uri).filter((uri) => parseUri(uri) !== null);
  } catch {
    return [];
  }
};

export interface ContactEntry {
  /** The contact URI, or '*' (REGISTER's "all bindings"). */
  uri: string;
  params: Record<string, string | undefined>;
}

/** The entries of a Contact header value with their parameters; empty for a bad value. */
export const parseContacts = (value: string | undefined): ContactEntry[] => {
  if (value === undefined || value.trim() === '') return [];
  try {
    const parsed = headerParser('contact')({ s: value, i: 0 }) as Array<{ uri: string; params?: Record<string, string | undefined> }>;
    return parsed.filter((entry) => entry.uri === '*' || parseUri(entry.uri) !== null).map((entry) => ({ uri: entry.uri, params: entry.params ?? {} }));
  } catch {
    return [];
  }
};

/** The Digest challenge of a WWW-Authenticate / Proxy-Authenticate value (drachtio's parser), parameter names lower-cased and quotes removed; null when there is none. */
export const digestChallengeParams = (value: string | undefined): Record<string, string> | null => {
  if (value === undefined || value.trim() === '') return null;
  try {
    const parsed = headerParser('www-authenticate')({ s: value, i: 0 }) as Array<Record<string, string>>;
    const digest = parsed.find((entry) => entry.scheme?.toLowerCase() === 'digest');
    if (digest === undefined) return null;
    const params: Record<string, string> = {};
    for (const [name, raw] of Object.entries(digest)) {
      if (name === 'scheme') continue;
      params[name.toLowerCase()] = unquote(raw) ?? '';
    }
    return params;
  } catch {
    return null;
  }
};
