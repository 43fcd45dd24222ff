/**
 * The slice of drachtio-srf 5.x the production adapter uses, typed here because the package's own
 * .d.ts declares little beyond invite(). Fakes in the unit tests implement the same shapes.
 */
export interface SrfRequest {
  // No callId: drachtio-srf's Request has none at run time (its index.d.ts declares one); read get('Call-ID').
  uri: string;
  body: string;
  source_address: string;
  source_port: number;
  protocol: string;
  /**
   * Who sent it: 'network', or 'application' for a request drachtio-server made itself (its BYE after
   * a 200 that was never ACKed, drachtio-agent.js "unsolicited request sent from application").
   */
  source?: string;
  get(header: string): string | undefined;
  getParsedHeader(header: 'from' | 'to'): { name?: string; uri: string; params?: Record<string, string> };
  on(event: 'cancel', listener: () => void): void;
  /** On a UAC request (from cbRequest): sends CANCEL, with extra headers (a Reason) when given. */
  cancel?(options?: { headers?: Record<string, string> }, callback?: (error: unknown) => void): void;
}

export interface SrfResponse {
  status?: number;
  send(status: number, options?: { headers?: Record<string, string>; body?: string }): void;
  send(status: number, reason: string, options?: { headers?: Record<string, string>; body?: string }): void;
}

export interface SrfDialog {
  sip: { callId: string };
  remote: { sdp: string };
  local: { sdp: string };
  destroy(options?: { headers?: Record<string, string> }): Promise<unknown> | void;
  modify(sdp: string): Promise<string | undefined>;
  request(options: { method: string; headers?: Record<string, string>; body?: string }): Promise<unknown>;
  on(event: 'destroy', listener: (request?: SrfRequest) => void): void;
  /** Every ACK in the dialog (dialog.js: remote.sdp already holds an ACK's SDP when it is emitted). */
  on(event: 'ack', listener: (request: SrfRequest) => void): void;
  /** 'update': UPDATE (RFC 3311); without a listener dialog.js answers 200 with the old local SDP. */
  on(event: 'modify' | 'info' | 'refer' | 'update', listener: (request: SrfRequest, response: SrfResponse) => void): void;
}

/**
 * What createUAC resolves with for a late offer (3PCC): an INVITE without SDP, sent with `noAck: true`,
 * whose 200 carried the far end's offer. Nothing is ACKed yet: `ack(answer)` sends the ACK with our
 * answer and resolves with the dialog; `destroy()` ACKs (echoing their SDP) and BYEs, to abandon the leg.
 */
export interface SrfUnackedAnswer {
  sdp: string;
  ack(localSdp: string): Promise<SrfDialog>;
  destroy(): Promise<void>;
}

/** createUAC's options (drachtio-srf 5.x srf.js); it keeps and changes the object (uri, headers): one per call. */
export interface SrfUacOptions {
  localSdp?: string;
  headers?: Record<string, string>;
  proxy?: string;
  /** Credentials for a 401/407: drachtio-srf sends the INVITE once more with Authorization / Proxy-Authorization. */
  auth?: { username: string; password: string };
  /** With no localSdp: a 200 with SDP resolves as SrfUnackedAnswer instead of being ACKed with a recvonly copy of it. */
  noAck?: boolean;
}

export interface SrfLike {
  connect(options: { host: string; port: number; secret: string }): void;
  disconnect?(): void;
  on(event: 'connect', listener: (error: unknown, hostport: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  invite(handler: (request: SrfRequest, response: SrfResponse) => void): void;
  register(handler: (request: SrfRequest, response: SrfResponse) => void): void;
  createUAS(request: SrfRequest, response: SrfResponse, options: { localSdp: string; headers?: Record<string, string> }): Promise<SrfDialog>;
  /** Resolves with an SrfUnackedAnswer only with `noAck: true`, no localSdp and a 200 with SDP; otherwise with the dialog. */
  createUAC(
    uri: string,
    options: SrfUacOptions,
    // cbRequest gets no request when drachtio could not send the INVITE.
    progress?: { cbRequest?: (error: unknown, request?: SrfRequest) => void; cbProvisional?: (response: SrfResponse) => void },
  ): Promise<SrfDialog | SrfUnackedAnswer>;
}
