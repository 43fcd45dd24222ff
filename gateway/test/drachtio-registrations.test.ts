/**
 * The drachtio adapter's registrations beyond expiry: a session's logout (SipCredentials.revoke)
 * ends that session's bindings at once and no other's, and the forks of one agent leg share one
 * Call-ID and From tag so a phone holding two of the agent's registrations sees a single call.
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfRequest, SrfResponse } from '../src/drachtio/srf-types.ts';
import { authorizationFor } from '../src/registrar/digest.ts';
import { SipCredentials } from '../src/registrar/sip-credentials.ts';
import { digestChallengeParams } from '../src/sip/message.ts';
import { fakeRequest, fakeResponse, fakeSrf, flush } from './support/drachtio-fakes.ts';

const PHONE_LINE_1 = 'sip:agent7@10.0.0.20:5060';
const PHONE_LINE_2 = 'sip:agent7@10.0.0.20:5062';
const BROWSER = 'sip:k9@ghi.invalid;transport=ws';

/** A port whose agent-7 signed in twice (two sessions), with a REGISTER helper for each. */
const twoSessions = () => {
  const fakes = fakeSrf();
  const credentials = new SipCredentials({ domain: 'cc.test', wsUrl: 'wss://cc.test/sip' });
  const port = new DrachtioSignalling({ srf: fakes.srf, logger: silentLogger, credentials });
  const register = async (sessionId: string, contact: string): Promise<number | undefined> => {
    const issued = credentials.issue({ sessionId, agentId: 'agent-7', organisationId: 'org-1' });
    const send = async (authorization?: string) => {
      const req = fakeRequest({ getParsedHeader: () => ({ uri: issued.uri }) } as Partial<SrfRequest>, {
        Contact: `<${contact}>`,
        Expires: '600',
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      });
      const res = fakeResponse();
      fakes.handlers.register?.(req, res as SrfResponse);
      await flush();
      return res;
    };
    const challenged = await send();
    const params = digestChallengeParams((challenged.sent[0]?.[1] as { headers: Record<string, string> }).headers['WWW-Authenticate']);
    const login = { username: issued.authorizationUser, password: issued.password };
    const done = await send(authorizationFor({ realm: params?.realm ?? '', nonce: params?.nonce ?? '', qop: ['auth'] }, login, 'REGISTER', 'sip:cc.test'));
    return done.sent[0]?.[0];
  };
  return { ...fakes, port, credentials, register };
};

const listener = () => ({ ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn() });
const options = { offer: 'caller-sdp', callerUser: '+3225550100', callerDisplayName: 'Ada' };

describe('DrachtioSignalling: logout revocation', () => {
  test("revoking a session drops its bindings now and keeps the other session's", async () => {
    const { port, credentials, register } = twoSessions();
    expect(await register('session-a', PHONE_LINE_1)).toBe(200);
    expect(await register('session-b', BROWSER)).toBe(200);
    expect(port.stats()).toMatchObject({ registrations: 2 });
    expect(port.registeredContact('agent-7')).toBe(BROWSER);

    credentials.revoke('session-b');
    expect(port.stats()).toMatchObject({ registrations: 1 });
    expect(port.registeredContact('agent-7')).toBe(PHONE_LINE_1);
    credentials.revoke('session-b'); // twice: nothing more goes
    credentials.revoke('session-a');
    expect(port.registeredContact('agent-7')).toBeNull();
    expect(port.stats()).toMatchObject({ registrations: 0 });
  });
});

describe('DrachtioSignalling: forks of one agent leg share a Call-ID and From tag', () => {
  test('two registrations -> two INVITEs with the same Call-ID and From tag; another leg gets new ones; a single leg sets none', async () => {
    const { port, register, uacs } = twoSessions();
    await register('session-a', PHONE_LINE_1);
    await register('session-b', PHONE_LINE_2);
    port.dial(PHONE_LINE_2, options, listener());
    expect(uacs.map((uac) => uac.uri)).toEqual([PHONE_LINE_2, PHONE_LINE_1]);
    const [first, second] = uacs.map((uac) => uac.options.headers ?? {});
    expect(first?.['Call-ID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.['Call-ID']).toBe(first?.['Call-ID']);
    expect(first?.From).toMatch(/^"Ada" <sip:\+3225550100@localhost>;tag=[0-9a-f]{16}$/);
    expect(second?.From).toBe(first?.From);

    port.dial(PHONE_LINE_2, options, listener());
    const third = uacs[2]?.options.headers ?? {};
    expect(third['Call-ID']).not.toBe(first?.['Call-ID']);
    expect(third.From).not.toBe(first?.From);

    // Not a registered contact: one createUAC, and drachtio-server picks the Call-ID and tag.
    port.dial('sip:+3225559999@trunk.test', options, listener());
    const single = uacs.at(-1)?.options.headers ?? {};
    expect(single).not.toHaveProperty('Call-ID');
    expect(single.From).not.toContain('tag=');
  });
});
