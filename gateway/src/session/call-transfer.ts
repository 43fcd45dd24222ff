/**
 * Blind transfers of one call session, as the core decides them:
 * - to an agent: the core offers the transfer (CallTransferOffered); the session rings that agent's
 *   phone on the same dial path as any offer, and `answer` turns the phone's 200 into AcceptTransfer.
 *   The caller's media then moves to the new agent (`bridgeCaller` re-INVITEs the caller with the new
 *   phone's SDP) and the first agent's leg ends because the core no longer connects it. A refusal or
 *   time-out is RejectTransfer / TimeOutTransfer: the caller simply stays with the first agent.
 * - to a queue: the core requeues the call at once; the first agent's leg ends, the caller stays up
 *   and is offered again like a new call (answered later with a re-INVITE instead of a 200).
 * - to an external number: this module dials it through the trunk; its answer completes the transfer
 *   in the core (CompleteExternalTransfer) and the caller is re-INVITEd to it; a refusal fails the
 *   transfer (FailTransfer) and the caller stays with the agent. A late-offer caller's media anchor
 *   offers for it; without one the number is dialled without SDP and its offer goes to the caller.
 * - a REFER from an agent's phone becomes the matching RequestTransfer; its outcome goes back as the
 *   REFER's NOTIFY (200, or the failure's status).
 * While the caller waits (the target rings, or it waits in the new queue) an anchored caller hears
 * ringback, or the queue's announcement / music on hold, until someone answers or the transfer fails.
 * Every callback runs through the session's steps, so it is ordered with the core's events.
 */
import { type CallState, type CommandContext, type ContactCenter, type CoreLogger, type DomainEvent, isDomainError, type RecordedEvent, streams, type TransferTarget } from '@cc/core';
import {
  type InboundCall,
  type LegEnd,
  type OutboundLeg,
  type ReferProgress,
  ReferRefused,
  ReofferRefused,
  type SignallingPort,
} from '../signalling/signalling-port.ts';
import { parseUri, uriUser } from '../sip/message.ts';
import type { AgentDirectory } from './agent-directory.ts';
import type { QueueDirectory } from './queue-directory.ts';
import { describesMedia } from './session-description.ts';
import { mediaFileFor, type ToneFiles } from '../media/tone-files.ts';

/** How the gateway is set up for transfers (shared by every session). */
export interface TransferSettings {
  /** Calling number shown to an external transfer destination; null: the caller's own number. */
  transferFrom: string | null;
  /** Queue numbers, for a REFER to a queue. */
  queues: QueueDirectory;
  /** Agent extensions, for a REFER to an agent. */
  agents: AgentDirectory;
}

/** What a transfer needs from its call session. */
export interface TransferSession {
  readonly callId: string;
  readonly organisationId: string;
  readonly caller: InboundCall;
  readonly context: CommandContext;
  /** Runs work after the session's earlier steps; the session checks whether it is done afterwards. */
  step(work: () => Promise<void> | void): void;
  /**
   * The session description to offer new leg `legId` placed to `target` (the caller's, or a media
   * anchor's); null for a late-offer caller whose media is not anchored: the leg is dialled without SDP.
   */
  offerFor(legId: string, target: string): Promise<string | null>;
  /** What the caller is to get when leg `legId` answers with `sdp` (the same, or a media anchor's). */
  answerFrom(legId: string, sdp: string): Promise<string>;
  /** Leg `legId` was dialled without SDP and offered `offer` in its 200: the offer for the caller (the same, or anchored). */
  offerFromDestination(legId: string, target: string, offer: string): Promise<string>;
  /** The caller's answer to that offer, as leg `legId` is to get it in its ACK (the same, or anchored back). */
  answerFromCaller(legId: string, answer: string): Promise<string>;
  /** Leg `legId` has ended (its media anchoring may go). */
  legEnded(legId: string): void;
  /** Plays a file to the caller, looped until stopped; does nothing when the caller's media is not anchored. */
  playToCaller(file: string): Promise<void>;
  stopPlayingToCaller(): Promise<void>;
}

export interface CallTransferDependencies {
  cc: ContactCenter;
  port: SignallingPort;
  logger: CoreLogger;
  /** Where E.164 numbers go (sip:host:port), or null: external transfers then fail at once. */
  trunkUri: string | null;
  settings: TransferSettings;
  /** Ringback and the queues' files for a waiting caller; null: the caller hears whatever it heard. */
  tones: ToneFiles | null;
}

