import { DomainError } from '../errors.ts';
import { AGENT_STATUSES, type AgentEvent, type AgentProfile } from '../../events/agent-events.ts';
import { isBlank, isIntegerBetween } from '../validation.ts';
import type {
  AgentCommand,
  DisableAgent,
  EnableAgent,
  JoinQueue,
  LeaveQueue,
  LockAgent,
  RegisterAgent,
  RemoveAgent,
  SetAgentStatus,
  SetAgentTeams,
  UnlockAgent,
  UpdateAgentProfile,
} from './commands.ts';
import { forceOffline, requireLiveAgent, statusChanged } from './live-agent.ts';
import { validateAgentProfile } from './profile-validation.ts';
import { release, reserve } from './reservation.ts';
import type { AgentState } from './state.ts';

const register = ({ data }: RegisterAgent, state: AgentState): AgentEvent[] => {
  if (state.exists) {
    const agentId = state.agentId ?? data.agentId;
    throw new DomainError('AgentAlreadyExists', `Agent ${agentId} is already registered${state.removed ? ' (removed)' : ''}.`, { agentId });
  }
  const profile = { ...data.profile, fullName: data.profile.fullName.trim() };
  validateAgentProfile(data.agentId, profile);
  return [{ type: 'AgentRegistered', data: { agentId: data.agentId, organisationId: data.organisationId, profile, at: data.at } }];
};

/** Validates the merged profile, then emits only the fields whose value changes ([] when none). */
const updateProfile = ({ data }: UpdateAgentProfile, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  const requested: Partial<AgentProfile> =
    data.changes.fullName === undefined ? data.changes : { ...data.changes, fullName: data.changes.fullName.trim() };
  validateAgentProfile(agent.agentId, { ...agent.profile, ...requested });

  const changes: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(requested)) {
    // Every profile field is a primitive, so === is the right comparison; unknown keys are never recorded.
    if (value === undefined || !Object.hasOwn(agent.profile, field)) continue;
    if (value !== agent.profile[field as keyof AgentProfile]) changes[field] = value;
  }
  if (Object.keys(changes).length === 0) return [];
  // The keys come from Partial<AgentProfile> and each value from the same key.
  return [{ type: 'AgentProfileUpdated', data: { changes: changes as Partial<AgentProfile>, at: data.at } }];
};

/** Status is independent of the call slot: an agent may go Offline while on a call, and the call goes on. */
const setStatus = ({ data }: SetAgentStatus, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (!(AGENT_STATUSES as readonly string[]).includes(data.status)) {
    throw new DomainError('InvalidInput', `Agent ${agent.agentId}: '${data.status}' is not a status (${AGENT_STATUSES.join(', ')}).`, {
      agentId: agent.agentId,
      status: data.status,
    });
  }
  const reason = data.reason === null || isBlank(data.reason) ? null : data.reason.trim();
  if (data.status === 'online' && agent.disabled) {
    throw new DomainError('AgentDisabled', `Agent ${agent.agentId} is disabled and cannot go online; enable the agent first.`, {
      agentId: agent.agentId,
    });
  }
  if (data.status === 'online' && agent.locked) {
    throw new DomainError('AgentLocked', `Agent ${agent.agentId} is locked and cannot go online; unlock the agent first.`, {
      agentId: agent.agentId,
    });
  }
  if (data.status === agent.status && reason === agent.statusReason) return [];
  return [statusChanged(agent, data.status, reason, data.at)];
};

/**
 * Joining a queue already joined with the same penalty and skills changes nothing; joining with a
 * different penalty or skills emits AgentJoinedQueue again, which replaces the membership. So
 * AlreadyInQueue is never thrown: the command is an upsert, safe for the admin page to resend.
 */
const joinQueue = ({ data }: JoinQueue, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  const facts = { agentId: agent.agentId, queueId: data.queueId };
  if (isBlank(data.queueId)) throw new DomainError('InvalidInput', `Agent ${agent.agentId}: the queue to join is not named.`, facts);
  if (!isIntegerBetween(data.penalty, 0, 10)) {
    throw new DomainError('InvalidInput', `Agent ${agent.agentId}: penalty ${data.penalty} for queue ${data.queueId} must be a whole number 0 to 10.`, {
      ...facts,
      penalty: data.penalty,
    });
  }
  const skills = [...new Set(data.skills.map((skill) => skill.trim()))];
  if (skills.some((skill) => skill.length === 0)) {
    throw new DomainError('InvalidInput', `Agent ${agent.agentId}: a skill for queue ${data.queueId} is empty.`, facts);
  }
  const current = agent.queues[data.queueId];
  if (current !== undefined && current.penalty === data.penalty && sameSkills(current.skills, skills)) return [];
  return [{ type: 'AgentJoinedQueue', data: { queueId: data.queueId, penalty: data.penalty, skills, at: data.at } }];
};

