/**
 * Where the signed-in agent stands on a call, read from the call's timeline: the API's history is
 * the one source, so a reload or a reconnect lands in the same place as the live session.
 */
import type { Call, Queue } from '../api/types';

/** 'dialling': the agent's outbound call before the callee answers. */
export type CallPhase = 'ringing' | 'dialling' | 'connected' | 'wrap-up';

const ENDED: ReadonlySet<string> = new Set(['COMPLETED', 'ABANDONED', 'REJECTED', 'EXPIRED', 'FORCE_ENDED', 'TRANSFERRED_EXTERNALLY', 'FAILED']);

export const phaseOf = (call: Call, agentId: string): CallPhase | null => {
  let phase: CallPhase | null = null;
  for (const entry of call.timeline) {
    if (entry.agentId !== agentId) {
      // A caller who hangs up while it rings ends the offer without naming the agent.
      if (phase === 'ringing' && (entry.type === 'CallAbandoned' || entry.type === 'CallEnded')) phase = null;
      continue;
    }
    switch (entry.type) {
      case 'CallOffered':
      case 'CallTransferOffered':
        phase = 'ringing';
        break;
      case 'CallOfferDeclined':
      case 'CallOfferTimedOut':
      case 'CallOfferWithdrawn':
      case 'CallTransferRejected':
        if (phase === 'ringing') phase = null;
        break;
      // The colleague consulted about a call talks to the consulting agent, not yet to the caller.
      case 'ConsultationAnswered':
        if (phase === 'ringing') phase = 'connected';
        break;
      // Only the consulted colleague is named on its end: their part is over (the caller stays with the other agent).
      case 'ConsultationEnded':
        if (phase === 'ringing' || phase === 'connected') phase = null;
        break;
      case 'OutboundCallPlaced':
        phase = 'dialling';
        break;
      case 'OutboundCallFailed':
        phase = null;
        break;
      case 'CallAnswered':
      case 'CallTransferAccepted':
      case 'OutboundCallAnswered':
        phase = 'connected';
        break;
      case 'WrapUpStarted':
        phase = 'wrap-up';
        break;
      case 'WrapUpCompleted':
        phase = null;
        break;
    }
  }
  if ((phase === 'connected' || phase === 'dialling') && ENDED.has(call.status)) return null;
  return phase;
};

/** When the agent's wrap-up on this call ends: its start plus the agent's (else the queue's) time plus extensions. */
export const wrapUpEndsAt = (call: Call, agentId: string, agentWrapUpSeconds: number | null, queue: Queue | undefined): number | null => {
  let endsAt: number | null = null;
  for (const entry of call.timeline) {
    if (entry.agentId !== agentId) continue;
    if (entry.type === 'WrapUpStarted') endsAt = Date.parse(entry.at) + 1000 * (agentWrapUpSeconds ?? queue?.wrapUpSeconds ?? 0);
    // The timeline says "extended wrap-up by N s"; the number is the only place the API gives it.
    if (entry.type === 'WrapUpExtended' && endsAt !== null) endsAt += 1000 * Number(/by (\d+) s/.exec(entry.description)?.[1] ?? 0);
  }
  return endsAt;
};

/** The longest single wrap-up extension the core allows (MAX_EXTENSION_SECONDS in core/src/domain/call). */
export const WRAP_UP_HOLD_SECONDS = 600;

/** The agent asked for "More time": an extension by the longest the core allows holds the wrap-up open. */
export const wrapUpHeldOpen = (call: Call, agentId: string): boolean =>
  call.timeline.some((entry) => entry.type === 'WrapUpExtended' && entry.agentId === agentId && Number(/by (\d+) s/.exec(entry.description)?.[1] ?? 0) >= WRAP_UP_HOLD_SECONDS);

/** The last transfer outcome the agent should see while still on the call ("rejected by …"). */
export const transferNoticeOf = (call: Call, agentId: string): string | null => {
  let requested = false;
  let notice: string | null = null;
  for (const entry of call.timeline) {
    if (entry.type === 'CallTransferRequested' && entry.agentId === agentId) {
      requested = true;
      notice = null;
    } else if (requested && (entry.type === 'CallTransferRejected' || entry.type === 'CallTransferFailed')) notice = entry.description;
  }
  return notice;
};

/** Masks a caller's name the way the API masks offers ("Grace Hopper" -> "G**** H*****"). */
export const maskName = (name: string): string =>
  name
    .split(/\s+/)
    .map((part) => part.slice(0, 1) + '*'.repeat(Math.max(0, part.length - 1)))
    .join(' ');
