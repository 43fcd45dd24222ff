/**
 * Digest authentication of an agent's own INVITE (RFC 3261 section 22.3: a proxy challenges with
 * 407 and Proxy-Authenticate), with the same credentials the agent registers with. Who dials out
 * is who the credentials say, never what the From header claims.
 */
import { challenge, expectedResponse, NonceIssuer, parseAuthorization, responsesMatch } from '../registrar/digest.ts';
import type { SipCredentials } from '../registrar/sip-credentials.ts';

export type CallerAuthentication =
  | { kind: 'agent'; agentId: string; organisationId: string }
  /** Answer 407 with this Proxy-Authenticate value. */
  | { kind: 'challenge'; proxyAuthenticate: string }
  /** Credentials were sent and are wrong (or their session ended): 403. */
  | { kind: 'refused'; why: string };

export class AgentCallAuthentication {
  readonly #credentials: SipCredentials;
  readonly #nonces: NonceIssuer;

  constructor(credentials: SipCredentials, nonces: NonceIssuer = new NonceIssuer()) {
    this.#credentials = credentials;
    this.#nonces = nonces;
  }

  get realm(): string {
    return this.#credentials.domain;
  }

  async authenticate(proxyAuthorization: string | null | undefined, method = 'INVITE'): Promise<CallerAuthentication> {
    const realm = this.realm;
    const answer = parseAuthorization(proxyAuthorization ?? undefined);
    if (answer === null) return { kind: 'challenge', proxyAuthenticate: challenge(realm, this.#nonces.issue()) };
    const nonce = this.#nonces.check(answer.nonce);
    // A stale nonce or another realm's answer is not a wrong password: challenge again.
    if (nonce === 'stale' || answer.realm !== realm) return { kind: 'challenge', proxyAuthenticate: challenge(realm, this.#nonces.issue(), nonce === 'stale') };
    if (nonce === 'forged') return { kind: 'refused', why: 'nonce not issued here' };
    const issued = await this.#credentials.lookup(answer.username);
    if (issued === null) return { kind: 'refused', why: 'unknown user or signed-out session' };
    if (!responsesMatch(answer.response, expectedResponse(answer, method, issued.password))) return { kind: 'refused', why: 'bad credentials' };
    return { kind: 'agent', agentId: issued.agentId, organisationId: issued.organisationId };
  }
}
