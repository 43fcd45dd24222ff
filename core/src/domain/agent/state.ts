import type { AgentEvent, AgentProfile, AgentStatus } from '../../events/agent-events.ts';
import type { ReservationKind } from './commands.ts';

export interface QueueMembership {
  penalty: number;
  skills: string[];
}

export interface Reservation {
  callId: string;
  offerId: string;
  kind: ReservationKind;
}

export interface AgentState {
  exists: boolean;
  removed: boolean;
  agentId: string | null;
  organisationId: string | null;
  /** null until the agent is registered. */
  profile: AgentProfile | null;
  status: AgentStatus;
  statusReason: string | null;
  disabled: boolean;
  locked: boolean;
  queues: Record<string, QueueMembership>;
  /** Sorted, without duplicates. */
  teamIds: string[];
  /** The single call slot: held from AgentReserved until AgentReleased. */
  reservation: Reservation | null;
  missedOffersInRow: number;
}

export const initialState = (): AgentState => ({
  exists: false,
  removed: false,
  agentId: null,
  organisationId: null,
  profile: null,
  status: 'offline',
  statusReason: null,
  disabled: false,
  locked: false,
  queues: {},
  teamIds: [],
  reservation: null,
  missedOffersInRow: 0,
});

export const evolve = (state: AgentState, { type, data }: AgentEvent): AgentState => {
  switch (type) {
    case 'AgentRegistered':
      return { ...initialState(), exists: true, agentId: data.agentId, organisationId: data.organisationId, profile: data.profile };
    case 'AgentProfileUpdated':
      return state.profile === null ? state : { ...state, profile: { ...state.profile, ...data.changes } };
    case 'AgentStatusChanged':
      return {
        ...state,
        status: data.status,
        statusReason: data.reason,
        // Only a person sets 'online' (the platform only ever sets 'offline'): a fresh start for missed offers.
        missedOffersInRow: data.status === 'online' ? 0 : state.missedOffersInRow,
      };
    case 'AgentJoinedQueue':
      return { ...state, queues: { ...state.queues, [data.queueId]: { penalty: data.penalty, skills: data.skills } } };
    case 'AgentLeftQueue': {
      const { [data.queueId]: _left, ...queues } = state.queues;
      return { ...state, queues };
    }
    case 'AgentDisabled':
      return { ...state, disabled: true };
    case 'AgentEnabled':
      return { ...state, disabled: false };
    case 'AgentLocked':
      return { ...state, locked: true };
    case 'AgentUnlocked':
      return { ...state, locked: false };
    case 'AgentRemoved':
      return { ...state, removed: true };
    case 'AgentTeamsSet':
      return { ...state, teamIds: data.teamIds };
    case 'AgentReserved':
      return { ...state, reservation: { callId: data.callId, offerId: data.offerId, kind: data.kind } };
    case 'AgentReleased':
      return {
        ...state,
        reservation: null,
        missedOffersInRow:
          data.reason === 'missed' ? state.missedOffersInRow + 1 : data.reason === 'wrap-up-done' ? 0 : state.missedOffersInRow,
      };
  }
};
