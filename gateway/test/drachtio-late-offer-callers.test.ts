/**
 * Late-offer callers on the drachtio adapter (an INVITE without SDP, RFC 3261 13.2.1): our offer goes
 * in the 200 (createUAS with localSdp) and the caller's answer comes in its ACK, which drachtio-srf
 * hands to the dialog's 'ack' event (dialog.js). A missing answer is a typed CallerAnswerMissing.
 * Also the in-dialog offers the embedded edge handles (dialog-requests.ts): UPDATE with and without
 * SDP, and a re-INVITE without SDP answered with our last description, version bumped.
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import type { SrfRequest } from '../src/drachtio/srf-types.ts';
import { CallerAnswerMissing, type InboundCall, type InboundCallListener, ReofferRefused } from '../src/signalling/signalling-port.ts';
import { fakeRequest, fakeResponse, fakeSrf, flush } from './support/drachtio-fakes.ts';

const OUR_OFFER = 'v=0\r\no=- 1 7 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
const CALLER_ANSWER = 'v=0\r\no=caller 5 5 IN IP4 127.0.0.2\r\nm=audio 5000 RTP/AVP 0\r\n';

/** A port with a late-offer caller (INVITE without SDP) handed to a session listener. */
const lateCaller = (listener: Partial<InboundCallListener> = {}, lateAnswerTimeoutMs?: number) => {
  const fakes = fakeSrf();
  const port = new DrachtioSignalling({ srf: fakes.srf, logger: silentLogger, ...(lateAnswerTimeoutMs === undefined ? {} : { lateAnswerTimeoutMs }) });
  const session = { ended: vi.fn(), ...listener };
  let call: InboundCall | null = null;
  port.onIncomingCall((incoming) => {
    call = incoming;
    return session;
  });
  const req = fakeRequest({ body: '' });
  const res = fakeResponse();
  fakes.handlers.invite?.(req, res);
  if (call === null) throw new Error('no call');
  return { ...fakes, port, session, call: call as InboundCall, req, res };
};

const ack = (body: string, source = 'network'): SrfRequest => fakeRequest({ body, source });

/** Settles `promise` into a value or the error it rejected with, so a test can look at either. */
const outcomeOf = <T>(promise: Promise<T>): Promise<T | unknown> => promise.catch((error: unknown) => error);

describe('DrachtioSignalling: late-offer callers (answerWithOffer)', () => {
  test('our offer goes in the 200; the ACK with SDP resolves the answer; the call is then a normal dialog', async () => {
    const { srf, uas, call, req, res, session } = lateCaller({ reoffered: vi.fn(async () => 'x') });
    expect(call.offer).toBeNull();
    const answered = call.answerWithOffer!(OUR_OFFER);
    await flush();
    expect(srf.createUAS).toHaveBeenCalledWith(req, res, { localSdp: OUR_OFFER });
    let settled = false;
    void answered.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false); // the 200 is sent, the ACK not in yet

    uas.emit('ack', ack(CALLER_ANSWER));
    await expect(answered).resolves.toBe(CALLER_ANSWER);
    // Later ACKs (of re-INVITEs) are not the caller's answer any more, and nothing ended.
    uas.emit('ack', ack(''));
    expect(session.ended).not.toHaveBeenCalled();
    expect(await call.reoffer('hold')).toBe('v=0\r\no=answer\r\n');
    call.end();
    expect(uas.destroy).toHaveBeenCalledTimes(1);
  });

  test('an ACK without SDP rejects with CallerAnswerMissing(no-sdp); the call stays up for the session to end', async () => {
    const { uas, call, session } = lateCaller();
    const answered = outcomeOf(call.answerWithOffer!(OUR_OFFER));
    await flush();
    uas.emit('ack', ack(''));
    const error = await answered;
    expect(error).toBeInstanceOf(CallerAnswerMissing);
    expect((error as CallerAnswerMissing).why).toBe('no-sdp');
    expect(session.ended).not.toHaveBeenCalled();
    expect(call.ended).toBe(false);
  });

  test("no ACK: drachtio-server's own BYE (source 'application') before any ACK -> no-ack, ended('no-ack')", async () => {
    const { uas, call, session } = lateCaller();
    const answered = outcomeOf(call.answerWithOffer!(OUR_OFFER));
    await flush();
    uas.emit('destroy', fakeRequest({ body: '', source: 'application' }));
    expect(((await answered) as CallerAnswerMissing).why).toBe('no-ack');
    expect(session.ended).toHaveBeenCalledWith('no-ack');
    expect(call.ended).toBe(true);
  });

  test('the caller hangs up (BYE from the network) before its ACK -> ended, ended(hung-up)', async () => {
    const { uas, call, session } = lateCaller();
    const answered = outcomeOf(call.answerWithOffer!(OUR_OFFER));
    await flush();
    uas.emit('destroy', fakeRequest({ body: '', source: 'network' }));
    expect(((await answered) as CallerAnswerMissing).why).toBe('ended');
    expect(session.ended).toHaveBeenCalledWith('hung-up');
  });

  test('no ACK and no BYE from drachtio-server: the fallback timer hangs up with no-ack', async () => {
    const { uas, call, session } = lateCaller({}, 30);
    const answered = outcomeOf(call.answerWithOffer!(OUR_OFFER));
    await flush();
    expect(session.ended).not.toHaveBeenCalled();
    expect(((await answered) as CallerAnswerMissing).why).toBe('no-ack');
    expect(uas.destroy).toHaveBeenCalledTimes(1);
    expect(session.ended).toHaveBeenCalledWith('no-ack');
    // An ACK after that changes nothing.
    uas.emit('ack', ack(CALLER_ANSWER));
    expect(session.ended).toHaveBeenCalledTimes(1);
  });

  test('ended by the session while waiting, or the 200 failing to go out -> ended; after the call ended -> ended at once', async () => {
    const first = lateCaller();
    const waiting = outcomeOf(first.call.answerWithOffer!(OUR_OFFER));
    await flush();
    first.call.end();
    expect(((await waiting) as CallerAnswerMissing).why).toBe('ended');
    expect(first.uas.destroy).toHaveBeenCalledTimes(1);

    const second = lateCaller();
    second.srf.createUAS.mockRejectedValueOnce(Object.assign(new Error('Request Terminated'), { status: 487 }));
    const failed = outcomeOf(second.call.answerWithOffer!(OUR_OFFER));
    expect(((await failed) as CallerAnswerMissing).why).toBe('ended');
    expect(second.session.ended).toHaveBeenCalledWith('failed');

    const third = lateCaller();
    third.req.emit('cancel');
    expect(((await outcomeOf(third.call.answerWithOffer!(OUR_OFFER))) as CallerAnswerMissing).why).toBe('ended');
    expect(third.srf.createUAS).not.toHaveBeenCalled();
  });
});

