/**
 * Parts of the core the API needs that `@cc/core` does not export yet (the generic command handler,
 * the aggregate cache, the user domain and the input validators). One file, so that when the core's
 * index exports them this becomes a re-export of '@cc/core'.
 */
export { handleCommand, type HandledCommand } from '../../core/src/runtime/command-handler.ts';
export { AggregateStates } from '../../core/src/runtime/aggregate-states.ts';
export {
  userDecider,
  sessionDecider,
  claimDecider,
  passwordPolicyProblem,
  type UserCommand,
  type SessionCommand,
  type ClaimIdentifier,
  type UserState,
  type SessionState,
  type ClaimState,
} from '../../core/src/domain/user/index.ts';
export { validateAgentProfile, type AgentState } from '../../core/src/domain/agent/index.ts';
export { validateQueueSettings, type QueueState } from '../../core/src/domain/queue/index.ts';
export type { CallState } from '../../core/src/domain/call/index.ts';
export { teamDecider, type TeamCommand, type TeamState } from '../../core/src/domain/team/index.ts';
export type { OrganisationState } from '../../core/src/domain/organisation/index.ts';
export { isE164, isEmail, isUsername, isExtension } from '../../core/src/domain/validation.ts';
