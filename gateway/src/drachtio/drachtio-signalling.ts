/**
 * The production signalling port: drachtio-server does SIP (UDP/TCP/WSS, transactions, dialogs)
 * and this adapter maps its srf API onto the port the call sessions use. createUAS answers callers,
 * createUAC places agent legs, dialog.destroy ends them, dialog.modify sends re-offers, and the
 * dialog's 'modify' / 'info' events bring hold, resume and DTMF in. REGISTERs from WebRTC agents
 * are checked against the same per-session SIP credentials as the embedded edge; dialling a
 * registered contact rings every registration of its agent (sip/forked-leg.ts). A late offer
 * (no SDP) uses createUAC's 3PCC mode, and the trunk's digest login goes to trunk-bound legs only.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CoreLogger } from '@cc/core';
import { challenge, expectedResponse, NonceIssuer, parseAuthorization, responsesMatch } from '../registrar/digest.ts';
import type { SipCredentials } from '../registrar/sip-credentials.ts';
import { withNextVersion } from '../sip/description-version.ts';
import { dtmfOf } from '../sip/dialog-requests.ts';
import { type ForkBranch, ForkedLeg } from '../sip/forked-leg.ts';
import { contactUris, parseContacts, parseUri, reasonPhrase, unquote, uriUser } from '../sip/message.ts';
import type { TrunkAuthentication, TrunkLogin } from '../sip/trunk-authentication.ts';
import {
  CallerAnswerMissing,
  type DialOptions,
  type InboundCall,
  type InboundCallListener,
  type InDialogListener,
  type OutboundLeg,
  type OutboundLegListener,
  type PeerAddress,
  ReferRefused,
  ReofferRefused,
  type SignallingPort,
} from '../signalling/signalling-port.ts';
import { DrachtioBindings } from './drachtio-bindings.ts';
import type { SrfDialog, SrfLike, SrfRequest, SrfResponse, SrfUacOptions, SrfUnackedAnswer } from './srf-types.ts';

export interface DrachtioSignallingOptions {
  srf: SrfLike;
  logger: CoreLogger;
  credentials?: SipCredentials;
  /** The trunk's digest login (SIP_TRUNK_USERNAME / SIP_TRUNK_PASSWORD), given to drachtio-srf for legs to the trunk only. */
  trunkAuthentication?: TrunkAuthentication | null;
  /** How long a late-offer caller's ACK is awaited when drachtio-server does not end the call itself (ms). */
  lateAnswerTimeoutMs?: number;
}

/**
 * drachtio-server BYEs a 200 that is never ACKed (after Timer H, 32 s) and tells us with that BYE; this
 * later fallback settles a late-offer caller's answer even if that BYE never reaches us.
 */
const LATE_ANSWER_TIMEOUT_MS = 40_000;

/** drachtio-srf rejects with a SipError carrying the final status. */
const statusOf = (error: unknown): number => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 503;
};

/** BYE; a BYE drachtio cannot send (the dialog is already gone) is logged, never an unhandled rejection. */
const hangUp = (dialog: SrfDialog, logger: CoreLogger): void => {
  Promise.resolve(dialog.destroy()).catch((error: unknown) => logger.info({ callId: dialog.sip.callId, err: error instanceof Error ? error.message : String(error) }, 'BYE not sent'));
};

/** A refused re-offer's status for the response (a 3xx-6xx; anything else is 488). */
const refusalStatus = (error: unknown): number => {
  const status = error instanceof ReofferRefused ? error.status : 488;
  return status >= 300 && status < 700 ? status : 488;
};

/**
 * Wires a dialog's in-dialog events to a listener, as the embedded edge's DialogRequests does:
 * 'modify' (re-INVITE; without SDP it asks for our offer, RFC 3261 14.2), 'update' (UPDATE,
 * RFC 3311: with SDP an offer, without a refresh), 'info' (DTMF) and 'refer'. One incoming offer at
 * a time: another meanwhile gets 491.
 */
