/**
 * Agent-to-agent audio during a consultation, with real WebSocket SIP peers (support/ws-agent.ts
 * answers a re-INVITE without SDP with an offer, as JsSIP does): a website visitor answered by
 * WebRTC agent a1, who consults WebRTC agent a2. Once a2 answers, a1 gets a re-INVITE without SDP,
 * its offer goes to a2 in a re-INVITE and a2's answer comes back in a1's ACK (media-direct between
 * the two browsers). Cancel brings a1 back to the caller the same way (a1's new offer re-INVITEs
 * the caller, whose answer is in a1's ACK); completion moves a2 to the caller that way.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { type CommandContext, type ContactCenter, type RecordedEvent, streams } from '@cc/core';
import type { SipRequest } from '../src/sip/message.ts';
import { eventually, onlyCall, ORG, type Platform, startPlatform, types, webrtcAgent } from './support/platform.ts';
import { WsAgent } from './support/ws-agent.ts';

let platform: Platform | null = null;
const peers: WsAgent[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) await peer.close();
  await platform?.stop();
  platform = null;
});

const asAgent = (agentId: string): CommandContext => ({ organisationId: ORG, actor: { kind: 'user', userId: agentId } });
const dataOf = <T>(events: RecordedEvent[], type: string): T[] => events.filter((event) => event.type === type).map((event) => event.data as T);
const callState = async (cc: ContactCenter, callId: string) => (await cc.states.calls.load(streams.call(callId))).state;

const registeredAgent = async (running: Platform, agentId: string): Promise<WsAgent> => {
  await webrtcAgent(running.cc, agentId);
  const credential = running.credentials.issue({ sessionId: `session-${agentId}`, agentId, organisationId: ORG });
  const agent = await WsAgent.connect(running.wsUrl, `browser-${agentId}`);
  peers.push(agent);
  expect((await agent.register(credential)).status).toBe(200);
  return agent;
};

const inDialog = (peer: WsAgent, method: string): SipRequest[] => peer.received.filter((request) => request.method === method && request.to.params.tag !== undefined);

/** The n-th (1-based) in-dialog request of `method` this peer received, once it came. */
const nth = (peer: WsAgent, method: string, n: number): Promise<SipRequest> =>
  eventually(() => {
    const requests = inDialog(peer, method);
    expect(requests.length).toBeGreaterThanOrEqual(n);
    return requests[n - 1] as SipRequest;
  });

/** The ACK of the in-dialog INVITE with this CSeq number. */
const ackOf = (peer: WsAgent, invite: SipRequest): Promise<SipRequest> =>
  eventually(() => {
    const ack = peer.received.find((request) => request.method === 'ACK' && request.cseq.seq === invite.cseq.seq && request.callId === invite.callId);
    expect(ack).toBeDefined();
    return ack as SipRequest;
  });

/** A visitor answered by a1, who consults a2; resolves once a2 answered and a1 was moved onto a2's media. */
const consulting = async () => {
  platform = await startPlatform();
  const { cc } = platform;
  const a1 = await registeredAgent(platform, 'a1');
  const a2 = await registeredAgent(platform, 'a2');
  const visitor = await WsAgent.connect(platform.wsUrl, 'visitor');
  peers.push(visitor);
  const answered = visitor.call('sip:q1@cc.test');
  expect((await answered).status).toBe(200);
  const callId = await eventually(async () => {
    const log = await onlyCall(cc);
    expect(dataOf<{ agentId: string }>(log, 'CallAnswered').map((answer) => answer.agentId)).toEqual(['a1']);
    return (log[0]?.data as { callId: string }).callId;
  });

  await cc.startConsultation(callId, 'a1', { kind: 'agent', agentId: 'a2' }, asAgent('a1'));
  const consultInvite = await a2.nextRequest('INVITE');
  // a2 is rung with the visitor's offer (as for any transfer offer).
  expect(consultInvite.body).toContain('o=visitor');
  await eventually(async () => expect(types(await onlyCall(cc))).toContain('ConsultationAnswered'));

  // a1: a re-INVITE without SDP; its 200 offers (o=browser-a1).
  const askA1 = await nth(a1, 'INVITE', 1);
  expect(askA1.body).toBe('');
  // a2: a re-INVITE with a1's offer; a2's answer goes to a1 in the ACK.
  const toA2 = await nth(a2, 'INVITE', 1);
  expect(toA2.body).toContain('o=browser-a1');
  const a1Ack = await ackOf(a1, askA1);
  expect(a1Ack.body).toContain('o=browser-a2');
  expect(a1Ack.headers['content-type']).toBe('application/sdp');
  // The visitor was not re-INVITEd: it stays on hold.
  expect(inDialog(visitor, 'INVITE')).toHaveLength(0);
  expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true });
  return { cc, gateway: platform.gateway, a1, a2, visitor, callId, askA1 };
};