interface ExternalLeg {
  transferId: string;
  number: string;
  leg: OutboundLeg | null;
  state: 'dialling' | 'connected' | 'ended';
}

interface PendingRefer {
  fromAgentId: string;
  progress: ReferProgress;
}

const E164 = /^\+[1-9]\d{1,14}$/;
/** Extensions are 2 to 8 digits: a longer digit string without '+' is taken as an E.164 number. */
const LONGEST_EXTENSION = 8;

/** Where a SIP status for a failed transfer comes from, as the REFER's NOTIFY reports it. */
const REJECTION_STATUS: Readonly<Record<string, [number, string]>> = {
  rejected: [603, 'Decline'],
  timeout: [408, 'Request Timeout'],
  unavailable: [480, 'Temporarily Unavailable'],
  'call-ended': [487, 'Request Terminated'],
};

/** Core refusals of a REFER, as SIP statuses. */
const REFUSAL_STATUS: Readonly<Record<string, number>> = {
  TransferInProgress: 491,
  QueueClosed: 480,
  QueueNotFound: 404,
  InvalidPhoneNumber: 404,
};

/** The offers that should be ringing a phone: the call's own, and a transfer offer to an agent. */
export const ringingOfferIds = (call: CallState): Set<string> => {
  const ids = new Set(call.offers.map((offer) => offer.offerId));
  if (call.transfer?.offer != null) ids.add(call.transfer.offer.offerId);
  return ids;
};

/** `sip:<number>@<trunk host>` for an E.164 number, or null without a trunk. */
export const trunkTarget = (number: string, trunkUri: string | null): string | null => {
  if (trunkUri === null || !E164.test(number)) return null;
  const trunk = trunkUri.replace(/^sips?:/, '');
  const host = trunk.includes('@') ? trunk.slice(trunk.indexOf('@') + 1) : trunk;
  return `sip:${number}@${host}`;
};

export class CallTransfers {
  readonly #deps: CallTransferDependencies;
  readonly #session: TransferSession;
  #callerAnswered = false;
  #external: ExternalLeg | null = null;
  /** REFERs waiting for their transfer's outcome, by transfer id. */
  readonly #refers = new Map<string, PendingRefer>();
  /** The far end's status when an external transfer failed, for the REFER's NOTIFY. */
  readonly #failures = new Map<string, number>();
  /** What the caller is played while a transfer keeps it waiting (a file), or null. */
  #waitingMedia: string | null = null;

  constructor(deps: CallTransferDependencies, session: TransferSession) {
    this.#deps = deps;
    this.#session = session;
  }

  /** No leg of this module is up. */
  get idle(): boolean {
    return this.#external === null || this.#external.state === 'ended';
  }