describe('DrachtioSignalling: UPDATE and re-INVITE without SDP in a dialog', () => {
  const answeredCall = async (listener: Partial<InboundCallListener>) => {
    const fakes = lateCaller(listener);
    const answered = fakes.call.answerWithOffer!(OUR_OFFER);
    await flush();
    fakes.uas.emit('ack', ack(CALLER_ANSWER));
    await answered;
    return fakes;
  };

  test('UPDATE with SDP -> reoffered, its answer in the 200; without SDP -> 200 at once; a refusal keeps its status', async () => {
    const reoffered = vi.fn(async (sdp: string) => `answer-to:${sdp}`);
    const { uas } = await answeredCall({ reoffered });
    const withOffer = fakeResponse();
    uas.emit('update', fakeRequest({ body: 'update-offer' }), withOffer);
    await flush();
    expect(reoffered).toHaveBeenCalledWith('update-offer');
    expect(withOffer.sent).toEqual([[200, { body: 'answer-to:update-offer', headers: { 'Content-Type': 'application/sdp' } }]]);

    const refresh = fakeResponse();
    uas.emit('update', fakeRequest({ body: '' }), refresh);
    expect(refresh.sent).toEqual([[200, undefined]]);
    expect(reoffered).toHaveBeenCalledTimes(1);

    reoffered.mockRejectedValueOnce(new ReofferRefused(415));
    const refused = fakeResponse();
    uas.emit('update', fakeRequest({ body: 'odd-offer' }), refused);
    await flush();
    expect(refused.sent).toEqual([[415, undefined]]);
  });

  test('a second offer while one is being answered -> 491', async () => {
    let finish: (answer: string) => void = () => undefined;
    const reoffered = vi.fn(() => new Promise<string>((resolve) => (finish = resolve)));
    const { uas } = await answeredCall({ reoffered });
    const first = fakeResponse();
    uas.emit('modify', fakeRequest({ body: 'reinvite-offer' }), first);
    const glare = fakeResponse();
    uas.emit('update', fakeRequest({ body: 'update-offer' }), glare);
    expect(glare.sent[0]?.[0]).toBe(491);
    finish('answer');
    await flush();
    expect(first.sent[0]?.[0]).toBe(200);
    expect(reoffered).toHaveBeenCalledTimes(1);
  });

  test("re-INVITE without SDP: 200 with our last description (version bumped), the ACK's SDP -> reanswered", async () => {
    const reanswered = vi.fn();
    const reoffered = vi.fn(async () => OUR_OFFER.replace('m=audio 4000', 'm=audio 4100'));
    const { uas } = await answeredCall({ reanswered, reoffered });
    const response = fakeResponse();
    uas.emit('modify', fakeRequest({ body: '' }), response);
    const [status, options] = response.sent[0] as [number, { body: string; headers: Record<string, string> }];
    expect(status).toBe(200);
    expect(options.headers['Content-Type']).toBe('application/sdp');
    expect(options.body).toContain('o=- 1 8 IN IP4 127.0.0.1');
    expect(options.body).toContain('m=audio 4000 RTP/AVP 0');
    // A re-INVITE meanwhile is glare; the ACK brings the answer.
    const glare = fakeResponse();
    uas.emit('modify', fakeRequest({ body: 'x' }), glare);
    expect(glare.sent[0]?.[0]).toBe(491);
    uas.emit('ack', ack('their-answer'));
    expect(reanswered).toHaveBeenCalledWith('their-answer');

    // After answering an offer, a re-INVITE without SDP offers that answer again (what was last sent).
    uas.emit('modify', fakeRequest({ body: 'offer-2' }), fakeResponse());
    await flush();
    const again = fakeResponse();
    uas.emit('modify', fakeRequest({ body: '' }), again);
    expect((again.sent[0]?.[1] as { body: string }).body).toContain('m=audio 4100 RTP/AVP 0');
    uas.emit('ack', ack(''));
    expect(reanswered).toHaveBeenCalledTimes(1);
  });
});
