/** What every resolver gets: the services, who is asking (or null), and how to set the session cookie. */
import type { Viewer } from '../auth/viewer.ts';
import type { AgentAdmin } from '../management/agent-admin.ts';
import type { QueueAdmin } from '../management/queue-admin.ts';
import type { TeamAdmin } from '../management/team-admin.ts';
import type { CallControl } from '../calls/call-control.ts';
import type { AttemptLimiter } from '../auth/rate-limit.ts';
import type { Services } from '../services.ts';

export interface ApiContext {
  services: Services;
  agents: AgentAdmin;
  queues: QueueAdmin;
  teams: TeamAdmin;
  calls: CallControl;
  loginLimiter: AttemptLimiter;
  viewer: Viewer | null;
  clientIp: string;
  setSessionCookie(token: string, expiresAt: string): void;
  clearSessionCookie(): void;
}

/** Enum values: 'longest-idle' <-> LONGEST_IDLE. */
export const toEnum = (value: string): string => value.replaceAll('-', '_').toUpperCase();
export const fromEnum = <T extends string>(value: string): T => value.toLowerCase().replaceAll('_', '-') as T;
