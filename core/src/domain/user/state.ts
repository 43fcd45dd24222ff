import type { Membership, SessionEvent, UserEvent } from '../../events/user-events.ts';

export interface Invite {
  tokenHash: string;
  expiresAt: string;
  used: boolean;
}

export interface UserState {
  exists: boolean;
  userId: string | null;
  email: string | null;
  username: string | null;
  displayName: string | null;
  passwordHash: string | null;
  memberships: Membership[];
  failedLoginsInRow: number;
  locked: boolean;
  invites: Record<string, Invite>;
}

export const initialUserState = (): UserState => ({
  exists: false,
  userId: null,
  email: null,
  username: null,
  displayName: null,
  passwordHash: null,
  memberships: [],
  failedLoginsInRow: 0,
  locked: false,
  invites: {},
});

export const evolveUser = (state: UserState, { type, data }: UserEvent): UserState => {
  switch (type) {
    case 'UserRegistered':
      return {
        ...initialUserState(),
        exists: true,
        userId: data.userId,
        email: data.email,
        username: data.username,
        displayName: data.displayName,
        passwordHash: data.passwordHash,
        memberships: data.memberships,
      };
    case 'UserMembershipGranted':
      return {
        ...state,
        memberships: [...state.memberships.filter((m) => m.organisationId !== data.membership.organisationId), data.membership],
      };
    case 'UserMembershipRevoked':
      return { ...state, memberships: state.memberships.filter((m) => m.organisationId !== data.organisationId) };
    case 'UserLoginFailed':
      return { ...state, failedLoginsInRow: data.failuresInRow };
    case 'UserLoginSucceeded':
      return { ...state, failedLoginsInRow: 0 };
    case 'UserLocked':
      return { ...state, locked: true };
    case 'UserUnlocked':
      return { ...state, locked: false, failedLoginsInRow: 0 };
    case 'UserPasswordChanged': {
      const invites = { ...state.invites };
      const invite = data.inviteId === null ? undefined : invites[data.inviteId];
      if (data.inviteId !== null && invite !== undefined) invites[data.inviteId] = { ...invite, used: true };
      return { ...state, passwordHash: data.passwordHash, invites, failedLoginsInRow: 0 };
    }
    case 'UserInviteIssued':
      return { ...state, invites: { ...state.invites, [data.inviteId]: { tokenHash: data.tokenHash, expiresAt: data.expiresAt, used: false } } };
  }
};

export interface SessionState {
  exists: boolean;
  sessionId: string | null;
  userId: string | null;
  organisationId: string | null;
  tokenHash: string | null;
  expiresAt: string | null;
  revoked: boolean;
}

export const initialSessionState = (): SessionState => ({
  exists: false,
  sessionId: null,
  userId: null,
  organisationId: null,
  tokenHash: null,
  expiresAt: null,
  revoked: false,
});

export const evolveSession = (state: SessionState, { type, data }: SessionEvent): SessionState => {
  switch (type) {
    case 'SessionStarted':
      return {
        exists: true,
        sessionId: data.sessionId,
        userId: data.userId,
        organisationId: data.organisationId,
        tokenHash: data.tokenHash,
        expiresAt: data.expiresAt,
        revoked: false,
      };
    case 'SessionOrganisationSelected':
      return { ...state, organisationId: data.organisationId };
    case 'SessionRevoked':
      return { ...state, revoked: true };
  }
};
