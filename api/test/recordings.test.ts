/** Recording from the API's side: the queue's recordCalls setting, and /recordings/<callId>.wav refusing what it must. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { byteRangeOf } from '../src/recordings/recording-route.ts';
import { codeOf, gql, login, OWNER_PASSWORD, startTestServer, type TestServer } from './support/api-server.ts';

let t: TestServer;
let owner = '';

beforeAll(async () => {
  t = await startTestServer();
  owner = await login(t.url, 'owner@one.example', OWNER_PASSWORD);
}, 60_000);

afterAll(async () => {
  await t.stop();
});

describe('the recordCalls queue setting', () => {
  test('off unless asked for; turned on and off by updateQueue; a non-boolean is refused by the schema', async () => {
    const created = await gql(t.url, 'mutation{createQueue(input:{name:"Recorded sales"}){id recordCalls}}', {}, owner);
    expect(created.errors).toBeUndefined();
    expect(created.data?.createQueue.recordCalls).toBe(false);
    const queueId = created.data?.createQueue.id as string;
    const on = await gql(t.url, 'mutation($q:ID!){updateQueue(queueId:$q, input:{recordCalls:true}){recordCalls}}', { q: queueId }, owner);
    expect(on.data?.updateQueue.recordCalls).toBe(true);
    expect((await gql(t.url, 'query($q:ID!){queue(id:$q){recordCalls}}', { q: queueId }, owner)).data?.queue.recordCalls).toBe(true);
    const off = await gql(t.url, 'mutation($q:ID!){updateQueue(queueId:$q, input:{recordCalls:false}){recordCalls}}', { q: queueId }, owner);
    expect(off.data?.updateQueue.recordCalls).toBe(false);
    const bad = await gql(t.url, 'mutation($q:ID!){updateQueue(queueId:$q, input:{recordCalls:"yes"}){recordCalls}}', { q: queueId }, owner);
    expect(bad.errors?.length).toBeGreaterThan(0);
    const created2 = await gql(t.url, 'mutation{createQueue(input:{name:"Recorded support", recordCalls:true}){recordCalls}}', {}, owner);
    expect(created2.data?.createQueue.recordCalls).toBe(true);
  });

  test('null is not a setting: InvalidQueueSettings', async () => {
    const created = await gql(t.url, 'mutation{createQueue(input:{name:"Nulls", recordCalls:null}){id}}', {}, owner);
    expect(codeOf(created)).toBe('INVALID_QUEUE_SETTINGS');
  });
});

describe('GET /recordings/<callId>.wav', () => {
  test('without a session: 401; a call that does not exist, or a name that is not a call id: 404', async () => {
    expect((await fetch(`${t.url}/recordings/some-call.wav`)).status).toBe(401);
    const headers = { authorization: `Bearer ${owner}` };
    expect((await fetch(`${t.url}/recordings/no-such-call.wav`, { headers })).status).toBe(404);
    expect((await fetch(`${t.url}/recordings/..%2F..%2Fread-models.sqlite.wav`, { headers })).status).toBe(404);
    expect((await fetch(`${t.url}/recordings/no-such-call.mp3`, { headers })).status).toBe(404);
  });

  test('byte ranges: one range, open-ended and suffix forms; past the end is unsatisfiable; anything else is the whole file', () => {
    expect(byteRangeOf('bytes=0-43', 1000)).toEqual({ start: 0, end: 43 });
    expect(byteRangeOf('bytes=500-', 1000)).toEqual({ start: 500, end: 999 });
    expect(byteRangeOf('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRangeOf('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRangeOf('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=0-1,5-9', 1000)).toBeNull();
    expect(byteRangeOf(undefined, 1000)).toBeNull();
  });
});
