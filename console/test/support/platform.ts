/**
 * The real platform for the console's end-to-end tests: store, core, read models and API (which
 * serves console/build) in this process on 127.0.0.1, a temp DATA_DIR, and a known owner.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../../api/src/server.ts';

export const OWNER_EMAIL = 'owner@console.example';
export const OWNER_PASSWORD = 'Owner#Pass1';
export const AGENT_PASSWORD = 'Agent#Pass3';

export interface TestPlatform {
  server: RunningServer;
  url: string;
  ownerToken: string;
  organisationId: string;
  /** GraphQL as the owner (or with another token); throws on errors so setup failures are loud. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T>;
  createQueue(input: Record<string, unknown>): Promise<string>;
  createAgent(input: { fullName: string; username: string; queueIds: string[]; wrapUpSeconds?: number }): Promise<string>;
  /** A user with another role working as an existing agent (createAgent only makes plain agents). */
  addUser(input: { email: string; username: string; displayName: string; role: 'supervisor' | 'agent'; agentId: string | null }): Promise<void>;
  /** What the gateway does when a caller dials in. */
  incomingCall(queueId: string, caller: { number: string; name: string | null }): Promise<string>;
  stop(): Promise<void>;
}

const buildDir = new URL('../../build/index.html', import.meta.url);

/** `sip: true` also starts the SIP edge (a free UDP/TCP port, WebSocket at /sip on the API's port) for softphone tests. */
export const startPlatform = async (options: { sip?: boolean } = {}): Promise<TestPlatform> => {
  if (!fs.existsSync(buildDir)) throw new Error('console/build is missing: run `npm run build -w console` first (the root `npm test` does).');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-console-'));
  const server = await startServer(
    { port: 0, host: '127.0.0.1', dataDir, adminEmail: OWNER_EMAIL, adminPassword: OWNER_PASSWORD, logLevel: process.env.DBG ? 'info' : 'silent', sipPort: options.sip === true ? 0 : null },
    () => {},
  );
  const url = server.url;

  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
    if (body.errors !== undefined || body.data === undefined) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  const ownerToken = (await gql<{ login: { token: string } }>('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: OWNER_EMAIL, p: OWNER_PASSWORD })).login.token;
  const organisationId = (await gql<{ me: { organisation: { id: string } } }>('{me{organisation{id}}}', {}, ownerToken)).me.organisation.id;
  const platform = server.platform;

  return {
    server,
    url,
    ownerToken,
    organisationId,
    gql: (query, variables, token) => gql(query, variables, token ?? ownerToken),
    createQueue: async (input) => (await gql<{ createQueue: { id: string } }>('mutation($i:CreateQueueInput!){createQueue(input:$i){id}}', { i: input }, ownerToken)).createQueue.id,
    createAgent: async (input) =>
      (
        await gql<{ createAgent: { id: string } }>(
          'mutation($i:CreateAgentInput!){createAgent(input:$i){id}}',
          { i: { ...input, email: `${input.username}@console.example`, password: AGENT_PASSWORD, typology: 'WEBRTC' } },
          ownerToken,
        )
      ).createAgent.id,
    addUser: async (input) => {
      const context = { organisationId, actor: { kind: 'system' as const, component: 'console-test' } };
      await platform.users.register(
        { email: input.email, username: input.username, displayName: input.displayName, password: AGENT_PASSWORD, memberships: [{ organisationId, role: input.role, agentId: input.agentId }] },
        context,
      );
    },
    incomingCall: async (queueId, caller) => {
      const { core } = platform;
      const { callId } = await core.receiveCall(
        { organisationId, queueId, channel: 'pstn', caller: { number: caller.number, name: caller.name, customerId: null } },
        { organisationId, actor: { kind: 'system', component: 'gateway' } },
      );
      await core.whenIdle();
      await platform.readSide.whenCaughtUpTo(core.processedPosition);
      return callId;
    },
    async stop() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
