/**
 * The drachtio adapter's registrations of WebRTC agents: several per agent (the console open on two
 * computers), keyed by contact URI, as the embedded registrar keeps them. drachtio-server holds the
 * WebSocket flows; a binding here is only its contact and expiry, dropped once expired when read.
 * Each binding remembers the signed-in session whose credentials registered it, so that session's
 * logout (SipCredentials.onRevoked) ends it at once, as in the embedded registrar.
 */

export interface DrachtioBinding {
  contact: string;
  /** The raw +sip.instance parameter, echoed back so JsSIP recognises its binding. */
  instance: string | undefined;
  expiresAt: number;
  /** The session whose SIP credentials registered this contact: its logout ends the binding. */
  sessionId: string;
}

export class DrachtioBindings {
  /** agentId -> contact URI -> binding */
  readonly #byAgent = new Map<string, Map<string, DrachtioBinding>>();

  /** Adds or refreshes (expires > 0) or removes (expires 0) one contact of the agent. */
  bind(agentId: string, contact: string, expires: number, instance: string | undefined, sessionId: string): void {
    const byContact = this.#byAgent.get(agentId) ?? new Map<string, DrachtioBinding>();
    if (expires > 0) byContact.set(contact, { contact, instance, expiresAt: Date.now() + expires * 1000, sessionId });
    else byContact.delete(contact);
    if (byContact.size === 0) this.#byAgent.delete(agentId);
    else this.#byAgent.set(agentId, byContact);
  }

  /** Contact: * with Expires: 0. */
  unbindAll(agentId: string): void {
    this.#byAgent.delete(agentId);
  }

  /**
   * A session was revoked (logout): its bindings end now, so no offer rings a signed-out browser.
   * drachtio-server keeps the WebSocket flow; with no binding left nothing is sent over it. Returns how many ended.
   */
  revokeSession(sessionId: string): number {
    let removed = 0;
    for (const [agentId, byContact] of this.#byAgent) {
      for (const [contact, binding] of byContact) {
        if (binding.sessionId !== sessionId) continue;
        byContact.delete(contact);
        removed += 1;
      }
      if (byContact.size === 0) this.#byAgent.delete(agentId);
    }
    return removed;
  }

  /** The agent's live bindings, newest first (longest to live first, as the embedded registrar orders them). */
  of(agentId: string): DrachtioBinding[] {
    this.#dropExpired(agentId);
    return [...(this.#byAgent.get(agentId)?.values() ?? [])].sort((a, b) => b.expiresAt - a.expiresAt);
  }

  /** The agent whose live binding has this contact, or null: dialling it rings all of that agent's bindings. */
  agentOf(contact: string): string | null {
    for (const [agentId, byContact] of this.#byAgent) {
      const binding = byContact.get(contact);
      if (binding !== undefined && binding.expiresAt > Date.now()) return agentId;
    }
    return null;
  }

  get count(): number {
    let total = 0;
    for (const agentId of [...this.#byAgent.keys()]) total += this.of(agentId).length;
    return total;
  }

  #dropExpired(agentId: string): void {
    const byContact = this.#byAgent.get(agentId);
    if (byContact === undefined) return;
    const now = Date.now();
    for (const [contact, binding] of byContact) if (binding.expiresAt <= now) byContact.delete(contact);
    if (byContact.size === 0) this.#byAgent.delete(agentId);
  }
}
