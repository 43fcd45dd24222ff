/**
 * The embedded SIP edge: the signalling port over the gateway's own UDP/TCP/WebSocket transport and
 * transaction layer. It keeps the dialogs (Call-ID + both tags) of the calls it answers and of the
 * legs it places, runs the registrar for WebRTC and phone-bar agents (when given credentials), and
 * answers what it does not handle (unknown dialogs, other methods) with the proper refusal so no
 * peer waits on it.
 */
import type { CoreLogger } from '@cc/core';
import type {
  DialOptions,
  InboundCall,
  InboundCallListener,
  OutboundLeg,
  OutboundLegListener,
  PeerAddress,
  SignallingPort,
} from '../signalling/signalling-port.ts';
import type { WebSocket } from 'ws';
import { Registrar } from '../registrar/registrar.ts';
import type { SipCredentials } from '../registrar/sip-credentials.ts';
import { DialogRequests } from './dialog-requests.ts';
import { contactUris, type OutgoingHeaders, parseUri, type SipRequest, type SipResponse, uriUser } from './message.ts';
import {
  type ClientTransaction,
  DEFAULT_TIMERS,
  newBranch,
  newTag,
  type ServerTransaction,
  type TimerSettings,
  TransactionLayer,
  type TransactionsSettled,
  type TransactionUser,
} from './transactions.ts';
import { type Flow, SipTransport, type TransportName } from './transport.ts';
import { ForkedLeg } from './forked-leg.ts';
import { DeferredForkBranch } from './deferred-fork.ts';
import type { TrunkAuthentication } from './trunk-authentication.ts';
import { RouteSet } from './route-set.ts';
import type { SipTlsSettings } from './tls-settings.ts';
import { CallerAnswerMissing, ReofferRefused } from '../signalling/signalling-port.ts';
import { randomUUID } from 'node:crypto';

export interface EmbeddedSipEdgeOptions {
  host: string;
  port: number;
  logger: CoreLogger;
  timers?: Partial<TimerSettings>;
  /** SIP credentials of signed-in agents: with them the edge runs a registrar; without, REGISTER gets 501. */
  credentials?: SipCredentials;
  /** The trunk's digest login: INVITEs to the trunk challenged with 401/407 are sent once more with it. */
  trunkAuthentication?: TrunkAuthentication | null;
  /** SIP over TLS: its listener, and the certificate checks for `sips:` / `;transport=tls` targets. Absent: no TLS. */
  tls?: SipTlsSettings | null;
}

/** A dialog the edge is part of: how in-dialog requests find their leg. */
interface DialogLeg {
  inDialogRequest(request: SipRequest, transaction: ServerTransaction): void;
  ack?(request: SipRequest): void;
  /** The WebSocket the dialog runs over closed: the leg is lost. */
  websocketClosed?(websocket: WebSocket): void;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REGISTER, REFER, NOTIFY, UPDATE';

const dialogKey = (callId: string, localTag: string, remoteTag: string): string => `${callId}|${localTag}|${remoteTag}`;

export class EmbeddedSipEdge implements SignallingPort, TransactionUser {
  readonly transport: SipTransport;
  readonly layer: TransactionLayer;
  readonly logger: CoreLogger;
  readonly registrar: Registrar | null;
  readonly trunkAuthentication: TrunkAuthentication | null;
  readonly #port: number;
  readonly #tls: SipTlsSettings | null;
  readonly #dialogs = new Map<string, DialogLeg>();
  /** Calls answered 100 but not yet given a final response, by INVITE branch. */
  readonly #pending = new Map<string, InboundSipCall>();
  /** Legs we placed over a WebSocket, not yet in a dialog: a closing socket must refuse them too. */
  readonly #placedOverWebSocket = new Set<DialogLeg>();
  /** Legs ringing an agent's registrations, by agent: a registration made meanwhile is rung too (late forking). */
  readonly #ringingAgents = new Map<string, Set<ForkedLeg>>();
  #handler: ((call: InboundCall) => InboundCallListener) | null = null;
  /** The gateway is stopping (drain): requests outside a dialog get 503. */
  #stopping = false;

