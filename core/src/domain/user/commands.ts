import type { CommandOf } from '../decider.ts';
import type { Membership } from '../../events/user-events.ts';

/** The password arrives already hashed: hashing is I/O-like (slow, random salt) and stays out of the decider. */
export type RegisterUser = CommandOf<'RegisterUser', {
  userId: string;
  email: string;
  username: string;
  displayName: string;
  passwordHash: string;
  memberships: Membership[];
  at: string;
}>;
export type GrantMembership = CommandOf<'GrantMembership', { membership: Membership; at: string }>;
export type RevokeMembership = CommandOf<'RevokeMembership', { organisationId: string; at: string }>;
/** The API checked the password and it did not match. */
export type RecordLoginFailure = CommandOf<'RecordLoginFailure', { maxFailuresInRow: number; at: string }>;
/** The API checked the password and it matched: refused while locked. */
export type RecordLoginSuccess = CommandOf<'RecordLoginSuccess', { at: string }>;
export type UnlockUser = CommandOf<'UnlockUser', { at: string }>;
/** inviteId: the invite this change redeems (one use, before it expires), or null for a plain change. */
export type ChangePassword = CommandOf<'ChangePassword', { passwordHash: string; inviteId: string | null; at: string }>;
export type IssueInvite = CommandOf<'IssueInvite', { inviteId: string; tokenHash: string; expiresAt: string; at: string }>;

export type UserCommand =
  | RegisterUser
  | GrantMembership
  | RevokeMembership
  | RecordLoginFailure
  | RecordLoginSuccess
  | UnlockUser
  | ChangePassword
  | IssueInvite;

export type StartSession = CommandOf<'StartSession', { sessionId: string; tokenHash: string; userId: string; organisationId: string; expiresAt: string; at: string }>;
/** The user must be a member of the organisation: the API checks the user's memberships and passes them in. */
export type SelectOrganisation = CommandOf<'SelectOrganisation', { organisationId: string; memberOf: string[]; at: string }>;
export type RevokeSession = CommandOf<'RevokeSession', { reason: string; at: string }>;

export type SessionCommand = StartSession | SelectOrganisation | RevokeSession;

export type ClaimIdentifier = CommandOf<'ClaimIdentifier', { kind: 'email' | 'username'; value: string; userId: string; at: string }>;
