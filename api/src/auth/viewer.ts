/** Who is asking: built once per request from the session; resolvers only ever see this. */
import type { Membership, UserRole } from '@cc/core';
import { forbidden, unauthenticated } from '../errors.ts';

export interface Viewer {
  userId: string;
  sessionId: string;
  displayName: string;
  email: string;
  username: string;
  /** The selected organisation: every query, mutation and subscription is scoped to it. */
  organisationId: string;
  role: UserRole;
  /** The agent this user works as in the selected organisation, or null. */
  agentId: string | null;
  memberships: Membership[];
}

/** What each role may do. Owners may do everything. */
export const CAPABILITIES = {
  readQueueBoard: ['owner', 'admin', 'supervisor', 'agent'],
  readAgentBoard: ['owner', 'admin', 'supervisor'],
  readAllCalls: ['owner', 'admin', 'supervisor', 'analyst'],
  readOwnCalls: ['agent'],
  readMetrics: ['owner', 'admin', 'supervisor', 'analyst'],
  readAgents: ['owner', 'admin', 'supervisor'],
  readQueues: ['owner', 'admin', 'supervisor', 'agent', 'analyst'],
  manageAgents: ['owner', 'admin'],
  manageQueues: ['owner', 'admin'],
  manageTeams: ['owner', 'admin'],
  controlOwnCalls: ['agent', 'owner', 'supervisor'],
  controlAnyCall: ['owner', 'supervisor'],
  setAnyAgentStatus: ['owner', 'admin', 'supervisor'],
  forceEndAllCalls: ['owner', 'supervisor'],
  /** Attach documents to a call (the people on calls and their supervisors; analysts and admins only read). */
  uploadDocuments: ['owner', 'supervisor', 'agent'],
} as const satisfies Record<string, readonly UserRole[]>;

export type Capability = keyof typeof CAPABILITIES;

export const can = (viewer: Viewer, capability: Capability): boolean => (CAPABILITIES[capability] as readonly UserRole[]).includes(viewer.role);

export const requireViewer = (viewer: Viewer | null): Viewer => {
  if (viewer === null) throw unauthenticated();
  return viewer;
};

export const requireCapability = (viewer: Viewer | null, capability: Capability, what: string): Viewer => {
  const signedIn = requireViewer(viewer);
  if (!can(signedIn, capability)) throw forbidden(what);
  return signedIn;
};