const wireDialog = (dialog: SrfDialog, listener: () => InDialogListener | null, logger: CoreLogger): void => {
  let answering = false;
  /** A re-INVITE without SDP got our offer: the next ACK carries the far end's answer. */
  let awaitingAnswer = false;
  /** An offer from the far end (re-INVITE or UPDATE) goes to the listener; its answer becomes our local SDP. */
  const answerOffer = (method: string, request: SrfRequest, response: SrfResponse): void => {
    const current = listener();
    const reoffered = current?.reoffered;
    if (reoffered === undefined) {
      response.send(488);
      return;
    }
    answering = true;
    reoffered.call(current, request.body).then(
      (answer) => {
        answering = false;
        // srf does not record what the application answered: kept for a later re-INVITE without SDP.
        dialog.local.sdp = answer;
        response.send(200, { body: answer, headers: { 'Content-Type': 'application/sdp' } });
      },
      (error: unknown) => {
        answering = false;
        logger.info({ callId: dialog.sip.callId, method, status: refusalStatus(error) }, 'in-dialog offer refused');
        response.send(refusalStatus(error));
      },
    );
  };
  dialog.on('modify', (request, response) => {
    if (answering || awaitingAnswer) {
      response.send(491, { headers: { 'Retry-After': '1' } });
      return;
    }
    if (request.body !== '') {
      answerOffer('INVITE', request, response);
      return;
    }
    // No SDP: our last description again, version bumped (RFC 3264 8); the answer comes in the ACK.
    if (dialog.local.sdp === '') {
      response.send(488);
      return;
    }
    const offer = withNextVersion(dialog.local.sdp);
    dialog.local.sdp = offer;
    awaitingAnswer = true;
    response.send(200, { body: offer, headers: { 'Content-Type': 'application/sdp' } });
  });
  dialog.on('ack', (ack) => {
    if (!awaitingAnswer) return;
    awaitingAnswer = false;
    if (ack.body === '') {
      logger.warn({ callId: dialog.sip.callId }, 're-INVITE without SDP: the ACK carried no answer to our offer; the media stays as it was');
      return;
    }
    listener()?.reanswered?.(ack.body);
  });
  dialog.on('update', (request, response) => {
    if (request.body === '') {
      response.send(200);
      return;
    }
    if (answering || awaitingAnswer) {
      response.send(491, { headers: { 'Retry-After': '1' } });
      return;
    }
    answerOffer('UPDATE', request, response);
  });
  dialog.on('info', (request, response) => {
    response.send(200);
    const digits = dtmfOf(request.get('Content-Type'), request.body);
    if (digits !== null) listener()?.dtmf?.(digits);
  });
  dialog.on('refer', (request, response) => referred(dialog, request, response, listener(), logger));
};

/** A NOTIFY of the implicit refer subscription (RFC 3515), with a status line as message/sipfrag. */
const notifyRefer = (dialog: SrfDialog, statusLine: string, subscriptionState: string, logger: CoreLogger): void => {
  dialog
    .request({
      method: 'NOTIFY',
      headers: { Event: 'refer', 'Subscription-State': subscriptionState, 'Content-Type': 'message/sipfrag;version=2.0' },
      body: `${statusLine}\r\n`,
    })
    .catch((error: unknown) => logger.info({ callId: dialog.sip.callId, status: statusOf(error) }, 'refer NOTIFY failed'));
};

