/**
 * A seeded random history through the real core: two organisations, queues with overflow and
 * masking, agents going on break and back, calls answered, declined, left to ring, abandoned,
 * held, transferred to agents and queues, wrapped up by hand or by the timer.
 */
import { isDomainError, seededRandom, streams } from '@cc/core';
import type { Center } from './center.ts';


export interface HistoryShape {
  organisations: string[];
  queues: Map<string, string[]>;
  agents: Map<string, string[]>;
  callIds: string[];
  endSeconds: number;
}

/** Ignores refusals: the random driver often acts on a call whose state just moved on. */
const tolerate = async (work: Promise<unknown>): Promise<void> => {
  try {
    await work;
  } catch (error) {
    if (!isDomainError(error)) throw error;
  }
};

export const randomHistory = async (center: Center, options: { seed: number; calls: number }): Promise<HistoryShape> => {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const shape: HistoryShape = { organisations: ['org-a', 'org-b'], queues: new Map(), agents: new Map(), callIds: [], endSeconds: 0 };
  for (const org of shape.organisations) {
    await center.organisation(org, org === 'org-a' ? 'Europe/Brussels' : 'America/New_York');
    const queues = [`${org}-sales`, `${org}-care`, `${org}-vip`];
    await center.queue(org, queues[2] as string, { ringTimeoutSeconds: 15, wrapUpSeconds: 20, maskCallerName: true, number: org === 'org-a' ? '+3225557000' : '+12125557000' });
    await center.queue(org, queues[0] as string, { ringTimeoutSeconds: 10, wrapUpSeconds: 15, maxWaitSeconds: 120, overflowQueueId: queues[2] as string });
    await center.queue(org, queues[1] as string, { ringTimeoutSeconds: 20, wrapUpSeconds: 0, maxWaitSeconds: 45 });
    shape.queues.set(org, queues);
    const agents: string[] = [];
    for (let n = 0; n < 8; n++) {
      const agentId = `${org}-agent-${n}`;
      const memberships = queues.filter((_, index) => (n + index) % 3 !== 0);
      await center.agent(org, agentId, memberships, { fullName: `Agent ${n} of ${org}`, email: `a${n}@${org}.example` });
      agents.push(agentId);
    }
    shape.agents.set(org, agents);
  }

  let seconds = 0;
  const active = new Map<string, string>(); // callId -> organisation
  while (shape.callIds.length < options.calls || active.size > 0) {
    seconds += 1 + Math.floor(random() * 6);
    await center.at(seconds);
    if (shape.callIds.length < options.calls && random() < 0.45) {
      const org = pick(shape.organisations);
      const callId = await center.call(org, pick(shape.queues.get(org) ?? []), {
        number: `+3225${String(Math.floor(random() * 1_000_000)).padStart(6, '0')}`,
        name: random() < 0.2 ? null : pick(['Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra']),
      });
      shape.callIds.push(callId);
      active.set(callId, org);
    }
    if (random() < 0.05) {
      const org = pick(shape.organisations);
      await tolerate(center.status(org, pick(shape.agents.get(org) ?? []), pick(['online', 'online', 'break', 'offline'] as const)));
    }
    for (const [callId, org] of [...active]) {
      const { state } = await center.sim.cc.states.calls.load(streams.call(callId));
      const roll = random();
      const context = (userId: string) => ({ organisationId: org, actor: { kind: 'user' as const, userId } });
      switch (state.status) {
        case 'done':
          active.delete(callId);
          break;
        case 'waiting':
          if (roll < 0.03) await tolerate(center.hangUp(org, callId, 'caller'));
          break;
        case 'ringing': {
          const offer = state.offers[0];
          if (offer === undefined) break;
          if (roll < 0.35) await tolerate(center.act(org, callId, 'AnswerCall', offer.agentId));
          else if (roll < 0.4) await tolerate(center.act(org, callId, 'DeclineOffer', offer.agentId));
          else if (roll < 0.43) await tolerate(center.hangUp(org, callId, 'caller'));
          break;
        }
        case 'connected': {
          const agentId = state.connectedAgentId;
          if (agentId === null) break;
          if (state.transfer?.offer != null) {
            const target = state.transfer.offer.agentId;
            if (roll < 0.5) await tolerate(center.acceptTransfer(org, callId, target));
            else if (roll < 0.6) await tolerate(center.act(org, callId, 'RejectTransfer', target));
          } else if (state.onHold) {
            if (roll < 0.3) await tolerate(center.act(org, callId, 'ResumeCall', agentId));
          } else if (roll < 0.05) await tolerate(center.act(org, callId, 'HoldCall', agentId));
          else if (roll < 0.07) {
            const others = (shape.agents.get(org) ?? []).filter((id) => id !== agentId);
            await tolerate(center.transfer(org, callId, agentId, { kind: 'agent', agentId: pick(others) }));
          } else if (roll < 0.08) await tolerate(center.transfer(org, callId, agentId, { kind: 'queue', queueId: pick(shape.queues.get(org) ?? []) }));
          else if (roll < 0.13) await tolerate(center.hangUp(org, callId, 'agent', agentId));
          else if (roll < 0.17) await tolerate(center.hangUp(org, callId, 'caller'));
          break;
        }
        case 'wrap-up': {
          const agentId = Object.keys(state.wrapUps)[0];
          if (agentId !== undefined && roll < 0.2) {
            await tolerate(
              center.sim.cc.execute(
                'call',
                callId,
                { type: 'CompleteWrapUp', data: { agentId, notes: roll < 0.1 ? 'Called back' : null, rating: roll < 0.15 ? 1 + Math.floor(random() * 5) : null, conversationStatus: 'closed', at: center.now() } },
                context(agentId),
              ),
            );
          }
          break;
        }
        default:
          break;
      }
    }
    // Agents drift back online so calls keep flowing.
    if (random() < 0.1) {
      const org = pick(shape.organisations);
      await tolerate(center.status(org, pick(shape.agents.get(org) ?? []), 'online'));
    }
  }
  await center.settle();
  shape.endSeconds = seconds;
  return shape;
};
