/**
 * The registrar (RFC 3261 section 10) for WebRTC and phone-bar agents: digest-authenticated
 * REGISTERs bind an agent to a contact and the flow it came over (for JsSIP the WebSocket, since
 * its contact host is a made-up `.invalid` name). Bindings end at their expiry, on unregister,
 * when their WebSocket closes, and when their session is revoked (logout).
 */
import type { CoreLogger } from '@cc/core';
import type { WebSocket } from 'ws';
import { parseContacts, parseUri, type SipRequest } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import type { Flow } from '../sip/transport.ts';
import { challenge, expectedResponse, NonceIssuer, parseAuthorization, responsesMatch } from './digest.ts';
import type { SipCredentials } from './sip-credentials.ts';

export interface Binding {
  agentId: string;
  organisationId: string;
  /** The signed-in session whose credentials registered it: its logout ends the binding. */
  sessionId: string;
  /** The contact URI as registered (where INVITEs are addressed). */
  contact: string;
  /** The raw +sip.instance parameter, echoed back so JsSIP recognises its binding. */
  instance: string | undefined;
  flow: Flow;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

export interface RegistrarOptions {
  credentials: SipCredentials;
  logger: CoreLogger;
  /** Longest registration granted (s). */
  maxExpires?: number;
  defaultExpires?: number;
  nonces?: NonceIssuer;
}

export class Registrar {
  readonly #credentials: SipCredentials;
  readonly #logger: CoreLogger;
  readonly #maxExpires: number;
  readonly #defaultExpires: number;
  readonly #nonces: NonceIssuer;
  /** agentId -> contact URI -> binding */
  readonly #bindings = new Map<string, Map<string, Binding>>();
  readonly #changeListeners: Array<(agentId: string) => void> = [];

  constructor(options: RegistrarOptions) {
    this.#credentials = options.credentials;
    this.#logger = options.logger;
    this.#maxExpires = options.maxExpires ?? 3600;
    this.#defaultExpires = options.defaultExpires ?? 600;
    this.#nonces = options.nonces ?? new NonceIssuer();
    this.#credentials.onRevoked((sessionId) => this.sessionRevoked(sessionId));
  }

  get realm(): string {
    return this.#credentials.domain;
  }

