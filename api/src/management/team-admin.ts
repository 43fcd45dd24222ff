/**
 * Teams for admins: a team stream per team (its own decider through the generic command handler),
 * and an agent's teams on the agent's stream. Every team and agent must be of the viewer's organisation.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, streams, type CommandContext, type RecordedEvent, type TeamEvent } from '@cc/core';
import { AggregateStates, handleCommand, teamDecider, type TeamCommand, type TeamState } from '../core-internals.ts';
import type { Viewer } from '../auth/viewer.ts';
import { settle, type Services } from '../services.ts';
import { contextOf, type AgentAdmin } from './agent-admin.ts';
import type { AgentView } from './agent-view.ts';

export interface TeamView {
  id: string;
  organisationId: string;
  name: string;
}

export class TeamAdmin {
  readonly #services: Services;
  readonly #agents: AgentAdmin;
  readonly #teams: AggregateStates<TeamState, TeamEvent>;

  constructor(services: Services, agents: AgentAdmin) {
    this.#services = services;
    this.#agents = agents;
    this.#teams = new AggregateStates(services.store, teamDecider);
  }

  /** The live team of the organisation, or TeamNotFound (another organisation's team does not exist here). */
  async team(organisationId: string, teamId: string): Promise<TeamView> {
    const { state } = await this.#teams.load(streams.team(teamId));
    if (!state.exists || state.removed || state.organisationId !== organisationId || state.name === null) {
      throw new DomainError('TeamNotFound', `There is no team ${teamId} in your organisation.`, { teamId });
    }
    return { id: teamId, organisationId, name: state.name };
  }

  async create(viewer: Viewer, name: string): Promise<TeamView> {
    const teamId = randomUUID();
    await this.#execute(teamId, { type: 'CreateTeam', data: { teamId, organisationId: viewer.organisationId, name, at: this.#services.now() } }, contextOf(viewer));
    return this.team(viewer.organisationId, teamId);
  }

  async rename(viewer: Viewer, teamId: string, name: string): Promise<TeamView> {
    await this.team(viewer.organisationId, teamId);
    await this.#execute(teamId, { type: 'RenameTeam', data: { name, at: this.#services.now() } }, contextOf(viewer));
    return this.team(viewer.organisationId, teamId);
  }

  async remove(viewer: Viewer, teamId: string): Promise<boolean> {
    await this.team(viewer.organisationId, teamId);
    await this.#execute(teamId, { type: 'RemoveTeam', data: { at: this.#services.now() } }, contextOf(viewer));
    return true;
  }

  /** Replaces the agent's teams; every team is checked before the agent's stream is written. */
  async setAgentTeams(viewer: Viewer, agentId: string, teamIds: readonly string[]): Promise<AgentView> {
    await this.#agents.agent(viewer.organisationId, agentId);
    const wanted = [...new Set(teamIds)];
    for (const teamId of wanted) await this.team(viewer.organisationId, teamId);
    const { core } = this.#services;
    const result = await core.execute('agent', agentId, { type: 'SetAgentTeams', data: { teamIds: wanted, at: core.now() } }, contextOf(viewer));
    await settle(this.#services, result.events);
    return this.#agents.agent(viewer.organisationId, agentId);
  }

  async #execute(teamId: string, command: TeamCommand, context: CommandContext): Promise<RecordedEvent[]> {
    const { events } = await handleCommand(this.#services.store, this.#teams, streams.team(teamId), command, context, teamDecider);
    await settle(this.#services, events);
    return events;
  }
}
