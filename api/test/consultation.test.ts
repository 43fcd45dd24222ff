/** Attended transfers over GraphQL on a real HTTP server: consult, then complete or cancel. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { streams } from '@cc/core';
import { transferOrigin } from '../src/calls/offer-origin.ts';
import { codeOf, gql, newSignedInAgent, signInOwner, startTestServer, subscribe, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ owner, organisationId } = await signInOwner(t));
});
afterAll(async () => t?.stop());

const CALL = 'id status lastAgentId transfers consultation{agentId agentName number answered startedBy} timeline{type description agentId}';

interface Agent {
  agentId: string;
  token: string;
}

/** A queue of its own, so no other test's agents take its calls. */
const newQueue = async (): Promise<string> => (await gql(t.url, 'mutation($n:String!){createQueue(input:{name:$n, wrapUpSeconds:60}){id}}', { n: `Q${Math.random()}` }, owner)).data?.createQueue.id;

const online = async (agent: Agent): Promise<void> => {
  expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){status}}', {}, agent.token)).errors).toBeUndefined();
};

/** A call in `queueId` answered by `agent` (the only agent Online in it). */
const answeredCall = async (queueId: string, agent: Agent): Promise<string> => {
  const { core } = t.server.platform;
  const { callId } = await core.receiveCall(
    { organisationId, queueId, channel: 'pstn', caller: { number: '+3225550199', name: 'Grace Hopper', customerId: null } },
    { organisationId, actor: { kind: 'system', component: 'gateway' } },
  );
  await core.whenIdle();
  const answered = await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){status lastAgentId}}', { c: callId }, agent.token);
  expect(answered.data?.answerCall).toEqual({ status: 'IN_PROGRESS', lastAgentId: agent.agentId });
  return callId;
};

/** Ada on a call in a queue of its own; Bob of the same queue goes Online afterwards, to be consulted. */
const setUp = async (): Promise<{ ada: Agent; bob: Agent; callId: string }> => {
  const queueId = await newQueue();
  const ada = await newSignedInAgent(t, owner, { queueIds: [queueId] });
  const bob = await newSignedInAgent(t, owner, { queueIds: [queueId], fullName: 'Bob Consulted' });
  await online(ada);
  const callId = await answeredCall(queueId, ada);
  await online(bob);
  return { ada, bob, callId };
};

const consult = (callId: string, target: string, token: string) =>
  gql(t.url, `mutation($c:ID!){startConsultation(callId:$c, target:${target}){${CALL}}}`, { c: callId }, token);
const callOf = async (callId: string, token: string) => (await gql(t.url, `query($c:ID!){call(id:$c){${CALL}}}`, { c: callId }, token)).data?.call;
const board = async (agentId: string) =>
  ((await gql(t.url, '{agentBoard{agentId currentCallId activity}}', {}, owner)).data?.agentBoard as { agentId: string; currentCallId: string | null; activity: string | null }[]).find(
    (row) => row.agentId === agentId,
  );