describe('a1 and a2 hear each other during a consultation (two browsers, media-direct)', () => {
  test('cancel: a2 gets BYE, a1 offers again and that offer re-INVITEs the caller, whose answer is in a1 ACK', async () => {
    const { cc, gateway, a1, a2, visitor, callId } = await consulting();

    await cc.cancelConsultation(callId, 'a1', asAgent('a1'));
    await a2.nextRequest('BYE');
    const askAgain = await nth(a1, 'INVITE', 2);
    expect(askAgain.body).toBe('');
    const toVisitor = await nth(visitor, 'INVITE', 1);
    expect(toVisitor.body).toContain('o=browser-a1');
    const a1Ack = await ackOf(a1, askAgain);
    expect(a1Ack.body).toContain('o=visitor');
    expect(await callState(cc, callId)).toMatchObject({ status: 'connected', connectedAgentId: 'a1', onHold: true, transfer: null });

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    await visitor.nextRequest('BYE');
    expect(dataOf(await onlyCall(cc), 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'cancelled' });
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test("a2's browser goes away: a1 is brought back to the caller the same way", async () => {
    const { cc, gateway, a1, a2, visitor, callId } = await consulting();

    await a2.close();
    const askAgain = await nth(a1, 'INVITE', 2);
    expect(askAgain.body).toBe('');
    expect((await nth(visitor, 'INVITE', 1)).body).toContain('o=browser-a1');
    expect((await ackOf(a1, askAgain)).body).toContain('o=visitor');
    await eventually(async () => expect(dataOf(await onlyCall(cc), 'ConsultationEnded')[0]).toMatchObject({ agentId: 'a2', reason: 'hung-up' }));

    await cc.hangUp(callId, 'agent', 'a1', 'done', asAgent('a1'));
    await visitor.nextRequest('BYE');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });

  test('complete: a2 offers again and that offer re-INVITEs the caller; a1 gets BYE', async () => {
    const { cc, gateway, a1, a2, visitor, callId } = await consulting();

    await cc.completeConsultedTransfer(callId, 'a1', asAgent('a1'));
    const askA2 = await nth(a2, 'INVITE', 2);
    expect(askA2.body).toBe('');
    const toVisitor = await nth(visitor, 'INVITE', 1);
    expect(toVisitor.body).toContain('o=browser-a2');
    expect((await ackOf(a2, askA2)).body).toContain('o=visitor');
    await a1.nextRequest('BYE');
    // a1 was asked for an offer once only (the connect): never sent back to the caller.
    expect(inDialog(a1, 'INVITE')).toHaveLength(1);
    await eventually(async () => expect((await callState(cc, callId)).connectedAgentId).toBe('a2'));

    await cc.hangUp(callId, 'agent', 'a2', 'done', asAgent('a2'));
    await visitor.nextRequest('BYE');
    await eventually(() => expect(gateway.stats()).toMatchObject({ calls: 0, dialogs: 0, pendingCalls: 0 }));
  });
});
