/** What goes wrong between the gateway and FreeSWITCH, each with a sentence an operator can act on. */

/** The event socket could not be reached or refused the secret. */
export class FreeSwitchUnreachable extends Error {
  readonly address: string;

  constructor(address: string, cause: unknown) {
    super(`FreeSWITCH event socket at ${address} refused or did not answer (${reasonOf(cause)}): check FREESWITCH_HOST, FREESWITCH_PORT, FREESWITCH_SECRET and event_socket.conf.xml's ACL`);
    this.name = 'FreeSwitchUnreachable';
    this.address = address;
  }
}

/** An API command FreeSWITCH answered with -ERR (or not at all). */
export class FreeSwitchCommandError extends Error {
  readonly command: string;
  readonly reply: string;

  constructor(command: string, reply: string) {
    super(`FreeSWITCH refused '${command}': ${reply.trim() === '' ? 'no reply' : reply.trim()}`);
    this.name = 'FreeSwitchCommandError';
    this.command = command;
    this.reply = reply;
  }
}

/** Creating or re-describing a channel on FreeSWITCH failed (SIP error from it, no outbound socket, ...). */
export class FreeSwitchEndpointError extends Error {
  readonly callId: string;
  readonly party: string;

  constructor(callId: string, party: string, doing: string, cause: unknown) {
    super(`FreeSWITCH could not ${doing} for the ${party} of call ${callId}: ${reasonOf(cause)}`);
    this.name = 'FreeSwitchEndpointError';
    this.callId = callId;
    this.party = party;
  }
}

/**
 * A browser's offer (DTLS-SRTP) as the remote side of a new endpoint: drachtio-fsmrf 4.1's
 * createEndpoint refuses it (the DTLS handshake needs connectCaller with the caller's own SIP
 * request, which the signalling port keeps to itself). The call then goes on media-direct.
 */
export class BrowserOfferNotAnchored extends Error {
  readonly callId: string;

  constructor(callId: string) {
    super(`call ${callId}: a browser's DTLS-SRTP offer cannot be anchored on FreeSWITCH through drachtio-fsmrf createEndpoint; its media is not anchored`);
    this.name = 'BrowserOfferNotAnchored';
    this.callId = callId;
  }
}

/** An operation on a party FreeSWITCH holds no channel for (never offered, or already released). */
export class NoFreeSwitchChannel extends Error {
  readonly callId: string;

  constructor(callId: string, what: string) {
    super(`call ${callId} has no FreeSWITCH channel for ${what}`);
    this.name = 'NoFreeSwitchChannel';
    this.callId = callId;
  }
}

/** RFC 4733 events FreeSWITCH can send: 0-9, *, #, A-D. */
export class InvalidDigits extends Error {
  constructor(digits: string) {
    super(`'${digits}' is not a DTMF string (0-9, *, #, A-D)`);
    this.name = 'InvalidDigits';
  }
}

const reasonOf = (cause: unknown): string => {
  if (cause instanceof Error) return cause.message;
  const status = (cause as { status?: unknown } | null)?.status;
  if (typeof status === 'number') return `SIP ${status}`;
  return String(cause);
};
