/**
 * What the agent has beside a call, over the real HTTP server: documents uploaded to a call (size
 * limit, permission, tenancy, download), the queue's checklist ticked on the call and shown on the
 * caller's next call, and the caller's previous calls by number (also through `calls(filter:
 * { callerNumber })`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OWNER_PASSWORD, agentInput, anotherOrganisation, codeOf, gql, login, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner: string;
let organisationId: string;
let queueId: string;
const CALLER = '+32470555123';
const CHECKLIST = ['Identity checked', 'Address confirmed', 'Consent recorded'];

beforeAll(async () => {
  t = await startTestServer();
  owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
  organisationId = (await gql(t.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id;
  const created = await gql(t.url, 'mutation($l:[String!]){createQueue(input:{name:"Claims", video:true, wrapUpSeconds:60, checklist:$l}){id checklist}}', { l: CHECKLIST }, owner);
  expect(created.data?.createQueue.checklist).toEqual(CHECKLIST);
  queueId = created.data?.createQueue.id;
});
afterAll(async () => t?.stop());

/** A new agent of the queue; Online unless told (an idle Online agent takes the next call). */
const newAgent = async (online = true): Promise<{ agentId: string; token: string }> => {
  const input = agentInput({ queueIds: [queueId] });
  const agentId = (await gql(t.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner)).data?.createAgent.id as string;
  const token = await login(t.url, input.email, input.password);
  if (online) expect((await gql(t.url, 'mutation{setAgentStatus(status:ONLINE){status}}', {}, token)).errors).toBeUndefined();
  return { agentId, token };
};

/** A caller dials in (as the gateway reports it) and the agent it is offered to answers. */
const answeredCall = async (token: string, caller = CALLER): Promise<string> => {
  const { core, readSide } = t.server.platform;
  const { callId } = await core.receiveCall(
    { organisationId, queueId, channel: 'pstn', caller: { number: caller, name: 'Grace Hopper', customerId: null } },
    { organisationId, actor: { kind: 'system', component: 'gateway' } },
  );
  await core.whenIdle();
  await readSide.whenCaughtUpTo(core.processedPosition);
  const answered = await gql(t.url, 'mutation($c:ID!){answerCall(callId:$c){status}}', { c: callId }, token);
  expect(answered.data?.answerCall.status).toBe('IN_PROGRESS');
  return callId;
};

const upload = (callId: string, body: Buffer | string, token: string | null, name: string | null = 'id card.png', type = 'image/png') =>
  fetch(`${t.url}/calls/${callId}/documents`, {
    method: 'POST',
    headers: { 'content-type': type, ...(name === null ? {} : { 'x-filename': encodeURIComponent(name) }), ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    // fetch takes bytes as a Uint8Array view; a Buffer is one, but its type says otherwise.
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });

const hangUpAndFinish = async (callId: string, token: string): Promise<void> => {
  expect((await gql(t.url, 'mutation($c:ID!){hangupCall(callId:$c){status}}', { c: callId }, token)).errors).toBeUndefined();
  expect((await gql(t.url, 'mutation($c:ID!){completeWrapUp(callId:$c, notes:"Claim opened"){status}}', { c: callId }, token)).errors).toBeUndefined();
};

/** The agent leaves, so the next test's new agent takes its calls. */
const goOffline = async (token: string): Promise<void> => {
  expect((await gql(t.url, 'mutation{setAgentStatus(status:OFFLINE){status}}', {}, token)).errors).toBeUndefined();
};

describe('call documents over HTTP', () => {
  test('an agent on the call uploads a document; it is stored under documents/<organisation>/<call>/, listed on the call and downloads byte for byte', async () => {
    const { token } = await newAgent();
    const callId = await answeredCall(token);
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4, 5]);
    const response = await upload(callId, bytes, token, 'ID card (front).png');
    expect(response.status).toBe(201);
    const { document } = (await response.json()) as { document: { id: string; name: string; size: number; url: string } };
    expect(document).toMatchObject({ name: 'ID card (front).png', size: bytes.length });
    expect(fs.existsSync(path.join(t.dataDir, 'documents', organisationId, callId, document.id))).toBe(true);

    const listed = await gql(t.url, 'query($c:ID!){call(id:$c){documents{id name size uploadedAt url}}}', { c: callId }, token);
    expect(listed.data?.call.documents).toEqual([expect.objectContaining({ id: document.id, name: 'ID card (front).png', size: bytes.length, url: document.url })]);

    const download = await fetch(`${t.url}${document.url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''ID%20card%20(front).png");
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    await hangUpAndFinish(callId, token);
    await goOffline(token);
  });

  test('a JSON file stays bytes; a name with folders keeps only its last part', async () => {
    const { token } = await newAgent();
    const callId = await answeredCall(token);
    const response = await upload(callId, '{"a":1}', token, '../../etc/form.json', 'application/json');
    expect(response.status).toBe(201);
    const { document } = (await response.json()) as { document: { name: string; url: string } };
    expect(document.name).toBe('form.json');
    const download = await fetch(`${t.url}${document.url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await download.text()).toBe('{"a":1}');
    await hangUpAndFinish(callId, token);
    await goOffline(token);
  });

  test('refusals say why: over 10 MB (413), empty, no name, no session (401), an analyst (403), another agent (403), another organisation (404), an unknown document (404)', async () => {
    const { token } = await newAgent();
    const callId = await answeredCall(token);
    const errorOf = async (response: Response) => ({ status: response.status, ...((await response.json()) as { error: { code: string; message: string } }).error });

    const large = await errorOf(await upload(callId, Buffer.alloc(10 * 1024 * 1024 + 1), token));
    expect(large).toMatchObject({ status: 413, code: 'DOCUMENT_TOO_LARGE' });
    expect(large.message).toContain('10 MB');
    expect(await errorOf(await upload(callId, Buffer.alloc(0), token))).toMatchObject({ status: 400, code: 'DOCUMENT_EMPTY' });
    expect(await errorOf(await upload(callId, 'x', token, null))).toMatchObject({ status: 400, code: 'DOCUMENT_NAME_REQUIRED' });
    expect(await errorOf(await upload(callId, 'x', null))).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });

    // Analysts read every call but do not attach documents.
    const { users } = t.server.platform;
    await users.register(
      { email: 'analyst@one.example', username: 'analyst_docs', displayName: 'Ana Lyst', password: 'Analyst#Pass4', memberships: [{ organisationId, role: 'analyst', agentId: null }] },
      { organisationId, actor: { kind: 'system', component: 'test' } },
    );
    const analyst = await login(t.url, 'analyst@one.example', 'Analyst#Pass4');
    const refused = await errorOf(await upload(callId, 'x', analyst));
    expect(refused).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(refused.message).toContain('upload documents');

    const stored = (await ((await upload(callId, 'scan', token, 'scan.pdf', 'application/pdf')).json())) as { document: { url: string } };
    // Another agent of the organisation never saw this call: neither upload nor download.
    const { token: other } = await newAgent(false);
    expect(await errorOf(await upload(callId, 'x', other))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await fetch(`${t.url}${stored.document.url}`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(403);
    // The analyst may download (reads all calls).
    expect((await fetch(`${t.url}${stored.document.url}`, { headers: { authorization: `Bearer ${analyst}` } })).status).toBe(200);

    const stranger = await anotherOrganisation(t, 'owner');
    const strangerToken = await login(t.url, stranger.email, stranger.password);
    expect(await errorOf(await upload(callId, 'x', strangerToken))).toMatchObject({ status: 404, code: 'CALL_NOT_FOUND' });
    expect((await fetch(`${t.url}${stored.document.url}`, { headers: { authorization: `Bearer ${strangerToken}` } })).status).toBe(404);
    expect(await errorOf(await fetch(`${t.url}/calls/${callId}/documents/no-such-document`, { headers: { authorization: `Bearer ${token}` } }))).toMatchObject({
      status: 404,
      code: 'DOCUMENT_NOT_FOUND',
    });
    await hangUpAndFinish(callId, token);
    await goOffline(token);
  });
});

