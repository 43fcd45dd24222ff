import { readStreamToArray } from '@cc/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codeOf, gql, newSignedInAgent, signInOwner, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
let queueId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ owner, organisationId } = await signInOwner(t));
  queueId = (await gql(t.url, 'mutation{createQueue(input:{name:"Sales", number:"+3225557000", wrapUpSeconds:0}){id}}', {}, owner)).data?.createQueue.id;
});
afterAll(async () => t?.stop());

const newAgent = (): Promise<{ agentId: string; token: string }> => newSignedInAgent(t, owner, { queueIds: [queueId] });

const PLACE = 'mutation($n:String,$c:ID,$q:ID){placeCall(number:$n, customerId:$c, queueId:$q){id status channel callerNumber queueId firstAgentId timeline{type description}}}';

/** What the gateway reports once the trunk answers, then the callee hangs up. */
const calleeAnswersAndHangsUp = async (callId: string): Promise<void> => {
  const { core, readSide } = t.server.platform;
  const context = { organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
  await core.reportOutboundRinging(callId, true, context);
  await core.answerOutboundCall(callId, context);
  await core.hangUp(callId, 'caller', null, 'callee hung up', context);
  await core.whenIdle();
  await readSide.whenCaughtUpTo(core.processedPosition);
};

describe('placeCall: an agent dials out', () => {
  test('to an E.164 number under a queue: the call shows as outbound, ringing, in the agent history; answered and ended it completes', async () => {
    const { agentId, token } = await newAgent();
    const placed = await gql(t.url, PLACE, { n: '+32 470 12 34 56', q: queueId }, token);
    expect(placed.errors).toBeUndefined();
    const call = placed.data?.placeCall;
    expect(call).toMatchObject({ status: 'RINGING', channel: 'outbound', callerNumber: '+32470123456', queueId, firstAgentId: agentId });
    expect(call.timeline[0]).toMatchObject({ type: 'OutboundCallPlaced' });
    expect(call.timeline[0].description).toContain('+32470123456');

    // One call per agent: a second one is refused while the first is dialling.
    expect(codeOf(await gql(t.url, PLACE, { n: '+3225550100' }, token))).toBe('AGENT_NOT_AVAILABLE');

    await calleeAnswersAndHangsUp(call.id);
    const history = await gql(t.url, '{calls{nodes{id status channel}}}', {}, token);
    expect(history.data?.calls.nodes).toContainEqual({ id: call.id, status: 'COMPLETED', channel: 'outbound' });
    // The queue's number is the caller id the trunk presents.
    const events = await readStreamToArray(t.server.platform.core.store, `call-${call.id}`);
    expect(events[0]?.data).toMatchObject({ callerId: '+3225557000', callee: { number: '+32470123456' } });
  });

  test('to a customer id (an opaque reference): accepted and kept on the call', async () => {
    const { token } = await newAgent();
    const placed = await gql(t.url, PLACE, { c: 'crm-4711' }, token);
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeCall).toMatchObject({ status: 'RINGING', channel: 'outbound', callerNumber: null });
    expect(placed.data?.placeCall.timeline[0].description).toContain('customer crm-4711');
  });

  test('a number that is not E.164 gets INVALID_PHONE_NUMBER with how to write it; nothing at all gets BAD_USER_INPUT', async () => {
    const { token } = await newAgent();
    const invalid = await gql(t.url, PLACE, { n: '0470 12 34 56' }, token);
    expect(codeOf(invalid)).toBe('INVALID_PHONE_NUMBER');
    expect(invalid.errors?.[0]?.message).toContain('e.g. +3225551234');
    expect(codeOf(await gql(t.url, PLACE, {}, token))).toBe('BAD_USER_INPUT');
  });

  test('someone who is not an agent cannot place calls for themselves; signed out gets UNAUTHENTICATED', async () => {
    expect(codeOf(await gql(t.url, PLACE, { n: '+3225550100' }, owner))).toBe('BAD_USER_INPUT');
    expect(codeOf(await gql(t.url, PLACE, { n: '+3225550100' }))).toBe('UNAUTHENTICATED');
  });
});
