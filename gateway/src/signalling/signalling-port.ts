/**
 * The narrow signalling port the call-session logic is written against. The embedded SIP edge
 * implements it today; a drachtio-srf adapter (createUAS / createUAC / dialog.destroy) implements
 * it in production. Nothing here names a transport, a transaction or a header.
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
  readonly ended: boolean;
}

export interface InboundCallListener {
  /** The caller left (CANCEL or BYE) or the call was lost (no ACK). */
  ended(why: LegEnd): void;
}

/** What happens on a leg we placed (to an agent's phone). */
export interface OutboundLegListener {
  ringing(): void;
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
}

export interface OutboundLeg {
  readonly target: string;
  /** CANCEL while ringing, BYE once answered; nothing once ended. */
  end(): void;
  readonly ended: boolean;
}

export interface SignallingPort {
  /** Every new call arriving: the handler decides and returns how to hear about the call's end. */
  onIncomingCall(handler: (call: InboundCall) => InboundCallListener): void;
  /** Places a call to a SIP URI. */
  dial(target: string, options: DialOptions, listener: OutboundLegListener): OutboundLeg;
  /** Counts of live state, for leak checks and health. */
  stats(): Record<string, number>;
  close(): Promise<void>;
}
