/**
 * SIP credentials for WebRTC and phone-bar agents: issued to a signed-in session (never the login
 * password). The password is an HMAC of the session and agent under a server secret, so asking
 * again in the same session gives the same credentials; the registrar accepts them only while the
 * session is live (checked through `isSessionLive`, which the API wires to its session store).
 * A revoked session (logout: the gateway follows SessionRevoked) is told to the registrars at once,
 * so its registrations end then rather than at their expiry.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface SipCredential {
  /** The agent's address of record, e.g. sip:agent-7@cc.example.com. */
  uri: string;
  /** The digest username: the session's, so each session has its own. */
  authorizationUser: string;
  password: string;
  /** Where JsSIP connects, e.g. wss://cc.example.com/sip. */
  wsUrl: string;
  /** The digest realm (the SIP domain). */
  realm: string;
}

export interface IssuedCredential {
  agentId: string;
  organisationId: string;
  sessionId: string;
  /** The user part of `uri`: a REGISTER must be for it. */
  uriUser: string;
  password: string;
}

export interface SipCredentialsOptions {
  /** SIP domain for agents' URIs and the digest realm. */
  domain: string;
  /** The WebSocket URL handed to browsers. */
  wsUrl: string;
  /** Secret for deriving passwords; a random one per process when not given (SIP_CREDENTIAL_SECRET). */
  secret?: string;
  /** Whether a session may still register; every issued credential is valid while it says so. */
  isSessionLive?: (sessionId: string) => Promise<boolean>;
}

/** A SIP user part from an agent id: unreserved characters only (RFC 3261 25.1). */
const sipUser = (agentId: string): string => agentId.replace(/[^A-Za-z0-9\-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export class SipCredentials {
  readonly domain: string;
  /** Settable: a server on port 0 knows its URL only once it listens. */
  wsUrl: string;
  readonly #secret: string;
  readonly #isSessionLive: (sessionId: string) => Promise<boolean>;
  /** Issued credentials by authorization user (the session id). */
  readonly #issued = new Map<string, IssuedCredential>();
  readonly #revokedListeners: Array<(sessionId: string) => void> = [];

  constructor(options: SipCredentialsOptions) {
    this.domain = options.domain;
    this.wsUrl = options.wsUrl;
    this.#secret = options.secret ?? randomBytes(32).toString('hex');
    this.#isSessionLive = options.isSessionLive ?? (async () => true);
  }

  /** Credentials for an agent's signed-in session; the same ones for the same session. */
  issue(input: { sessionId: string; agentId: string; organisationId: string }): SipCredential {
    const password = createHmac('sha256', this.#secret).update(`${input.sessionId}|${input.agentId}|${input.organisationId}`).digest('base64url');
    const uriUser = sipUser(input.agentId);
    this.#issued.set(input.sessionId, { ...input, uriUser, password });
    return { uri: `sip:${uriUser}@${this.domain}`, authorizationUser: input.sessionId, password, wsUrl: this.wsUrl, realm: this.domain };
  }

  /** The credential behind a digest username, while its session is live; null otherwise. */
  async lookup(authorizationUser: string): Promise<IssuedCredential | null> {
    const issued = this.#issued.get(authorizationUser);
    if (issued === undefined) return null;
    if (!(await this.#isSessionLive(issued.sessionId))) {
      this.#issued.delete(authorizationUser);
      return null;
    }
    return issued;
  }

  /** Forgets a session's credentials (logout) and tells the registrars, which drop its registrations. */
  revoke(sessionId: string): void {
    this.#issued.delete(sessionId);
    for (const listener of this.#revokedListeners) listener(sessionId);
  }

  /** Told of every revoked session (a registrar ends the session's bindings). */
  onRevoked(listener: (sessionId: string) => void): void {
    this.#revokedListeners.push(listener);
  }
}