describe('consult a colleague, then complete the transfer', () => {
  test('the caller is held while Bob rings and talks to Ada; completing hands the caller to Bob and Ada wraps up', async () => {
    const { ada, bob, callId } = await setUp();
    const started = await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token);
    expect(started.errors).toBeUndefined();
    expect(started.data?.startConsultation).toMatchObject({
      status: 'ON_HOLD',
      lastAgentId: ada.agentId,
      consultation: { agentId: bob.agentId, agentName: 'Bob Consulted', number: null, answered: false, startedBy: ada.agentId },
    });
    // Bob's single slot is taken like any offer's: he is ringing for this call.
    expect(await board(bob.agentId)).toMatchObject({ currentCallId: callId, activity: 'RINGING' });
    expect(codeOf(await gql(t.url, 'mutation($c:ID!){completeConsultedTransfer(callId:$c){id}}', { c: callId }, ada.token))).toBe('CONSULTATION_NOT_ANSWERED');

    // Bob answers the consultation the way he answers any offer.
    expect((await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: callId }, bob.token)).errors).toBeUndefined();
    const consulting = await callOf(callId, ada.token);
    expect(consulting).toMatchObject({ status: 'ON_HOLD', lastAgentId: ada.agentId, consultation: { answered: true } });
    expect(await board(bob.agentId)).toMatchObject({ currentCallId: callId, activity: 'CONNECTED' });
    expect(codeOf(await gql(t.url, 'mutation($c:ID!){resumeCall(callId:$c){id}}', { c: callId }, ada.token))).toBe('CONSULTATION_IN_PROGRESS');
    expect(codeOf(await gql(t.url, 'mutation($c:ID!){completeConsultedTransfer(callId:$c){id}}', { c: callId }, bob.token))).toBe('NOT_CALL_AGENT');

    const completed = await gql(t.url, `mutation($c:ID!){completeConsultedTransfer(callId:$c){${CALL}}}`, { c: callId }, ada.token);
    expect(completed.errors).toBeUndefined();
    expect(completed.data?.completeConsultedTransfer).toMatchObject({ status: 'IN_PROGRESS', lastAgentId: bob.agentId, transfers: 1, consultation: null });
    expect(await board(ada.agentId)).toMatchObject({ currentCallId: callId, activity: 'WRAP_UP' });
    const descriptions = (completed.data?.completeConsultedTransfer.timeline as { description: string }[]).map((entry) => entry.description);
    expect(descriptions.some((d) => d.endsWith('put the caller on hold to consult Bob Consulted'))).toBe(true);
    expect(descriptions.some((d) => d.startsWith('Consultation answered by Bob Consulted'))).toBe(true);
    expect(descriptions.some((d) => d.includes('to Bob Consulted after a consultation'))).toBe(true);

    // Bob now has the call: he hangs it up like his own.
    expect((await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){status}}', { c: callId }, bob.token)).data?.hangupCall.status).toBe('WRAP_UP');
  });
});

describe('the consultation ends without a transfer: the caller is never lost', () => {
  test('Ada cancels: Bob is released, the caller is on hold with Ada and she resumes', async () => {
    const { ada, bob, callId } = await setUp();
    await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token);
    await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: callId }, bob.token);
    const cancelled = await gql(t.url, `mutation($c:ID!){cancelConsultation(callId:$c){${CALL}}}`, { c: callId }, ada.token);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data?.cancelConsultation).toMatchObject({ status: 'ON_HOLD', lastAgentId: ada.agentId, consultation: null, transfers: 0 });
    expect((cancelled.data?.cancelConsultation.timeline as { description: string }[]).map((e) => e.description)).toContain(
      'Consultation cancelled; the caller is back with the agent, on hold',
    );
    expect(await board(bob.agentId)).toMatchObject({ currentCallId: null, activity: null });
    // Bob's slot is free again: Ada can consult him once more.
    expect((await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token)).errors).toBeUndefined();
    await gql(t.url, 'mutation($c:ID!){cancelConsultation(callId:$c){id}}', { c: callId }, ada.token);
    expect((await gql(t.url, 'mutation($c:ID!){resumeCall(callId:$c){status}}', { c: callId }, ada.token)).data?.resumeCall.status).toBe('IN_PROGRESS');
  });

  test('Bob declines, or hangs up after answering: the caller stays on hold with Ada', async () => {
    const { ada, bob, callId } = await setUp();
    await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token);
    expect((await gql(t.url, 'mutation($c:ID!){declineCall(callId:$c){id}}', { c: callId }, bob.token)).errors).toBeUndefined();
    expect(await callOf(callId, ada.token)).toMatchObject({ status: 'ON_HOLD', lastAgentId: ada.agentId, consultation: null });

    await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token);
    await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){id}}', { c: callId }, bob.token);
    expect((await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){id}}', { c: callId }, bob.token)).errors).toBeUndefined();
    const after = await callOf(callId, ada.token);
    expect(after).toMatchObject({ status: 'ON_HOLD', lastAgentId: ada.agentId, consultation: null });
    expect((after.timeline as { description: string }[]).map((e) => e.description)).toContain('Consultation ended: the consulted party hung up; the caller is back with the agent, on hold');
    expect(await board(bob.agentId)).toMatchObject({ currentCallId: null, activity: null });
  });

  test('an external number is consulted (the gateway dials it); cancel brings the caller back', async () => {
    const { ada, callId } = await setUp();
    const started = await consult(callId, '{externalNumber:"+32 2 555 0000"}', ada.token);
    expect(started.data?.startConsultation.consultation).toMatchObject({ agentId: null, number: '+3225550000', answered: false });
    expect((await gql(t.url, 'mutation($c:ID!){cancelConsultation(callId:$c){status}}', { c: callId }, ada.token)).data?.cancelConsultation.status).toBe('ON_HOLD');
  });
});

