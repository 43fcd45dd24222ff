/**
 * Users, sessions and identifier claims, all event-sourced: each goes through the core's generic
 * command handler with its own decider. Login needs no read model: the claim streams map an email
 * or username to its user id.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, streams, type EventStore, type Membership, type RecordedEvent } from '@cc/core';
import {
  AggregateStates,
  claimDecider,
  handleCommand,
  passwordPolicyProblem,
  sessionDecider,
  userDecider,
  type ClaimState,
  type SessionCommand,
  type SessionState,
  type UserCommand,
  type UserState,
} from '../core-internals.ts';
import type { SessionEvent, UserClaimEvent, UserEvent } from '@cc/core';
import type { CommandContext } from '@cc/core';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password.ts';
import { hashMatches, newSecretToken, parseSecretToken } from './tokens.ts';

export const MAX_FAILED_LOGINS_IN_ROW = 5;

export interface NewUser {
  userId?: string;
  email: string;
  username: string;
  displayName: string;
  password: string;
  memberships: Membership[];
}

export interface StartedSession {
  token: string;
  sessionId: string;
  expiresAt: string;
  user: UserState & { userId: string };
  organisationId: string;
}

export interface AuthenticatedSession {
  session: SessionState & { sessionId: string; organisationId: string };
  user: UserState & { userId: string };
}

export class UserDirectory {
  readonly #store: EventStore;
  readonly #now: () => string;
  readonly #sessionTtlMs: number;
  readonly users: AggregateStates<UserState, UserEvent>;
  readonly sessions: AggregateStates<SessionState, SessionEvent>;
  readonly #claims: AggregateStates<ClaimState, UserClaimEvent>;

  constructor(store: EventStore, options: { now: () => string; sessionTtlMs: number }) {
    this.#store = store;
    this.#now = options.now;
    this.#sessionTtlMs = options.sessionTtlMs;
    this.users = new AggregateStates(store, userDecider);
    this.sessions = new AggregateStates(store, sessionDecider);
    this.#claims = new AggregateStates(store, claimDecider);
  }

  // ---- users --------------------------------------------------------------------------------------

  /** Everything that can be checked is checked before the first append: policy, shape, free identifiers. */
  async assertRegistrable(input: Pick<NewUser, 'email' | 'username' | 'password'>): Promise<void> {
    const problem = passwordPolicyProblem(input.password);
    if (problem !== null) throw new DomainError('WeakPassword', problem);
    if ((await this.userIdFor('email', input.email)) !== null) {
      throw new DomainError('EmailTaken', `The email ${input.email} is already used by another account.`, { email: input.email });
    }
    if ((await this.userIdFor('username', input.username)) !== null) {
      throw new DomainError('UsernameTaken', `The username ${input.username} is already taken; choose another.`, { username: input.username });
    }
  }

  /** Claims the email and the username (first writer wins), then registers the user. */
  async register(input: NewUser, context: CommandContext): Promise<RecordedEvent[]> {
    await this.assertRegistrable(input);
    const userId = input.userId ?? randomUUID();
    const passwordHash = await hashPassword(input.password);
    const at = this.#now();
    // The command is validated by the decider too; run it on an empty state first so a bad shape fails before any claim.
    userDecider.decide(
      { type: 'RegisterUser', data: { userId, email: input.email, username: input.username, displayName: input.displayName, passwordHash, memberships: input.memberships, at } },
      userDecider.initialState(),
    );
    await this.#claim('email', input.email, userId, context);
    await this.#claim('username', input.username, userId, context);
    const result = await this.#user(
      userId,
      { type: 'RegisterUser', data: { userId, email: input.email.trim(), username: input.username, displayName: input.displayName, passwordHash, memberships: input.memberships, at } },
      context,
    );
    return result;
  }

  async userIdFor(kind: 'email' | 'username', value: string): Promise<string | null> {
    const stream = kind === 'email' ? streams.userEmail(value) : streams.username(value);
    return (await this.#claims.load(stream)).state.userId;
  }

  /** Email when the identifier has an '@', else username. */
  async userIdForIdentifier(identifier: string): Promise<string | null> {
    const trimmed = identifier.trim();
    if (trimmed === '') return null;
    return this.userIdFor(trimmed.includes('@') ? 'email' : 'username', trimmed);
  }

  async user(userId: string): Promise<(UserState & { userId: string }) | null> {
    const { state } = await this.users.load(streams.user(userId));
    return state.exists && state.userId !== null ? (state as UserState & { userId: string }) : null;
  }

  execute(userId: string, command: UserCommand, context: CommandContext): Promise<RecordedEvent[]> {
    return this.#user(userId, command, context);
  }

  // ---- login and sessions -------------------------------------------------------------------------

  /**
   * Checks the password (the same work whether or not the user exists), records a failure (locking
   * after five in a row) or starts a session in the user's first organisation.
   */
  async login(identifier: string, password: string): Promise<StartedSession> {
    const userId = await this.userIdForIdentifier(identifier);
    const user = userId === null ? null : await this.user(userId);
    if (user === null || user.passwordHash === null || user.memberships.length === 0) {
      await burnPasswordCheck(password);
      throw invalidCredentials();
    }
    const context = userContext(user);
    const matches = await verifyPassword(password, user.passwordHash);
    if (user.locked) {
      throw new DomainError('UserLocked', 'This account is locked after too many failed logins; ask an administrator to unlock it.');
    }
    if (!matches) {
      const events = await this.#user(user.userId, { type: 'RecordLoginFailure', data: { maxFailuresInRow: MAX_FAILED_LOGINS_IN_ROW, at: this.#now() } }, context);
      if (events.some((event) => event.type === 'UserLocked')) {
        throw new DomainError('UserLocked', `This account is now locked after ${MAX_FAILED_LOGINS_IN_ROW} failed logins in a row; ask an administrator to unlock it.`);
      }
      throw invalidCredentials();
    }
    await this.#user(user.userId, { type: 'RecordLoginSuccess', data: { at: this.#now() } }, context);
    const organisationId = (user.memberships[0] as Membership).organisationId;
    const { id: sessionId, token, secretHash } = newSecretToken();
    const at = this.#now();
    const expiresAt = new Date(Date.parse(at) + this.#sessionTtlMs).toISOString();
    await this.#session(
      sessionId,
      { type: 'StartSession', data: { sessionId, tokenHash: secretHash, userId: user.userId, organisationId, expiresAt, at } },
      { organisationId, actor: { kind: 'user', userId: user.userId } },
    );
    return { token, sessionId, expiresAt, user, organisationId };
  }

  /** The live session and user behind a token, or null (unknown, wrong secret, revoked, expired, no longer a member). */
  async authenticate(token: string): Promise<AuthenticatedSession | null> {
    const parsed = parseSecretToken(token);
    if (parsed === null) return null;
    const { state: session } = await this.sessions.load(streams.session(parsed.id));
    if (!session.exists || session.revoked || session.tokenHash === null || session.userId === null || session.organisationId === null) return null;
    if (!hashMatches(parsed.secret, session.tokenHash)) return null;
    if (session.expiresAt !== null && this.#now() >= session.expiresAt) return null;
    const user = await this.user(session.userId);
    if (user === null) return null;
    return { session: session as AuthenticatedSession['session'], user };
  }

  async logout(sessionId: string, userId: string, organisationId: string): Promise<void> {
    await this.#session(sessionId, { type: 'RevokeSession', data: { reason: 'logout', at: this.#now() } }, { organisationId, actor: { kind: 'user', userId } });
  }

  async selectOrganisation(sessionId: string, user: UserState & { userId: string }, organisationId: string): Promise<void> {
    await this.#session(
      sessionId,
      { type: 'SelectOrganisation', data: { organisationId, memberOf: user.memberships.map((m) => m.organisationId), at: this.#now() } },
      { organisationId, actor: { kind: 'user', userId: user.userId } },
    );
  }

  // ---- internals ----------------------------------------------------------------------------------

  async #user(userId: string, command: UserCommand, context: CommandContext): Promise<RecordedEvent[]> {
    return (await handleCommand(this.#store, this.users, streams.user(userId), command, context, userDecider)).events;
  }

  async #session(sessionId: string, command: SessionCommand, context: CommandContext): Promise<RecordedEvent[]> {
    return (await handleCommand(this.#store, this.sessions, streams.session(sessionId), command, context, sessionDecider)).events;
  }

  async #claim(kind: 'email' | 'username', value: string, userId: string, context: CommandContext): Promise<void> {
    const stream = kind === 'email' ? streams.userEmail(value) : streams.username(value);
    await handleCommand(this.#store, this.#claims, stream, { type: 'ClaimIdentifier', data: { kind, value: value.trim().toLowerCase(), userId, at: this.#now() } }, context, claimDecider);
  }
}

const invalidCredentials = (): DomainError => new DomainError('InvalidCredentials', 'The email/username or password is wrong.');

/** A user's own events are filed under their first organisation (every event carries one). */
export const userContext = (user: UserState & { userId: string }): CommandContext => ({
  organisationId: user.memberships[0]?.organisationId ?? 'platform',
  actor: { kind: 'user', userId: user.userId },
});
