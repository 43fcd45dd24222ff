/**
 * Where a transfer offer comes from, for the agent it rings: a blind transfer or a consultation
 * (attended transfer), and the agent who started it. The core rings both as CallTransferOffered;
 * the transfer that offer belongs to says which (ConsultationStarted or CallTransferRequested).
 */
import { streams, type CallState, type CallTransferRequested, type ConsultationStarted } from '@cc/core';
import type { Services } from '../services.ts';

export interface TransferOrigin {
  consultation: boolean;
  fromAgentId: string;
}

/** The transfer `transferId` of the call: from its state while it is in progress, else from the call's events. */
export const transferOrigin = async (services: Pick<Services, 'store' | 'core'>, call: CallState, transferId: string): Promise<TransferOrigin | null> => {
  const current = call.transfer;
  if (current?.transferId === transferId) return { consultation: current.consultation !== undefined, fromAgentId: current.fromAgentId };
  // It already ended (declined, cancelled, completed) before the offer was read: its start says what it was.
  if (call.callId === null) return null;
  for await (const event of services.store.readStream(streams.call(call.callId))) {
    if (event.type === 'ConsultationStarted') {
      const { data } = event as unknown as ConsultationStarted;
      if (data.consultId === transferId) return { consultation: true, fromAgentId: data.fromAgentId };
    } else if (event.type === 'CallTransferRequested') {
      const { data } = event as unknown as CallTransferRequested;
      if (data.transferId === transferId) return { consultation: false, fromAgentId: data.fromAgentId };
    }
  }
  return null;
};

/** The agent's full name as their profile has it, or null when there is none. */
export const agentNameOf = async (services: Pick<Services, 'core'>, agentId: string): Promise<string | null> =>
  (await services.core.states.agents.load(streams.agent(agentId))).state.profile?.fullName ?? null;
