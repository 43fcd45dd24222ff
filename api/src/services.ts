/** The platform parts a request may use, passed to every resolver through the context. */
import type { RecordedEvent } from '@cc/core';
import type { SipCredentials } from '@cc/gateway';
import type { Platform } from './platform.ts';

/**
 * What the API asks of the running SIP edge. The edge starts after the app (it serves SIP over
 * WebSocket on the app's HTTP server), so server.ts fills this in once it runs.
 */
export interface GatewayControl {
  /** RFC 4733 digits to a call's caller (throws the gateway's CallNotHere / NoAnchoredMedia); null: no SIP edge. */
  sendDtmf: ((callId: string, digits: string) => Promise<void>) | null;
}

export interface Services extends Omit<Platform, 'close'> {
  now(): string;
  /** Base URL used in invite links. */
  publicUrl: string;
  /** Agents' SIP credentials (the SIP edge's registrar); absent when the SIP edge is off. */
  sip?: SipCredentials | null;
  /** The data directory (call documents live under `documents/`); default DATA_DIR or ./data. */
  dataDir?: string;
  /** The SIP edge's call control; absent or its functions null when the SIP edge is off. */
  gateway?: GatewayControl;
}

export const READ_MODEL_STREAMS = ['organisation-', 'queue-', 'agent-', 'call-', 'team-'] as const;

/** After a mutation: wait until the read models include what it wrote, so the answer shows it. */
export const settle = async (services: Services, events: readonly RecordedEvent[]): Promise<void> => {
  let last = 0n;
  // Only these streams feed the read models; users and sessions are read from their own streams.
  for (const event of events) if (READ_MODEL_STREAMS.some((prefix) => event.streamId.startsWith(prefix)) && event.position > last) last = event.position;
  if (last > 0n) await services.readSide.whenCaughtUpTo(last);
};
