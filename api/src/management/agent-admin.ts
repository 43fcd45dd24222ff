/**
 * Agent management for admins: every check runs before the first append (profile, password policy,
 * free username and email, queues of the organisation), then the agent and its user are written.
 * An agent's user has the agent's id, so the user is found from the agent without a read model.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, streams, type AgentProfile, type AgentTypology, type CommandContext, type RecordedEvent } from '@cc/core';
import { validateAgentProfile, isEmail } from '../core-internals.ts';
import type { Viewer } from '../auth/viewer.ts';
import { newSecretToken, hashMatches, parseSecretToken } from '../auth/tokens.ts';
import { hashPassword } from '../auth/password.ts';
import { passwordPolicyProblem } from '../core-internals.ts';
import { badInput } from '../errors.ts';
import { settle, type Services } from '../services.ts';
import { agentViewFromState, type AgentView } from './agent-view.ts';

export interface CreateAgentInput {
  fullName: string;
  username: string;
  alias?: string | null;
  email: string;
  password: string;
  typology: AgentTypology;
  externalUri?: string | null;
  extension?: string | null;
  description?: string | null;
  voicemail?: boolean | null;
  wrapUpSeconds?: number | null;
  queueIds?: string[] | null;
}

export type UpdateAgentInput = Partial<Pick<AgentProfile, 'fullName' | 'alias' | 'typology' | 'externalUri' | 'extension' | 'description' | 'voicemail' | 'wrapUpSeconds'>>;

const INVITE_TTL_MS = 72 * 60 * 60 * 1000;

export const contextOf = (viewer: Viewer): CommandContext => ({ organisationId: viewer.organisationId, actor: { kind: 'user', userId: viewer.userId }, correlationId: randomUUID() });

const blankToNull = (value: string | null | undefined): string | null => (value === undefined || value === null || value.trim() === '' ? null : value.trim());

export class AgentAdmin {
  readonly #services: Services;

  constructor(services: Services) {
    this.#services = services;
  }

  /** The live agent of the viewer's organisation, or AgentNotFound (another organisation's agent does not exist here). */
  async agent(organisationId: string, agentId: string): Promise<AgentView> {
    const { state } = await this.#services.core.states.agents.load(streams.agent(agentId));
    const view = agentViewFromState(state);
    if (view === null || view.organisationId !== organisationId) {
      throw new DomainError('AgentNotFound', `There is no agent ${agentId} in your organisation.`, { agentId });
    }
    return view;
  }

  async create(viewer: Viewer, input: CreateAgentInput): Promise<AgentView> {
    const { core, users } = this.#services;
    const organisationId = viewer.organisationId;
    const agentId = randomUUID();
    const extension = blankToNull(input.extension) ?? this.#nextExtension(organisationId);
    const profile: AgentProfile = {
      fullName: input.fullName.trim(),
      username: input.username.trim(),
      alias: blankToNull(input.alias),
      email: input.email.trim(),
      extension,
      typology: input.typology,
      externalUri: blankToNull(input.externalUri),
      wrapUpSeconds: input.wrapUpSeconds ?? null,
      description: blankToNull(input.description),
      voicemail: input.voicemail ?? false,
    };
    if (!isEmail(profile.email ?? '')) throw badInput(`'${input.email}' is not an email address; the agent signs in with it.`, 'email');
    validateAgentProfile(agentId, profile);
    this.#assertExtensionFree(organisationId, extension, null);
    const queueIds = [...new Set(input.queueIds ?? [])];
    await this.#assertQueuesOf(organisationId, queueIds);
    await users.assertRegistrable({ email: profile.email ?? '', username: profile.username, password: input.password });

    const context = contextOf(viewer);
    const written: RecordedEvent[] = [];
    written.push(
      ...(await users.register(
        { userId: agentId, email: profile.email ?? '', username: profile.username, displayName: profile.fullName, password: input.password, memberships: [{ organisationId, role: 'agent', agentId }] },
        context,
      )),
    );
    written.push(...(await core.execute('agent', agentId, { type: 'RegisterAgent', data: { agentId, organisationId, profile, at: core.now() } }, context)).events);
    for (const queueId of queueIds) {
      written.push(...(await core.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: core.now() } }, context)).events);
    }
    await settle(this.#services, written);
    return this.agent(organisationId, agentId);
  }

  async update(viewer: Viewer, agentId: string, input: UpdateAgentInput): Promise<AgentView> {
    const current = await this.agent(viewer.organisationId, agentId);
    const changes: Partial<AgentProfile> = {};
    for (const [field, value] of Object.entries(input)) {
      if (value === undefined) continue;
      (changes as Record<string, unknown>)[field] = typeof value === 'string' && field !== 'fullName' && field !== 'typology' ? blankToNull(value) : value;
    }
    if (changes.extension !== undefined && changes.extension !== null) this.#assertExtensionFree(viewer.organisationId, changes.extension, agentId);
    if (changes.extension === null) throw badInput('An agent needs an extension; leave it out to keep the current one.', 'extension');
    if (changes.fullName !== undefined && changes.fullName !== null && changes.fullName.trim() === '') throw badInput('The full name cannot be empty.', 'fullName');
    const { core } = this.#services;
    const result = await core.execute('agent', current.id, { type: 'UpdateAgentProfile', data: { changes, at: core.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return this.agent(viewer.organisationId, agentId);
  }

  async disable(viewer: Viewer, agentId: string): Promise<AgentView> {
    return this.#simple(viewer, agentId, 'DisableAgent');
  }

  async enable(viewer: Viewer, agentId: string): Promise<AgentView> {
    return this.#simple(viewer, agentId, 'EnableAgent');
  }

  /** Unlocks both the agent (core) and its user (failed logins). */
  async unlock(viewer: Viewer, agentId: string): Promise<AgentView> {
    await this.agent(viewer.organisationId, agentId);
    const written = [...(await this.#services.users.execute(agentId, { type: 'UnlockUser', data: { at: this.#services.now() } }, contextOf(viewer)).catch(ignoreMissingUser))];
    const result = await this.#services.core.execute('agent', agentId, { type: 'UnlockAgent', data: { at: this.#services.now() } }, contextOf(viewer));
    await settle(this.#services, [...written, ...result.events]);
    return this.agent(viewer.organisationId, agentId);
  }

  /** Removes the agent and takes the organisation's membership from its user, so the user can no longer act here. */
  async remove(viewer: Viewer, agentId: string): Promise<boolean> {
    await this.agent(viewer.organisationId, agentId);
    const { core, users } = this.#services;
    const result = await core.execute('agent', agentId, { type: 'RemoveAgent', data: { at: core.now() } }, contextOf(viewer));
    await users.execute(agentId, { type: 'RevokeMembership', data: { organisationId: viewer.organisationId, at: core.now() } }, contextOf(viewer)).catch(ignoreMissingUser);
    await settle(this.#services, result.events);
    return true;
  }

  /** Makes the agent a member of exactly these queues (joins and leaves as needed). */
  async setQueues(viewer: Viewer, agentId: string, queueIds: string[]): Promise<AgentView> {
    const current = await this.agent(viewer.organisationId, agentId);
    const wanted = [...new Set(queueIds)];
    await this.#assertQueuesOf(viewer.organisationId, wanted);
    const { core } = this.#services;
    const written: RecordedEvent[] = [];
    for (const queueId of current.queueIds.filter((id) => !wanted.includes(id))) {
      written.push(...(await core.execute('agent', agentId, { type: 'LeaveQueue', data: { queueId, at: core.now() } }, contextOf(viewer))).events);
    }
    for (const queueId of wanted.filter((id) => !current.queueIds.includes(id))) {
      written.push(...(await core.execute('agent', agentId, { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [], at: core.now() } }, contextOf(viewer))).events);
    }
    await settle(this.#services, written);
    return this.agent(viewer.organisationId, agentId);
  }

  /** A one-time link for the agent to set a password; the token is `<userId>.<inviteId>.<secret>`. */
  async invite(viewer: Viewer, agentId: string): Promise<{ token: string; url: string; expiresAt: string }> {
    await this.agent(viewer.organisationId, agentId);
    if ((await this.#services.users.user(agentId)) === null) throw new DomainError('UserNotFound', `Agent ${agentId} has no user account to invite.`);
    const { id: inviteId, secret, secretHash } = newSecretToken();
    const at = this.#services.now();
    const expiresAt = new Date(Date.parse(at) + INVITE_TTL_MS).toISOString();
    await this.#services.users.execute(agentId, { type: 'IssueInvite', data: { inviteId, tokenHash: secretHash, expiresAt, at } }, contextOf(viewer));
    const token = `${agentId}.${inviteId}.${secret}`;
    return { token, url: `${this.#services.publicUrl}/invite?token=${encodeURIComponent(token)}`, expiresAt };
  }

  /** Redeems an invite token (once, before it expires). Anyone holding the token may do this: it is the proof. */
  async setPasswordFromInvite(token: string, password: string): Promise<boolean> {
    const invalid = (): DomainError => new DomainError('InviteInvalid', 'This invite link is not valid, was already used or has expired; ask an administrator for a new one.');
    const dot = token.indexOf('.');
    const userId = dot > 0 ? token.slice(0, dot) : '';
    const parsed = parseSecretToken(token.slice(dot + 1));
    if (parsed === null || !/^[0-9a-f-]{36}$/.test(userId)) throw invalid();
    const problem = passwordPolicyProblem(password);
    if (problem !== null) throw new DomainError('WeakPassword', problem);
    const user = await this.#services.users.user(userId);
    const invite = user?.invites[parsed.id];
    if (user === null || invite === undefined || !hashMatches(parsed.secret, invite.tokenHash)) throw invalid();
    const passwordHash = await hashPassword(password);
    await this.#services.users.execute(
      userId,
      { type: 'ChangePassword', data: { passwordHash, inviteId: parsed.id, at: this.#services.now() } },
      { organisationId: user.memberships[0]?.organisationId ?? 'platform', actor: { kind: 'user', userId } },
    );
    return true;
  }

  async #simple(viewer: Viewer, agentId: string, type: 'DisableAgent' | 'EnableAgent'): Promise<AgentView> {
    await this.agent(viewer.organisationId, agentId);
    const result = await this.#services.core.execute('agent', agentId, { type, data: { at: this.#services.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return this.agent(viewer.organisationId, agentId);
  }

  /** Agents of the organisation known to the core (it folds every agent stream it follows). */
  #agentsOf(organisationId: string): AgentView[] {
    const views: AgentView[] = [];
    for (const [, snapshot] of this.#services.core.states.agents.entries()) {
      const view = agentViewFromState(snapshot.state);
      if (view !== null && view.organisationId === organisationId) views.push(view);
    }
    return views;
  }

  #nextExtension(organisationId: string): string {
    const taken = new Set(this.#agentsOf(organisationId).map((agent) => agent.extension));
    for (let candidate = 1001; candidate < 100_000_000; candidate++) if (!taken.has(String(candidate))) return String(candidate);
    throw new DomainError('InvalidExtension', 'No free extension is left in this organisation.');
  }

  #assertExtensionFree(organisationId: string, extension: string, exceptAgentId: string | null): void {
    const owner = this.#agentsOf(organisationId).find((agent) => agent.extension === extension && agent.id !== exceptAgentId);
    if (owner !== undefined) {
      throw new DomainError('InvalidExtension', `Extension ${extension} already belongs to ${owner.fullName}; choose another or leave it empty to get a free one.`, { extension });
    }
  }

  async #assertQueuesOf(organisationId: string, queueIds: string[]): Promise<void> {
    for (const queueId of queueIds) {
      const { state } = await this.#services.core.states.queues.load(streams.queue(queueId));
      if (!state.exists || state.removed || state.organisationId !== organisationId) {
        throw new DomainError('QueueNotFound', `There is no queue ${queueId} in your organisation.`, { queueId });
      }
    }
  }
}

const ignoreMissingUser = (error: unknown): RecordedEvent[] => {
  // Agents registered without a user (e.g. by the gateway or older data) have nothing to unlock or revoke.
  if (error instanceof DomainError && error.code === 'UserNotFound') return [];
  throw error;
};
