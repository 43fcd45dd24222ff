/**
 * In-dialog requests of one established leg, shared by the caller's leg and the legs to agents:
 * re-INVITEs both ways (hold, resume), UPDATE with an offer (RFC 3311, handled as a re-INVITE's),
 * INFO with DTMF, and the ACK bookkeeping a re-INVITE needs. One offer at a time in each direction
 * (RFC 3261 14.1/14.2, RFC 3311 5.2: 491 otherwise). A re-INVITE without SDP asks for our offer:
 * it gets the description last sent in this dialog (version bumped) and its ACK carries the answer.
 */
import type { CoreLogger } from '@cc/core';
import { type InDialogListener, ReferRefused, ReofferRefused } from '../signalling/signalling-port.ts';
import { contactUris, type OutgoingHeaders, reasonPhrase, type SipRequest } from './message.ts';
import type { ServerTransaction, TransactionLayer } from './transactions.ts';
import { withNextVersion } from './description-version.ts';
import type { Flow } from './transport.ts';

export interface DialogSide {
  layer: TransactionLayer;
  logger: CoreLogger;
  flow: Flow;
  /** Our Contact for this flow. */
  contact: string;
  /** From, To and Call-ID as this side sends them. */
  headers(): OutgoingHeaders;
  /** Where in-dialog requests go (the far end's Contact). */
  remoteTarget(): string;
  /** The next CSeq number of a request we send. */
  nextCSeq(): number;
  /**
   * A target refresh (RFC 3261 12.2.1.2 / 12.2.2): an accepted re-INVITE or UPDATE from the far end,
   * or a 2xx to our re-INVITE, carried this Contact; later requests in the dialog go to it.
   */
  refreshTarget?(contact: string): void;
}

