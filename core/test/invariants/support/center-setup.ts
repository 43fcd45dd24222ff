/** Setting up a contact center through a core child, with the shared test fixtures. */
import type { AgentStatus } from '../../../src/events/agent-events.ts';
import type { QueueSettings } from '../../../src/events/queue-events.ts';
import type { CommandContext } from '../../../src/runtime/command-context.ts';
import { aQueueSettings, anAgentProfile } from '../../support/fixtures.ts';
import type { CoreChild } from './core-child.ts';
import type { AckReply } from './protocol.ts';

export const ORG = 'org-inv';

export const userContext = (userId = 'tester'): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId } });

export const createOrganisation = (child: CoreChild): Promise<AckReply> =>
  child.request({
    kind: 'execute',
    aggregate: 'organisation',
    entityId: ORG,
    command: { type: 'CreateOrganisation', data: { organisationId: ORG, name: 'Invariant Org', timeZone: 'UTC', maxMissedOffersInRow: null } },
    context: userContext('setup'),
  });

export const createQueue = (child: CoreChild, queueId: string, overrides: Partial<QueueSettings> = {}): Promise<AckReply> =>
  child.request({
    kind: 'execute',
    aggregate: 'queue',
    entityId: queueId,
    command: { type: 'CreateQueue', data: { queueId, organisationId: ORG, settings: aQueueSettings({ name: `Queue ${queueId}`, number: null, ...overrides }) } },
    context: userContext('setup'),
  });

let extension = 3000;

/** Registers the agent, joins the queues, and sets the status (online unless told otherwise). */
export const addAgent = async (child: CoreChild, agentId: string, queueIds: readonly string[], status: AgentStatus = 'online'): Promise<void> => {
  extension += 1;
  const profile = anAgentProfile({ fullName: `Agent ${agentId}`, username: agentId.replace(/[^a-z0-9._]/gi, '_'), extension: String(extension) });
  await child.request({ kind: 'execute', aggregate: 'agent', entityId: agentId, command: { type: 'RegisterAgent', data: { agentId, organisationId: ORG, profile } }, context: userContext('setup') });
  for (const queueId of queueIds) {
    await child.request({ kind: 'execute', aggregate: 'agent', entityId: agentId, command: { type: 'JoinQueue', data: { queueId, penalty: 0, skills: [] } }, context: userContext('setup') });
  }
  if (status !== 'offline') await child.request(setStatus(agentId, status));
};

export const setStatus = (agentId: string, status: AgentStatus) =>
  ({ kind: 'execute', aggregate: 'agent', entityId: agentId, command: { type: 'SetAgentStatus', data: { status, reason: null } }, context: userContext(agentId) }) as const;

export const receiveCall = (callId: string, queueId: string, number = '+3225550100') =>
  ({
    kind: 'receiveCall',
    input: { callId, organisationId: ORG, queueId, channel: 'pstn', caller: { number, name: null, customerId: null } },
    context: userContext('gateway'),
  }) as const;

export const callCommand = (callId: string, type: string, data: Record<string, unknown>, userId: string) =>
  ({ kind: 'execute', aggregate: 'call', entityId: callId, command: { type, data }, context: userContext(userId) }) as const;

export const hangUpByAgent = (callId: string, agentId: string) =>
  ({ kind: 'hangUp', callId, by: 'agent', agentId, reason: null, context: userContext(agentId) }) as const;
