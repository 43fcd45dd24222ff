/**
 * Why the agent's last consultation ended without a transfer, while the caller still waits on hold
 * with them: the number refused or did not answer, the consulted party hung up, a colleague declined.
 * Read from the call's timeline (the API's one history), so a reload shows the same. The agent's own
 * cancel needs no notice; resuming the caller or consulting again clears it.
 */
import type { Call } from '../api/types';

/** "… put the caller on hold to consult +3225550100" (projections' timeline-descriptions.ts): who was consulted. */
const CONSULTED = /to consult (.+)$/;
/** "Consultation failed: the number could not be reached; the caller is back with the agent, on hold": the why. */
const ENDED = /^Consultation (.+?); the caller is back/;

export const consultationNoticeOf = (call: Call, agentId: string): string | null => {
  let consulted: string | null = null;
  let notice: string | null = null;
  for (const entry of call.timeline) {
    if (entry.type === 'ConsultationStarted') {
      // Another agent's consultation (after a transfer) is none of this agent's business.
      consulted = entry.agentId === agentId ? (CONSULTED.exec(entry.description)?.[1] ?? 'the consulted party') : null;
      notice = null;
    } else if (consulted !== null && entry.type === 'ConsultationEnded') {
      const why = ENDED.exec(entry.description)?.[1] ?? entry.description;
      notice = why.startsWith('cancelled') ? null : `Consultation with ${consulted} ${why}. The caller is on hold with you: Resume to talk to them again.`;
    } else if (entry.type === 'CallResumed' || entry.type === 'CallTransferRequested') notice = null;
  }
  return notice;
};
