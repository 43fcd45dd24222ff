import type { Decider } from '../decider.ts';
import type { SessionEvent, UserClaimEvent, UserEvent } from '../../events/user-events.ts';
import type { ClaimIdentifier, SessionCommand, UserCommand } from './commands.ts';
import { decideClaim, decideSession, decideUser, evolveClaim, type ClaimState } from './decide.ts';
import { evolveSession, evolveUser, initialSessionState, initialUserState, type SessionState, type UserState } from './state.ts';

export type * from './commands.ts';
export { decideClaim, decideSession, decideUser, evolveClaim, type ClaimState } from './decide.ts';
export { evolveSession, evolveUser, initialSessionState, initialUserState, type Invite, type SessionState, type UserState } from './state.ts';
export { passwordPolicyProblem, PASSWORD_MIN_LENGTH } from './password-policy.ts';

export const userDecider: Decider<UserCommand, UserEvent, UserState> = { decide: decideUser, evolve: evolveUser, initialState: initialUserState };
export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = {
  decide: decideSession,
  evolve: evolveSession,
  initialState: initialSessionState,
};
export const claimDecider: Decider<ClaimIdentifier, UserClaimEvent, ClaimState> = {
  decide: decideClaim,
  evolve: evolveClaim,
  initialState: (): ClaimState => ({ userId: null }),
};
