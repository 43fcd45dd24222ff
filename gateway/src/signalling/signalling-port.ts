/**
 * The narrow signalling port the call-session logic is written against. The embedded SIP edge
 * (UDP, TCP, WebSocket) implements it for the single-process default; the drachtio-srf adapter
 * (gateway/src/drachtio/) implements it in production. Nothing here names a transport, a transaction or a header.
 */

export interface PeerAddress {
  address: string;
  port: number;
  transport: string;
}

/** Why a leg ended on the far side or in the network. */
export type LegEnd = 'cancelled' | 'hung-up' | 'no-ack' | 'failed';

/** A caller's INVITE, answered or refused by the session logic. */
export interface InboundCall {
  /** The signalling id of the call (SIP Call-ID). */
  readonly id: string;
  /** User part of the Request-URI: the number dialled. */
  readonly dialled: string | null;
  readonly callerUser: string | null;
  readonly callerDisplayName: string | null;
  readonly source: PeerAddress;
  /** The caller's session description (SDP offer), or null. */
  readonly offer: string | null;
  /** Tell the caller it rings (180). */
  ring(): void;
  /** Refuse the call with a final status, optionally with a Reason header text. */
  reject(status: number, reason?: string): void;
  /** Accept with the answering side's session description (200 OK). */
  answer(sdp: string): void;
  /** End the call whatever its state: BYE when answered, a final 480/487 otherwise. */
  end(status?: number, reason?: string): void;
  /** Once answered: send a new offer (re-INVITE); resolves with the caller's answer. */
  reoffer(sdp: string): Promise<string>;
  /**
   * Late offer (the INVITE had no SDP, RFC 3261 13.2.1): accept with our offer in the 200; resolves
   * with the caller's answer from its ACK, or rejects with CallerAnswerMissing. Absent: the port
   * cannot take late offers and such calls are refused (488).
   */
  answerWithOffer?(sdp: string): Promise<string>;
  readonly ended: boolean;
  /**
   * How a browser visitor said they can be reached (the call link's X-CC-Visitor-Contact: a phone
   * number or an email), as sent: unchecked, so the session validates it before use. Null when absent.
   */
  readonly visitorContact?: string | null;
  /** An agent's call to a customer (X-CC-Customer-Id from the console's New call): the reference kept on the call, or null. */
  readonly customerId?: string | null;
  /** The INVITE's Proxy-Authorization (digest), when the caller sent one: an agent placing a call. */
  readonly proxyAuthorization?: string | null;
  /** Refuse with 407 and this Proxy-Authenticate challenge: the caller retries with credentials. */
  challenge?(proxyAuthenticate: string): void;
  /** Early media: 183 Session Progress with this session description (ringback from the far end). */
  progress?(sdp: string): void;
}

/** A re-offer (re-INVITE) the far end refused, or that got no answer. */
export class ReofferRefused extends Error {
  readonly status: number;

  constructor(status: number, message = `re-offer refused with ${status}`) {
    super(message);
    this.status = status;
  }
}

/** Why a late-offer caller gave no answer: an ACK without SDP, no ACK at all, or the call ended first. */
export type MissingAnswer = 'no-sdp' | 'no-ack' | 'ended';

/** The caller accepted our offer (late offer) but its answer never came. */
export class CallerAnswerMissing extends Error {
  readonly why: MissingAnswer;

  constructor(why: MissingAnswer) {
    super(why === 'no-sdp' ? "the caller's ACK carried no SDP answer to our offer" : why === 'no-ack' ? 'the caller never acknowledged our offer' : 'the call ended before the caller answered our offer');
    this.name = 'CallerAnswerMissing';
    this.why = why;
  }
}

/**
 * How a transfer asked for by REFER goes, told back to the party who sent it (RFC 3515: NOTIFY with
 * a message/sipfrag status line). The edge already reported 100 Trying when it accepted the REFER.
 */
export interface ReferProgress {
  /** The transfer's outcome: 200 when it went through, a 4xx-6xx when it failed. Ends the report. */
  finished(status: number, reason?: string): void;
}

