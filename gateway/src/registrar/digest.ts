/**
 * HTTP Digest for SIP (RFC 2617 / RFC 7616 with MD5, qop=auth), as JsSIP answers it. Nonces are
 * self-checking (a timestamp signed with a per-process key), so no nonce table is kept; a nonce
 * older than its lifetime is answered with stale=true and the client simply retries.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Parses `Digest username="a", realm="b", nc=00000001, ...`; null when it is not a Digest header. */
export const parseAuthorization = (header: string | undefined): DigestCredentials | null => {
  if (header === undefined) return null;
  const match = /^\s*Digest\s+(.*)$/is.exec(header);
  if (match === null || match[1] === undefined) return null;
  const params: Record<string, string> = {};
  const pattern = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const part of match[1].matchAll(pattern)) {
    const name = part[1]?.toLowerCase();
    if (name === undefined) continue;
    params[name] = part[2] !== undefined ? part[2].replace(/\\(.)/g, '$1') : (part[3] ?? '');
  }
  const { username, realm, nonce, uri, response } = params;
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) return null;
  return {
    username,
    realm,
    nonce,
    uri,
    response,
    ...(params.algorithm === undefined ? {} : { algorithm: params.algorithm }),
    ...(params.qop === undefined ? {} : { qop: params.qop }),
    ...(params.nc === undefined ? {} : { nc: params.nc }),
    ...(params.cnonce === undefined ? {} : { cnonce: params.cnonce }),
    ...(params.opaque === undefined ? {} : { opaque: params.opaque }),
  };
};

/** The response a client with `password` must send (RFC 2617 section 3.2.2.1). */
export const expectedResponse = (credentials: DigestCredentials, method: string, password: string): string => {
  const ha1 = md5(`${credentials.username}:${credentials.realm}:${password}`);
  const ha2 = md5(`${method}:${credentials.uri}`);
  if (credentials.qop === 'auth') return md5(`${ha1}:${credentials.nonce}:${credentials.nc ?? ''}:${credentials.cnonce ?? ''}:auth:${ha2}`);
  return md5(`${ha1}:${credentials.nonce}:${ha2}`);
};

export type NonceCheck = 'valid' | 'stale' | 'forged';

export class NonceIssuer {
  readonly #key = randomBytes(32);
  readonly #lifetimeMs: number;
  readonly #now: () => number;

  constructor(lifetimeMs = 5 * 60_000, now: () => number = Date.now) {
    this.#lifetimeMs = lifetimeMs;
    this.#now = now;
  }

  issue(): string {
    const stamp = this.#now().toString(16);
    const salt = randomBytes(6).toString('hex');
    return `${stamp}.${salt}.${this.#sign(`${stamp}.${salt}`)}`;
  }

  check(nonce: string): NonceCheck {
    const [stamp, salt, signature] = nonce.split('.');
    if (stamp === undefined || salt === undefined || signature === undefined) return 'forged';
    const expected = Buffer.from(this.#sign(`${stamp}.${salt}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'forged';
    const issuedAt = Number.parseInt(stamp, 16);
    return this.#now() - issuedAt > this.#lifetimeMs ? 'stale' : 'valid';
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url').slice(0, 22);
  }
}

/** Compares two response digests in constant time. */
export const responsesMatch = (actual: string, expected: string): boolean => {
  const a = Buffer.from(actual.toLowerCase());
  const b = Buffer.from(expected.toLowerCase());
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The WWW-Authenticate value of a 401 challenge. */
export const challenge = (realm: string, nonce: string, stale = false): string =>
  `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;

// ---- The client side: answering a trunk's challenge ---------------------------------------------

/** The parameters of a WWW-Authenticate / Proxy-Authenticate Digest challenge (quotes removed). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** The offered qop values ("auth", "auth-int"); empty when the server names none (RFC 2069). */
  qop: string[];
  algorithm?: string;
  opaque?: string;
}

/** A challenge this client cannot answer: told to the operator as is. */
export class UnanswerableChallenge extends Error {
  constructor(why: string) {
    super(`cannot answer the digest challenge: ${why}`);
    this.name = 'UnanswerableChallenge';
  }
}

const hashFor = (algorithm: string): ((text: string) => string) => {
  // RFC 8760 adds SHA-256 (and SHA-512-256, which node names differently and trunks rarely ask for).
  if (algorithm === 'MD5') return md5;
  if (algorithm === 'SHA-256') return (text) => createHash('sha256').update(text).digest('hex');
  throw new UnanswerableChallenge(`algorithm ${algorithm} is not supported (MD5 and SHA-256 are)`);
};

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;

/**
 * The Authorization / Proxy-Authorization value answering `challenge` for `method` on `uri`
 * (RFC 2617 / RFC 8760): qop=auth with a fresh cnonce and nc=00000001 when the server offers it
 * (each challenge is answered once, so the count never grows), else the RFC 2069 form.
 */
export const authorizationFor = (
  challenge: DigestChallenge,
  login: { username: string; password: string },
  method: string,
  uri: string,
  cnonce: string = randomBytes(8).toString('hex'),
): string => {
  const algorithm = (challenge.algorithm ?? 'MD5').toUpperCase();
  const hash = hashFor(algorithm);
  const ha1 = hash(`${login.username}:${challenge.realm}:${login.password}`);
  const ha2 = hash(`${method}:${uri}`);
  const withQop = challenge.qop.includes('auth');
  if (!withQop && challenge.qop.length > 0) throw new UnanswerableChallenge(`qop ${challenge.qop.join(',')} is not supported (auth is)`);
  const nc = '00000001';
  const response = withQop ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`) : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `username=${quoted(login.username)}`,
    `realm=${quoted(challenge.realm)}`,
    `nonce=${quoted(challenge.nonce)}`,
    `uri=${quoted(uri)}`,
    `response=${quoted(response)}`,
    `algorithm=${algorithm}`,
    ...(withQop ? [`qop=auth`, `cnonce=${quoted(cnonce)}`, `nc=${nc}`] : []),
    ...(challenge.opaque === undefined ? [] : [`opaque=${quoted(challenge.opaque)}`]),
  ];
  return `Digest ${parts.join(', ')}`;
};