/** Digits in an INFO body: `Signal=5` (application/dtmf-relay) or the bare digit (application/dtmf). */
export const dtmfOf = (contentType: string | undefined, body: string): string | null => {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  let signal: string | undefined;
  if (type === 'application/dtmf-relay') signal = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
  else if (type === 'application/dtmf') signal = body.trim();
  if (signal === undefined) return null;
  const digit = signal.toUpperCase();
  // RFC 4733 events 10 and 11 are '*' and '#'; some phones send the numbers.
  const mapped = digit === '10' ? '*' : digit === '11' ? '#' : digit;
  return /^[0-9*#A-D]$/.test(mapped) ? mapped : null;
};

export class DialogRequests {
  readonly #side: DialogSide;
  /** A re-INVITE we answered, until its ACK; `askedOffer`: it had no SDP, so the ACK carries the far end's answer. */
  #incoming: { transaction: ServerTransaction; seq: number; askedOffer: InDialogListener | null } | null = null;
  #outgoing = false;
  /** An UPDATE with an offer is being answered. */
  #updating = false;
  /**
   * The session description this dialog last sent (our offer or answer, as the legs and this class
   * send them): what a re-INVITE without SDP is offered again. Null until the leg has sent one.
   */
  localDescription: string | null = null;

  constructor(side: DialogSide) {
    this.#side = side;
  }

  /** Sends a re-INVITE with `sdp`; resolves with the far end's answer. */
  reoffer(sdp: string): Promise<string> {
    if (this.#outgoing) return Promise.reject(new ReofferRefused(491, 'a re-offer is already pending on this leg'));
    this.#outgoing = true;
    const side = this.#side;
    const seq = side.nextCSeq();
    const headers: OutgoingHeaders = [...side.headers(), ['CSeq', `${seq} INVITE`], ['Contact', side.contact], ['Max-Forwards', '70'], ['Content-Type', 'application/sdp']];
    const target = side.remoteTarget();
    return new Promise<string>((resolve, reject) => {
      let settled = false;
      side.layer.send({ method: 'INVITE', uri: target, headers, body: sdp }, side.flow, {
        response: (response) => {
          if (response.status < 200) return;
          if (response.status < 300) {
            // The first 2xx refreshes the target, so its ACK already goes to a new Contact (RFC 3261 12.2.1.2).
            if (!settled) this.#refreshTarget(response.headers.contact);
            // Every 2xx (retransmissions too) is ACKed: the ACK of a 2xx is the dialog's, not the transaction's.
            side.layer.sendStateless({ method: 'ACK', uri: side.remoteTarget(), headers: [...side.headers(), ['CSeq', `${seq} ACK`], ['Max-Forwards', '70']] }, side.flow);
          }
          if (settled) return;
          settled = true;
          this.#outgoing = false;
          if (response.status < 300 && response.body !== '') {
            // A refused re-offer leaves the dialog's session as it was (RFC 3261 14.1).
            this.localDescription = sdp;
            resolve(response.body);
          }
          else reject(new ReofferRefused(response.status < 300 ? 488 : response.status));
        },
        failed: (status) => {
          if (settled) return;
          settled = true;
          this.#outgoing = false;
          reject(new ReofferRefused(status));
        },
      });
    });
  }

  /**
   * Sends a re-INVITE without SDP (RFC 3261 14.2: asks the far end for an offer); the 2xx's offer
   * goes to `answer`, whose result is sent in the ACK. Resolves once that ACK is sent. An answer
   * that fails is still ACKed (without a body: the dialog must be confirmed) and rejects.
   */
  requestOffer(answer: (offer: string) => Promise<string>): Promise<void> {
    if (this.#outgoing) return Promise.reject(new ReofferRefused(491, 'a re-offer is already pending on this leg'));
    this.#outgoing = true;
    const side = this.#side;
    const seq = side.nextCSeq();
    const headers: OutgoingHeaders = [...side.headers(), ['CSeq', `${seq} INVITE`], ['Contact', side.contact], ['Max-Forwards', '70']];
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      /** The ACK, once the answer is known: every 2xx retransmission gets it again. */
      let ackBody: string | null = null;
      let answering = false;
      const sendAck = (): void => {
        const body = ackBody ?? '';
        const ackHeaders: OutgoingHeaders = [...side.headers(), ['CSeq', `${seq} ACK`], ['Max-Forwards', '70']];
        if (body !== '') ackHeaders.push(['Content-Type', 'application/sdp']);
        side.layer.sendStateless({ method: 'ACK', uri: side.remoteTarget(), headers: ackHeaders, ...(body === '' ? {} : { body }) }, side.flow);
      };
      const finish = (error: Error | null): void => {
        if (settled) return;
        settled = true;
        this.#outgoing = false;
        if (error === null) resolve();
        else reject(error);
      };
      side.layer.send({ method: 'INVITE', uri: side.remoteTarget(), headers }, side.flow, {
        response: (response) => {
          if (response.status < 200) return;
          if (response.status >= 300) {
            finish(new ReofferRefused(response.status));
            return;
          }
          // A retransmitted 2xx while the answer is being made is absorbed: its ACK must carry the answer.
          if (answering) return;
          if (ackBody !== null || settled) {
            sendAck();
            return;
          }
          this.#refreshTarget(response.headers.contact);
          if (response.body === '') {
            sendAck();
            finish(new ReofferRefused(488, 'the 2xx to our re-INVITE without SDP carried no offer'));
            return;
          }
          answering = true;
          answer(response.body).then(
            (sdp) => {
              answering = false;
              ackBody = sdp;
              this.localDescription = sdp;
              sendAck();
              finish(null);
            },
            (error: unknown) => {
              answering = false;
              sendAck();
              finish(error instanceof Error ? error : new Error(String(error)));
            },
          );
        },
        failed: (status) => finish(new ReofferRefused(status)),
      });
    });
  }

  /** A request inside the dialog other than BYE. */
  handle(request: SipRequest, transaction: ServerTransaction, listener: InDialogListener | null): void {
    switch (request.method) {
      case 'INVITE':
        this.#reinvite(request, transaction, listener);
        return;
      case 'INFO': {
        const digits = dtmfOf(request.headers['content-type'], request.body);
        transaction.respond(200);
        if (digits !== null) listener?.dtmf?.(digits);
        return;
      }
      case 'REFER':
        this.#refer(request, transaction, listener);
        return;
      case 'OPTIONS':
      case 'NOTIFY':
        transaction.respond(200);
        return;
      case 'UPDATE':
        this.#update(request, transaction, listener);
        return;
      default:
        transaction.respond(501);
    }
  }

  /** An ACK in the dialog: it may close the re-INVITE we answered. */
  acknowledged(request: SipRequest): void {
    const incoming = this.#incoming;
    if (incoming === null || request.cseq.seq !== incoming.seq) return;
    incoming.transaction.acknowledged();
    this.#incoming = null;
    if (incoming.askedOffer === null) return;
    if (request.body === '') {
      this.#side.logger.warn({ callId: request.callId }, 're-INVITE without SDP: the ACK carried no answer to our offer; the media stays as it was');
      return;
    }
    incoming.askedOffer.reanswered?.(request.body);
  }

  /**
   * UPDATE (RFC 3311): with SDP an offer handled as a re-INVITE's (the answer in the 200, no ACK);
   * without SDP a session refresh, answered 200 at once.
   */
  #update(request: SipRequest, transaction: ServerTransaction, listener: InDialogListener | null): void {
    const side = this.#side;
    if (request.body === '') {
      this.#refreshTarget(request.headers.contact);
      transaction.respond(200, { headers: [['Contact', side.contact]] });
      return;
    }
    if (this.#incoming !== null || this.#outgoing || this.#updating) {
      transaction.respond(491, { headers: [['Retry-After', '1']] });
      return;
    }
    const reoffered = listener?.reoffered;
    if (reoffered === undefined) {
      transaction.respond(488);
      return;
    }
    this.#updating = true;
    reoffered.call(listener, request.body).then(
      (answer) => {
        this.#updating = false;
        this.localDescription = answer;
        this.#refreshTarget(request.headers.contact);
        transaction.respond(200, { headers: [['Contact', side.contact], ['Content-Type', 'application/sdp']], body: answer });
      },
      (error: unknown) => {
        this.#updating = false;
        const status = error instanceof ReofferRefused ? error.status : 500;
        side.logger.info({ callId: request.callId, status }, 'UPDATE refused');
        transaction.respond(status >= 300 && status < 700 ? status : 488);
      },
    );
  }

  /** A re-INVITE without SDP: our last description again as the offer (RFC 3261 14.2); the answer comes in the ACK. */
  #offerAgain(request: SipRequest, transaction: ServerTransaction, listener: InDialogListener | null): void {
    const side = this.#side;
    if (this.localDescription === null) {
      side.logger.info({ callId: request.callId }, 're-INVITE without SDP before this leg sent any description: refused');
      transaction.respond(488);
      return;
    }
    const offer = withNextVersion(this.localDescription);
    this.localDescription = offer;
    this.#incoming = { transaction, seq: request.cseq.seq, askedOffer: listener };
    transaction.onAckTimeout = () => {
      side.logger.warn({ callId: request.callId }, 'our offer to a re-INVITE without SDP was never acknowledged');
      if (this.#incoming?.transaction === transaction) this.#incoming = null;
    };
    this.#refreshTarget(request.headers.contact);
    transaction.respond(200, { headers: [['Contact', side.contact], ['Content-Type', 'application/sdp']], body: offer });
  }

  /** The far end's new Contact, from a request or 2xx that refreshes the target; none: the target stays. */
  #refreshTarget(contact: string | undefined): void {
    const target = contactUris(contact ?? '')[0];
    if (target !== undefined) this.#side.refreshTarget?.(target);
  }

  /**
   * REFER (RFC 3515): the listener decides; accepted -> 202 and NOTIFY 100 Trying, then one final
   * NOTIFY with the transfer's outcome, which ends the implicit subscription.
   */
  #refer(request: SipRequest, transaction: ServerTransaction, listener: InDialogListener | null): void {
    const referred = listener?.referred;
    if (referred === undefined) {
      transaction.respond(501);
      return;
    }
    const referTo = contactUris(request.headers['refer-to'] ?? '')[0];
    if (referTo === undefined) {
      transaction.respond(400, { reason: 'Missing or Bad Refer-To' });
      return;
    }
    // The outcome may be known before the REFER is answered: its NOTIFY then waits for the 202.
    let accepted = false;
    let outcome: string | null = null;
    const final = (statusLine: string): void => this.#notifyRefer(statusLine, 'terminated;reason=noresource');
    const progress = {
      finished: (status: number, reason?: string): void => {
        if (outcome !== null) return;
        outcome = `SIP/2.0 ${status} ${reason ?? reasonPhrase(status)}`;
        if (accepted) final(outcome);
      },
    };
    referred.call(listener, referTo, progress).then(
      () => {
        accepted = true;
        transaction.respond(202, { reason: 'Accepted', headers: [['Contact', this.#side.contact]] });
        this.#notifyRefer('SIP/2.0 100 Trying', 'active;expires=60');
        if (outcome !== null) final(outcome);
      },
      (error: unknown) => {
        outcome = 'refused';
        const status = error instanceof ReferRefused ? error.status : 500;
        const text = error instanceof Error ? error.message.replace(/["\\\r\n]/g, '') : 'transfer refused';
        this.#side.logger.info({ callId: request.callId, referTo, status, why: text }, 'REFER refused');
        transaction.respond(status >= 300 && status < 700 ? status : 500, { headers: [['Warning', `399 gateway "${text}"`]] });
      },
    );
  }

  /** A NOTIFY of the implicit refer subscription, carrying a status line as message/sipfrag. */
  #notifyRefer(statusLine: string, subscriptionState: string): void {
    const side = this.#side;
    const headers: OutgoingHeaders = [
      ...side.headers(),
      ['CSeq', `${side.nextCSeq()} NOTIFY`],
      ['Contact', side.contact],
      ['Max-Forwards', '70'],
      ['Event', 'refer'],
      ['Subscription-State', subscriptionState],
      ['Content-Type', 'message/sipfrag;version=2.0'],
    ];
    side.layer.send({ method: 'NOTIFY', uri: side.remoteTarget(), headers, body: `${statusLine}\r\n` }, side.flow, {
      response: () => undefined,
      failed: (status) => side.logger.info({ status }, 'refer NOTIFY got no answer'),
    });
  }

  #reinvite(request: SipRequest, transaction: ServerTransaction, listener: InDialogListener | null): void {
    const side = this.#side;
    if (this.#incoming !== null || this.#outgoing || this.#updating) {
      transaction.respond(491, { headers: [['Retry-After', '1']] });
      return;
    }
    if (request.body === '') {
      this.#offerAgain(request, transaction, listener);
      return;
    }
    const reoffered = listener?.reoffered;
    if (reoffered === undefined) {
      transaction.respond(488);
      return;
    }
    this.#incoming = { transaction, seq: request.cseq.seq, askedOffer: null };
    transaction.onAckTimeout = () => {
      side.logger.warn({ callId: request.callId }, 're-INVITE answer never acknowledged');
      if (this.#incoming?.transaction === transaction) this.#incoming = null;
    };
    reoffered.call(listener, request.body).then(
      (answer) => {
        this.localDescription = answer;
        this.#refreshTarget(request.headers.contact);
        transaction.respond(200, { headers: [['Contact', side.contact], ['Content-Type', 'application/sdp']], body: answer });
        // Over reliable transports the layer keeps no 2xx timer state worth waiting on.
      },
      (error: unknown) => {
        if (this.#incoming?.transaction === transaction) this.#incoming = null;
        const status = error instanceof ReofferRefused ? error.status : 500;
        side.logger.info({ callId: request.callId, status }, 're-INVITE refused');
        transaction.respond(status >= 300 && status < 700 ? status : 488);
      },
    );
  }
}