describe('consulting an external number (the gateway dials it through the trunk)', () => {
  // No SIP edge runs here: the test answers or ends the consultation through the core the way the gateway does (external-consultation.ts).
  const asGateway = () => ({ organisationId, actor: { kind: 'system' as const, component: 'gateway' } });
  const consultIdOf = async (callId: string): Promise<string> => (await t.server.platform.core.states.calls.load(streams.call(callId))).state.transfer?.transferId ?? '';

  test('the number answers (agentId null): the consultation shows it talking; completing transfers the caller externally and Ada wraps up', async () => {
    const { ada, callId } = await setUp();
    const started = await consult(callId, '{externalNumber:"+32 2 555 0100"}', ada.token);
    expect(started.errors).toBeUndefined();
    expect(started.data?.startConsultation).toMatchObject({ status: 'ON_HOLD', consultation: { agentId: null, agentName: null, number: '+3225550100', answered: false, startedBy: ada.agentId } });
    expect(codeOf(await gql(t.url, 'mutation($c:ID!){completeConsultedTransfer(callId:$c){id}}', { c: callId }, ada.token))).toBe('CONSULTATION_NOT_ANSWERED');

    const { core } = t.server.platform;
    await core.execute('call', callId, { type: 'AnswerConsultation', data: { consultId: await consultIdOf(callId), agentId: null, at: core.now() } }, asGateway());
    await core.whenIdle();
    expect((await callOf(callId, ada.token)).consultation).toMatchObject({ number: '+3225550100', answered: true });

    const completed = await gql(t.url, `mutation($c:ID!){completeConsultedTransfer(callId:$c){${CALL}}}`, { c: callId }, ada.token);
    expect(completed.errors).toBeUndefined();
    expect(completed.data?.completeConsultedTransfer.consultation).toBeNull();
    expect(await board(ada.agentId)).toMatchObject({ currentCallId: callId, activity: 'WRAP_UP' });
    const descriptions = (completed.data?.completeConsultedTransfer.timeline as { description: string }[]).map((entry) => entry.description);
    expect(descriptions).toContain('Consultation answered');
    expect(descriptions.some((d) => d.endsWith('to +3225550100 after a consultation'))).toBe(true);
    // The gateway hangs up the bridged legs at the end: the call's outcome is an external transfer.
    await core.hangUp(callId, 'system', null, 'transfer destination hung up', asGateway());
    await core.whenIdle();
    await gql(t.url, 'mutation($c:ID!){completeWrapUp(callId:$c){id}}', { c: callId }, ada.token);
    await expect.poll(async () => (await callOf(callId, ada.token)).status, { timeout: 20_000 }).toBe('TRANSFERRED_EXTERNALLY');
  });

  test('the number refuses or hangs up: the consultation ends (failed / hung-up) and the caller stays on hold with Ada', async () => {
    const { ada, callId } = await setUp();
    const { core } = t.server.platform;
    await consult(callId, '{externalNumber:"+3225550100"}', ada.token);
    await core.execute('call', callId, { type: 'EndConsultation', data: { consultId: await consultIdOf(callId), reason: 'failed', at: core.now() } }, asGateway());
    await core.whenIdle();
    const failed = await callOf(callId, ada.token);
    expect(failed).toMatchObject({ status: 'ON_HOLD', lastAgentId: ada.agentId, consultation: null });
    expect((failed.timeline as { description: string }[]).map((e) => e.description)).toContain('Consultation failed: the number could not be reached; the caller is back with the agent, on hold');

    await consult(callId, '{externalNumber:"+3225550100"}', ada.token);
    const consultId = await consultIdOf(callId);
    await core.execute('call', callId, { type: 'AnswerConsultation', data: { consultId, agentId: null, at: core.now() } }, asGateway());
    await core.execute('call', callId, { type: 'EndConsultation', data: { consultId, reason: 'hung-up', at: core.now() } }, asGateway());
    await core.whenIdle();
    expect(await callOf(callId, ada.token)).toMatchObject({ status: 'ON_HOLD', consultation: null });
    expect((await gql(t.url, 'mutation($c:ID!){resumeCall(callId:$c){status}}', { c: callId }, ada.token)).data?.resumeCall.status).toBe('IN_PROGRESS');
  });

  test('a number that is not E.164 is refused with INVALID_PHONE_NUMBER and a message saying what to type; the call stays connected', async () => {
    const { ada, callId } = await setUp();
    for (const number of ['0225550100', '+0225550100', 'Bob', '+32255501001234567']) {
      const refused = await consult(callId, `{externalNumber:"${number}"}`, ada.token);
      expect(codeOf(refused)).toBe('INVALID_PHONE_NUMBER');
      expect(refused.errors?.[0]?.message).toContain('is not an E.164 number');
    }
    expect(await callOf(callId, ada.token)).toMatchObject({ status: 'IN_PROGRESS', consultation: null });
  });
});