  constructor(options: EmbeddedSipEdgeOptions) {
    this.logger = options.logger;
    this.#port = options.port;
    this.#tls = options.tls ?? null;
    this.trunkAuthentication = options.trunkAuthentication ?? null;
    this.transport = new SipTransport(options.host, options.logger, (text, flow) => this.layer.receive(text, flow));
    this.layer = new TransactionLayer(this.transport, { ...DEFAULT_TIMERS, ...options.timers }, options.logger);
    this.layer.attach(this);
    this.registrar = options.credentials === undefined ? null : new Registrar({ credentials: options.credentials, logger: options.logger });
    this.registrar?.onChange((agentId) => this.#forkLate(agentId));
    this.transport.onWebSocketClosed((websocket) => {
      this.registrar?.websocketClosed(websocket);
      for (const leg of [...this.#dialogs.values()]) leg.websocketClosed?.(websocket);
      for (const leg of [...this.#placedOverWebSocket]) leg.websocketClosed?.(websocket);
      for (const call of [...this.#pending.values()]) call.websocketClosed(websocket);
    });
  }

  async listen(): Promise<{ udpPort: number; tcpPort: number; tlsPort: number }> {
    await this.transport.listen(this.#port);
    const tls = this.#tls;
    if (tls !== null) await this.transport.listenTls(tls).catch(async (error: unknown) => {
      await this.transport.close();
      throw error;
    });
    return { udpPort: this.transport.udpPort, tcpPort: this.transport.tcpPort, tlsPort: this.transport.tlsPort };
  }

  onIncomingCall(handler: (call: InboundCall) => InboundCallListener): void {
    this.#handler = handler;
  }

  dial(target: string, options: DialOptions, listener: OutboundLegListener): OutboundLeg {
    const agentId = this.registrar?.bindingFor(target)?.agentId;
    if (agentId === undefined) {
      const leg = new OutboundSipLeg(this, target, options, listener);
      leg.start();
      return leg;
    }
    // A registered contact stands for its agent: every live binding is rung (the dialled one first),
    // as a forking proxy would, and one made while the leg rings is added (#forkLate). One Call-ID
    // and From tag for every fork: a phone that holds two of the bindings sees a merged request
    // (RFC 3261 8.2.2.2) rather than ringing twice.
    const forks = [target, ...this.#bindingContacts(agentId).filter((contact) => contact !== target)];
    const dialog = { callId: randomUUID(), localTag: newTag() };
    if (forks.length > 1) this.logger.info({ target, registrations: forks.length }, 'ringing every registration of the agent');
    const ringing = this.#ringingAgents.get(agentId) ?? new Set<ForkedLeg>();
    const settled = (): void => {
      ringing.delete(leg);
      if (ringing.size === 0 && this.#ringingAgents.get(agentId) === ringing) this.#ringingAgents.delete(agentId);
    };
    // The session's listener underneath (its other methods inherited), told first that the leg stopped ringing.
    const tracked: OutboundLegListener = Object.assign(Object.create(listener) as OutboundLegListener, {
      answered: (sdp: string | null) => {
        settled();
        listener.answered(sdp);
      },
      refused: (status: number) => {
        settled();
        listener.refused(status);
      },
    });
    const forkOffer = options.forkOffer;
    const leg = new ForkedLeg(
      forks,
      (contact, forkListener) =>
        contact === target || forkOffer === undefined
          ? new OutboundSipLeg(this, contact, options, forkListener, dialog)
          : new DeferredForkBranch(contact, () => forkOffer.call(options, contact), (offer) => new OutboundSipLeg(this, contact, { ...options, offer }, forkListener, dialog), forkListener),
      tracked,
    );
    ringing.add(leg);
    this.#ringingAgents.set(agentId, ringing);
    leg.start();
    return leg;
  }

  /** The contacts of an agent's live bindings, newest first. */
  #bindingContacts(agentId: string): string[] {
    return this.registrar?.bindingsOf(agentId).map((binding) => binding.contact) ?? [];
  }

  /** An agent's bindings changed: a new one is rung by every leg still ringing that agent (RFC 3261 16.5). */
  #forkLate(agentId: string): void {
    const ringing = this.#ringingAgents.get(agentId);
    if (ringing === undefined) return;
    for (const contact of this.#bindingContacts(agentId)) {
      for (const leg of ringing) {
        if (leg.addFork(contact)) this.logger.info({ agentId, contact }, 'registration made while the agent rings: rung too (late fork)');
      }
    }
  }

  registeredContact(agentId: string): string | null {
    return this.registrar?.bindingsOf(agentId)[0]?.contact ?? null;
  }

  stats(): Record<string, number> {
    const { server, client } = this.layer.counts;
    return { dialogs: this.#dialogs.size, pendingCalls: this.#pending.size, serverTransactions: server, clientTransactions: client, registrations: this.registrar?.count ?? 0 };
  }

  /**
   * The gateway is stopping and its legs have been ended: new requests outside a dialog get 503
   * from now on, and this resolves once the BYEs, CANCELs and cancelled INVITEs in flight have their
   * final responses and the INVITEs refused 487/503 their ACKs (so the sockets can close), or at
   * `deadlineMs` with what was left.
   */
  drain(deadlineMs: number): Promise<TransactionsSettled> {
    this.#stopping = true;
    return this.layer.whenSettled(deadlineMs);
  }

  async close(): Promise<void> {
    this.layer.stop();
    this.registrar?.clear();
    this.#ringingAgents.clear();
    this.#dialogs.clear();
    this.#placedOverWebSocket.clear();
    this.#pending.clear();
    await this.transport.close();
  }

  // ---- Bookkeeping for the legs --------------------------------------------------------------

  addDialog(callId: string, localTag: string, remoteTag: string, leg: DialogLeg): void {
    this.#dialogs.set(dialogKey(callId, localTag, remoteTag), leg);
  }

  removeDialog(callId: string, localTag: string, remoteTag: string): void {
    this.#dialogs.delete(dialogKey(callId, localTag, remoteTag));
  }

  /** A leg placed over a WebSocket rings (or waits for its first response) until `forgetPlaced`. */
  trackPlaced(leg: DialogLeg): void {
    this.#placedOverWebSocket.add(leg);
  }

  forgetPlaced(leg: DialogLeg): void {
    this.#placedOverWebSocket.delete(leg);
  }

  forgetPending(branch: string): void {
    this.#pending.delete(branch);
  }

  /** Our Contact for a transport (`;transport=tls` on a TLS flow: the peer's requests come back over TLS). */
  contact(transport: TransportName): string {
    return `<sip:gateway@${this.transport.host}:${this.transport.localPort(transport)}${transport === 'udp' ? '' : `;transport=${this.transport.wireName(transport)}`}>`;
  }

  /**
   * Where a request to `target` goes: a registered contact over its binding's flow (for JsSIP the
   * WebSocket, whatever the made-up host says), else the URI's host, port and transport.
   */
  flowFor(target: string): Flow | null {
    const binding = this.registrar?.bindingFor(target);
    if (binding !== undefined && binding !== null) return binding.flow;
    const uri = parseUri(target);
    const host = uri?.host;
    if (uri === null || (uri.scheme !== 'sip' && uri.scheme !== 'sips') || host === undefined || host === '') return null;
    const transport = uri.params?.transport?.toLowerCase();
    if (transport === 'ws' || transport === 'wss') return null; // a WebSocket peer is reachable only through its registration
    const address = host.replace(/^\[|\]$/g, '');
    const port = uri.port !== undefined && uri.port > 0 ? uri.port : null;
    // sips: is TLS whatever its transport parameter says (RFC 3261 26.2.2); never downgraded to plain TCP/UDP.
    if (uri.scheme === 'sips' || transport === 'tls') {
      if (this.transport.tlsPort === 0) {
        this.logger.warn({ target }, 'target needs SIP over TLS and the edge has none (set SIP_TLS_PORT, SIP_TLS_CERT, SIP_TLS_KEY): not sent');
        return null;
      }
      return this.transport.flowTo('tls', address, port ?? 5061);
    }
    return this.transport.flowTo(transport === 'tcp' ? 'tcp' : 'udp', address, port ?? 5060);
  }

  /**
   * The flow of a dialog's in-dialog requests: the flow it started on, unless a route set sends them
   * to another address (its first route). A WebSocket peer is reachable only over its own flow.
   */
  dialogFlow(nextHop: string, established: Flow): Flow {
    if (established.transport === 'ws') return established;
    const routed = this.flowFor(nextHop);
    if (routed === null) return established;
    const same = routed.transport === established.transport && routed.address === established.address && routed.port === established.port;
    return same ? established : routed;
  }

  // ---- TransactionUser -------------------------------------------------------------------------

  request(request: SipRequest, transaction: ServerTransaction): void {
    const toTag = request.to.params.tag;
    const fromTag = request.from.params.tag ?? '';
    if (toTag !== undefined) {
      const leg = this.#dialogs.get(dialogKey(request.callId, toTag, fromTag));
      if (leg === undefined) transaction.respond(481);
      else leg.inDialogRequest(request, transaction);
      return;
    }
    // In-dialog requests above still get their answers: they help the dialogs being ended finish.
    if (this.#stopping) {
      transaction.respond(503, { reason: 'Service Unavailable (gateway stopping)' });
      return;
    }
    switch (request.method) {
      case 'INVITE':
        this.#incomingInvite(request, transaction);
        return;
      case 'OPTIONS':
        transaction.respond(200, { headers: [['Allow', ALLOW]] });
        return;
      case 'REGISTER': {
        const registrar = this.registrar;
        if (registrar === null) {
          transaction.respond(501);
          return;
        }
        registrar.register(request, transaction).catch((error: unknown) => {
          this.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'sip registration failed');
          transaction.respond(500);
        });
        return;
      }
      case 'BYE':
        transaction.respond(481);
        return;
      default:
        transaction.respond(405, { headers: [['Allow', ALLOW]] });
    }
  }

  ack(request: SipRequest): void {
    const toTag = request.to.params.tag;
    if (toTag === undefined) return;
    this.#dialogs.get(dialogKey(request.callId, toTag, request.from.params.tag ?? ''))?.ack?.(request);
  }

  cancelled(invite: ServerTransaction): void {
    const call = this.#pending.get(invite.request.via[0]?.params.branch ?? '');
    if (call === undefined) {
      invite.respond(487);
      return;
    }
    call.cancelledByCaller();
  }

  #incomingInvite(request: SipRequest, transaction: ServerTransaction): void {
    const branch = request.via[0]?.params.branch ?? '';
    const call = new InboundSipCall(this, request, transaction);
    this.#pending.set(branch, call);
    const handler = this.#handler;
    if (handler === null) {
      call.reject(503);
      return;
    }
    call.listener = handler(call);
  }
}

type InboundState = 'offered' | 'answered' | 'confirmed' | 'ended';

class InboundSipCall implements InboundCall, DialogLeg {
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
  readonly #edge: EmbeddedSipEdge;
  readonly #invite: ServerTransaction;
  readonly #localTag = newTag();
  readonly #remoteTag: string;
  #localCSeq = 1;
  #state: InboundState = 'offered';
  readonly #requests: DialogRequests;
  /** The INVITE's Record-Route, as received (RFC 3261 12.1.1). */
  readonly #routes: RouteSet;
  /** Where in-dialog requests go: the first route's address, else back over the INVITE's flow (or the refreshed target's). */
  #dialogFlow: Flow;
  /** The caller's Contact from a target refresh (its re-INVITE or UPDATE, our re-INVITE's 2xx); null: the INVITE's. */
  #refreshedTarget: string | null = null;
  /** Late offer: our offer went in the 200 and the caller's answer is awaited in its ACK. */
  #lateAnswer: { resolve(answer: string): void; reject(error: CallerAnswerMissing): void } | null = null;
  /** Ended while the 200 awaited its ACK: the BYE goes once the ACK comes (RFC 3261 section 15). */
  #byeOnAck = false;

  constructor(edge: EmbeddedSipEdge, request: SipRequest, transaction: ServerTransaction) {
    this.#edge = edge;
    this.#invite = transaction;
    transaction.toTag = this.#localTag;
    this.id = request.callId;
    this.dialled = uriUser(request.uri);
    this.callerUser = uriUser(request.from.uri);
    this.callerDisplayName = request.from.name;
    this.source = { address: transaction.flow.address, port: transaction.flow.port, transport: transaction.flow.transport };
    this.offer = request.body === '' ? null : request.body;
    this.proxyAuthorization = request.headers['proxy-authorization'] ?? null;
    // The parser keeps an extension header's name as sent: match it in any case.
    const extension = (wanted: string): string | null => Object.entries(request.headers).find(([name]) => name.toLowerCase() === wanted)?.[1] ?? null;
    this.visitorContact = extension('x-cc-visitor-contact');
    this.customerId = extension('x-cc-customer-id');
    this.#remoteTag = request.from.params.tag ?? '';
    this.#routes = RouteSet.ofRequest(request.headers);
    this.#dialogFlow = edge.dialogFlow(this.#routes.request(this.#remoteTarget).nextHop, transaction.flow);
    const dialogFlow = (): Flow => this.#dialogFlow;
    this.#requests = new DialogRequests({
      layer: edge.layer,
      logger: edge.logger,
      // Read per request: a target refresh may move the next hop.
      get flow(): Flow {
        return dialogFlow();
      },
      contact: edge.contact(transaction.flow.transport),
      headers: () => this.#dialogHeaders(),
      remoteTarget: () => this.#routes.request(this.#remoteTarget).uri,
      nextCSeq: () => ++this.#localCSeq,
      refreshTarget: (contact) => {
        this.#refreshedTarget = contact;
        this.#dialogFlow = edge.dialogFlow(this.#routes.request(contact).nextHop, transaction.flow);
      },
    });
  }

  reoffer(sdp: string): Promise<string> {
    if (this.#state !== 'confirmed' && this.#state !== 'answered') return Promise.reject(new ReofferRefused(481, 'the caller leg is not established'));
    return this.#requests.reoffer(sdp);
  }

  /** The caller's WebSocket closed: the call is lost. */
  websocketClosed(websocket: WebSocket): void {
    if (this.#invite.flow.websocket !== websocket || this.#state === 'ended') return;
    this.#finish();
    this.listener?.ended('failed');
  }

  /** From, To, Call-ID and the route set's Route headers of a request we send in this dialog. */
  #dialogHeaders(): OutgoingHeaders {
    const request = this.#invite.request;
    return [
      ['From', `${request.headers.to};tag=${this.#localTag}`],
      ['To', request.headers.from ?? ''],
      ['Call-ID', this.id],
      ...this.#routes.request(this.#remoteTarget).route,
    ];
  }

  /** The caller's Contact (the dialog's remote target), as last refreshed. */
  get #remoteTarget(): string {
    const request = this.#invite.request;
    return this.#refreshedTarget ?? firstContactUri(request) ?? request.from.uri;
  }

  get ended(): boolean {
    return this.#state === 'ended' || this.#byeOnAck;
  }

  ring(): void {
    if (this.#state !== 'offered') return;
    this.#invite.respond(180, { headers: [['Contact', this.#edge.contact(this.#invite.flow.transport)], ...this.#routes.recordRoute] });
  }

  progress(sdp: string): void {
    if (this.#state !== 'offered') return;
    this.#invite.respond(183, {
      headers: [
        ['Contact', this.#edge.contact(this.#invite.flow.transport)],
        ...this.#routes.recordRoute,
        ['Content-Type', 'application/sdp'],
      ],
      body: sdp,
    });
  }

  challenge(proxyAuthenticate: string): void {
    if (this.#state !== 'offered') return;
    this.#invite.respond(407, { headers: [['Proxy-Authenticate', proxyAuthenticate]] });
    this.#finish();
  }

  reject(status: number, reason?: string): void {
    if (this.#state !== 'offered') return;
    const headers: OutgoingHeaders = reason === undefined ? [] : [['Reason', `SIP;cause=${status};text="${reason.replace(/["\\]/g, '')}"`]];
    this.#invite.respond(status, { headers });
    this.#finish();
  }

  answer(sdp: string): void {
    if (this.#state !== 'offered') return;
    this.#state = 'answered';
    this.#edge.forgetPending(this.#branch);
    this.#edge.addDialog(this.id, this.#localTag, this.#remoteTag, this);
    this.#invite.onAckTimeout = () => {
      this.#edge.logger.warn({ callId: this.id }, 'caller never acknowledged the answer: hanging up');
      this.#settleLateAnswer(new CallerAnswerMissing('no-ack'));
      this.#bye();
      this.#finish();
      if (!this.#byeOnAck) this.listener?.ended('no-ack');
    };
    this.#requests.localDescription = sdp;
    this.#invite.respond(200, {
      headers: [
        ['Contact', this.#edge.contact(this.#invite.flow.transport)],
        ...this.#routes.recordRoute,
        ['Allow', ALLOW],
        ['Content-Type', 'application/sdp'],
      ],
      body: sdp,
    });
  }

  answerWithOffer(sdp: string): Promise<string> {
    if (this.#state !== 'offered') return Promise.reject(new CallerAnswerMissing('ended'));
    const answered = new Promise<string>((resolve, reject) => {
      this.#lateAnswer = { resolve, reject };
    });
    this.answer(sdp);
    return answered;
  }

  /** Ends the wait for a late-offer answer: with the caller's SDP, or with why it did not come. */
  #settleLateAnswer(outcome: string | CallerAnswerMissing): void {
    const waiting = this.#lateAnswer;
    this.#lateAnswer = null;
    if (waiting === null) return;
    if (typeof outcome === 'string') waiting.resolve(outcome);
    else waiting.reject(outcome);
  }

  end(status = 480, reason?: string): void {
    if (this.#state === 'offered') this.reject(status, reason);
    // Not yet ACKed: a BYE now would cross the 200's retransmissions, and the late ACK would find no dialog.
    else if (this.#state === 'answered') this.#byeOnAck = true;
    else if (this.#state === 'confirmed') {
      this.#bye();
      this.#finish();
    }
  }

  cancelledByCaller(): void {
    if (this.#state !== 'offered') return;
    this.#invite.respond(487);
    this.#finish();
    this.listener?.ended('cancelled');
  }

  ack(request: SipRequest): void {
    if (this.#state === 'answered' && request.cseq.seq === this.#invite.request.cseq.seq) {
      this.#state = 'confirmed';
      this.#invite.acknowledged();
      // Late offer: the ACK carries the caller's answer (RFC 3261 13.2.2.4).
      this.#settleLateAnswer(request.body === '' ? new CallerAnswerMissing('no-sdp') : request.body);
      if (this.#byeOnAck) {
        this.#bye();
        this.#finish();
      }
      return;
    }
    this.#requests.acknowledged(request);
  }

  inDialogRequest(request: SipRequest, transaction: ServerTransaction): void {
    if (request.method === 'BYE') {
      transaction.respond(200);
      if (this.#state === 'ended') return;
      this.#finish();
      this.listener?.ended('hung-up');
      return;
    }
    this.#requests.handle(request, transaction, this.listener);
  }

  get #branch(): string {
    return this.#invite.request.via[0]?.params.branch ?? '';
  }

  #bye(): void {
    this.#localCSeq += 1;
    const headers: OutgoingHeaders = [...this.#dialogHeaders(), ['CSeq', `${this.#localCSeq} BYE`], ['Max-Forwards', '70']];
    this.#edge.layer.send({ method: 'BYE', uri: this.#routes.request(this.#remoteTarget).uri, headers }, this.#dialogFlow, {
      response: () => undefined,
      failed: (status) => this.#edge.logger.warn({ callId: this.id, status }, 'BYE to the caller got no answer'),
    });
  }

  #finish(): void {
    this.#state = 'ended';
    this.#settleLateAnswer(new CallerAnswerMissing('ended'));
    this.#edge.forgetPending(this.#branch);
    this.#edge.removeDialog(this.id, this.#localTag, this.#remoteTag);
  }
}

type OutboundState = 'calling' | 'early' | 'confirmed' | 'ended';

class OutboundSipLeg implements OutboundLeg, DialogLeg {
  readonly target: string;
  readonly #edge: EmbeddedSipEdge;
  readonly #listener: OutboundLegListener;
  readonly #options: DialOptions;
  #cancelSent = false;
  /** The Reason header of our CANCEL, when there is one to give ("Call completed elsewhere"). */
  #cancelReason: string | null = null;
  readonly #callId: string;
  readonly #localTag: string;
  readonly #flow: Flow | null;
  /** The 2xx's Record-Route reversed (RFC 3261 12.1.2), and the flow it sends in-dialog requests on. */
  #routes = RouteSet.none;
  #dialogFlow: Flow | null = null;
  #remoteTag: string | null = null;
  #remoteTarget: string;
  #remoteTo: string | null = null;
  #invite: ClientTransaction | null = null;
  #ack: { uri: string; headers: OutgoingHeaders; body?: string } | null = null;
  /** A late-offer 2xx is being answered (listener.answerOffer): its ACK waits for the answer, retransmissions are absorbed. */
  #answeringOffer = false;
  /** One branch for the 2xx ACK and its resends (RFC 3261 13.2.2.4: the same ACK), so the phone sees a retransmission, not a new request. */
  readonly #ackBranch = newBranch();
  #localCSeq = 1;
  /** The CSeq of the INVITE out now: 2 once a trunk's challenge has been answered. */
  #inviteCSeq = 1;
  /** The INVITE went out again with credentials: a second challenge is a refusal. */
  #authenticated = false;
  #state: OutboundState = 'calling';
  #endWanted = false;
  readonly #requests: DialogRequests | null;

  /** `dialog`: the Call-ID and From tag, shared by the forks of one agent leg; new ones otherwise. */
  constructor(edge: EmbeddedSipEdge, target: string, options: DialOptions, listener: OutboundLegListener, dialog = { callId: randomUUID(), localTag: newTag() }) {
    this.#edge = edge;
    this.target = target;
    this.#callId = dialog.callId;
    this.#localTag = dialog.localTag;
    this.#remoteTarget = target;
    this.#options = options;
    this.#listener = listener;
    const flow = edge.flowFor(target);
    this.#flow = flow;
    const routedFlow = (): Flow => this.#dialogFlow ?? (flow as Flow); // only read once the leg has a flow
    this.#requests =
      flow === null
        ? null
        : new DialogRequests({
            layer: edge.layer,
            logger: edge.logger,
            // Read per request: the route set, and so the flow, is known only from the 2xx.
            get flow(): Flow {
              return routedFlow();
            },
            contact: edge.contact(flow.transport),
            headers: () => this.#dialogHeaders(),
            remoteTarget: () => this.#routes.request(this.#remoteTarget).uri,
            nextCSeq: () => ++this.#localCSeq,
            refreshTarget: (contact) => {
              this.#remoteTarget = contact;
              this.#dialogFlow = this.#edge.dialogFlow(this.#routes.request(contact).nextHop, flow);
            },
          });
    if (this.#requests !== null) this.#requests.localDescription = options.offer;
  }

  reoffer(sdp: string): Promise<string> {
    if (this.#state !== 'confirmed' || this.#requests === null) return Promise.reject(new ReofferRefused(481, 'the agent leg is not established'));
    return this.#requests.reoffer(sdp);
  }

  requestOffer(answer: (offer: string) => Promise<string>): Promise<void> {
    if (this.#state !== 'confirmed' || this.#requests === null) return Promise.reject(new ReofferRefused(481, 'the agent leg is not established'));
    return this.#requests.requestOffer(answer);
  }

  /**
   * The agent's WebSocket closed: a ringing leg is refused with 480 (that registration is gone; a
   * forked leg's other registrations keep ringing), an answered one has ended.
   */
  websocketClosed(websocket: WebSocket): void {
    if (this.#flow?.websocket !== websocket || this.#state === 'ended') return;
    const wasConfirmed = this.#state === 'confirmed';
    this.#invite?.terminate();
    this.#finish();
    if (wasConfirmed) this.#listener.ended('failed');
    else this.#listener.refused(480);
  }

  get ended(): boolean {
    return this.#state === 'ended';
  }

  start(): void {
    const flow = this.#flow;
    if (flow === null) {
      this.#state = 'ended';
      const unregistered = /;transport=wss?\b/i.test(this.target);
      queueMicrotask(() => this.#listener.refused(unregistered ? 480 : 400));
      return;
    }
    // Not in a dialog before its 2xx: the edge tells it of its socket closing from this list.
    if (flow.websocket !== undefined) this.#edge.trackPlaced(this);
    this.#sendInvite(flow, []);
  }

  /** The INVITE (again with `authorization` after a challenge: same Call-ID and tag, the next CSeq). */
  #sendInvite(flow: Flow, authorization: OutgoingHeaders): void {
    const name = this.#options.callerDisplayName === null ? '' : `"${this.#options.callerDisplayName.replace(/["\\]/g, '')}" `;
    const user = this.#options.callerUser ?? 'anonymous';
    const headers: OutgoingHeaders = [
      ['From', `${name}<sip:${user}@${this.#edge.transport.host}>;tag=${this.#localTag}`],
      ['To', `<${this.target}>`],
      ['Call-ID', this.#callId],
      ['CSeq', `${this.#inviteCSeq} INVITE`],
      ['Contact', this.#edge.contact(flow.transport)],
      ['Max-Forwards', '70'],
      ['Allow', ALLOW],
      ...authorization,
    ];
    for (const [header, value] of this.#options.headers ?? []) headers.push([header, value]);
    if (this.#options.offer !== null) headers.push(['Content-Type', 'application/sdp']);
    this.#invite = this.#edge.layer.send({ method: 'INVITE', uri: this.target, headers, ...(this.#options.offer === null ? {} : { body: this.#options.offer }) }, flow, {
      response: (response) => this.#response(response),
      failed: (status) => this.#refused(status),
    });
  }

  /** `reason`: a Reason header value for the CANCEL (a forked leg's losers); a BYE carries none. */
  end(reason?: string): void {
    if (this.#state === 'ended') return;
    this.#endWanted = true;
    if (reason !== undefined && !this.#cancelSent) this.#cancelReason = reason;
    if (this.#state === 'early') this.#cancel();
    else if (this.#state === 'confirmed' && !this.#answeringOffer) {
      this.#bye();
      this.#finish();
    }
    // 'calling': the CANCEL goes out with the first provisional response (RFC 3261 9.1).
    // A late offer being answered: the ACK goes first, then the BYE (#answerLateOffer).
  }

  ack(request: SipRequest): void {
    // Only the ACK of a re-INVITE the phone sent us matters here.
    this.#requests?.acknowledged(request);
  }

  inDialogRequest(request: SipRequest, transaction: ServerTransaction): void {
    if (request.method === 'BYE') {
      transaction.respond(200);
      if (this.#state === 'ended') return;
      this.#finish();
      this.#listener.ended('hung-up');
      return;
    }
    if (this.#requests === null) transaction.respond(481);
    else this.#requests.handle(request, transaction, this.#listener);
  }

  #response(response: SipResponse): void {
    if (response.status < 200) {
      if (this.#state === 'calling') {
        this.#state = 'early';
        if (this.#endWanted) {
          this.#cancel();
          return;
        }
      }
      // Early media first: a listener told of it need not treat the same 183 as plain ringing.
      if (this.#state === 'early' && !this.#endWanted && response.status > 100 && response.body !== '') this.#listener.early?.(response.body);
      if (this.#state === 'early' && !this.#endWanted && (response.status === 180 || response.status === 183)) this.#listener.ringing();
      return;
    }
    if (response.status >= 300) {
      if ((response.status === 401 || response.status === 407) && this.#answerChallenge(response)) return;
      this.#refused(response.status);
      return;
    }
    if (this.#ack !== null || this.#answeringOffer) {
      this.#sendAck(); // a 2xx retransmission: our ACK was lost (or not sent yet: a late offer being answered)
      return;
    }
    if (this.#state === 'ended') return;
    this.#remoteTag = response.to.params.tag ?? '';
    this.#remoteTo = response.headers.to ?? `<${this.target}>`;
    this.#remoteTarget = firstContactUri(response) ?? this.target;
    this.#routes = RouteSet.ofResponse(response.headers);
    if (this.#flow !== null) this.#dialogFlow = this.#edge.dialogFlow(this.#routes.request(this.#remoteTarget).nextHop, this.#flow);
    this.#state = 'confirmed';
    this.#edge.addDialog(this.#callId, this.#localTag, this.#remoteTag, this);
    const ackHeaders: OutgoingHeaders = [...this.#dialogHeaders(), ['CSeq', `${this.#inviteCSeq} ACK`], ['Max-Forwards', '70']];
    const answerOffer = this.#listener.answerOffer;
    if (this.#options.offer === null && response.body !== '' && answerOffer !== undefined) {
      this.#answerLateOffer(ackHeaders, response.body, (offer) => answerOffer.call(this.#listener, offer));
      return;
    }
    this.#ack = { uri: this.#routes.request(this.#remoteTarget).uri, headers: ackHeaders };
    this.#sendAck();
    if (this.#endWanted) {
      // Answered while we were cancelling: the first 200 lost the race, end it at once.
      this.#bye();
      this.#finish();
      this.#listener.ended('hung-up');
      return;
    }
    this.#listener.answered(response.body === '' ? null : response.body);
  }

  /**
   * A 401/407 from the trunk (the transaction has ACKed it already): the INVITE goes once more with
   * the trunk's credentials. False when it cannot (not the trunk, no login, challenged twice, being
   * cancelled): the leg is then refused with the challenge's status.
   */
  #answerChallenge(response: SipResponse): boolean {
    const logger = this.#edge.logger;
    const trunk = this.#edge.trunkAuthentication;
    if (this.#endWanted || this.#state === 'ended' || this.#flow === null) return false;
    if (trunk === null || !trunk.covers(this.target)) {
      logger.warn({ target: this.target, status: response.status }, 'the far end asks for digest authentication and the gateway has no login for it (set SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD for the trunk)');
      return false;
    }
    if (this.#authenticated) {
      logger.warn({ target: this.target, status: response.status }, 'the trunk refused the credentials (challenged again): check SIP_TRUNK_USERNAME and SIP_TRUNK_PASSWORD');
      return false;
    }
    let authorization: OutgoingHeaders;
    try {
      authorization = [trunk.answer(response, 'INVITE', this.target)];
    } catch (error) {
      logger.warn({ target: this.target, status: response.status, why: error instanceof Error ? error.message : String(error) }, 'trunk challenge not answered');
      return false;
    }
    this.#authenticated = true;
    this.#inviteCSeq += 1;
    this.#localCSeq = this.#inviteCSeq;
    this.#state = 'calling';
    logger.debug({ target: this.target, status: response.status }, 'trunk challenged the INVITE: sent again with credentials');
    this.#sendInvite(this.#flow, authorization);
    return true;
  }

  #refused(status: number): void {
    if (this.#state === 'ended' || this.#state === 'confirmed') return;
    this.#finish();
    this.#listener.refused(status);
  }

  #sendAck(): void {
    if (this.#ack === null || this.#flow === null) return;
    this.#edge.layer.sendStateless({ method: 'ACK', uri: this.#ack.uri, headers: this.#ack.headers, ...(this.#ack.body === undefined ? {} : { body: this.#ack.body }) }, this.#dialogFlow ?? this.#flow, this.#ackBranch);
  }

  /**
   * Late offer (RFC 3261 13.2.2.4): the 2xx carried the far end's offer, so the ACK must carry the
   * answer. The 2xx retransmissions are absorbed until the answer is made; an offer that cannot be
   * answered still gets its ACK (no body), then a BYE.
   */
  #answerLateOffer(headers: OutgoingHeaders, offer: string, answerOffer: (offer: string) => Promise<string>): void {
    this.#answeringOffer = true;
    const acknowledge = (answer: string | null): void => {
      this.#answeringOffer = false;
      const uri = this.#routes.request(this.#remoteTarget).uri;
      this.#ack = answer === null ? { uri, headers } : { uri, headers: [...headers, ['Content-Type', 'application/sdp']], body: answer };
      if (answer !== null && this.#requests !== null) this.#requests.localDescription = answer;
      this.#sendAck();
    };
    answerOffer(offer).then(
      (answer) => {
        acknowledge(answer);
        if (this.#state === 'ended') return;
        if (this.#endWanted) {
          this.#bye();
          this.#finish();
          this.#listener.ended('hung-up');
          return;
        }
        this.#listener.answered(offer);
      },
      (error: unknown) => {
        acknowledge(null);
        if (this.#state === 'ended') return;
        this.#edge.logger.info({ target: this.target, err: error instanceof Error ? error.message : String(error) }, 'late offer not answered: hanging up the leg');
        this.#bye();
        this.#finish();
        this.#listener.refused(488);
      },
    );
  }

  #cancel(): void {
    const invite = this.#invite;
    // One CANCEL per INVITE: a second one (end() twice while ringing) would confuse the phone.
    if (invite === null || this.#flow === null || this.#cancelSent) return;
    this.#cancelSent = true;
    const keep = (name: string) => invite.request.headers.filter(([header]) => header.toLowerCase() === name);
    const headers: OutgoingHeaders = [...keep('from'), ...keep('to'), ...keep('call-id'), ['CSeq', `${this.#inviteCSeq} CANCEL`], ['Max-Forwards', '70']];
    if (this.#cancelReason !== null) headers.push(['Reason', this.#cancelReason]);
    this.#edge.layer.send({ method: 'CANCEL', uri: this.target, headers }, this.#flow, { response: () => undefined, failed: () => undefined }, invite.branch);
    invite.expectEnd();
  }

  #bye(): void {
    if (this.#flow === null) return;
    this.#localCSeq += 1;
    this.#edge.layer.send({ method: 'BYE', uri: this.#routes.request(this.#remoteTarget).uri, headers: [...this.#dialogHeaders(), ['CSeq', `${this.#localCSeq} BYE`], ['Max-Forwards', '70']] }, this.#dialogFlow ?? this.#flow, {
      response: () => undefined,
      failed: (status) => this.#edge.logger.warn({ target: this.target, status }, 'BYE to the agent phone got no answer'),
    });
  }

  #dialogHeaders(): OutgoingHeaders {
    const name = this.#options.callerDisplayName === null ? '' : `"${this.#options.callerDisplayName.replace(/["\\]/g, '')}" `;
    return [
      ['From', `${name}<sip:${this.#options.callerUser ?? 'anonymous'}@${this.#edge.transport.host}>;tag=${this.#localTag}`],
      ['To', this.#remoteTo ?? `<${this.target}>`],
      ['Call-ID', this.#callId],
      ...this.#routes.request(this.#remoteTarget).route,
    ];
  }

  #finish(): void {
    this.#state = 'ended';
    this.#edge.forgetPlaced(this);
    if (this.#remoteTag !== null) this.#edge.removeDialog(this.#callId, this.#localTag, this.#remoteTag);
  }
}

/** The first Contact URI of a message, parsed with drachtio's contact parser. */
const firstContactUri = (message: SipRequest | SipResponse): string | null => {
  const raw = message.headers.contact;
  return raw === undefined ? null : (contactUris(raw)[0] ?? null);
};
