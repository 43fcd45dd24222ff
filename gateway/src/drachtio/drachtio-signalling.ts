/**
 * The production signalling port: drachtio-server does SIP (UDP/TCP/WSS, transactions, dialogs)
 * and this adapter maps its srf API onto the port the call sessions use. createUAS answers callers,
 * createUAC places agent legs, dialog.destroy ends them, dialog.modify sends re-offers, and the
 * dialog's 'modify' / 'info' events bring hold, resume and DTMF in. REGISTERs from WebRTC agents
 * are checked against the same per-session SIP credentials as the embedded edge.
 */
import type { CoreLogger } from '@cc/core';
import { challenge, expectedResponse, NonceIssuer, parseAuthorization, responsesMatch } from '../registrar/digest.ts';
import type { SipCredentials } from '../registrar/sip-credentials.ts';
import { dtmfOf } from '../sip/dialog-requests.ts';
import { contactUris, parseContacts, parseUri, reasonPhrase } from '../sip/message.ts';
import {
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
import type { SrfDialog, SrfLike, SrfRequest, SrfResponse } from './srf-types.ts';

export interface DrachtioSignallingOptions {
  srf: SrfLike;
  logger: CoreLogger;
  credentials?: SipCredentials;
}

/** drachtio-srf rejects with a SipError carrying the final status. */
const statusOf = (error: unknown): number => {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : 503;
};

/** Wires a dialog's in-dialog events to a listener: 'modify' (re-INVITE) and 'info' (DTMF). */
const wireDialog = (dialog: SrfDialog, listener: () => InDialogListener | null, logger: CoreLogger): void => {
  dialog.on('modify', (request, response) => {
    const reoffered = listener()?.reoffered;
    if (reoffered === undefined || request.body === '') {
      response.send(488);
      return;
    }
    reoffered.call(listener(), request.body).then(
      (answer) => response.send(200, { body: answer, headers: { 'Content-Type': 'application/sdp' } }),
      (error: unknown) => {
        logger.info({ callId: dialog.sip.callId, status: error instanceof ReofferRefused ? error.status : 500 }, 're-INVITE refused');
        response.send(error instanceof ReofferRefused ? error.status : 488);
      },
    );
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
  #dialog: SrfDialog | null = null;
  #state: 'offered' | 'answering' | 'answered' | 'ended' = 'offered';

  constructor(srf: SrfLike, request: SrfRequest, response: SrfResponse, logger: CoreLogger) {
    this.#srf = srf;
    this.#request = request;
    this.#response = response;
    this.#logger = logger;
    this.id = request.callId;
    this.dialled = userOf(request.uri);
    const from = request.getParsedHeader('from');
    this.callerUser = userOf(from.uri);
    this.callerDisplayName = from.name === undefined || from.name === '' ? null : from.name.replace(/^"|"$/g, '');
    const transport = request.protocol.toLowerCase().replace('wss', 'ws');
    this.source = { address: request.source_address, port: request.source_port, transport };
    this.offer = request.body === '' ? null : request.body;
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
          void dialog.destroy();
          return;
        }
        this.#state = 'answered';
        dialog.on('destroy', () => {
          if (this.#state === 'ended') return;
          this.#state = 'ended';
          this.listener?.ended('hung-up');
        });
        wireDialog(dialog, () => this.listener, this.#logger);
      },
      (error: unknown) => {
        this.#logger.warn({ callId: this.id, status: statusOf(error) }, 'answering the caller failed');
        if (this.#state === 'ended') return;
        this.#state = 'ended';
        this.listener?.ended('failed');
      },
    );
  }

  end(status = 480, reason?: string): void {
    if (this.#state === 'offered') this.reject(status, reason);
    else if (this.#state !== 'ended') {
      this.#state = 'ended';
      if (this.#dialog !== null) void this.#dialog.destroy();
    }
  }

  reoffer(sdp: string): Promise<string> {
    return reofferOn(this.#state === 'answered' ? this.#dialog : null, sdp);
  }
}

class DrachtioOutboundLeg implements OutboundLeg {
  readonly target: string;
  #request: SrfRequest | null = null;
  #dialog: SrfDialog | null = null;
  #state: 'calling' | 'answered' | 'ended' = 'calling';
  #cancelWanted = false;

  constructor(srf: SrfLike, target: string, options: DialOptions, listener: OutboundLegListener, logger: CoreLogger) {
    this.target = target;
    const name = options.callerDisplayName === null ? '' : `"${options.callerDisplayName.replace(/["\\]/g, '')}" `;
    const headers: Record<string, string> = { From: `${name}<sip:${options.callerUser ?? 'anonymous'}@localhost>` };
    for (const [header, value] of options.headers ?? []) headers[header] = value;
    srf
      .createUAC(target, { ...(options.offer === null ? {} : { localSdp: options.offer }), headers }, {
        cbRequest: (_error, request) => {
          this.#request = request;
          if (this.#cancelWanted) request.cancel?.();
        },
        cbProvisional: (response) => {
          // drachtio-srf's provisional responses carry their body (early media SDP) like final ones; told before the ringing.
          const body = (response as SrfResponse & { body?: string }).body ?? '';
          if (this.#state === 'calling' && body !== '') listener.early?.(body);
          if (this.#state === 'calling' && (response.status === 180 || response.status === 183)) listener.ringing();
        },
      })
      .then(
        (dialog) => {
          this.#dialog = dialog;
          if (this.#state === 'ended') {
            // Answered while we were cancelling: the 200 lost the race.
            void dialog.destroy();
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
          listener.answered(dialog.remote.sdp === '' ? null : dialog.remote.sdp);
        },
        (error: unknown) => {
          if (this.#state === 'answered') return;
          this.#state = 'ended';
          listener.refused(statusOf(error));
        },
      );
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  end(): void {
    if (this.#state === 'ended') return;
    const answered = this.#state === 'answered';
    this.#state = 'ended';
    if (answered) {
      if (this.#dialog !== null) void this.#dialog.destroy();
      return;
    }
    // Ringing: CANCEL now, or as soon as drachtio tells us the request went out.
    if (this.#request?.cancel !== undefined) this.#request.cancel();
    else this.#cancelWanted = true;
  }

  reoffer(sdp: string): Promise<string> {
    return reofferOn(this.#state === 'answered' ? this.#dialog : null, sdp);
  }
}

interface DrachtioBinding {
  contact: string;
  expiresAt: number;
}

export class DrachtioSignalling implements SignallingPort {
  readonly #srf: SrfLike;
  readonly #logger: CoreLogger;
  readonly #credentials: SipCredentials | null;
  readonly #nonces = new NonceIssuer();
  readonly #bindings = new Map<string, DrachtioBinding>();
  readonly #legs = new Set<DrachtioOutboundLeg>();
  #handler: ((call: InboundCall) => InboundCallListener) | null = null;

  constructor(options: DrachtioSignallingOptions) {
    this.#srf = options.srf;
    this.#logger = options.logger;
    this.#credentials = options.credentials ?? null;
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
    const forget = (): void => {
      this.#legs.delete(leg);
    };
    const leg: DrachtioOutboundLeg = new DrachtioOutboundLeg(
      this.#srf,
      target,
      options,
      {
        ...listener,
        refused: (status) => {
          forget();
          listener.refused(status);
        },
        ended: (why) => {
          forget();
          listener.ended(why);
        },
      },
      this.#logger,
    );
    this.#legs.add(leg);
    return leg;
  }

  registeredContact(agentId: string): string | null {
    const binding = this.#bindings.get(agentId);
    if (binding === undefined || binding.expiresAt <= Date.now()) return null;
    return binding.contact;
  }

  stats(): Record<string, number> {
    return { outboundLegs: this.#legs.size, registrations: this.#bindings.size };
  }

  async close(): Promise<void> {
    for (const leg of this.#legs) leg.end();
    this.#legs.clear();
    this.#srf.disconnect?.();
  }

  #invite(request: SrfRequest, response: SrfResponse): void {
    const call = new DrachtioInboundCall(this.#srf, request, response, this.#logger);
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
    const [contact] = parseContacts(request.get('Contact'));
    const headerExpires = request.get('Expires');
    const expires = Math.min(Number(contact?.params.expires ?? headerExpires ?? 600), 3600);
    if (contact === undefined || contact.uri === '*' || !Number.isFinite(expires) || expires <= 0) {
      this.#bindings.delete(issued.agentId);
      response.send(200);
      return;
    }
    this.#bindings.set(issued.agentId, { contact: contact.uri, expiresAt: Date.now() + expires * 1000 });
    const instance = contact.params['+sip.instance'];
    response.send(200, { headers: { Contact: `<${contact.uri}>;expires=${expires}${instance === undefined ? '' : `;+sip.instance=${instance}`}` } });
  }
}

const userOf = (uri: string): string | null => {
  const parsed = parseUri(uri);
  if (parsed === null) return null;
  if (parsed.scheme === 'tel') return parsed.number ?? null;
  return parsed.user === undefined || parsed.user === '' ? null : decodeURIComponent(parsed.user);
};
