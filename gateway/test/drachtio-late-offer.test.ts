/**
 * Late offer on the drachtio adapter (API-placed calls ring the agent's phone with an INVITE
 * without SDP): createUAC's 3PCC mode (`noAck: true`) hands the 200's offer back un-ACKed, the
 * session's `answerOffer` makes the answer, and the ACK carries it (drachtio-srf srf.js createUAC).
 */
import { describe, expect, test, vi } from 'vitest';
import { silentLogger } from '@cc/core';
import { DrachtioSignalling } from '../src/drachtio/drachtio-signalling.ts';
import { type OutboundLegListener, ReofferRefused } from '../src/signalling/signalling-port.ts';
import { asDialog, FakeDialog, fakeSrf, fakeUnackedAnswer, flush } from './support/drachtio-fakes.ts';

const PHONE_OFFER = 'v=0\r\no=agent-phone\r\nm=audio 4002 RTP/AVP 0\r\n';
const late = { offer: null, callerUser: '+3225557777', callerDisplayName: null };

const listenerWith = (answerOffer?: OutboundLegListener['answerOffer']) => ({
  ringing: vi.fn(),
  answered: vi.fn(),
  refused: vi.fn(),
  ended: vi.fn(),
  reoffered: vi.fn(async (sdp: string) => `answer-to:${sdp}`),
  ...(answerOffer === undefined ? {} : { answerOffer: vi.fn(answerOffer) }),
});

describe('DrachtioSignalling: late offer towards agents', () => {
  test('INVITE without SDP and noAck; the 200 offer goes to answerOffer, the answer in the ACK, then answered(offer)', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = listenerWith(async (offer) => `anchored-answer-to:${offer.length}`);
    const leg = port.dial('sip:a1@10.0.0.9', late, listener);
    expect(uac()?.options).not.toHaveProperty('localSdp');
    expect(uac()?.options.noAck).toBe(true);

    const dialog = new FakeDialog();
    const unacked = fakeUnackedAnswer(PHONE_OFFER, dialog);
    uac()?.answer(unacked);
    await flush();
    expect(listener.answerOffer).toHaveBeenCalledWith(PHONE_OFFER);
    expect(unacked.ack).toHaveBeenCalledWith(`anchored-answer-to:${PHONE_OFFER.length}`);
    expect(listener.answered).toHaveBeenCalledWith(PHONE_OFFER);
    expect(unacked.destroy).not.toHaveBeenCalled();

    // The dialog from ack() is the leg's: re-offers and the phone's re-INVITEs go through it.
    expect(await leg.reoffer('hold')).toBe('v=0\r\no=answer\r\n');
    expect(dialog.modify).toHaveBeenCalledWith('hold');
    leg.end();
    expect(dialog.destroy).toHaveBeenCalled();
  });

  test('an offer the session cannot answer: ACK and BYE through destroy(), refused(488), the leg forgotten', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = listenerWith(async () => {
      throw new Error('the agent phone offered no usable media');
    });
    port.dial('sip:a1@10.0.0.9', late, listener);
    const unacked = fakeUnackedAnswer(PHONE_OFFER, new FakeDialog());
    uac()?.answer(unacked);
    await flush();
    expect(unacked.ack).not.toHaveBeenCalled();
    expect(unacked.destroy).toHaveBeenCalled();
    expect(listener.refused).toHaveBeenCalledWith(488);
    expect(listener.answered).not.toHaveBeenCalled();
    expect(port.stats()).toMatchObject({ outboundLegs: 0 });
  });

  test('ended while the answer is being made: the ACK goes first, then the BYE; ended, never answered', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    let answer: (sdp: string) => void = () => undefined;
    const listener = listenerWith(() => new Promise<string>((resolve) => (answer = resolve)));
    const leg = port.dial('sip:a1@10.0.0.9', late, listener);
    uac()?.sent();
    const dialog = new FakeDialog();
    const unacked = fakeUnackedAnswer(PHONE_OFFER, dialog);
    uac()?.answer(unacked);
    await flush();
    leg.end();
    expect(uac()?.request.cancel).not.toHaveBeenCalled(); // the 200 is in: no CANCEL for it
    answer('late-answer');
    await flush();
    expect(unacked.ack).toHaveBeenCalledWith('late-answer');
    expect(dialog.destroy).toHaveBeenCalled();
    expect(listener.ended).toHaveBeenCalledWith('hung-up');
    expect(listener.answered).not.toHaveBeenCalled();
  });

  test('the 200 crossed our CANCEL: abandoned through destroy() without asking for an answer', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = listenerWith(async () => 'never');
    const leg = port.dial('sip:a1@10.0.0.9', late, listener);
    uac()?.sent();
    leg.end();
    const unacked = fakeUnackedAnswer(PHONE_OFFER, new FakeDialog());
    uac()?.answer(unacked);
    await flush();
    expect(listener.answerOffer).not.toHaveBeenCalled();
    expect(unacked.destroy).toHaveBeenCalled();
    expect(listener.ended).toHaveBeenCalledWith('hung-up');
  });

  test('a phone that answers a late offer without SDP: a plain dialog, answered(null); no answerOffer -> no noAck', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const listener = listenerWith(async () => 'unused');
    port.dial('sip:a1@10.0.0.9', late, listener);
    uac()?.answer(asDialog(new FakeDialog()));
    await flush();
    expect(listener.answerOffer).not.toHaveBeenCalled();
    expect(listener.answered).toHaveBeenCalledWith(null);

    port.dial('sip:a2@10.0.0.9', late, listenerWith());
    expect(uac()?.options).not.toHaveProperty('noAck');
    // An offer of our own is never 3PCC.
    port.dial('sip:a3@10.0.0.9', { ...late, offer: 'caller-sdp' }, listenerWith(async () => 'unused'));
    expect(uac()?.options).toMatchObject({ localSdp: 'caller-sdp' });
    expect(uac()?.options).not.toHaveProperty('noAck');
  });

  test('a re-offer while the late offer is being answered is refused with 481', async () => {
    const { srf, uac } = fakeSrf();
    const port = new DrachtioSignalling({ srf, logger: silentLogger });
    const leg = port.dial('sip:a1@10.0.0.9', late, listenerWith(() => new Promise<string>(() => undefined)));
    uac()?.answer(fakeUnackedAnswer(PHONE_OFFER, new FakeDialog()));
    await flush();
    await expect(leg.reoffer('sdp')).rejects.toEqual(new ReofferRefused(481, 'the leg is not established'));
  });
});
