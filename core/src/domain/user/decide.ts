import { DomainError } from '../errors.ts';
import { USER_ROLES, type SessionEvent, type UserClaimEvent, type UserEvent } from '../../events/user-events.ts';
import { isBlank, isEmail, isUsername } from '../validation.ts';
import type { ClaimIdentifier, SessionCommand, UserCommand } from './commands.ts';
import type { SessionState, UserState } from './state.ts';

const requireUser = (state: UserState): UserState & { userId: string } => {
  if (!state.exists || state.userId === null) throw new DomainError('UserNotFound', 'This user does not exist.');
  return state as UserState & { userId: string };
};

const validateMembershipRole = (role: string, organisationId: string): void => {
  if (!(USER_ROLES as readonly string[]).includes(role)) {
    throw new DomainError('InvalidInput', `'${role}' is not a role (${USER_ROLES.join(', ')}).`, { field: 'role', organisationId });
  }
};

export const decideUser = (command: UserCommand, state: UserState): UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser': {
      const { data } = command;
      if (state.exists) throw new DomainError('UserAlreadyExists', `User ${data.userId} already exists.`, { userId: data.userId });
      if (!isEmail(data.email)) throw new DomainError('InvalidInput', `'${data.email}' is not an email address.`, { field: 'email' });
      if (!isUsername(data.username)) {
        throw new DomainError('InvalidUsername', `Username '${data.username}' may hold only letters, digits, '.' and '_'.`, { username: data.username });
      }
      if (isBlank(data.displayName)) throw new DomainError('InvalidInput', 'A user needs a name; the name given is empty.', { field: 'displayName' });
      if (!data.passwordHash.startsWith('scrypt$')) throw new DomainError('InvalidInput', 'A user is registered with a password hash, never a password.');
      if (data.memberships.length === 0) throw new DomainError('InvalidInput', 'A user must belong to at least one organisation.');
      for (const membership of data.memberships) validateMembershipRole(membership.role, membership.organisationId);
      return [{ type: 'UserRegistered', data: { ...data, email: data.email.trim(), displayName: data.displayName.trim() } }];
    }
    case 'GrantMembership': {
      requireUser(state);
      validateMembershipRole(command.data.membership.role, command.data.membership.organisationId);
      const current = state.memberships.find((m) => m.organisationId === command.data.membership.organisationId);
      if (current !== undefined && current.role === command.data.membership.role && current.agentId === command.data.membership.agentId) return [];
      return [{ type: 'UserMembershipGranted', data: command.data }];
    }
    case 'RevokeMembership': {
      requireUser(state);
      if (!state.memberships.some((m) => m.organisationId === command.data.organisationId)) return [];
      return [{ type: 'UserMembershipRevoked', data: command.data }];
    }
    case 'RecordLoginFailure': {
      requireUser(state);
      if (state.locked) return [];
      const failuresInRow = state.failedLoginsInRow + 1;
      const failed: UserEvent = { type: 'UserLoginFailed', data: { failuresInRow, at: command.data.at } };
      if (failuresInRow < command.data.maxFailuresInRow) return [failed];
      return [failed, { type: 'UserLocked', data: { reason: 'too-many-failed-logins', at: command.data.at } }];
    }
    case 'RecordLoginSuccess': {
      const user = requireUser(state);
      if (user.locked) {
        throw new DomainError('UserLocked', 'This account is locked after too many failed logins; ask an administrator to unlock it.', {
          userId: user.userId,
        });
      }
      return user.failedLoginsInRow === 0 ? [] : [{ type: 'UserLoginSucceeded', data: command.data }];
    }
    case 'UnlockUser': {
      const user = requireUser(state);
      if (!user.locked && user.failedLoginsInRow === 0) return [];
      return [{ type: 'UserUnlocked', data: command.data }];
    }
    case 'ChangePassword': {
      const user = requireUser(state);
      const { inviteId, at } = command.data;
      if (!command.data.passwordHash.startsWith('scrypt$')) throw new DomainError('InvalidInput', 'A password is stored as a hash, never as itself.');
      if (inviteId !== null) {
        const invite = user.invites[inviteId];
        if (invite === undefined || invite.used || at >= invite.expiresAt) {
          throw new DomainError('InviteInvalid', 'This invite link was already used or has expired; ask an administrator for a new one.', { inviteId });
        }
      }
      return [{ type: 'UserPasswordChanged', data: command.data }];
    }
    case 'IssueInvite': {
      requireUser(state);
      if (command.data.expiresAt <= command.data.at) throw new DomainError('InvalidInput', 'An invite must expire after it is issued.');
      return [{ type: 'UserInviteIssued', data: command.data }];
    }
  }
};

export const decideSession = (command: SessionCommand, state: SessionState): SessionEvent[] => {
  switch (command.type) {
    case 'StartSession':
      if (state.exists) throw new DomainError('InvalidInput', `Session ${command.data.sessionId} already exists.`);
      return [{ type: 'SessionStarted', data: command.data }];
    case 'SelectOrganisation': {
      if (!state.exists || state.revoked) throw new DomainError('SessionNotFound', 'This session has ended; sign in again.');
      if (state.expiresAt !== null && command.data.at >= state.expiresAt) throw new DomainError('SessionExpired', 'This session has expired; sign in again.');
      if (!command.data.memberOf.includes(command.data.organisationId)) {
        throw new DomainError('NotAMember', `You are not a member of organisation ${command.data.organisationId}.`, {
          organisationId: command.data.organisationId,
        });
      }
      if (state.organisationId === command.data.organisationId) return [];
      return [{ type: 'SessionOrganisationSelected', data: { organisationId: command.data.organisationId, at: command.data.at } }];
    }
    case 'RevokeSession':
      if (!state.exists) throw new DomainError('SessionNotFound', 'This session does not exist.');
      return state.revoked ? [] : [{ type: 'SessionRevoked', data: command.data }];
  }
};

export interface ClaimState {
  userId: string | null;
}

/** First writer wins: the claim stream is appended with 'no_stream', a second claim finds it taken. */
export const decideClaim = (command: ClaimIdentifier, state: ClaimState): UserClaimEvent[] => {
  const { kind, value } = command.data;
  if (state.userId !== null) {
    if (state.userId === command.data.userId) return [];
    throw kind === 'email'
      ? new DomainError('EmailTaken', `The email ${value} is already used by another account.`, { email: value })
      : new DomainError('UsernameTaken', `The username ${value} is already taken; choose another.`, { username: value });
  }
  return [{ type: 'UserIdentifierClaimed', data: command.data }];
};

export const evolveClaim = (state: ClaimState, event: UserClaimEvent): ClaimState =>
  state.userId === null ? { userId: event.data.userId } : state;