/** A REFER the session refuses: answered with this final status (and the message as a Warning). */
export class ReferRefused extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** What an established leg may tell besides its end: new offers (hold, resume), DTMF and transfer requests. */
export interface InDialogListener {
  /**
   * The far end sent a new session description inside the call (re-INVITE or UPDATE: hold, resume, a codec
   * change). Resolves with the answer to send back; a rejection (ReofferRefused) refuses it.
   * Without this method a re-offer is refused with 488.
   */
  reoffered?(sdp: string): Promise<string>;
  /**
   * The far end asked for our offer (a re-INVITE without SDP, RFC 3261 14.2): the edge offered the
   * description it last sent there (version bumped), and this is the far end's answer from the ACK.
   */
  reanswered?(sdp: string): void;
  /** DTMF digits the far end sent (SIP INFO, application/dtmf-relay). */
  dtmf?(digits: string): void;
  /**
   * The far end asks for the call to go to `referTo` (REFER with Refer-To, RFC 3515). Resolving
   * accepts it (202, then NOTIFY 100 Trying) and the outcome goes through `progress`; a rejection
   * (ReferRefused) answers the REFER with its status. Without this method a REFER gets 501.
   */
  referred?(referTo: string, progress: ReferProgress): Promise<void>;
}

export interface InboundCallListener extends InDialogListener {
  /** The caller left (CANCEL or BYE) or the call was lost (no ACK). */
  ended(why: LegEnd): void;
}

/** What happens on a leg we placed (to an agent's phone). */
export interface OutboundLegListener extends InDialogListener {
  ringing(): void;
  /** A provisional response (180/183) carried a session description: early media from the far end. */
  early?(sdp: string): void;
  /**
   * Late offer (dialled with `offer: null`, RFC 3261 13.2.1): the far end's 2xx carries its offer.
   * Resolves with the answer, which the edge sends in the ACK before it calls `answered(offer)`.
   * A rejection ends the leg (ACK without a body, then BYE) and is reported as `refused(488)`.
   * Without this method a late-offer 2xx is ACKed at once with no body. `contact` is the
   * registration that offered when the leg rings several (forking), so its kind of media is known.
   */
  answerOffer?(offer: string, contact?: string): Promise<string>;
  /** The far end answered with its session description; the edge has already acknowledged it. */
  answered(sdp: string | null): void;
  /** A final refusal (486, 603, 408 on timeout, 487 after our CANCEL, ...). */
  refused(status: number): void;
  /** The far end hung up after answering, or the dialog was lost. */
  ended(why: LegEnd): void;
}

export interface DialOptions {
  /** The session description to offer (the caller's). */
  offer: string | null;
  /** Presented as the calling party. */
  callerUser: string | null;
  callerDisplayName: string | null;
  /**
   * Extra headers for the INVITE (name, value): the contact center's call and offer ids, so a
   * softphone can match the ringing leg to the offer it shows.
   */
  headers?: ReadonlyArray<readonly [string, string]>;
  /**
   * The offer for another registration of the same agent rung by this leg (forking): one of
   * another kind (a desk phone next to a browser needs plain RTP, the browser WebRTC) or one made
   * while the leg rings. A rejection leaves that registration unrung. Absent: `offer` goes to all.
   */
  forkOffer?(contact: string): Promise<string | null>;
}

export interface OutboundLeg {
  /** Where the leg goes: for a forked leg, the registration that answered once one did. */
  readonly target: string;
  /** CANCEL while ringing, BYE once answered; nothing once ended. */
  end(): void;
  /** Once answered: send a new offer (re-INVITE); resolves with the phone's answer. */
  reoffer(sdp: string): Promise<string>;
  /**
   * Once answered: a re-INVITE without SDP (RFC 3261 14.2), so the phone offers; `answer` turns
   * that offer into the answer sent in the ACK. Resolves once acknowledged; rejects with
   * ReofferRefused (or `answer`'s error, the ACK then going without a body). Absent: the port cannot.
   */
  requestOffer?(answer: (offer: string) => Promise<string>): Promise<void>;
  readonly ended: boolean;
}

export interface SignallingPort {
  /** Every new call arriving: the handler decides and returns how to hear about the call's end. */
  onIncomingCall(handler: (call: InboundCall) => InboundCallListener): void;
  /** Places a call to a SIP URI (a registered contact too: the request goes over its flow). */
  dial(target: string, options: DialOptions, listener: OutboundLegListener): OutboundLeg;
  /**
   * The contact an agent registered (WebRTC, phone bar), newest first; null when none is live.
   * Dialling it rings the agent: the embedded edge forks to every live registration of the agent.
   */
  registeredContact(agentId: string): string | null;
  /** Counts of live state, for leak checks and health. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}