/** REFER in a dialog: the listener decides; accepted -> 202 and NOTIFY 100 Trying, then the outcome. */
const referred = (dialog: SrfDialog, request: SrfRequest, response: SrfResponse, listener: InDialogListener | null, logger: CoreLogger): void => {
  const onRefer = listener?.referred;
  if (onRefer === undefined) {
    response.send(501);
    return;
  }
  const referTo = contactUris(request.get('Refer-To') ?? '')[0];
  if (referTo === undefined) {
    response.send(400, 'Missing or Bad Refer-To');
    return;
  }
  // The outcome may be known before the 202 went out: its NOTIFY waits for it.
  let accepted = false;
  let outcome: string | null = null;
  const progress = {
    finished: (status: number, reason?: string): void => {
      if (outcome !== null) return;
      outcome = `SIP/2.0 ${status} ${reason ?? reasonPhrase(status)}`;
      if (accepted) notifyRefer(dialog, outcome, 'terminated;reason=noresource', logger);
    },
  };
  onRefer.call(listener, referTo, progress).then(
    () => {
      accepted = true;
      response.send(202);
      notifyRefer(dialog, 'SIP/2.0 100 Trying', 'active;expires=60', logger);
      if (outcome !== null) notifyRefer(dialog, outcome, 'terminated;reason=noresource', logger);
    },
    (error: unknown) => {
      outcome = 'refused';
      const status = error instanceof ReferRefused ? error.status : 500;
      const text = error instanceof Error ? error.message.replace(/["\\\r\n]/g, '') : 'transfer refused';
      logger.info({ callId: dialog.sip.callId, referTo, status, why: text }, 'REFER refused');
      response.send(status >= 300 && status < 700 ? status : 500, { headers: { Warning: `399 gateway "${text}"` } });
    },
  );
};

const reofferOn = async (dialog: SrfDialog | null, sdp: string): Promise<string> => {
  if (dialog === null) throw new ReofferRefused(481, 'the leg is not established');
  try {
    const answer = await dialog.modify(sdp);
    if (answer === undefined || answer === '') throw new ReofferRefused(488, 'the re-offer was answered without SDP');
    return answer;
  } catch (error) {
    if (error instanceof ReofferRefused) throw error;
    throw new ReofferRefused(statusOf(error));
  }
};

class DrachtioInboundCall implements InboundCall {
  readonly id: string;
  readonly dialled: string | null;
  readonly callerUser: string | null;
  readonly callerDisplayName: string | null;
  readonly source: PeerAddress;
  readonly offer: string | null;
  readonly proxyAuthorization: string | null;
  readonly visitorContact: string | null;
  readonly customerId: string | null;
  listener: InboundCallListener | null = null;
  readonly #srf: SrfLike;
  readonly #request: SrfRequest;
  readonly #response: SrfResponse;
  readonly #logger: CoreLogger;
  readonly #lateAnswerTimeoutMs: number;
  #dialog: SrfDialog | null = null;
  #state: 'offered' | 'answering' | 'answered' | 'ended' = 'offered';
  /** Late offer: our offer went in the 200 and the caller's answer is awaited in its ACK. */
  #lateAnswer: { resolve(answer: string): void; reject(error: CallerAnswerMissing): void; timer: NodeJS.Timeout | null } | null = null;

  constructor(srf: SrfLike, request: SrfRequest, response: SrfResponse, logger: CoreLogger, lateAnswerTimeoutMs: number) {
    this.#srf = srf;
    this.#request = request;
    this.#response = response;
    this.#logger = logger;
    this.#lateAnswerTimeoutMs = lateAnswerTimeoutMs;
    this.id = request.get('Call-ID') ?? '';
    this.dialled = uriUser(request.uri);
    const from = request.getParsedHeader('from');
    this.callerUser = uriUser(from.uri);
    // The same unquoting as the embedded edge: `"O\\"Brien"` is O"Brien, `""` is no name.
    this.callerDisplayName = unquote(from.name);
    const transport = request.protocol.toLowerCase().replace('wss', 'ws');
    this.source = { address: request.source_address, port: request.source_port, transport };
    this.offer = request.body === '' ? null : request.body;
    // drachtio-srf's get() finds a header in any case (lib/sip-parser/message.js getHeaderName), as the edge does.
    this.proxyAuthorization = request.get('Proxy-Authorization') ?? null;
    this.visitorContact = request.get('X-CC-Visitor-Contact') ?? null;
    this.customerId = request.get('X-CC-Customer-Id') ?? null;
    request.on('cancel', () => {
      if (this.#state !== 'offered') return;
      this.#state = 'ended';
      this.listener?.ended('cancelled');
    });
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  ring(): void {
    if (this.#state === 'offered') this.#response.send(180);
  }

  progress(sdp: string): void {
    if (this.#state === 'offered') this.#response.send(183, { headers: { 'Content-Type': 'application/sdp' }, body: sdp });
  }

  challenge(proxyAuthenticate: string): void {
    if (this.#state !== 'offered') return;
    this.#state = 'ended';
    this.#response.send(407, { headers: { 'Proxy-Authenticate': proxyAuthenticate } });
  }

  reject(status: number, reason?: string): void {
    if (this.#state !== 'offered') return;
    this.#state = 'ended';
    this.#response.send(status, reason === undefined ? {} : { headers: { Reason: `SIP;cause=${status};text="${reason.replace(/["\\]/g, '')}"` } });
  }

  answer(sdp: string): void {
    if (this.#state !== 'offered') return;
    this.#state = 'answering';
    this.#srf.createUAS(this.#request, this.#response, { localSdp: sdp }).then(
      (dialog) => {
        this.#dialog = dialog;
        if (this.#state === 'ended') {
          hangUp(dialog, this.#logger);
          return;
        }
        this.#state = 'answered';
        dialog.on('destroy', (request) => {
          if (this.#state === 'ended') return;
          this.#state = 'ended';
          // Still waiting for the late-offer ACK and drachtio-server BYEd on its own: the ACK never came.
          const noAck = this.#lateAnswer !== null && request?.source === 'application';
          this.#settleLateAnswer(new CallerAnswerMissing(noAck ? 'no-ack' : 'ended'));
          this.listener?.ended(noAck ? 'no-ack' : 'hung-up');
        });
        if (this.#lateAnswer !== null) this.#awaitLateAnswer(dialog);
        wireDialog(dialog, () => this.listener, this.#logger);
      },
      (error: unknown) => {
        this.#logger.warn({ callId: this.id, status: statusOf(error) }, 'answering the caller failed');
        this.#settleLateAnswer(new CallerAnswerMissing('ended'));
        if (this.#state === 'ended') return;
        this.#state = 'ended';
        this.listener?.ended('failed');
      },
    );
  }

  answerWithOffer(sdp: string): Promise<string> {
    if (this.#state !== 'offered') return Promise.reject(new CallerAnswerMissing('ended'));
    const answered = new Promise<string>((resolve, reject) => {
      this.#lateAnswer = { resolve, reject, timer: null };
    });
    this.answer(sdp);
    return answered;
  }

  /**
   * Late offer (RFC 3261 13.2.2.4): the caller's answer is in the ACK of our 200, which srf hands to
   * the dialog's 'ack' event. No ACK: drachtio-server BYEs the call (see the 'destroy' listener); the
   * timer is the fallback when that BYE never reaches us.
   */
  #awaitLateAnswer(dialog: SrfDialog): void {
    const waiting = this.#lateAnswer;
    if (waiting === null) return;
    let acked = false;
    dialog.on('ack', (ack) => {
      // Only the first ACK is the 200's; later ones close re-INVITEs (wireDialog).
      if (acked) return;
      acked = true;
      this.#settleLateAnswer(ack.body === '' ? new CallerAnswerMissing('no-sdp') : ack.body);
    });
    waiting.timer = setTimeout(() => {
      if (this.#lateAnswer !== waiting || this.#state === 'ended') return;
      this.#logger.warn({ callId: this.id }, 'caller never acknowledged our late-offer 200: hanging up');
      this.#state = 'ended';
      this.#settleLateAnswer(new CallerAnswerMissing('no-ack'));
      hangUp(dialog, this.#logger);
      this.listener?.ended('no-ack');
    }, this.#lateAnswerTimeoutMs);
  }

  /** Ends the wait for a late-offer answer: with the caller's SDP, or with why it did not come. */
  #settleLateAnswer(outcome: string | CallerAnswerMissing): void {
    const waiting = this.#lateAnswer;
    this.#lateAnswer = null;
    if (waiting === null) return;
    if (waiting.timer !== null) clearTimeout(waiting.timer);
    if (typeof outcome === 'string') waiting.resolve(outcome);
    else waiting.reject(outcome);
  }

  end(status = 480, reason?: string): void {
    if (this.#state === 'offered') this.reject(status, reason);
    else if (this.#state !== 'ended') {
      this.#state = 'ended';
      this.#settleLateAnswer(new CallerAnswerMissing('ended'));
      if (this.#dialog !== null) hangUp(this.#dialog, this.#logger);
    }
  }

  reoffer(sdp: string): Promise<string> {
    return reofferOn(this.#state === 'answered' ? this.#dialog : null, sdp);
  }
}

/** One agent or trunk leg (createUAC); a fork of a ForkedLeg when the agent has several registrations. */
interface OutboundLegSetup {
  srf: SrfLike;
  target: string;
  options: DialOptions;
  listener: OutboundLegListener;
  logger: CoreLogger;
  /** The trunk's login when `target` is the trunk: drachtio-srf answers its 401/407 with it, once. */
  login: TrunkLogin | null;
  /**
   * The forks of one agent leg share a Call-ID and From tag, as a forking proxy sends them (RFC 3261
   * 16.6), so a phone holding two of the agent's registrations sees one call (482 Loop Detected for
   * the second) instead of ringing twice. drachtio-server takes both from the request's headers
   * (sip-dialog-controller.cpp doSendRequestOutsideDialog: "client-specified call-id", and the From's tag is kept).
   */
  dialog: { callId: string; fromTag: string } | null;
}

class DrachtioOutboundLeg implements ForkBranch {
  readonly target: string;
  readonly #setup: OutboundLegSetup;
  #request: SrfRequest | null = null;
  #dialog: SrfDialog | null = null;
  /** 'answering': a late offer's 200 waits for our answer, which goes in the ACK. */
  #state: 'calling' | 'answering' | 'answered' | 'ended' = 'calling';
  /** end() while a late offer is being answered: ACK first, then BYE. */
  #endWanted = false;
  /** end() before drachtio told us the INVITE went out: CANCEL as soon as it does. */
  #cancelWanted = false;
  #cancelSent = false;
  #cancelReason: string | undefined;

  constructor(setup: OutboundLegSetup) {
    this.target = setup.target;
    this.#setup = setup;
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  start(): void {
    const { srf, target, options, listener, login } = this.#setup;
    const name = options.callerDisplayName === null ? '' : `"${options.callerDisplayName.replace(/["\\]/g, '')}" `;
    // A fresh headers object per INVITE: drachtio-srf writes into it (CSeq, From) when it answers a challenge.
    const shared = this.#setup.dialog;
    const headers: Record<string, string> = { From: `${name}<sip:${options.callerUser ?? 'anonymous'}@localhost>${shared === null ? '' : `;tag=${shared.fromTag}`}` };
    if (shared !== null) headers['Call-ID'] = shared.callId;
    for (const [header, value] of options.headers ?? []) headers[header] = value;
    const uacOptions: SrfUacOptions = { headers };
    if (options.offer !== null) uacOptions.localSdp = options.offer;
    // Late offer: the 200's SDP comes back un-ACKed so the session's answer goes in the ACK (3PCC).
    else if (listener.answerOffer !== undefined) uacOptions.noAck = true;
    if (login !== null) uacOptions.auth = { username: login.username, password: login.password };
    srf
      .createUAC(target, uacOptions, {
        cbRequest: (_error, request) => {
          if (request === undefined) return;
          this.#request = request;
          if (this.#cancelWanted) this.#cancel();
        },
        cbProvisional: (response) => {
          // drachtio-srf's provisional responses carry their body (early media SDP) like final ones; told before the ringing.
          const body = (response as SrfResponse & { body?: string }).body ?? '';
          if (this.#state === 'calling' && body !== '') listener.early?.(body);
          if (this.#state === 'calling' && (response.status === 180 || response.status === 183)) listener.ringing();
        },
      })
      .then(
        (result) => {
          if ('ack' in result) this.#answerLateOffer(result);
          else this.#established(result, result.remote.sdp === '' ? null : result.remote.sdp);
        },
        (error: unknown) => this.#refused(error),
      );
  }

  /** `reason`: the CANCEL's Reason header (a forked leg's losers); a BYE carries none. */
  end(reason?: string): void {
    if (this.#state === 'ended') return;
    if (this.#state === 'answering') {
      this.#endWanted = true;
      return;
    }
    const answered = this.#state === 'answered';
    this.#state = 'ended';
    if (answered) {
      if (this.#dialog !== null) hangUp(this.#dialog, this.#setup.logger);
      return;
    }
    // Ringing: CANCEL now, or as soon as drachtio tells us the request went out.
    this.#cancelReason = reason;
    if (this.#request === null) this.#cancelWanted = true;
    else this.#cancel();
  }

  reoffer(sdp: string): Promise<string> {
    return reofferOn(this.#state === 'answered' ? this.#dialog : null, sdp);
  }

  #cancel(): void {
    const request = this.#request;
    if (request?.cancel === undefined || this.#cancelSent) return;
    this.#cancelSent = true;
    try {
      request.cancel(this.#cancelReason === undefined ? {} : { headers: { Reason: this.#cancelReason } });
    } catch (error) {
      // drachtio-srf throws when the request is not one it sent; the leg is over for us either way.
      this.#setup.logger.warn({ target: this.target, err: error instanceof Error ? error.message : String(error) }, 'CANCEL not sent');
    }
  }

  /** The 2xx is ACKed (with our answer for a late offer): the leg is up, unless it was ended meanwhile. */
  #established(dialog: SrfDialog, sdp: string | null): void {
    const { listener, logger } = this.#setup;
    this.#dialog = dialog;
    if (this.#state === 'ended' || this.#endWanted) {
      // Answered while we were cancelling (the 200 lost the race), or ended while the late offer was answered.
      this.#state = 'ended';
      hangUp(dialog, logger);
      listener.ended('hung-up');
      return;
    }
    this.#state = 'answered';
    dialog.on('destroy', () => {
      if (this.#state === 'ended') return;
      this.#state = 'ended';
      listener.ended('hung-up');
    });
    wireDialog(dialog, () => listener, logger);
    listener.answered(sdp);
  }

  /** Late offer (RFC 3261 13.2.2.4): the ACK carries the session's answer; an offer it cannot answer is ACKed and BYEd, refused(488). */
  #answerLateOffer(unacked: SrfUnackedAnswer): void {
    const { listener, logger } = this.#setup;
    const abandon = (): void => void unacked.destroy().catch(() => undefined);
    if (this.#state === 'ended') {
      abandon();
      listener.ended('hung-up');
      return;
    }
    this.#state = 'answering';
    const answerOffer = listener.answerOffer;
    const answer = answerOffer === undefined ? Promise.reject(new Error('no late-offer answer')) : answerOffer.call(listener, unacked.sdp);
    answer.then(
      (sdp) =>
        unacked.ack(sdp).then(
          (dialog) => this.#established(dialog, unacked.sdp),
          (error: unknown) => {
            // drachtio-srf refuses a 200 without Contact: no dialog to BYE.
            logger.warn({ target: this.target, err: error instanceof Error ? error.message : String(error) }, 'late offer ACKed but no dialog');
            this.#state = 'ended';
            listener.refused(500);
          },
        ),
      (error: unknown) => {
        logger.info({ target: this.target, err: error instanceof Error ? error.message : String(error) }, 'late offer not answered: hanging up the leg');
        abandon();
        this.#state = 'ended';
        listener.refused(488);
      },
    );
  }

  #refused(error: unknown): void {
    if (this.#state === 'answered' || this.#state === 'answering') return;
    const { listener, logger, login } = this.#setup;
    const status = statusOf(error);
    if (status === 401 || status === 407) {
      if (login === null) logger.warn({ target: this.target, status }, 'the far end asks for digest authentication and the gateway has no login for it (set SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD for the trunk)');
      else logger.warn({ target: this.target, status }, 'the trunk refused the credentials (challenged again): check SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD');
    }
    this.#state = 'ended';
    listener.refused(status);
  }
}

export class DrachtioSignalling implements SignallingPort {
  readonly #srf: SrfLike;
  readonly #logger: CoreLogger;
  readonly #credentials: SipCredentials | null;
  readonly #trunk: TrunkAuthentication | null;
  readonly #nonces = new NonceIssuer();
  readonly #bindings = new DrachtioBindings();
  readonly #legs = new Set<OutboundLeg>();
  readonly #lateAnswerTimeoutMs: number;
  #handler: ((call: InboundCall) => InboundCallListener) | null = null;

  constructor(options: DrachtioSignallingOptions) {
    this.#srf = options.srf;
    this.#logger = options.logger;
    this.#credentials = options.credentials ?? null;
    this.#trunk = options.trunkAuthentication ?? null;
    this.#lateAnswerTimeoutMs = options.lateAnswerTimeoutMs ?? LATE_ANSWER_TIMEOUT_MS;
    // Logout: the session's registrations end now rather than at their expiry (as in the embedded registrar).
    this.#credentials?.onRevoked((sessionId) => {
      const removed = this.#bindings.revokeSession(sessionId);
      if (removed > 0) this.#logger.info({ sessionId, removed }, 'session revoked: its registrations ended');
    });
    this.#srf.invite((request, response) => this.#invite(request, response));
    this.#srf.register((request, response) => {
      this.#register(request, response).catch((error: unknown) => {
        this.#logger.error({ err: error instanceof Error ? error.message : String(error) }, 'sip registration failed');
        response.send(500);
      });
    });
  }

  /** Connects to drachtio-server (outbound mode); resolves once connected. */
  static connect(srf: SrfLike, options: { host: string; port?: number; secret: string }, logger: CoreLogger): Promise<string> {
    return new Promise((resolve, reject) => {
      let connected = false;
      srf.on('connect', (error, hostport) => {
        if (error) {
          if (!connected) reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        connected = true;
        logger.info({ hostport }, 'connected to drachtio-server');
        resolve(hostport);
      });
      // With an 'error' listener srf keeps reconnecting instead of throwing.
      srf.on('error', (error) => logger.warn({ err: error.message }, 'drachtio connection error'));
      srf.connect({ host: options.host, port: options.port ?? 9022, secret: options.secret });
    });
  }

  onIncomingCall(handler: (call: InboundCall) => InboundCallListener): void {
    this.#handler = handler;
  }

  dial(target: string, options: DialOptions, listener: OutboundLegListener): OutboundLeg {
    const tracked: OutboundLegListener = {
      ...listener,
      refused: (status) => {
        this.#legs.delete(leg);
        listener.refused(status);
      },
      ended: (why) => {
        this.#legs.delete(leg);
        listener.ended(why);
      },
    };
    const forks = this.#forkTargets(target);
    // One Call-ID and From tag for every fork of the leg; a single leg lets drachtio-server choose them.
    const dialog = forks.length > 1 ? { callId: randomUUID(), fromTag: randomBytes(8).toString('hex') } : null;
    const branchFor = (contact: string, branchListener: OutboundLegListener): DrachtioOutboundLeg =>
      new DrachtioOutboundLeg({ srf: this.#srf, target: contact, options, listener: branchListener, logger: this.#logger, login: this.#trunk?.loginFor(contact) ?? null, dialog });
    if (forks.length > 1) this.#logger.info({ target, registrations: forks.length }, 'ringing every registration of the agent');
    // Several createUACs, one per registration (sharing one Call-ID): the first 2xx wins, the rest are CANCELled.
    const leg: OutboundLeg & { start(): void } = forks.length > 1 ? new ForkedLeg(forks, branchFor, tracked) : branchFor(target, tracked);
    this.#legs.add(leg);
    leg.start();
    return leg;
  }

  /** A registered contact stands for its agent: every live registration is rung, the dialled one first. */
  #forkTargets(target: string): string[] {
    const agentId = this.#bindings.agentOf(target);
    if (agentId === null) return [target];
    return [target, ...this.#bindings.of(agentId).map((binding) => binding.contact).filter((contact) => contact !== target)];
  }

  registeredContact(agentId: string): string | null {
    return this.#bindings.of(agentId)[0]?.contact ?? null;
  }

  stats(): Record<string, number> {
    return { outboundLegs: this.#legs.size, registrations: this.#bindings.count };
  }

  async close(): Promise<void> {
    for (const leg of this.#legs) leg.end();
    this.#legs.clear();
    this.#srf.disconnect?.();
  }

  #invite(request: SrfRequest, response: SrfResponse): void {
    const call = new DrachtioInboundCall(this.#srf, request, response, this.#logger, this.#lateAnswerTimeoutMs);
    if (this.#handler === null) {
      call.reject(503);
      return;
    }
    call.listener = this.#handler(call);
  }

  async #register(request: SrfRequest, response: SrfResponse): Promise<void> {
    const credentials = this.#credentials;
    if (credentials === null) {
      response.send(501);
      return;
    }
    const realm = credentials.domain;
    const authorization = parseAuthorization(request.get('Authorization'));
    const nonce = authorization === null ? 'forged' : this.#nonces.check(authorization.nonce);
    if (authorization === null || nonce !== 'valid' || authorization.realm !== realm) {
      response.send(401, { headers: { 'WWW-Authenticate': challenge(realm, this.#nonces.issue(), nonce === 'stale') } });
      return;
    }
    const issued = await credentials.lookup(authorization.username);
    if (issued === null || !responsesMatch(authorization.response, expectedResponse(authorization, 'REGISTER', issued.password))) {
      response.send(403);
      return;
    }
    if (parseUri(request.getParsedHeader('to').uri)?.user !== issued.uriUser) {
      response.send(403);
      return;
    }
    const contacts = parseContacts(request.get('Contact'));
    if (contacts.some((entry) => entry.uri === '*')) {
      this.#bindings.unbindAll(issued.agentId);
      response.send(200);
      return;
    }
    const headerExpires = request.get('Expires');
    for (const entry of contacts) {
      const asked = Number(entry.params.expires ?? headerExpires ?? 600);
      const expires = Number.isFinite(asked) && asked > 0 ? Math.min(Math.floor(asked), 3600) : 0;
      this.#bindings.bind(issued.agentId, entry.uri, expires, entry.params['+sip.instance'], issued.sessionId);
    }
    // The 200 lists every live binding of the agent (RFC 3261 10.3 step 8).
    const now = Date.now();
    const current = this.#bindings.of(issued.agentId).map((binding) => {
      const instance = binding.instance === undefined ? '' : `;+sip.instance=${binding.instance}`;
      return `<${binding.contact}>;expires=${Math.max(0, Math.round((binding.expiresAt - now) / 1000))}${instance}`;
    });
    response.send(200, current.length === 0 ? {} : { headers: { Contact: current.join(', ') } });
  }
}
