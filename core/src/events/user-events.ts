/**
 * Users, their sessions and the claims that keep emails and usernames unique. Users are
 * event-sourced like everything else: a login is decided from the user's own stream.
 */
import type { DomainEventOf } from './event.ts';

export const USER_ROLES = ['owner', 'admin', 'supervisor', 'agent', 'analyst'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface Membership {
  organisationId: string;
  role: UserRole;
  /** The agent this user works as in that organisation, or null. */
  agentId: string | null;
}

export type UserRegistered = DomainEventOf<'UserRegistered', {
  userId: string;
  email: string;
  username: string;
  displayName: string;
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`: never the password itself. */
  passwordHash: string;
  memberships: Membership[];
  at: string;
}>;
export type UserMembershipGranted = DomainEventOf<'UserMembershipGranted', { membership: Membership; at: string }>;
export type UserMembershipRevoked = DomainEventOf<'UserMembershipRevoked', { organisationId: string; at: string }>;
export type UserLoginFailed = DomainEventOf<'UserLoginFailed', { failuresInRow: number; at: string }>;
/** Recorded only when it resets a run of failures, so a quiet login writes nothing to the user stream. */
export type UserLoginSucceeded = DomainEventOf<'UserLoginSucceeded', { at: string }>;
export type UserLocked = DomainEventOf<'UserLocked', { reason: 'too-many-failed-logins' | string; at: string }>;
export type UserUnlocked = DomainEventOf<'UserUnlocked', { at: string }>;
export type UserPasswordChanged = DomainEventOf<'UserPasswordChanged', { passwordHash: string; inviteId: string | null; at: string }>;
/** A one-time invite to set a password; only a SHA-256 of its secret is kept. */
export type UserInviteIssued = DomainEventOf<'UserInviteIssued', { inviteId: string; tokenHash: string; expiresAt: string; at: string }>;

export type UserEvent =
  | UserRegistered
  | UserMembershipGranted
  | UserMembershipRevoked
  | UserLoginFailed
  | UserLoginSucceeded
  | UserLocked
  | UserUnlocked
  | UserPasswordChanged
  | UserInviteIssued;

export type SessionStarted = DomainEventOf<'SessionStarted', {
  sessionId: string;
  /** SHA-256 (hex) of the token's secret part. */
  tokenHash: string;
  userId: string;
  organisationId: string;
  expiresAt: string;
  at: string;
}>;
export type SessionOrganisationSelected = DomainEventOf<'SessionOrganisationSelected', { organisationId: string; at: string }>;
export type SessionRevoked = DomainEventOf<'SessionRevoked', { reason: 'logout' | string; at: string }>;

export type SessionEvent = SessionStarted | SessionOrganisationSelected | SessionRevoked;

/** First (and only) event of a `useremail-…` or `username-…` stream, appended with 'no_stream'. */
export type UserIdentifierClaimed = DomainEventOf<'UserIdentifierClaimed', { kind: 'email' | 'username'; value: string; userId: string; at: string }>;

export type UserClaimEvent = UserIdentifierClaimed;
