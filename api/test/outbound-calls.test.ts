import { readStreamToArray } from '@cc/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { anotherOrganisation, codeOf, gql, login, newSignedInAgent, signInOwner, startTestServer, type TestServer } from './support/api-server.ts';

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

  test('to a customer id: dialled on the number the customer last called from or was called on, the id kept on the call', async () => {
    const { token } = await newAgent();
    const { core, readSide } = t.server.platform;
    const context = { organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const customerCalls = async (number: string): Promise<string> => {
      const { callId } = await core.receiveCall({ organisationId, queueId, channel: 'pstn', caller: { number, name: 'Grace Hopper', customerId: 'crm-4711' } }, context);
      await core.hangUp(callId, 'caller', null, 'caller hung up', context);
      return callId;
    };
    await customerCalls('+3225550111');
    await customerCalls('+3225550122');
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);

    // The newest numbered call wins; the console reads the same answer before it dials.
    const looked = await gql(t.url, 'query($c:ID!){customerNumber(customerId:$c)}', { c: 'crm-4711' }, token);
    expect(looked.data?.customerNumber).toBe('+3225550122');

    const placed = await gql(t.url, 'mutation($c:ID){placeCall(customerId:$c){id status channel callerNumber customerId timeline{description}}}', { c: ' crm-4711 ' }, token);
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeCall).toMatchObject({ status: 'RINGING', channel: 'outbound', callerNumber: '+3225550122', customerId: 'crm-4711' });
    expect(placed.data?.placeCall.timeline[0].description).toContain('+3225550122');
    const events = await readStreamToArray(core.store, `call-${placed.data?.placeCall.id}`);
    expect(events[0]?.data).toMatchObject({ callee: { number: '+3225550122', customerId: 'crm-4711' } });
  });

  test('to a customer id with no known number: CUSTOMER_NUMBER_UNKNOWN naming the id, and nothing recorded', async () => {
    const { token } = await newAgent();
    const other = await anotherOrganisation(t);
    const { core, readSide } = t.server.platform;
    // The same customer id in another organisation must not lend its number.
    const otherOwner = await login(t.url, other.email, other.password);
    const otherQueue = (await gql(t.url, 'mutation{createQueue(input:{name:"Elsewhere", number:"+3225557999"}){id}}', {}, otherOwner)).data?.createQueue.id;
    const otherContext = { organisationId: other.organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const { callId: elsewhere } = await core.receiveCall({ organisationId: other.organisationId, queueId: otherQueue, channel: 'pstn', caller: { number: '+3225550999', name: null, customerId: 'crm-0000' } }, otherContext);
    await core.hangUp(elsewhere, 'caller', null, 'caller hung up', otherContext);
    await core.whenIdle();
    const before = await t.server.platform.core.store.readAll({ after: 0n, maxCount: 1_000_000 });

    const refused = await gql(t.url, PLACE, { c: 'crm-0000' }, token);
    expect(codeOf(refused)).toBe('CUSTOMER_NUMBER_UNKNOWN');
    expect(refused.errors?.[0]?.message).toContain('customer crm-0000');
    expect(codeOf(await gql(t.url, 'query($c:ID!){customerNumber(customerId:$c)}', { c: 'crm-0000' }, token))).toBe('CUSTOMER_NUMBER_UNKNOWN');
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    const after = await t.server.platform.core.store.readAll({ after: 0n, maxCount: 1_000_000 });
    expect(after.length).toBe(before.length);
    // The agent was not reserved either: a call to a number goes through.
    expect((await gql(t.url, PLACE, { n: '+3225550133' }, token)).errors).toBeUndefined();
  });

  test('a caller without a number (a visitor who left an email as customer id): previous calls by customer id', async () => {
    const { core, readSide } = t.server.platform;
    const context = { organisationId, actor: { kind: 'system' as const, component: 'gateway' } };
    const visitor = { number: null, name: 'Ada', customerId: 'ada@example.com' };
    const { callId: first } = await core.receiveCall({ organisationId, queueId, channel: 'webrtc', caller: visitor }, context);
    await core.hangUp(first, 'caller', null, 'caller hung up', context);
    const { callId: second } = await core.receiveCall({ organisationId, queueId, channel: 'webrtc', caller: visitor }, context);
    await core.whenIdle();
    await readSide.whenCaughtUpTo(core.processedPosition);
    const panel = await gql(t.url, 'query($c:ID!){call(id:$c){customerId previousCalls{id}}}', { c: second }, owner);
    expect(panel.data?.call).toEqual({ customerId: 'ada@example.com', previousCalls: [{ id: first }] });
    await core.hangUp(second, 'caller', null, 'caller hung up', context);
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
