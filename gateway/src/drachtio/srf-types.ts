/**
 * The slice of drachtio-srf 5.x the production adapter uses, typed here because the package's own
 * .d.ts declares little beyond invite(). Fakes in the unit tests implement the same shapes.
 */
export interface SrfRequest {
  callId: string;
  uri: string;
  body: string;
  source_address: string;
  source_port: number;
  protocol: string;
  get(header: string): string | undefined;
  getParsedHeader(header: 'from' | 'to'): { name?: string; uri: string; params?: Record<string, string> };
  on(event: 'cancel', listener: () => void): void;
  /** On a UAC request (from cbRequest): sends CANCEL. */
  cancel?(callback?: (error: unknown) => void): void;
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
  on(event: 'modify' | 'info' | 'refer', listener: (request: SrfRequest, response: SrfResponse) => void): void;
}

export interface SrfLike {
  connect(options: { host: string; port: number; secret: string }): void;
  disconnect?(): void;
  on(event: 'connect', listener: (error: unknown, hostport: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  invite(handler: (request: SrfRequest, response: SrfResponse) => void): void;
  register(handler: (request: SrfRequest, response: SrfResponse) => void): void;
  createUAS(request: SrfRequest, response: SrfResponse, options: { localSdp: string; headers?: Record<string, string> }): Promise<SrfDialog>;
  createUAC(
    uri: string,
    options: { localSdp?: string; headers?: Record<string, string>; proxy?: string },
    progress?: { cbRequest?: (error: unknown, request: SrfRequest) => void; cbProvisional?: (response: SrfResponse) => void },
  ): Promise<SrfDialog>;
}
