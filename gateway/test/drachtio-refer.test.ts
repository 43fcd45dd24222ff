/**
 * REFER on the drachtio-srf adapter, against fake srf / req / res / dialog objects (as
 * drachtio-signalling.test.ts does): a REFER in an agent leg's dialog reaches the session as
 * `referred`, is answered 202 (or the session's refusal), and its outcome goes back as NOTIFY
 * message/sipfrag (RFC 3515).
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfRequest } from '../src/drachtio/srf-types.ts';
import { type OutboundLegListener, type ReferProgress, ReferRefused } from '../src/signalling/signalling-port.ts';
import { asDialog, FakeDialog, fakeRequest, fakeResponse, fakeSrf, flush } from './support/drachtio-fakes.ts';

const referRequest = (referTo: string | undefined): SrfRequest =>
  fakeRequest({ uri: 'sip:gateway@127.0.0.1', body: '', source_port: 5070 }, { 'Call-ID': 'agent-leg', ...(referTo === undefined ? {} : { 'Refer-To': referTo }) });

/** An answered agent leg through the adapter, with `referred` as the session's answer to a REFER. */
const answeredLeg = async (referred: OutboundLegListener['referred']): Promise<FakeDialog> => {
  const dialog = new FakeDialog();
  dialog.sip.callId = 'agent-leg';
  dialog.remote.sdp = 'v=0\r\no=agent-phone\r\nm=audio 4002 RTP/AVP 0\r\n';
  const { srf, uac } = fakeSrf();
  const port = new DrachtioSignalling({ srf, logger: silentLogger });
  const listener: OutboundLegListener = { ringing: vi.fn(), answered: vi.fn(), refused: vi.fn(), ended: vi.fn(), ...(referred === undefined ? {} : { referred }) };
  port.dial('sip:a1@127.0.0.1:5070', { offer: 'v=0\r\no=caller\r\n', callerUser: '+3225550100', callerDisplayName: null }, listener);
  uac()?.answer(asDialog(dialog));
  await flush();
  expect(listener.answered).toHaveBeenCalled();
  return dialog;
};

const notifies = (dialog: FakeDialog) => dialog.request.mock.calls.map(([options]) => options);

describe('DrachtioSignalling: REFER in an agent leg', () => {
  test('accepted -> 202, NOTIFY 100 Trying (active); the outcome -> NOTIFY 200 OK (terminated)', async () => {
    let progress: ReferProgress | null = null;
    const referred = vi.fn(async (_referTo: string, given: ReferProgress) => {
      progress = given;
    });
    const dialog = await answeredLeg(referred);
    const res = fakeResponse();
    dialog.emit('refer', referRequest('<sip:4202@cc.test>'), res);
    await flush();

    expect(referred).toHaveBeenCalledWith('sip:4202@cc.test', expect.anything());
    expect(res.sent[0]?.[0]).toBe(202);
    expect(notifies(dialog)).toEqual([
      { method: 'NOTIFY', headers: { Event: 'refer', 'Subscription-State': 'active;expires=60', 'Content-Type': 'message/sipfrag;version=2.0' }, body: 'SIP/2.0 100 Trying\r\n' },
    ]);

    (progress as ReferProgress | null)?.finished(200, 'OK');
    expect(notifies(dialog)[1]).toMatchObject({ method: 'NOTIFY', headers: { 'Subscription-State': 'terminated;reason=noresource' }, body: 'SIP/2.0 200 OK\r\n' });
  });

  test('an outcome known before the 202 still follows it: 202, then 100 Trying, then the failure', async () => {
    const dialog = await answeredLeg(async (_referTo, progress) => progress.finished(486, 'Busy Here'));
    const res = fakeResponse();
    dialog.emit('refer', referRequest('<sip:+3225557777@cc.test>'), res);
    await flush();

    expect(res.sent[0]?.[0]).toBe(202);
    expect(notifies(dialog).map((options) => options.body)).toEqual(['SIP/2.0 100 Trying\r\n', 'SIP/2.0 486 Busy Here\r\n']);
  });

  test("refused by the session -> that status with a Warning, and no NOTIFY", async () => {
    const dialog = await answeredLeg(async () => {
      throw new ReferRefused(404, "'9999' is no agent extension, queue number or E.164 number");
    });
    const res = fakeResponse();
    dialog.emit('refer', referRequest('<sip:9999@cc.test>'), res);
    await flush();

    expect(res.sent[0]?.[0]).toBe(404);
    expect(res.sent[0]?.[1]).toEqual({ headers: { Warning: `399 gateway "'9999' is no agent extension, queue number or E.164 number"` } });
    expect(dialog.request).not.toHaveBeenCalled();
  });

  test('no Refer-To -> 400; a leg whose session takes no REFER -> 501', async () => {
    const dialog = await answeredLeg(vi.fn(async () => undefined));
    const missing = fakeResponse();
    dialog.emit('refer', referRequest(undefined), missing);
    expect(missing.sent[0]?.[0]).toBe(400);

    const plain = await answeredLeg(undefined);
    const res = fakeResponse();
    plain.emit('refer', referRequest('<sip:4202@cc.test>'), res);
    expect(res.sent[0]?.[0]).toBe(501);
  });
});