describe('refusals people can act on', () => {
  test('not connected, unavailable or busy colleagues, no consultation, bad targets', async () => {
    const { ada, bob, callId } = await setUp();
    // The call's agent on Break, or already on another call, cannot be consulted (one call per agent).
    await gql(t.url, 'mutation{setAgentStatus(status:BREAK){id}}', {}, bob.token);
    const onBreak = await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token);
    expect(codeOf(onBreak)).toBe('AGENT_UNAVAILABLE');
    expect(onBreak.errors?.[0]?.message).toContain('Bob Consulted cannot be consulted now');
    await online(bob);
    const other = await setUp();
    expect(codeOf(await consult(callId, `{agentId:"${other.ada.agentId}"}`, ada.token))).toBe('AGENT_UNAVAILABLE');

    expect(codeOf(await gql(t.url, 'mutation($c:ID!){completeConsultedTransfer(callId:$c){id}}', { c: callId }, ada.token))).toBe('NO_CONSULTATION');
    expect(codeOf(await gql(t.url, 'mutation($c:ID!){cancelConsultation(callId:$c){id}}', { c: callId }, ada.token))).toBe('NO_CONSULTATION');
    expect(codeOf(await consult(callId, '{externalNumber:"0225550000"}', ada.token))).toBe('INVALID_PHONE_NUMBER');
    expect(codeOf(await consult(callId, `{agentId:"${bob.agentId}", externalNumber:"+3225550000"}`, ada.token))).toBe('BAD_USER_INPUT');
    expect(codeOf(await consult(callId, `{agentId:"${ada.agentId}"}`, ada.token))).toBe('TRANSFER_TO_SELF');
    expect(codeOf(await consult(callId, '{agentId:"no-such-agent"}', ada.token))).toBe('AGENT_NOT_FOUND');
    // Like a transfer, a consultation goes to a colleague who can take the call: one of its queue.
    const elsewhere = await newSignedInAgent(t, owner, { queueIds: [await newQueue()] });
    await online(elsewhere);
    expect(codeOf(await consult(callId, `{agentId:"${elsewhere.agentId}"}`, ada.token))).toBe('AGENT_NOT_IN_QUEUE');
    // Bob is not on the call.
    expect(codeOf(await consult(callId, '{externalNumber:"+3225550000"}', bob.token))).toBe('NOT_CALL_AGENT');

    // A call still ringing cannot be consulted about.
    const queueId = await newQueue();
    const cy = await newSignedInAgent(t, owner, { queueIds: [queueId] });
    await online(cy);
    const { core } = t.server.platform;
    const ringing = await core.receiveCall(
      { organisationId, queueId, channel: 'pstn', caller: { number: '+3225550100', name: null, customerId: null } },
      { organisationId, actor: { kind: 'system', component: 'gateway' } },
    );
    await core.whenIdle();
    expect(codeOf(await consult(ringing.callId, `{agentId:"${bob.agentId}"}`, cy.token))).toBe('CALL_NOT_CONNECTED');
  });
});