  /**
   * A phone answered offer `offerId`: AcceptTransfer when it is the call's transfer offer, else
   * AnswerCall. 'consulting': it answered a consultation, so the caller is not moved (yet).
   */
  async answer(offerId: string, agentId: string, context: CommandContext): Promise<'connected' | 'consulting'> {
    const { cc } = this.#deps;
    const call = await this.#call();
    if (call.transfer?.offer?.offerId === offerId) {
      await cc.acceptTransfer(this.#session.callId, agentId, context);
      return call.transfer.consultation === undefined ? 'connected' : 'consulting';
    }
    await cc.execute('call', this.#session.callId, { type: 'AnswerCall', data: { agentId, at: cc.now() } }, context);
    return 'connected';
  }

  /** A phone refused (or could not be rung for) its offer: RejectTransfer for a transfer offer, else DeclineOffer. */
  async decline(agentId: string, context: CommandContext): Promise<void> {
    const { cc } = this.#deps;
    const call = await this.#call();
    const at = cc.now();
    if (call.transfer?.offer?.agentId === agentId) await cc.execute('call', this.#session.callId, { type: 'RejectTransfer', data: { agentId, at } }, context);
    else await cc.execute('call', this.#session.callId, { type: 'DeclineOffer', data: { agentId, at } }, context);
  }

  /**
   * The caller's media goes to the party that just answered: the first time as the answer to the
   * caller's INVITE, after a transfer as a re-INVITE (signalling only: that party's SDP as it is).
   */
  async bridgeCaller(sdp: string): Promise<void> {
    const caller = this.#session.caller;
    if (!this.#callerAnswered) {
      this.#callerAnswered = true;
      caller.answer(sdp);
      return;
    }
    try {
      await caller.reoffer(sdp);
    } catch (error) {
      // The dialog stays up (RFC 3261 14.1): the caller keeps its media where it was.
      const status = error instanceof ReofferRefused ? error.status : null;
      this.#deps.logger.warn({ callId: this.#session.callId, status }, 'caller refused the re-INVITE moving it to the transfer destination');
    }
  }

  /**
   * Late offer (the caller sent no SDP): the party that just answered offered, so the caller gets
   * that offer, in the 200 to its INVITE the first time (its answer comes in the ACK), after a
   * transfer in a re-INVITE; resolves with the caller's answer.
   */
  async bridgeCallerWithOffer(offer: string): Promise<string> {
    const caller = this.#session.caller;
    if (this.#callerAnswered) return caller.reoffer(offer);
    if (caller.answerWithOffer === undefined) throw new Error('the signalling port cannot answer a caller with an offer (late offer)');
    this.#callerAnswered = true;
    return caller.answerWithOffer(offer);
  }

  /** A core event of the call, with the call's state after it; runs before the session ends stale legs. */
  async observe(recorded: RecordedEvent, call: CallState): Promise<void> {
    const event = recorded as unknown as RecordedEvent & DomainEvent;
    if (event.type === 'CallTransferRequested' && event.data.target.kind === 'external' && call.transfer?.transferId === event.data.transferId) {
      if (this.#external?.transferId !== event.data.transferId) await this.#dialExternal(event.data.transferId, event.data.target.number);
    }
    // Consulting an external number is external-consultation.ts's.
    if (event.type === 'CallTransferRejected') this.#finishRefer(event.data.transferId, ...(REJECTION_STATUS[event.data.reason] ?? [480, 'Temporarily Unavailable']));
    if (event.type === 'CallTransferFailed') this.#finishRefer(event.data.transferId, this.#failures.get(event.data.transferId) ?? 480, 'Transfer Failed');
    this.#settleRefers(call);
    const external = this.#external;
    const ended = call.status === 'done' || call.status === 'wrap-up';
    if (external !== null && external.state === 'dialling' && call.transfer?.transferId !== external.transferId) this.#endExternal(external);
    if (external !== null && external.state === 'connected' && ended) this.#endExternal(external);
    await this.#playWhileWaiting(call);
  }

  /** A REFER from the phone of `agentId`: resolves once the core took the transfer (202), rejects with ReferRefused. */
  referred(agentId: string, referTo: string, progress: ReferProgress): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#session.step(async () => {
        try {
          const target = this.#targetOf(referTo);
          const result = await this.#deps.cc.requestTransfer(this.#session.callId, agentId, target, this.#agentContext(agentId));
          const requested = result.events.find((event) => event.type === 'CallTransferRequested');
          const transferId = (requested?.data as { transferId?: string } | undefined)?.transferId;
          if (transferId !== undefined) this.#refers.set(transferId, { fromAgentId: agentId, progress });
          this.#deps.logger.info({ callId: this.#session.callId, agentId, referTo, target }, 'transfer requested by REFER');
          resolve();
        } catch (error) {
          if (error instanceof ReferRefused) reject(error);
          else if (isDomainError(error)) reject(new ReferRefused(REFUSAL_STATUS[error.code] ?? 403, error.message));
          else {
            reject(new ReferRefused(500, 'the transfer could not be requested'));
            throw error;
          }
        }
      });
    });
  }

  /** A re-offer from the caller once it talks to an external destination. */
  reofferFromCaller(sdp: string): Promise<string> {
    const external = this.#external;
    if (external?.state !== 'connected' || external.leg === null) return Promise.reject(new ReofferRefused(488, 'no agent connected'));
    return external.leg.reoffer(sdp);
  }

  /** The edge is stopping. */
  endEverything(): void {
    if (this.#external !== null) this.#endExternal(this.#external);
    for (const transferId of [...this.#refers.keys()]) this.#finishRefer(transferId, 487, 'Request Terminated');
  }

  /**
   * REFERs whose transfer is no longer in progress and whose caller left the referring agent went
   * through: told at once, so the NOTIFY leaves before the referring leg's BYE.
   */
  #settleRefers(call: CallState): void {
    for (const [transferId, refer] of [...this.#refers]) {
      if (call.transfer?.transferId === transferId) continue;
      if (call.status === 'done' || call.status === 'wrap-up') this.#finishRefer(transferId, 487, 'Request Terminated');
      else if (call.connectedAgentId !== refer.fromAgentId) this.#finishRefer(transferId, 200, 'OK');
    }
  }

  /**
   * Level-triggered from the call's state: an answered caller whose transfer is ringing hears
   * ringback; one requeued by a transfer hears its new queue's announcement, else its music on hold
   * (the built-in melody by default). Anything else (answered, failed back to the agent, ended)
   * stops it. A first-time caller's waiting media is the session's early media, not this.
   */
  async #playWhileWaiting(call: CallState): Promise<void> {
    const tones = this.#deps.tones;
    if (tones === null || !this.#callerAnswered || this.#session.caller.ended) return;
    let wanted: string | null = null;
    // A consultation keeps the caller on hold: the session plays music on hold, not ringback.
    if (call.transfer !== null && call.transfer.consultation === undefined && call.status === 'connected') wanted = tones.ringback;
    else if ((call.status === 'waiting' || call.status === 'ringing') && call.queueId !== null) {
      const { state: queue } = await this.#deps.cc.states.queues.load(streams.queue(call.queueId));
      const announcement = queue.settings?.announcement ?? null;
      const music = queue.settings?.musicOnHold ?? null;
      // A setting naming a file outside the media folder (refused: null) falls back to the built-in melody.
      wanted = (announcement === null ? mediaFileFor(tones, music, 'hold') : mediaFileFor(tones, announcement, 'ringback')) ?? tones.hold;
    }
    if (wanted === this.#waitingMedia) return;
    await this.#stopWaitingMedia();
    this.#waitingMedia = wanted;
    if (wanted !== null) {
      this.#deps.logger.debug({ callId: this.#session.callId, file: wanted }, 'caller waits during a transfer: playing');
      await this.#session.playToCaller(wanted);
    }
  }

  /** Stops what the caller was played while waiting (whenever it was on: the session also stops it when a phone answers). */
  async #stopWaitingMedia(): Promise<void> {
    if (this.#waitingMedia === null) return;
    this.#waitingMedia = null;
    await this.#session.stopPlayingToCaller();
  }

  #finishRefer(transferId: string, status: number, reason: string): void {
    const refer = this.#refers.get(transferId);
    if (refer === undefined) return;
    this.#refers.delete(transferId);
    refer.progress.finished(status, reason);
  }

  /** What a Refer-To names: a queue's number, an agent's extension, or an E.164 number. */
  #targetOf(referTo: string): TransferTarget {
    const uri = parseUri(referTo);
    if (uri === null) throw new ReferRefused(400, `Refer-To '${referTo}' is not a URI`);
    if (/[?&]replaces=/i.test(referTo)) throw new ReferRefused(501, 'attended transfer (Replaces) is not supported: transfer blind');
    const user = uriUser(referTo);
    if (user === null) throw new ReferRefused(404, `Refer-To '${referTo}' names no number or extension`);
    const { queues, agents } = this.#deps.settings;
    const { organisationId } = this.#session;
    const queue = queues.lookup(user);
    if (queue !== null && queue.organisationId === organisationId) return { kind: 'queue', queueId: queue.queueId };
    const agentId = agents.byExtension(organisationId, user);
    if (agentId !== null) return { kind: 'agent', agentId };
    const number = user.startsWith('+') ? user : /^\d+$/.test(user) && user.length > LONGEST_EXTENSION ? `+${user}` : null;
    if (number !== null && E164.test(number)) return { kind: 'external', number };
    throw new ReferRefused(404, `'${user}' is no agent extension, queue number or E.164 number`);
  }

  async #dialExternal(transferId: string, number: string): Promise<void> {
    const { port, logger, trunkUri, settings } = this.#deps;
    const target = trunkTarget(number, trunkUri);
    if (target === null) {
      logger.warn({ callId: this.#session.callId, number }, 'external transfer without a SIP trunk (SIP_TRUNK_URI): failed');
      await this.#fail(transferId, 'no SIP trunk configured', 503);
      return;
    }
    const caller = this.#session.caller;
    const from = settings.transferFrom;
    const entry: ExternalLeg = { transferId, number, leg: null, state: 'dialling' };
    this.#external = entry;
    logger.info({ callId: this.#session.callId, transferId, target }, 'dialling the external transfer destination');
    const offer = await this.#session.offerFor(transferId, target);
    if (entry.state !== 'dialling') return;
    // No offer: a late-offer caller without anchored media. The destination offers in its 200 (see #externalOffered).
    const lateOffer = offer === null;
    entry.leg = port.dial(
      target,
      {
        offer,
        callerUser: from ?? caller.callerUser,
        callerDisplayName: from === null ? caller.callerDisplayName : null,
        headers: [
          ['X-CC-Call-Id', this.#session.callId],
          ['X-CC-Transfer-Id', transferId],
        ],
      },
      {
        ringing: () => logger.debug({ callId: this.#session.callId, transferId }, 'external transfer destination ringing'),
        ...(lateOffer ? { answerOffer: (destinationOffer: string) => this.#externalOffered(entry, target, destinationOffer) } : {}),
        // A late offer was connected in answerOffer, before the ACK: its 'answered' has nothing left to do.
        answered: (sdp) => (lateOffer ? undefined : this.#session.step(() => this.#externalAnswered(entry, sdp))),
        refused: (status) => this.#session.step(() => this.#externalRefused(entry, status)),
        ended: (why) => this.#session.step(() => this.#externalHungUp(entry, why)),
        reoffered: (sdp) => (entry.state === 'connected' ? this.#session.caller.reoffer(sdp) : Promise.reject(new ReofferRefused(488, 'the transfer is not complete'))),
      },
    );
  }

  async #externalAnswered(entry: ExternalLeg, sdp: string | null): Promise<void> {
    if (entry.state !== 'dialling' || this.#session.caller.ended) {
      this.#endExternal(entry);
      return;
    }
    if (!describesMedia(sdp)) {
      this.#endExternal(entry);
      await this.#fail(entry.transferId, 'destination answered without a usable SDP', 488);
      return;
    }
    let callerSdp: string;
    try {
      callerSdp = await this.#session.answerFrom(entry.transferId, sdp as string);
    } catch (error) {
      this.#deps.logger.error({ callId: this.#session.callId, err: error instanceof Error ? error.message : String(error) }, 'media refused the external destination answer');
      this.#endExternal(entry);
      await this.#fail(entry.transferId, 'media could not be set up', 488);
      return;
    }
    try {
      await this.#deps.cc.completeExternalTransfer(this.#session.callId, entry.transferId, this.#session.context);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // The transfer ended meanwhile (the call ended, or it was failed): this answer lost.
      this.#deps.logger.info({ callId: this.#session.callId, code: error.code }, 'external destination answered too late: hung up');
      this.#endExternal(entry);
      return;
    }
    entry.state = 'connected';
    await this.#stopWaitingMedia();
    await this.bridgeCaller(callerSdp);
  }

  /**
   * A late-offer caller (no SDP of its own) whose media is not anchored: there is nothing to offer
   * the destination, so it was dialled without SDP and offers in its 200 (RFC 3725 flow I, with
   * the caller's established dialog as the second party). That offer goes to the caller in a
   * re-INVITE and the caller's answer back in the destination's ACK. Chosen over asking the caller
   * for a fresh offer first (a re-INVITE without SDP): that one's ACK would need the destination's
   * answer while it may still ring for a minute, and the caller would be disturbed before anyone
   * answers; here the caller, already in a dialog, answers at once and only once the number did.
   * Resolves with the answer for the ACK; a rejection makes the edge ACK without a body and BYE it.
   */
  #externalOffered(entry: ExternalLeg, target: string, offer: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const refuse = (why: string): void => {
        if (entry.state !== 'ended') {
          entry.state = 'ended';
          this.#session.legEnded(entry.transferId);
        }
        reject(new Error(why));
      };
      this.#session.step(async () => {
        try {
          await this.#connectExternalOffer(entry, target, offer, resolve, refuse);
        } catch (error) {
          // Never leave the destination's 200 waiting for an answer that will not come.
          refuse('the gateway failed to connect the transfer');
          throw error;
        }
      });
    });
  }

  async #connectExternalOffer(entry: ExternalLeg, target: string, offer: string, resolve: (answer: string) => void, refuse: (why: string) => void): Promise<void> {
    const { cc, logger } = this.#deps;
    const callId = this.#session.callId;
    if (entry.state !== 'dialling' || this.#session.caller.ended) {
      refuse('the transfer is no longer dialling');
      return;
    }
    if (!describesMedia(offer)) {
      refuse('no usable SDP');
      await this.#fail(entry.transferId, 'destination offered no usable SDP', 488);
      return;
    }
    let callerOffer: string;
    try {
      callerOffer = await this.#session.offerFromDestination(entry.transferId, target, offer);
    } catch (error) {
      logger.error({ callId, err: error instanceof Error ? error.message : String(error) }, "media refused the external destination's offer");
      refuse('media could not be set up');
      await this.#fail(entry.transferId, 'media could not be set up', 488);
      return;
    }
    try {
      await cc.completeExternalTransfer(callId, entry.transferId, this.#session.context);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      logger.info({ callId, code: error.code }, 'external destination answered too late: hung up');
      refuse('answered too late');
      return;
    }
    entry.state = 'connected';
    await this.#stopWaitingMedia();
    // The caller's answer comes in the ACK of its re-INVITE: the session's other steps go on meanwhile.
    this.bridgeCallerWithOffer(callerOffer).then(
      (callerAnswer) =>
        this.#session.step(async () => {
          if (entry.state !== 'connected') {
            refuse('the transfer destination left while the caller answered');
            return;
          }
          try {
            resolve(await this.#session.answerFromCaller(entry.transferId, callerAnswer));
          } catch (error) {
            await this.#callerRefusedDestination(entry, error, refuse);
          }
        }),
      (error: unknown) => this.#session.step(() => this.#callerRefusedDestination(entry, error, refuse)),
    );
  }

  /** The caller refused (or never answered) the destination's offer: the destination is hung up and so is the call, which has nowhere left to go. */
  async #callerRefusedDestination(entry: ExternalLeg, error: unknown, refuse: (why: string) => void): Promise<void> {
    const status = error instanceof ReofferRefused ? error.status : null;
    this.#deps.logger.warn({ callId: this.#session.callId, status, err: error instanceof Error ? error.message : String(error) }, "the caller refused the external destination's offer: call ended");
    const connected = entry.state === 'connected';
    refuse("the caller refused the destination's offer");
    if (connected) await this.#tolerate(this.#deps.cc.hangUp(this.#session.callId, 'system', null, "the caller refused the transfer destination's offer", this.#session.context));
  }

  async #externalRefused(entry: ExternalLeg, status: number): Promise<void> {
    if (entry.state === 'ended') return;
    this.#endExternal(entry);
    // 487 answers our own CANCEL (the transfer ended already); anything else fails the transfer.
    if (status !== 487) await this.#fail(entry.transferId, `destination refused with ${status}`, status);
  }

  async #externalHungUp(entry: ExternalLeg, why: LegEnd): Promise<void> {
    const wasConnected = entry.state === 'connected';
    this.#endExternal(entry);
    if (!wasConnected) return;
    const reason = why === 'hung-up' ? 'transfer destination hung up' : 'transfer destination leg lost';
    await this.#tolerate(this.#deps.cc.hangUp(this.#session.callId, 'system', null, reason, this.#session.context));
  }

  async #fail(transferId: string, reason: string, status: number): Promise<void> {
    const { cc, logger } = this.#deps;
    logger.info({ callId: this.#session.callId, transferId, status, reason }, 'external transfer failed: the caller stays with the agent');
    this.#failures.set(transferId, status);
    await this.#tolerate(cc.execute('call', this.#session.callId, { type: 'FailTransfer', data: { transferId, reason, at: cc.now() } }, this.#session.context));
  }

  #endExternal(entry: ExternalLeg): void {
    if (entry.state === 'ended') return;
    entry.state = 'ended';
    entry.leg?.end();
    this.#session.legEnded(entry.transferId);
  }

  async #call(): Promise<CallState> {
    return (await this.#deps.cc.states.calls.load(streams.call(this.#session.callId))).state;
  }

  #agentContext(agentId: string): CommandContext {
    return { ...this.#session.context, actor: { kind: 'system', component: `gateway:agent-phone:${agentId}` } };
  }

  /** A refused command means the call moved on meanwhile; nothing to do. */
  async #tolerate(work: Promise<unknown>): Promise<void> {
    try {
      await work;
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.#deps.logger.debug({ callId: this.#session.callId, code: error.code }, 'gateway transfer command refused: call moved on');
    }
  }
}
