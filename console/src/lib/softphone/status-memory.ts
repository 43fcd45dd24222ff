/**
 * The agent's status as this browser last knew it, so a reload puts it back: within two minutes of
 * the last sign of life (a status change, a heartbeat while the page is open, or the page closing)
 * the console re-applies it; after a longer absence the agent is set Offline so no call rings an
 * empty desk.
 */

/** The agent status names ('ONLINE', 'OFFLINE', …); a plain string here so Node's tests load this file as is. */
type AgentStatus = string;

const KEY = 'cc.softphone.lastStatus';
/** A reload or a browser restart, not a lunch break. */
export const SHORT_ABSENCE_MS = 2 * 60 * 1000;

export interface StatusRecord {
  agentId: string;
  status: AgentStatus;
  /** Last time (ms since epoch) this browser saw the agent in this status. */
  at: number;
}

export type RestoreDecision = { kind: 'none' } | { kind: 'restore'; status: AgentStatus } | { kind: 'offline' };

/** What to do on start, from the stored record and the status the platform has for the agent. */
export const restoreDecision = (record: StatusRecord | null, agentId: string, current: AgentStatus, now: number): RestoreDecision => {
  if (record === null || record.agentId !== agentId) return { kind: 'none' };
  if (now - record.at < SHORT_ABSENCE_MS) return { kind: 'restore', status: record.status };
  return current === 'OFFLINE' ? { kind: 'none' } : { kind: 'offline' };
};

export const readStatusRecord = (): StatusRecord | null => {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<StatusRecord> | null;
    if (parsed === null || typeof parsed.agentId !== 'string' || typeof parsed.status !== 'string' || typeof parsed.at !== 'number') return null;
    return { agentId: parsed.agentId, status: parsed.status, at: parsed.at };
  } catch {
    return null;
  }
};

export const writeStatusRecord = (record: StatusRecord): void => {
  try {
    localStorage.setItem(KEY, JSON.stringify(record));
  } catch {
    // No storage (private mode): a reload then leaves the status as the platform has it.
  }
};

export const forgetStatusRecord = (): void => {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
};
