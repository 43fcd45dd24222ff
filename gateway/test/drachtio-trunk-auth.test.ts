/**
 * Digest authentication towards the trunk on the drachtio adapter: drachtio-srf answers a 401/407
 * itself when createUAC is given `auth`, so the adapter hands the trunk's login (SIP_TRUNK_USERNAME /
 * SIP_TRUNK_PASSWORD) to legs whose target is the trunk's host and port, and to nothing else.
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import { TrunkAuthentication } from '../src/sip/trunk-authentication.ts';
import { fakeSrf, flush } from './support/drachtio-fakes.ts';

const options = { offer: 'caller-sdp', callerUser: '+3225550100', callerDisplayName: null };
const listener = () => ({ ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn() });

describe('DrachtioSignalling: digest towards the trunk', () => {
  test("trunk-bound legs get createUAC's auth; another port, another host, an agent's phone do not", () => {
    const { srf, uacs } = fakeSrf();
    const trunkAuthentication = TrunkAuthentication.from('sip:trunk.example.net', 'acme', 's3cret');
    const port = new DrachtioSignalling({ srf, logger: silentLogger, trunkAuthentication });
    port.dial('sip:+3225551234@trunk.example.net', options, listener());
    port.dial('sip:+3225551234@TRUNK.example.net:5060;user=phone', options, listener());
    port.dial('sip:+3225551234@trunk.example.net:5080', options, listener());
    port.dial('sip:+3225551234@other.example.net', options, listener());
    port.dial('sip:a1@10.0.0.9:5070', options, listener());
    expect(uacs.map((uac) => uac.options.auth)).toEqual([{ username: 'acme', password: 's3cret' }, { username: 'acme', password: 's3cret' }, undefined, undefined, undefined]);
  });

  test('without a login nothing is given, and a challenge refuses the leg with its status', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger, trunkAuthentication: TrunkAuthentication.from('sip:trunk.example.net', undefined, undefined) });
    const refusedBy = listener();
    port.dial('sip:+3225551234@trunk.example.net', options, refusedBy);
    expect(uac()?.options).not.toHaveProperty('auth');
    uac()?.refuse(407);
    await flush();
    expect(refusedBy.refused).toHaveBeenCalledWith(407);
  });

  test('a trunk that refuses the credentials (drachtio passes the second challenge up): refused(401), and the log says to check the login', async () => {
    const { srf, uac } = fakeSrf();
    const logger = { ...silentLogger, warn: vi.fn() };
    const port = new DrachtioSignalling({ srf, logger, trunkAuthentication: TrunkAuthentication.from('sip:trunk.example.net', 'acme', 'wrong') });
    const refusedBy = listener();
    port.dial('sip:+3225551234@trunk.example.net', options, refusedBy);
    uac()?.refuse(401);
    await flush();
    expect(refusedBy.refused).toHaveBeenCalledWith(401);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ status: 401 }), expect.stringContaining('refused the credentials'));
  });
});