describe('the consulted agent is told it is a consultation, and by whom', () => {
  const OFFER = 'subscription{myCallOffers{callId agentId kind fromAgentName}}';
  // The machine may be loaded: wait for the offer as long as a person would.
  const NEXT_MS = 30_000;

  test('myCallOffers: a plain offer has no colleague, a consultation is CONSULTATION from Ada, a blind transfer stays TRANSFER', async () => {
    const queueId = await newQueue();
    const ada = await newSignedInAgent(t, owner, { queueIds: [queueId], fullName: 'Ada Consulting' });
    const bob = await newSignedInAgent(t, owner, { queueIds: [queueId], fullName: 'Bob Consulted' });
    const adaOffers = await subscribe(t.url, OFFER, ada.token);
    const bobOffers = await subscribe(t.url, OFFER, bob.token);
    try {
      await online(ada);
      const callId = await answeredCall(queueId, ada);
      expect((await adaOffers.next(NEXT_MS)).data.myCallOffers).toEqual({ callId, agentId: ada.agentId, kind: 'OFFER', fromAgentName: null });
      await online(bob);

      expect((await consult(callId, `{agentId:"${bob.agentId}"}`, ada.token)).errors).toBeUndefined();
      expect((await bobOffers.next(NEXT_MS)).data.myCallOffers).toEqual({ callId, agentId: bob.agentId, kind: 'CONSULTATION', fromAgentName: 'Ada Consulting' });
      const consultId = (await gql(t.url, 'query($c:ID!){call(id:$c){consultation{id}}}', { c: callId }, ada.token)).data?.call.consultation?.id as string | undefined;
      // Bob declines; the caller is back with Ada, who resumes and hands them over without consulting.
      expect((await gql(t.url, 'mutation($c:ID!){declineCall(callId:$c){id}}', { c: callId }, bob.token)).errors).toBeUndefined();
      expect((await gql(t.url, 'mutation($c:ID!){resumeCall(callId:$c){status}}', { c: callId }, ada.token)).data?.resumeCall.status).toBe('IN_PROGRESS');
      const transferred = await gql(t.url, `mutation($c:ID!){transferCall(callId:$c, target:{agentId:"${bob.agentId}"}){id}}`, { c: callId }, ada.token);
      expect(transferred.errors).toBeUndefined();
      expect((await bobOffers.next(NEXT_MS)).data.myCallOffers).toEqual({ callId, agentId: bob.agentId, kind: 'TRANSFER', fromAgentName: 'Ada Consulting' });

      // An offer read after its consultation ended is still known as one, from the call's events.
      const { state } = await t.server.platform.core.states.calls.load(streams.call(callId));
      expect(consultId).toBeDefined();
      expect(state.transfer?.transferId).not.toBe(consultId);
      expect(await transferOrigin(t.server.platform, state, consultId ?? '')).toEqual({ consultation: true, fromAgentId: ada.agentId });
    } finally {
      adaOffers.close();
      bobOffers.close();
    }
  });
});
