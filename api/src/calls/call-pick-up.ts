/**
 * "Pick up" on the call queue board: the signed-in agent takes a waiting call now, ahead of the
 * router's order. The core offers it to them through the router's own reserve-then-offer path (one
 * call per agent, one offer per call); the console answers that offer at once. Refusals get the
 * board's own codes, each with the fact behind it: CALL_NOT_FOUND, CALL_NOT_WAITING (`status`),
 * AGENT_NOT_IN_QUEUE, AGENT_UNAVAILABLE (`reason`).
 */
import { isDomainError, type DomainError, type PickUpRefusal } from '@cc/core';
import type { Viewer } from '../auth/viewer.ts';
import { apiError, badInput } from '../errors.ts';
import { contextOf } from '../management/agent-admin.ts';
import type { Services } from '../services.ts';
import { toEnum } from '../graphql/context.ts';

const UNAVAILABLE: Record<PickUpRefusal, string> = {
  offline: 'you are Offline: set any other status (Online, Break…) to pick up calls',
  disabled: 'your agent account is disabled',
  locked: 'your agent account is locked',
  ringing: 'another call is ringing for you: answer or decline it first',
  'on-call': 'you are on a call',
  'wrap-up': 'you are in wrap-up: finish it first',
};

/** Offers the waiting call to the viewer's agent; resolves once the offer is in the read models. */
export const pickUpCall = async (services: Services, viewer: Viewer, callId: string): Promise<void> => {
  if (viewer.agentId === null) throw badInput('You are not an agent in this organisation, so you cannot pick up calls.');
  const { core } = services;
  try {
    await core.pickUpCall(callId, viewer.agentId, contextOf(viewer));
  } catch (error) {
    throw isDomainError(error) ? refusal(error, callId) : error;
  }
  // The offer's own reactions (the ring timer) and the board follow: answer once both show it.
  await core.whenIdle();
  await services.readSide.whenCaughtUpTo(core.processedPosition);
};

const refusal = (error: DomainError, callId: string): Error => {
  const details = error.details;
  switch (error.code) {
    case 'CallNotFound':
      return apiError('CALL_NOT_FOUND', `There is no call ${callId} in your organisation.`);
    case 'CallNotWaiting': {
      const status = String(details['status'] ?? 'unknown');
      return apiError('CALL_NOT_WAITING', `This call is no longer waiting (it is ${status}), so it cannot be picked up.`, { status: toEnum(status) });
    }
    case 'NotInQueue':
      return apiError('AGENT_NOT_IN_QUEUE', "You are not an agent of this call's queue, so you cannot pick it up.");
    case 'AgentNotAvailable':
    case 'AgentDisabled':
    case 'AgentLocked': {
      // The core's pre-check names the reason; a refusal by the agent's stream itself (a race) has none.
      const reason = typeof details['reason'] === 'string' ? (details['reason'] as PickUpRefusal) : details['status'] === 'offline' ? 'offline' : null;
      const why = reason === null ? 'you were just offered or took another call' : UNAVAILABLE[reason];
      return apiError('AGENT_UNAVAILABLE', `You cannot pick up this call: ${why}.`, { reason: reason === null ? 'BUSY' : toEnum(reason) });
    }
    default:
      return error;
  }
};