  /** Live bindings of an agent, newest first. */
  bindingsOf(agentId: string): Binding[] {
    return [...(this.#bindings.get(agentId)?.values() ?? [])].sort((a, b) => b.expiresAt - a.expiresAt);
  }

  /** The binding whose contact is `uri` (to send a request over its flow). */
  bindingFor(uri: string): Binding | null {
    for (const byContact of this.#bindings.values()) {
      const binding = byContact.get(uri);
      if (binding !== undefined) return binding;
    }
    return null;
  }

  get count(): number {
    let total = 0;
    for (const byContact of this.#bindings.values()) total += byContact.size;
    return total;
  }

  /** Told whenever an agent's bindings change. */
  onChange(listener: (agentId: string) => void): void {
    this.#changeListeners.push(listener);
  }

  /** Drops every binding that lives on a WebSocket that just closed. */
  websocketClosed(websocket: WebSocket): void {
    for (const byContact of this.#bindings.values()) {
      for (const binding of [...byContact.values()]) if (binding.flow.websocket === websocket) this.#remove(binding, 'websocket closed');
    }
  }

  /**
   * A session was revoked (logout): its bindings end now, so no offer rings a signed-out browser,
   * and their WebSockets close (code 1008) unless another session's binding still uses one. The
   * client's reconnect then finds its credentials refused (403). A call on such a socket ends with
   * it, as when the browser goes away: a signed-out session keeps no signalling.
   */
  sessionRevoked(sessionId: string): void {
    const sockets = new Set<WebSocket>();
    for (const byContact of [...this.#bindings.values()]) {
      for (const binding of [...byContact.values()]) {
        if (binding.sessionId !== sessionId) continue;
        this.#remove(binding, 'session revoked');
        if (binding.flow.websocket !== undefined) sockets.add(binding.flow.websocket);
      }
    }
    for (const byContact of this.#bindings.values()) for (const binding of byContact.values()) if (binding.flow.websocket !== undefined) sockets.delete(binding.flow.websocket);
    for (const socket of sockets) socket.close(1008, 'session revoked');
  }

  clear(): void {
    for (const byContact of this.#bindings.values()) for (const binding of byContact.values()) clearTimeout(binding.timer);
    this.#bindings.clear();
  }

  async register(request: SipRequest, transaction: ServerTransaction): Promise<void> {
    const realm = this.realm;
    const credentials = parseAuthorization(request.headers.authorization);
    if (credentials === null) {
      transaction.respond(401, { headers: [['WWW-Authenticate', challenge(realm, this.#nonces.issue())]] });
      return;
    }
    const nonce = this.#nonces.check(credentials.nonce);
    if (nonce !== 'valid' || credentials.realm !== realm) {
      transaction.respond(401, { headers: [['WWW-Authenticate', challenge(realm, this.#nonces.issue(), nonce === 'stale')]] });
      return;
    }
    const issued = await this.#credentials.lookup(credentials.username);
    if (issued === null || !responsesMatch(credentials.response, expectedResponse(credentials, 'REGISTER', issued.password))) {
      this.#logger.info({ user: credentials.username, from: `${transaction.flow.address}:${transaction.flow.port}` }, 'sip registration refused: bad credentials');
      transaction.respond(403, { reason: 'Forbidden (bad credentials)' });
      return;
    }
    const aor = parseUri(request.to.uri);
    if (aor?.user !== issued.uriUser) {
      transaction.respond(403, { reason: 'Forbidden (not your address)' });
      return;
    }
    const contacts = parseContacts(request.headers.contact);
    const headerExpires = request.headers.expires === undefined ? null : Number(request.headers.expires.trim());
    if (contacts.some((entry) => entry.uri === '*')) {
      if (contacts.length !== 1 || headerExpires !== 0) {
        transaction.respond(400, { reason: 'Bad Request (Contact: * needs Expires: 0 alone)' });
        return;
      }
      for (const binding of this.bindingsOf(issued.agentId)) this.#remove(binding, 'unregistered');
      transaction.respond(200);
      return;
    }
    for (const entry of contacts) {
      const asked = entry.params.expires !== undefined ? Number(entry.params.expires) : (headerExpires ?? this.#defaultExpires);
      const expires = Number.isFinite(asked) && asked >= 0 ? Math.min(Math.floor(asked), this.#maxExpires) : this.#defaultExpires;
      const existing = this.#bindings.get(issued.agentId)?.get(entry.uri);
      if (existing !== undefined) this.#remove(existing, expires === 0 ? 'unregistered' : 'refreshed', expires !== 0);
      if (expires === 0) continue;
      const binding: Binding = {
        agentId: issued.agentId,
        organisationId: issued.organisationId,
        sessionId: issued.sessionId,
        contact: entry.uri,
        instance: entry.params['+sip.instance'],
        flow: transaction.flow,
        expiresAt: Date.now() + expires * 1000,
        timer: setTimeout(() => this.#remove(binding, 'expired'), expires * 1000),
      };
      binding.timer.unref();
      const byContact = this.#bindings.get(issued.agentId) ?? new Map<string, Binding>();
      byContact.set(entry.uri, binding);
      this.#bindings.set(issued.agentId, byContact);
      if (existing === undefined) this.#logger.info({ agentId: issued.agentId, contact: entry.uri, transport: transaction.flow.transport, expires }, 'agent registered');
    }
    this.#changed(issued.agentId);
    const now = Date.now();
    const current = this.bindingsOf(issued.agentId).map((binding) => {
      const instance = binding.instance === undefined ? '' : `;+sip.instance=${binding.instance}`;
      return `<${binding.contact}>;expires=${Math.max(0, Math.round((binding.expiresAt - now) / 1000))}${instance}`;
    });
    transaction.respond(200, { headers: current.map((contact): [string, string] => ['Contact', contact]) });
  }

  #remove(binding: Binding, why: string, quiet = false): void {
    clearTimeout(binding.timer);
    const byContact = this.#bindings.get(binding.agentId);
    if (byContact?.get(binding.contact) !== binding) return;
    byContact.delete(binding.contact);
    if (byContact.size === 0) this.#bindings.delete(binding.agentId);
    if (quiet) return;
    this.#logger.info({ agentId: binding.agentId, contact: binding.contact, why }, 'agent registration ended');
    this.#changed(binding.agentId);
  }

  #changed(agentId: string): void {
    for (const listener of this.#changeListeners) listener(agentId);
  }
}
