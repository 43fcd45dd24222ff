/** The signed-in user in the selected organisation, and what their role lets the console show. */
import { graphql } from '../api/graphql';
import type { Me, Role } from '../api/types';

const ME = `{ me {
  user { id email username displayName memberships { organisation { id name } role agentId } }
  organisation { id name timeZone }
  role
  agent { id fullName extension status statusReason wrapUpSeconds queueIds }
} }`;

let me = $state<Me | null>(null);
let loaded = $state(false);

const has = (roles: Role[]): boolean => me !== null && roles.includes(me.role);

export const session = {
  get me(): Me | null {
    return me;
  },
  /** True once the first `me` answer (or refusal) is in. */
  get loaded(): boolean {
    return loaded;
  },
  get isAgent(): boolean {
    return me?.agent != null;
  },
  get canSupervise(): boolean {
    return has(['OWNER', 'SUPERVISOR']);
  },
  get canManage(): boolean {
    return has(['OWNER', 'ADMIN']);
  },
  get canListAgents(): boolean {
    return has(['OWNER', 'ADMIN', 'SUPERVISOR']);
  },
  get canReadMetrics(): boolean {
    return has(['OWNER', 'ADMIN', 'SUPERVISOR', 'ANALYST']);
  },
  async refresh(): Promise<Me | null> {
    try {
      me = (await graphql<{ me: Me }>(ME)).me;
    } catch {
      me = null;
    }
    loaded = true;
    return me;
  },
  async login(identifier: string, password: string): Promise<void> {
    await graphql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { expiresAt } }', { e: identifier, p: password });
    await this.refresh();
  },
  async logout(): Promise<void> {
    try {
      await graphql('mutation { logout }');
    } finally {
      me = null;
    }
  },
  async selectOrganisation(organisationId: string): Promise<void> {
    await graphql('mutation($o: ID!) { selectOrganisation(organisationId: $o) { role } }', { o: organisationId });
    await this.refresh();
  },
  /** After a status change, without refetching everything. */
  patchAgent(patch: Partial<NonNullable<Me['agent']>>): void {
    if (me?.agent != null) me.agent = { ...me.agent, ...patch };
  },
  forget(): void {
    me = null;
  },
};