describe('checklist and previous calls', () => {
  test('ticks are recorded on the call; the caller’s next call lists the first with its checklist and notes; calls filter by caller number', async () => {
    const { agentId, token } = await newAgent();
    const first = await answeredCall(token, '+32470999001');
    const TICK = 'mutation($c:ID!,$i:String!,$t:Boolean!){tickChecklistItem(callId:$c, item:$i, ticked:$t){id checklist{item ticked agentId at}}}';
    expect((await gql(t.url, TICK, { c: first, i: 'Identity checked', t: true }, token)).errors).toBeUndefined();
    expect((await gql(t.url, TICK, { c: first, i: 'Address confirmed', t: true }, token)).errors).toBeUndefined();
    const unticked = await gql(t.url, TICK, { c: first, i: 'Address confirmed', t: false }, token);
    expect(unticked.data?.tickChecklistItem.checklist).toEqual([
      expect.objectContaining({ item: 'Identity checked', ticked: true, agentId }),
      expect.objectContaining({ item: 'Address confirmed', ticked: false, agentId }),
    ]);
    expect(codeOf(await gql(t.url, TICK, { c: first, i: '  ', t: true }, token))).toBe('INVALID_INPUT');
    // Another agent is not on the call.
    const { token: other } = await newAgent(false);
    expect(codeOf(await gql(t.url, TICK, { c: first, i: 'Identity checked', t: true }, other))).toBe('CALL_NOT_CONNECTED');
    const timeline = await gql(t.url, 'query($c:ID!){call(id:$c){timeline{type description}}}', { c: first }, token);
    expect(timeline.data?.call.timeline).toContainEqual({ type: 'CallChecklistItemTicked', description: expect.stringContaining('ticked checklist item "Identity checked"') });
    await hangUpAndFinish(first, token);

    // The same caller again: the previous call shows, with what was ticked and the notes.
    const second = await answeredCall(token, '+32470999001');
    const panel = await gql(t.url, 'query($c:ID!){call(id:$c){previousCalls{id queueName status notes checklist{item ticked}}}}', { c: second }, token);
    expect(panel.data?.call.previousCalls).toEqual([
      { id: first, queueName: 'Claims', status: 'COMPLETED', notes: ['Claim opened'], checklist: [{ item: 'Identity checked', ticked: true }, { item: 'Address confirmed', ticked: false }] },
    ]);
    const byNumber = await gql(t.url, '{calls(filter:{callerNumber:"+32470999001"}){nodes{id}}}', {}, owner);
    expect(byNumber.data?.calls.nodes.map((n: { id: string }) => n.id)).toEqual([second, first]);
    await hangUpAndFinish(second, token);
    await goOffline(token);
  });

  test('a queue checklist is validated: too long an item, or the same item twice, is refused', async () => {
    const long = await gql(t.url, 'mutation($q:ID!,$l:[String!]){updateQueue(queueId:$q, input:{checklist:$l}){id}}', { q: queueId, l: ['x'.repeat(201)] }, owner);
    expect(codeOf(long)).toBe('INVALID_QUEUE_SETTINGS');
    const twice = await gql(t.url, 'mutation($q:ID!,$l:[String!]){updateQueue(queueId:$q, input:{checklist:$l}){id}}', { q: queueId, l: ['A', 'A'] }, owner);
    expect(codeOf(twice)).toBe('INVALID_QUEUE_SETTINGS');
  });
});
