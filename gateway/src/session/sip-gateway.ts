/**
 * The gateway's call handling over a signalling port: admits calls (trusted peer, known number,
 * media offer), gives each a CallSession, and feeds the sessions the core's events. The number ->
 * queue directory follows the queue events. Website visitors call over WebSocket: they are not
 * trusted peers, so they may reach a queue (by number or id) and nothing else.
 */
import { randomUUID } from 'node:crypto';
import { type ContactCenter, type CoreLogger, type RecordedEvent, streamCategory, streamEntityId } from '@cc/core';
import type { InboundCall, InboundCallListener, SignallingPort } from '../signalling/signalling-port.ts';
import { CallSession } from './call-session.ts';
import { QueueDirectory } from './queue-directory.ts';
import { describesMedia } from './session-description.ts';
import type { TrustedPeers } from './trusted-peers.ts';

export interface SipGatewayOptions {
  cc: ContactCenter;
  port: SignallingPort;
  trustedPeers: TrustedPeers;
  trunkUri: string | null;
  logger: CoreLogger;
}

const ignore: InboundCallListener = { ended: () => undefined };

export class SipGateway {
  readonly directory = new QueueDirectory();
  readonly #options: SipGatewayOptions;
  readonly #sessions = new Map<string, CallSession>();
  #unsubscribe: (() => void) | null = null;

  constructor(options: SipGatewayOptions) {
    this.#options = options;
  }

  /** Follows the core's events, catches up on the queues already known, then takes calls. */
  async start(): Promise<void> {
    const { cc, port } = this.#options;
    this.#unsubscribe = cc.onEvent((event) => this.#observe(event));
    await this.directory.catchUp(cc.store);
    port.onIncomingCall((call) => this.#admit(call));
  }

  get activeCalls(): number {
    return this.#sessions.size;
  }

  /** Ends every call leg the gateway holds. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const session of this.#sessions.values()) session.endEverything();
    this.#sessions.clear();
  }

  #observe(event: RecordedEvent): void {
    this.directory.apply(event);
    if (streamCategory(event.streamId) !== 'call') return;
    this.#sessions.get(streamEntityId(event.streamId))?.observe(event);
  }

  #admit(call: InboundCall): InboundCallListener {
    const { logger, trustedPeers } = this.#options;
    const details = { sipCallId: call.id, from: `${call.source.address}:${call.source.port}`, transport: call.source.transport, dialled: call.dialled };
    const visitor = call.source.transport === 'ws';
    if (!visitor && !trustedPeers.allows(call.source.address)) {
      logger.warn(details, 'call from an untrusted peer refused');
      call.reject(403, 'untrusted peer');
      return ignore;
    }
    const queue = this.directory.lookup(call.dialled) ?? (visitor ? this.directory.byId(call.dialled) : null);
    if (queue === null) {
      logger.info(details, 'call to an unknown number refused');
      call.reject(404, 'number not assigned');
      return ignore;
    }
    if (!describesMedia(call.offer)) {
      // Signalling-only bridging relays the caller's offer: a call without one cannot be bridged yet.
      logger.info(details, 'call without an SDP offer refused');
      call.reject(488, 'SDP offer required');
      return ignore;
    }
    const callId = randomUUID();
    const session = new CallSession(
      {
        cc: this.#options.cc,
        port: this.#options.port,
        logger,
        trunkUri: this.#options.trunkUri,
        finished: (done) => {
          if (this.#sessions.get(done.callId) === done) this.#sessions.delete(done.callId);
        },
      },
      callId,
      queue.organisationId,
      call,
      randomUUID(),
    );
    // Registered before the core hears of the call: its first offer may come before receiveCall returns.
    this.#sessions.set(callId, session);
    logger.info({ ...details, callId, queueId: queue.queueId }, 'call received from SIP');
    call.ring();
    session.receive(queue.queueId, visitor ? 'webrtc' : 'pstn');
    return {
      ended: (why) => session.callerLeft(why),
      reoffered: (sdp) => session.reofferFromCaller(sdp),
      dtmf: (digits) => session.dtmf('caller', digits),
    };
  }
}
