/**
 * Whether the signed-in user may pick up a waiting call on the queue board, and if not, why, in
 * words for the button's tooltip and description. The platform checks the same rules again
 * (pickUpCall): this only keeps the button honest. Any status but Offline may pick up a call.
 */
import type { MeAgent, QueueRow } from '../api/types';
import type { CallPhase } from './phase';

export interface PickUpContext {
  /** The signed-in user's agent, or null when they do not work as an agent. */
  agent: MeAgent | null;
  /** An offer is ringing for the agent now. */
  ringing: boolean;
  /** Where the agent stands on their current call, or null when they have none. */
  phase: CallPhase | null;
}

/** null: the agent may pick up this row's call; else the reason they may not. */
export const pickUpRefusal = (row: Pick<QueueRow, 'status' | 'queueId' | 'queueName'>, context: PickUpContext): string | null => {
  if (row.status !== 'WAITING') return 'Only waiting calls can be picked up.';
  const { agent } = context;
  if (agent === null) return 'You do not work as an agent, so calls cannot be offered to you.';
  if (!agent.queueIds.includes(row.queueId)) return `You are not an agent of the ${row.queueName} queue.`;
  if (agent.status === 'OFFLINE') return 'You are Offline: set any other status to pick up calls.';
  if (context.ringing) return 'A call is ringing for you: answer or decline it first.';
  if (context.phase === 'wrap-up') return 'You are in wrap-up: finish it first.';
  if (context.phase !== null) return 'You are on a call.';
  return null;
};
