import { describe, expect, test } from 'vitest';
import { claimDecider, passwordPolicyProblem, sessionDecider, userDecider } from '../../src/domain/user/index.ts';
import type { Membership, SessionEvent, UserEvent } from '../../src/events/user-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';

const user = DeciderSpec.for(userDecider);
const session = DeciderSpec.for(sessionDecider);
const claim = DeciderSpec.for(claimDecider);
const at = '2025-01-06T09:00:00.000Z';
const owner: Membership = { organisationId: 'org-1', role: 'owner', agentId: null };
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { userId: 'u1', email: 'ada@example.com', username: 'ada', displayName: 'Ada', passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', memberships: [owner], at },
};
const failed = (failuresInRow: number): UserEvent => ({ type: 'UserLoginFailed', data: { failuresInRow, at } });

describe('user decider', () => {
  test('registers a user with a hashed password and refuses a plain one or a bad role', () => {
    user.given([]).when({ type: 'RegisterUser', data: registered.data as never }).then([registered]);
    user.given([]).when({ type: 'RegisterUser', data: { ...(registered.data as object), passwordHash: 'Secret123!' } as never }).thenThrows('InvalidInput');
    user
      .given([])
      .when({ type: 'RegisterUser', data: { ...(registered.data as object), memberships: [{ ...owner, role: 'root' }] } as never })
      .thenThrows('InvalidInput', 'root');
    user.given([registered]).when({ type: 'RegisterUser', data: registered.data as never }).thenThrows('UserAlreadyExists');
  });

  test('locks after the fifth failed login in a row, and a locked user cannot log in until unlocked', () => {
    user.given([registered, failed(1), failed(2), failed(3)]).when({ type: 'RecordLoginFailure', data: { maxFailuresInRow: 5, at } }).then([failed(4)]);
    user
      .given([registered, failed(1), failed(2), failed(3), failed(4)])
      .when({ type: 'RecordLoginFailure', data: { maxFailuresInRow: 5, at } })
      .then([failed(5), { type: 'UserLocked', data: { reason: 'too-many-failed-logins', at } }]);
    const locked: UserEvent = { type: 'UserLocked', data: { reason: 'too-many-failed-logins', at } };
    user.given([registered, locked]).when({ type: 'RecordLoginSuccess', data: { at } }).thenThrows('UserLocked');
    user.given([registered, locked]).when({ type: 'UnlockUser', data: { at } }).then([{ type: 'UserUnlocked', data: { at } }]);
    user.given([registered, locked, { type: 'UserUnlocked', data: { at } }]).when({ type: 'RecordLoginSuccess', data: { at } }).thenNothingHappened();
  });

  test('a successful login resets the run of failures, so failures must be in a row to lock', () => {
    user.given([registered, failed(1), failed(2)]).when({ type: 'RecordLoginSuccess', data: { at } }).then([{ type: 'UserLoginSucceeded', data: { at } }]);
    user
      .given([registered, failed(1), failed(2), failed(3), failed(4), { type: 'UserLoginSucceeded', data: { at } }])
      .when({ type: 'RecordLoginFailure', data: { maxFailuresInRow: 5, at } })
      .then([failed(1)]);
  });

  test('an invite sets the password once and only before it expires', () => {
    const invite: UserEvent = { type: 'UserInviteIssued', data: { inviteId: 'i1', tokenHash: 'h', expiresAt: '2025-01-07T09:00:00.000Z', at } };
    const change = { type: 'ChangePassword' as const, data: { passwordHash: 'scrypt$x', inviteId: 'i1', at } };
    user.given([registered, invite]).when(change).then([{ type: 'UserPasswordChanged', data: change.data }]);
    user.given([registered, invite, { type: 'UserPasswordChanged', data: change.data }]).when(change).thenThrows('InviteInvalid');
    user.given([registered, invite]).when({ ...change, data: { ...change.data, at: '2025-01-08T00:00:00.000Z' } }).thenThrows('InviteInvalid');
    user.given([registered]).when(change).thenThrows('InviteInvalid');
  });
});

describe('session decider', () => {
  const started: SessionEvent = {
    type: 'SessionStarted',
    data: { sessionId: 's1', tokenHash: 'h', userId: 'u1', organisationId: 'org-1', expiresAt: '2025-01-07T09:00:00.000Z', at },
  };
  test('selects only an organisation the user belongs to, and never after revocation', () => {
    session
      .given([started])
      .when({ type: 'SelectOrganisation', data: { organisationId: 'org-2', memberOf: ['org-1', 'org-2'], at } })
      .then([{ type: 'SessionOrganisationSelected', data: { organisationId: 'org-2', at } }]);
    session.given([started]).when({ type: 'SelectOrganisation', data: { organisationId: 'org-3', memberOf: ['org-1'], at } }).thenThrows('NotAMember');
    const revoked: SessionEvent = { type: 'SessionRevoked', data: { reason: 'logout', at } };
    session.given([started, revoked]).when({ type: 'SelectOrganisation', data: { organisationId: 'org-1', memberOf: ['org-1'], at } }).thenThrows('SessionNotFound');
    session.given([started, revoked]).when({ type: 'RevokeSession', data: { reason: 'logout', at } }).thenNothingHappened();
  });
});

describe('identifier claims', () => {
  test('the first user to claim an email owns it; anyone else is told it is taken', () => {
    const claimed = { type: 'UserIdentifierClaimed' as const, data: { kind: 'email' as const, value: 'ada@example.com', userId: 'u1', at } };
    claim.given([]).when({ type: 'ClaimIdentifier', data: claimed.data }).then([claimed]);
    claim.given([claimed]).when({ type: 'ClaimIdentifier', data: { ...claimed.data, userId: 'u2' } }).thenThrows('EmailTaken');
    claim.given([claimed]).when({ type: 'ClaimIdentifier', data: { ...claimed.data, kind: 'username', userId: 'u2' } }).thenThrows('UsernameTaken');
  });
});

describe('password policy', () => {
  test('names what is missing', () => {
    expect(passwordPolicyProblem('Str0ng!pass')).toBeNull();
    expect(passwordPolicyProblem('short')).toMatch(/8 characters/);
    expect(passwordPolicyProblem('alllowercase1!')).toMatch(/upper-case/);
    expect(passwordPolicyProblem('NoDigits!!')).toMatch(/digit/);
    expect(passwordPolicyProblem('NoSpecial12')).toMatch(/one of/);
  });
});
