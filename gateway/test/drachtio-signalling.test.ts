/**
 * The drachtio-srf adapter of the signalling port against fake srf / req / res / dialog objects
 * (as drachtio-srf's own unit tests do): what it asks drachtio to do, and what it reports back.
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfResponse } from '../src/drachtio/srf-types.ts';
import { type InboundCall, ReofferRefused } from '../src/signalling/signalling-port.ts';
import { asDialog, FakeDialog, fakeRequest, fakeResponse, fakeSrf, flush } from './support/drachtio-fakes.ts';

describe('DrachtioSignalling: the caller leg (createUAS)', () => {
  test('an INVITE becomes an InboundCall; ring -> 180, answer -> createUAS with the SDP; BYE -> ended; re-INVITE -> reoffered', async () => {
    const { srf, handlers, uas } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const ended = vi.fn();
    const reoffered = vi.fn(async (sdp: string) => `answer-to:${sdp}`);
    const dtmf = vi.fn();
    let call: InboundCall | null = null;
    port.onIncomingCall((incoming) => {
      call = incoming;
      return { ended, reoffered, dtmf };
    });
    const req = fakeRequest();
    const res = fakeResponse();
    handlers.invite?.(req, res);
    expect(call).toMatchObject({ id: 'call-1', dialled: '+3225551234', callerUser: '+3225550100', callerDisplayName: 'Grace Hopper', source: { transport: 'udp' } });
    call!.ring();
    expect(res.sent[0]?.[0]).toBe(180);
    call!.answer('v=0\r\no=agent\r\n');
    await flush();
    expect(srf.createUAS).toHaveBeenCalledWith(req, res, { localSdp: 'v=0\r\no=agent\r\n' });

    const modifyRes = fakeResponse();
    uas.emit('modify', fakeRequest({ body: 'hold-offer' }), modifyRes);
    await flush();
    expect(reoffered).toHaveBeenCalledWith('hold-offer');
    expect(modifyRes.sent[0]).toEqual([200, { body: 'answer-to:hold-offer', headers: { 'Content-Type': 'application/sdp' } }]);

    const infoReq = fakeRequest({ body: 'Signal=9\r\nDuration=100' });
    infoReq.get = (name: string) => (name.toLowerCase() === 'content-type' ? 'application/dtmf-relay' : undefined);
    uas.emit('info', infoReq, fakeResponse());
    expect(dtmf).toHaveBeenCalledWith('9');

    expect(await call!.reoffer('resume-offer')).toBe('v=0\r\no=answer\r\n');
    expect(uas.modify).toHaveBeenCalledWith('resume-offer');

    uas.emit('destroy');
    expect(ended).toHaveBeenCalledWith('hung-up');
    call!.end();
    expect(uas.destroy).not.toHaveBeenCalled(); // already gone
  });

  test('CANCEL before the answer -> ended(cancelled); reject sends the status with a Reason', () => {
    const { srf, handlers } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const ended = vi.fn();
    const calls: Array<InboundCall> = [];
    port.onIncomingCall((incoming) => {
      calls.push(incoming);
      return { ended };
    });
    const first = fakeRequest();
    handlers.invite?.(first, fakeResponse());
    first.emit('cancel');
    expect(ended).toHaveBeenCalledWith('cancelled');

    const res = fakeResponse();
    handlers.invite?.(fakeRequest({}, { 'Call-ID': 'call-2' }), res);
    calls[1]!.reject(480, 'queue closed');
    expect(res.sent[0]).toEqual([480, { headers: { Reason: 'SIP;cause=480;text="queue closed"' } }]);
  });
});

describe('DrachtioSignalling: agent legs (createUAC)', () => {
  test('dial -> createUAC with the offer; 180 -> ringing; answered with the remote SDP; end -> dialog.destroy', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = { ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn() };
    const leg = port.dial('sip:agent@10.0.0.9', { offer: 'caller-sdp', callerUser: '+3225550100', callerDisplayName: null }, listener);
    expect(srf.createUAC).toHaveBeenCalledWith('sip:agent@10.0.0.9', expect.objectContaining({ localSdp: 'caller-sdp' }), expect.anything());
    uac()?.progress?.cbProvisional?.({ status: 180 } as SrfResponse);
    expect(listener.ringing).toHaveBeenCalled();
    const dialog = new FakeDialog();
    dialog.remote.sdp = 'agent-sdp';
    uac()?.answer(asDialog(dialog));
    await flush();
    expect(listener.answered).toHaveBeenCalledWith('agent-sdp');
    expect(port.stats()).toMatchObject({ outboundLegs: 1 });
    leg.end();
    expect(dialog.destroy).toHaveBeenCalled();
  });

  test('a SipError 486 -> refused(486); end while ringing -> CANCEL through the request', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = { ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn() };
    port.dial('sip:a@10.0.0.9', { offer: 'x', callerUser: null, callerDisplayName: null }, listener);
    uac()?.refuse(486);
    await flush();
    expect(listener.refused).toHaveBeenCalledWith(486);
    expect(port.stats()).toMatchObject({ outboundLegs: 0 });

    const leg = port.dial('sip:b@10.0.0.9', { offer: 'x', callerUser: null, callerDisplayName: null }, listener);
    uac()?.sent();
    leg.end();
    expect(uac()?.request.cancel).toHaveBeenCalledWith({});
  });

  test('a re-offer on a leg that is not answered is refused with 481', async () => {
    const { srf } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const leg = port.dial('sip:a@10.0.0.9', { offer: 'x', callerUser: null, callerDisplayName: null }, { ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn() });
    await expect(leg.reoffer('sdp')).rejects.toEqual(new ReofferRefused(481, 'the leg is not established'));
  });
});

describe('DrachtioSignalling.connect', () => {
  test("srf.connect with drachtio-server's address and secret; resolves on 'connect'", async () => {
    const { srf } = fakeSrf();
    const listeners = new Map<string, (...args: unknown[]) => void>();
    srf.on.mockImplementation(((event: string, listener: (...args: unknown[]) => void) => void listeners.set(event, listener)) as never);
    const connected = DrachtioSignalling.connect(srf, { host: '127.0.0.1', secret: 'cymru' }, silentLogger);
    expect(srf.connect).toHaveBeenCalledWith({ host: '127.0.0.1', port: 9022, secret: 'cymru' });
    expect(listeners.has('error')).toBe(true);
    listeners.get('connect')?.(null, '127.0.0.1:5060');
    expect(await connected).toBe('127.0.0.1:5060');
  });
});