const sameSkills = (a: string[], b: string[]): boolean => a.length === b.length && a.every((skill) => b.includes(skill));

const leaveQueue = ({ data }: LeaveQueue, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (agent.queues[data.queueId] === undefined) {
    throw new DomainError('NotInQueue', `Agent ${agent.agentId} is not a member of queue ${data.queueId}.`, {
      agentId: agent.agentId,
      queueId: data.queueId,
    });
  }
  return [{ type: 'AgentLeftQueue', data: { queueId: data.queueId, at: data.at } }];
};

// A disabled or locked agent cannot take calls, so any logged-in status (not only 'online') ends in Offline.
const disable = ({ data }: DisableAgent, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (agent.disabled) return [];
  return [{ type: 'AgentDisabled', data: { at: data.at } }, ...forceOffline(agent, 'disabled', data.at)];
};

const enable = ({ data }: EnableAgent, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (!agent.disabled) return [];
  return [{ type: 'AgentEnabled', data: { at: data.at } }];
};

const lock = ({ data }: LockAgent, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (isBlank(data.reason)) {
    throw new DomainError('InvalidInput', `Agent ${agent.agentId}: locking needs a reason.`, { agentId: agent.agentId, field: 'reason' });
  }
  if (agent.locked) return [];
  return [{ type: 'AgentLocked', data: { reason: data.reason.trim(), at: data.at } }, ...forceOffline(agent, 'locked', data.at)];
};

const unlock = ({ data }: UnlockAgent, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (!agent.locked) return [];
  return [{ type: 'AgentUnlocked', data: { at: data.at } }];
};

/** Refused while the agent holds a call slot: the call flow must release it first. Removing again is a no-op. */
const remove = ({ data }: RemoveAgent, state: AgentState): AgentEvent[] => {
  if (state.exists && state.removed) return [];
  const agent = requireLiveAgent(state);
  if (agent.reservation !== null) {
    throw new DomainError(
      'AgentBusy',
      `Agent ${agent.agentId} is reserved for call ${agent.reservation.callId} and cannot be removed until that call releases the agent.`,
      { agentId: agent.agentId, reservation: agent.reservation },
    );
  }
  return [{ type: 'AgentRemoved', data: { at: data.at } }];
};

/** An upsert of the whole set: the same teams again change nothing. */
const setTeams = ({ data }: SetAgentTeams, state: AgentState): AgentEvent[] => {
  const agent = requireLiveAgent(state);
  if (data.teamIds.some((teamId) => isBlank(teamId))) {
    throw new DomainError('InvalidInput', `Agent ${agent.agentId}: a team id is empty.`, { agentId: agent.agentId });
  }
  const teamIds = [...new Set(data.teamIds.map((teamId) => teamId.trim()))].sort();
  if (teamIds.length === agent.teamIds.length && teamIds.every((teamId, index) => agent.teamIds[index] === teamId)) return [];
  return [{ type: 'AgentTeamsSet', data: { teamIds, at: data.at } }];
};

export const decide = (command: AgentCommand, state: AgentState): AgentEvent[] => {
  switch (command.type) {
    case 'RegisterAgent':
      return register(command, state);
    case 'UpdateAgentProfile':
      return updateProfile(command, state);
    case 'SetAgentStatus':
      return setStatus(command, state);
    case 'JoinQueue':
      return joinQueue(command, state);
    case 'LeaveQueue':
      return leaveQueue(command, state);
    case 'DisableAgent':
      return disable(command, state);
    case 'EnableAgent':
      return enable(command, state);
    case 'LockAgent':
      return lock(command, state);
    case 'UnlockAgent':
      return unlock(command, state);
    case 'RemoveAgent':
      return remove(command, state);
    case 'SetAgentTeams':
      return setTeams(command, state);
    case 'ReserveAgent':
      return reserve(command, state);
    case 'ReleaseAgent':
      return release(command, state);
  }
};
