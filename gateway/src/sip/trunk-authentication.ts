/**
 * Digest authentication towards the SIP trunk (SIP_TRUNK_USERNAME / SIP_TRUNK_PASSWORD): a trunk
 * that answers an INVITE with 401 or 407 gets it once more with Authorization or
 * Proxy-Authorization (RFC 3261 22.2, digest from registrar/digest.ts). Only requests to the
 * trunk's own host and port are answered: the credentials never go to an agent's phone.
 */
import { authorizationFor, type DigestChallenge, UnanswerableChallenge } from '../registrar/digest.ts';
import { digestChallengeParams, parseUri, type SipResponse } from './message.ts';

export interface TrunkLogin {
  username: string;
  password: string;
}

/** The header that answers a challenge, and its value. */
export type AuthorizationHeader = ['Authorization' | 'Proxy-Authorization', string];

/** SIP_TRUNK_USERNAME without SIP_TRUNK_PASSWORD (or the other way round): refused at start. */
export class IncompleteTrunkLogin extends Error {
  constructor() {
    super('SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD go together: set both (or neither)');
    this.name = 'IncompleteTrunkLogin';
  }
}

const hostPortOf = (uri: string): string | null => {
  const parsed = parseUri(/^sips?:/i.test(uri) ? uri : `sip:${uri}`);
  if (parsed === null || parsed.host === undefined || parsed.host === '') return null;
  const port = parsed.port !== undefined && parsed.port > 0 ? parsed.port : 5060;
  return `${parsed.host.toLowerCase().replace(/^\[|\]$/g, '')}:${port}`;
};

export class TrunkAuthentication {
  readonly #trunk: string | null;
  readonly #login: TrunkLogin;

  constructor(trunkUri: string, login: TrunkLogin) {
    this.#trunk = hostPortOf(trunkUri.trim());
    this.#login = login;
  }

  /** From SIP_TRUNK_URI, SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD; null without a trunk or a login. */
  static from(trunkUri: string | null, username: string | undefined, password: string | undefined): TrunkAuthentication | null {
    const user = username?.trim() ?? '';
    const secret = password ?? '';
    if (user === '' && secret === '') return null;
    if (user === '' || secret === '') throw new IncompleteTrunkLogin();
    if (trunkUri === null || trunkUri.trim() === '') return null;
    return new TrunkAuthentication(trunkUri, { username: user, password: secret });
  }

  /** Whether a request to `target` goes to the trunk (same host and port). */
  covers(target: string): boolean {
    return this.#trunk !== null && hostPortOf(target) === this.#trunk;
  }

  /** The login for a request to `target`: the trunk's, null for anything else (the drachtio adapter hands it to drachtio-srf). */
  loginFor(target: string): TrunkLogin | null {
    return this.covers(target) ? { ...this.#login } : null;
  }

  /**
   * The header answering a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) to `method` on
   * `uri`. Throws UnanswerableChallenge when the challenge is missing or asks for what is not supported.
   */
  answer(response: SipResponse, method: string, uri: string): AuthorizationHeader {
    const proxy = response.status === 407;
    const params = digestChallengeParams(proxy ? response.headers['proxy-authenticate'] : response.headers['www-authenticate']);
    if (params === null || params.realm === undefined || params.nonce === undefined) throw new UnanswerableChallenge(`no Digest ${proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate'} with realm and nonce`);
    const challenge: DigestChallenge = {
      realm: params.realm,
      nonce: params.nonce,
      qop: (params.qop ?? '')
        .split(',')
        .map((value) => value.trim().toLowerCase())
        .filter((value) => value !== ''),
      ...(params.algorithm === undefined ? {} : { algorithm: params.algorithm }),
      ...(params.opaque === undefined ? {} : { opaque: params.opaque }),
    };
    return [proxy ? 'Proxy-Authorization' : 'Authorization', authorizationFor(challenge, this.#login, method, uri)];
  }
}
