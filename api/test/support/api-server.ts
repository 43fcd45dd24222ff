/** Starts the real server (store, core, read models, fastify) in a temp dir on 127.0.0.1:0 and talks to it over HTTP. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { UserRole } from '@cc/core';
import { startServer, type RunningServer } from '../../src/server.ts';

export const OWNER_PASSWORD = 'Owner#Pass1';

export interface TestServer {
  server: RunningServer;
  url: string;
  dataDir: string;
  printed: string[];
  stop(): Promise<void>;
}

export const startTestServer = async (
  env: { adminEmail?: string; adminPassword?: string } = { adminEmail: 'owner@one.example', adminPassword: OWNER_PASSWORD },
  options: { sipPort?: number } = {},
): Promise<TestServer> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-api-'));
  const printed: string[] = [];
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, adminEmail: env.adminEmail, adminPassword: env.adminPassword, logLevel: process.env.DBG ? 'error' : 'silent', ...(options.sipPort === undefined ? {} : { sipPort: options.sipPort, sipHost: '127.0.0.1' }) }, (text) => printed.push(text));
  return {
    server,
    url: server.url,
    dataDir,
    printed,
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  headers: Headers;
}

// Tests read answers by path; the shape is the query's, so `any` keeps them short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const gql = async <T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<GqlResult<T>> => {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: GqlResult['errors'] };
  return { status: response.status, data: body.data ?? null, ...(body.errors === undefined ? {} : { errors: body.errors }), headers: response.headers };
};

export const codeOf = (result: GqlResult): string | undefined => result.errors?.[0]?.extensions?.code;

export const login = async (url: string, email: string, password: string): Promise<string> => {
  const result = await gql<{ login: { token: string } }>(url, 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: email, p: password });
  if (result.data?.login.token === undefined) throw new Error(`login failed: ${JSON.stringify(result.errors)}`);
  return result.data.login.token;
};

/** Another organisation with one user of the given role, written straight through the core (there is no signup mutation). */
export const anotherOrganisation = async (test: TestServer, role: UserRole = 'owner'): Promise<{ organisationId: string; email: string; password: string }> => {
  const { core, users } = test.server.platform;
  const organisationId = randomUUID();
  const context = { organisationId, actor: { kind: 'system' as const, component: 'test' } };
  await core.execute('organisation', organisationId, { type: 'CreateOrganisation', data: { organisationId, name: 'Other Org', timeZone: 'UTC', maxMissedOffersInRow: null, at: core.now() } }, context);
  const email = `${role}.${organisationId.slice(0, 8)}@two.example`;
  const password = 'Other#Pass2';
  await users.register({ email, username: `${role}_${organisationId.slice(0, 8)}`, displayName: `Other ${role}`, password, memberships: [{ organisationId, role, agentId: null }] }, context);
  return { organisationId, email, password };
};

export const agentInput = (overrides: Record<string, unknown> = {}) => ({
  fullName: 'Ada Lovelace',
  username: `ada_${randomUUID().slice(0, 6)}`,
  email: `ada.${randomUUID().slice(0, 6)}@one.example`,
  password: 'Agent#Pass3',
  typology: 'WEBRTC',
  ...overrides,
});

/** Reads an SSE GraphQL subscription; `next` waits for the next `data:` payload. */
export const subscribe = async (url: string, query: string, token: string, variables: Record<string, unknown> = {}) => {
  const controller = new AbortController();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an SSE payload is shaped by the subscription query
  const next = async (timeoutMs = 15_000): Promise<Record<string, any>> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
        if (data !== '') return JSON.parse(data) as Record<string, any>;
        continue;
      }
      if (Date.now() > deadline) throw new Error('no SSE message in time');
      const chunk = await Promise.race([reader.read(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no SSE message in time')), Math.max(1, deadline - Date.now())))]);
      if (chunk.done) throw new Error('SSE stream ended');
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return { status: response.status, next, close: () => controller.abort() };
};

/** The seeded owner's session and organisation, as most API tests start. */
export const signInOwner = async (test: TestServer): Promise<{ owner: string; organisationId: string }> => {
  const owner = await login(test.url, 'owner@one.example', OWNER_PASSWORD);
  const organisationId = (await gql(test.url, '{me{organisation{id}}}', {}, owner)).data?.me.organisation.id as string;
  return { owner, organisationId };
};

/** An agent created by `owner` (agentInput with these overrides), signed in. */
export const newSignedInAgent = async (test: TestServer, owner: string, overrides: Record<string, unknown> = {}): Promise<{ agentId: string; token: string }> => {
  const input = agentInput(overrides);
  const created = await gql(test.url, 'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}', { i: input }, owner);
  if (created.errors !== undefined) throw new Error(`createAgent failed: ${created.errors.map((e) => e.message).join('; ')}`);
  return { agentId: created.data?.createAgent.id as string, token: await login(test.url, input.email, input.password) };
};
