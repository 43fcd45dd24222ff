/**
 * Why an agent is away: Break, Meeting and Education take a short reason the supervisor sees on the
 * live board. The platform has no organisation-wide list of reasons, so the console offers built-ins
 * per status plus the agent's own recent custom reasons (kept in this browser's localStorage).
 */
import type { AgentStatus } from './api/types';

/** The API refuses longer reasons too (api/src/calls/call-control.ts). */
export const MAX_REASON_LENGTH = 60;
const RECENT_KEY = 'cc.console.recentStatusReasons';
const MAX_RECENT = 5;

export const BUILT_IN_REASONS: Partial<Record<AgentStatus, readonly string[]>> = {
  BREAK: ['Lunch', 'Coffee', 'Personal'],
  MEETING: ['Team meeting', 'One-to-one', 'Customer meeting'],
  EDUCATION: ['Training', 'Coaching', 'E-learning'],
};

/** Statuses an agent may give a reason for (Online and Offline need none). */
export const takesReason = (status: AgentStatus): boolean => BUILT_IN_REASONS[status] !== undefined;

/** The reason as the API should get it (trimmed, blank = none), or the sentence to show at the field. */
export const checkReason = (raw: string): { reason: string | null; error: null } | { reason: null; error: string } => {
  const reason = raw.trim();
  if (reason.length > MAX_REASON_LENGTH) return { reason: null, error: `A reason has at most ${MAX_REASON_LENGTH} characters (this one has ${reason.length}).` };
  return { reason: reason === '' ? null : reason, error: null };
};

/** The platform's own reasons (set when it takes an agent Offline) in words; the agent's as they wrote them. */
const SYSTEM_REASONS: Record<string, string> = { 'missed-offers': 'Missed offers in a row', disabled: 'Disabled', locked: 'Locked' };
export const reasonLabel = (reason: string | null | undefined): string | null => (reason === null || reason === undefined || reason === '' ? null : (SYSTEM_REASONS[reason] ?? reason));

export const recentReasons = (): string[] => {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(stored) ? stored.filter((r): r is string => typeof r === 'string').slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
};

/** Remembers a custom reason (newest first, no duplicates, built-ins are not stored). */
export const rememberReason = (reason: string): void => {
  if (Object.values(BUILT_IN_REASONS).some((list) => list?.includes(reason))) return;
  const next = [reason, ...recentReasons().filter((r) => r !== reason)].slice(0, MAX_RECENT);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch {
    // No storage: the reason is simply not offered next time.
  }
};
