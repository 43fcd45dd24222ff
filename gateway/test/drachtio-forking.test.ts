/**
 * Forking on the drachtio adapter: an agent registered several times (the console open on two
 * computers) is rung on every registration, one createUAC each, with sip/forked-leg.ts's rules:
 * the first 2xx wins and the others are CANCELled "completed elsewhere", a 6xx ends all, a 4xx/5xx
 * refuses the leg only once every fork has failed.
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfRequest, SrfResponse } from '../src/drachtio/srf-types.ts';
import { authorizationFor } from '../src/registrar/digest.ts';
import { SipCredentials } from '../src/registrar/sip-credentials.ts';
import { COMPLETED_ELSEWHERE } from '../src/sip/forked-leg.ts';
import { digestChallengeParams } from '../src/sip/message.ts';
import type { OutboundLegListener } from '../src/signalling/signalling-port.ts';
import { asDialog, FakeDialog, fakeRequest, fakeResponse, fakeSrf, fakeUnackedAnswer, flush } from './support/drachtio-fakes.ts';

const BROWSER_1 = 'sip:k1@abc.invalid;transport=ws';
const BROWSER_2 = 'sip:k2@def.invalid;transport=ws';

/** A port with agent-7 registered from two browsers (BROWSER_2 the newest), through the digest REGISTER exchange. */
const twoRegistrations = async () => {
  const fakes = fakeSrf();
  const credentials = new SipCredentials({ domain: 'cc.test', wsUrl: 'wss://cc.test/sip' });
  const issued = credentials.issue({ sessionId: 'session-1', agentId: 'agent-7', organisationId: 'org-1' });
  const port = new DrachtioSignalling({ srf: fakes.srf, logger: silentLogger, credentials });
  const register = async (contactHeader: string, expires = '600'): Promise<ReturnType<typeof fakeResponse>> => {
    const send = async (authorization?: string) => {
      const req = fakeRequest({ getParsedHeader: () => ({ uri: issued.uri }) } as Partial<SrfRequest>, {
        Contact: contactHeader,
        Expires: expires,
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
    return send(authorizationFor({ realm: params?.realm ?? '', nonce: params?.nonce ?? '', qop: ['auth'] }, login, 'REGISTER', 'sip:cc.test'));
  };
  await register(`<${BROWSER_1}>`, '600');
  const second = await register(`<${BROWSER_2}>;+sip.instance="<urn:uuid:2>"`, '900');
  return { ...fakes, port, register, second };
};

const listener = (extra: Partial<OutboundLegListener> = {}) => ({ ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn(), early: vi.fn(), ...extra });
const options = { offer: 'caller-sdp', callerUser: '+3225550100', callerDisplayName: null };

describe('DrachtioSignalling: the registrar keeps every registration of an agent', () => {
  test('two REGISTERs -> two bindings, the 200 lists both, registeredContact is the newest; expires=0 drops one, Contact: * all', async () => {
    const { port, register, second } = await twoRegistrations();
    expect(second.sent[0]?.[0]).toBe(200);
    const contacts = (second.sent[0]?.[1] as { headers: Record<string, string> }).headers.Contact;
    expect(contacts).toContain(`<${BROWSER_2}>;expires=900;+sip.instance="<urn:uuid:2>"`);
    expect(contacts).toContain(`<${BROWSER_1}>;expires=600`);
    expect(port.stats()).toMatchObject({ registrations: 2 });
    expect(port.registeredContact('agent-7')).toBe(BROWSER_2);

    await register(`<${BROWSER_2}>`, '0');
    expect(port.registeredContact('agent-7')).toBe(BROWSER_1);
    await register('*', '0');
    expect(port.registeredContact('agent-7')).toBeNull();
    expect(port.stats()).toMatchObject({ registrations: 0 });
  });
});

describe('DrachtioSignalling: forking to every registration', () => {
  test('dialling a registered contact rings both (the dialled one first), each INVITE with its own headers object', async () => {
    const { port, uacs } = await twoRegistrations();
    const ringing = listener();
    port.dial(BROWSER_2, { ...options, headers: [['X-CC-Call-Id', 'call-9']] }, ringing);
    expect(uacs.map((uac) => uac.uri)).toEqual([BROWSER_2, BROWSER_1]);
    expect(uacs[0]?.options.headers).toMatchObject({ 'X-CC-Call-Id': 'call-9' });
    expect(uacs[1]?.options.headers).toMatchObject({ 'X-CC-Call-Id': 'call-9' });
    expect(uacs[0]?.options.headers).not.toBe(uacs[1]?.options.headers);
    uacs[1]?.provisional(180);
    uacs[0]?.provisional(180);
    expect(ringing.ringing).toHaveBeenCalledTimes(1);
    expect(port.stats()).toMatchObject({ outboundLegs: 1 });
  });

  test('the first 2xx wins: answered once, the other fork CANCELled with "Call completed elsewhere"', async () => {
    const { port, uacs } = await twoRegistrations();
    const answering = listener();
    const leg = port.dial(BROWSER_2, options, answering);
    for (const uac of uacs) uac.sent();
    const winner = new FakeDialog();
    winner.remote.sdp = 'browser-1-answer';
    uacs[1]?.answer(asDialog(winner));
    await flush();
    expect(answering.answered).toHaveBeenCalledWith('browser-1-answer');
    expect(uacs[0]?.request.cancel).toHaveBeenCalledWith({ headers: { Reason: COMPLETED_ELSEWHERE } });
    expect(uacs[1]?.request.cancel).not.toHaveBeenCalled();
    uacs[0]?.refuse(487);
    await flush();
    expect(answering.refused).not.toHaveBeenCalled();

    // Everything goes to the winner from now on.
    expect(await leg.reoffer('hold')).toBe('v=0\r\no=answer\r\n');
    expect(winner.modify).toHaveBeenCalledWith('hold');
    winner.emit('destroy');
    expect(answering.ended).toHaveBeenCalledWith('hung-up');
    expect(port.stats()).toMatchObject({ outboundLegs: 0 });
  });

  test('a 2xx that crossed the CANCEL is BYEd and not reported', async () => {
    const { port, uacs } = await twoRegistrations();
    const answering = listener();
    port.dial(BROWSER_2, options, answering);
    for (const uac of uacs) uac.sent();
    uacs[0]?.answer(asDialog(new FakeDialog()));
    await flush();
    const late = new FakeDialog();
    uacs[1]?.answer(asDialog(late));
    await flush();
    expect(late.destroy).toHaveBeenCalled();
    expect(answering.answered).toHaveBeenCalledTimes(1);
    expect(answering.ended).not.toHaveBeenCalled();
  });

  test('603 from one fork declines everywhere: refused(603), the other CANCELled with that cause', async () => {
    const { port, uacs } = await twoRegistrations();
    const declined = listener();
    port.dial(BROWSER_2, options, declined);
    for (const uac of uacs) uac.sent();
    uacs[0]?.refuse(603);
    await flush();
    expect(declined.refused).toHaveBeenCalledWith(603);
    expect(uacs[1]?.request.cancel).toHaveBeenCalledWith({ headers: { Reason: 'SIP;cause=603' } });
    uacs[1]?.refuse(487);
    await flush();
    expect(declined.refused).toHaveBeenCalledTimes(1);
    expect(port.stats()).toMatchObject({ outboundLegs: 0 });
  });

  test('a 4xx refuses only once every fork has failed, with the best status', async () => {
    const { port, uacs } = await twoRegistrations();
    const busy = listener();
    port.dial(BROWSER_2, options, busy);
    uacs[0]?.refuse(486);
    await flush();
    expect(busy.refused).not.toHaveBeenCalled();
    uacs[1]?.refuse(480);
    await flush();
    expect(busy.refused).toHaveBeenCalledWith(480);
  });

  test('ended from above while ringing: every fork CANCELled without a Reason, one refusal once all are done', async () => {
    const { port, uacs } = await twoRegistrations();
    const ringing = listener();
    const leg = port.dial(BROWSER_2, options, ringing);
    uacs[0]?.sent();
    leg.end();
    expect(uacs[0]?.request.cancel).toHaveBeenCalledWith({});
    uacs[1]?.sent(); // drachtio tells of the second INVITE only now: its CANCEL follows
    expect(uacs[1]?.request.cancel).toHaveBeenCalledWith({});
    uacs[0]?.refuse(487);
    await flush();
    expect(ringing.refused).not.toHaveBeenCalled();
    uacs[1]?.refuse(487);
    await flush();
    expect(ringing.refused).toHaveBeenCalledWith(487);
    expect(port.stats()).toMatchObject({ outboundLegs: 0 });
  });

  test('late offer over forks: the first phone answering is asked for the answer; the other one is abandoned', async () => {
    const { port, uacs } = await twoRegistrations();
    const answerOffer = vi.fn(async (offer: string) => `answer-to:${offer}`);
    const placed = listener({ answerOffer });
    port.dial(BROWSER_2, { ...options, offer: null }, placed);
    for (const uac of uacs) uac.sent();
    expect(uacs.map((uac) => uac.options.noAck)).toEqual([true, true]);
    const first = fakeUnackedAnswer('offer-1', new FakeDialog());
    uacs[1]?.answer(first);
    await flush();
    expect(first.ack).toHaveBeenCalledWith('answer-to:offer-1');
    expect(placed.answered).toHaveBeenCalledWith('offer-1');
    const second = fakeUnackedAnswer('offer-2', new FakeDialog());
    uacs[0]?.answer(second);
    await flush();
    expect(answerOffer).toHaveBeenCalledTimes(1);
    expect(second.destroy).toHaveBeenCalled();
    expect(placed.answered).toHaveBeenCalledTimes(1);
  });

  test('a contact that is no registration (a SIP phone URI, the trunk) gets one plain INVITE', async () => {
    const { port, uacs } = await twoRegistrations();
    port.dial('sip:agent-desk@10.0.0.9', options, listener());
    expect(uacs.map((uac) => uac.uri)).toEqual(['sip:agent-desk@10.0.0.9']);
  });
});
