/**
 * The agent's dial pad on a call: digits played to the caller as RFC 4733 events by the SIP edge
 * (an IVR the agent navigates on an outbound call, an extension to dial...). Only the agent
 * connected to the call may send them: tones are part of the conversation, and a supervisor who
 * is not on the call has no business speaking in it. Sent digits are recorded on the call
 * (DtmfReceived from the agent) like the ones the agent's phone sends.
 */
import { DomainError, streams } from '@cc/core';
import { CallNotHere, NoAnchoredMedia } from '@cc/gateway';
import type { Viewer } from '../auth/viewer.ts';
import { apiError, badInput, forbidden } from '../errors.ts';
import { contextOf } from '../management/agent-admin.ts';
import { settle, type Services } from '../services.ts';

/** What the core accepts as key presses (ReceiveDtmf), checked before anything reaches the gateway. */
const DTMF_DIGITS = /^[0-9*#A-D]{1,32}$/;

export const sendDtmf = async (services: Services, viewer: Viewer, callId: string, digits: string): Promise<void> => {
  const pressed = digits.trim().toUpperCase();
  if (!DTMF_DIGITS.test(pressed)) throw badInput(`Send 1 to 32 DTMF digits, each one of 0-9, *, #, A-D; got '${digits}'.`, 'digits');
  const { core } = services;
  const { state: call } = await core.states.calls.load(streams.call(callId));
  if (call.callId === null || call.organisationId !== viewer.organisationId) throw new DomainError('CallNotFound', `There is no call ${callId} in your organisation.`, { callId });
  if (viewer.agentId === null || call.connectedAgentId !== viewer.agentId) throw forbidden('send tones on a call you are not connected to');
  const send = services.gateway?.sendDtmf ?? null;
  if (send === null) throw notOnGateway(callId, 'the SIP edge is off on this server');
  try {
    await send(callId, pressed);
  } catch (error) {
    if (error instanceof CallNotHere) throw notOnGateway(callId, 'it did not come in over SIP here, or it has just ended');
    if (error instanceof NoAnchoredMedia) {
      throw apiError('DTMF_NOT_SUPPORTED', `Call ${callId}'s media does not pass through the media server (browser to browser, or RTPENGINE=off), so no tones can be sent: use your phone's own dial pad.`);
    }
    throw error;
  }
  const result = await core.execute('call', callId, { type: 'ReceiveDtmf', data: { digits: pressed, from: 'agent', at: core.now() } }, contextOf(viewer));
  await settle(services, result.events);
};

const notOnGateway = (callId: string, why: string) => apiError('CALL_NOT_ON_GATEWAY', `Call ${callId} is not carried by this platform's SIP edge (${why}), so no tones can be sent on it.`);
