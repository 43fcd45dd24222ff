/**
 * Property-style check: 1,000 seeded random command sequences, some chosen the way the router and
 * gateway would (the agent who is ringing, the current transfer id), some at random. Whatever is
 * accepted, a call is never connected to two agents, never rings one agent twice, and evolve
 * accepts every event decide produced.
 */
import { describe, expect, it } from 'vitest';
import { callDecider, type CallCommand, type CallState, type QueueSnapshot } from '../../src/domain/call/index.ts';
import { isDomainError } from '../../src/domain/errors.ts';
import type { CallEvent, TransferTarget } from '../../src/events/call-events.ts';
import { aCaller, aQueue, at, command } from './call-test-data.ts';
import { seededRandom as prng } from '../../src/simulator/prng.ts';


const AGENTS = ['agent-ada', 'agent-bob', 'agent-cy', 'agent-dee'];
const SEQUENCES = 1000;
const COMMANDS_PER_SEQUENCE = 40;

type Kind = CallCommand['type'];

/** What the router, gateway or an agent would most likely send next, so sequences get deep into the lifecycle. */
const likelyNext = (state: CallState): Kind[] => {
  const transfer = state.transfer;
  if (transfer?.consultation !== undefined) {
    if (transfer.consultation.answeredAt !== null) return ['CompleteConsultedTransfer', 'CancelConsultation', 'EndConsultation', 'HangUp'];
    if (transfer.target.kind === 'external') return ['AnswerConsultation', 'EndConsultation', 'CancelConsultation'];
    return transfer.offer === null ? ['OfferTransfer', 'CancelTransfer'] : ['AcceptTransfer', 'RejectTransfer', 'TimeOutTransfer', 'CancelConsultation'];
  }
  if (transfer !== null) {
    if (transfer.target.kind === 'external') return ['CompleteExternalTransfer', 'FailTransfer'];
    return transfer.offer === null ? ['OfferTransfer', 'CancelTransfer'] : ['AcceptTransfer', 'RejectTransfer', 'TimeOutTransfer'];
  }
  switch (state.status) {
    case 'none':
      return ['ReceiveCall', 'PlaceOutboundCall'];
    case 'dialling':
      return ['ReportOutboundRinging', 'AnswerOutboundCall', 'AnswerOutboundCall', 'FailOutboundCall', 'HangUp'];
    case 'waiting':
      return ['OfferCall', 'ExpireWait'];
    case 'ringing':
      return ['AnswerCall', 'AnswerCall', 'DeclineOffer', 'TimeOutOffer', 'OfferCall'];
    case 'connected':
      return ['RequestTransfer', 'StartConsultation', 'HoldCall', 'ResumeCall', 'HangUp'];
    case 'wrap-up':
      return ['CompleteWrapUp', 'EndWrapUp', 'ExtendWrapUp'];
    default:
      return [];
  }
};

class Generator {
  readonly random: () => number;
  private counter = 0;
  seconds = 0;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.random() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  id(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter}`;
  }
  /** Time moves on by 0..30 s; a timer may fire early, on time or late. */
  tick(): string {
    this.seconds += Math.floor(this.random() * 31);
    return at(this.seconds);
  }
  /** An agent the state suggests (ringing, connected, wrapping up) or any agent. */
  agent(state: CallState): string {
    const likely = [
      ...state.offers.map((o) => o.agentId),
      ...(state.connectedAgentId === null ? [] : [state.connectedAgentId]),
      ...(state.transfer?.offer ? [state.transfer.offer.agentId] : []),
      ...Object.keys(state.wrapUps),
    ];
    return likely.length > 0 && this.chance(0.7) ? this.pick(likely) : this.pick(AGENTS);
  }
  queue(queueId: string): QueueSnapshot {
    return aQueue({ queueId, open: this.chance(0.85) }, { maxWaitSeconds: this.chance(0.5) ? 30 : null, priority: Math.floor(this.random() * 5) });
  }
  offerId(state: CallState): string {
    const known = [...state.offers.map((o) => o.offerId), ...(state.transfer?.offer ? [state.transfer.offer.offerId] : [])];
    return known.length > 0 && this.chance(0.8) ? this.pick(known) : this.id('offer');
  }
  transferId(state: CallState): string {
    return state.transfer !== null && this.chance(0.85) ? state.transfer.transferId : this.id('transfer');
  }
  timerAt(state: CallState, due: string | undefined): string {
    // Timers fire at their due time most of the time, as the timer service would.
    return due !== undefined && this.chance(0.6) ? due : this.tick();
  }

  command(state: CallState): CallCommand {
    const now = this.tick();
    const agentId = this.agent(state);
    const likely = likelyNext(state);
    const kind = likely.length > 0 && this.chance(0.5) ? this.pick(likely) : this.pick([
      'ReceiveCall', 'OfferCall', 'OfferCall', 'AnswerCall', 'AnswerCall', 'DeclineOffer', 'TimeOutOffer', 'WithdrawOffer',
      'HoldCall', 'ResumeCall', 'RequestTransfer', 'RequestTransfer', 'OfferTransfer', 'AcceptTransfer', 'RejectTransfer',
      'TimeOutTransfer', 'CancelTransfer', 'CompleteExternalTransfer', 'FailTransfer', 'HangUp', 'ExpireWait',
      'ExtendWrapUp', 'CompleteWrapUp', 'EndWrapUp', 'ReceiveDtmf',
      'StartConsultation', 'AnswerConsultation', 'CompleteConsultedTransfer', 'CancelConsultation', 'EndConsultation',
    ] as const);
    switch (kind) {
      case 'ReceiveCall':
        return command('ReceiveCall', {
          callId: 'call-p', organisationId: 'org-p', queue: this.queue('queue-a'), channel: 'pstn',
          caller: aCaller({ number: this.chance(0.95) ? '+32470000000' : 'not-a-number' }), dialedNumber: null, media: 'audio', at: now,
        });
      case 'OfferCall':
        return command('OfferCall', { offerId: this.id('offer'), agentId, ringTimeoutSeconds: 20, ringAll: this.chance(0.5), at: now });
      case 'AnswerCall':
        return command('AnswerCall', { agentId, at: now });
      case 'DeclineOffer':
        return command('DeclineOffer', { agentId, at: now });
      case 'TimeOutOffer': {
        const offerId = this.offerId(state);
        return command('TimeOutOffer', { offerId, at: this.timerAt(state, state.offers.find((o) => o.offerId === offerId)?.ringTimeoutAt) });
      }
      case 'WithdrawOffer':
        return command('WithdrawOffer', { offerId: this.offerId(state), reason: 'agent-unavailable', at: now });
      case 'HoldCall':
        return command('HoldCall', { agentId, at: now });
      case 'ResumeCall':
        return command('ResumeCall', { agentId, at: now });
      case 'RequestTransfer': {
        const targetKind = this.pick(['agent', 'queue', 'external'] as const);
        const target: TransferTarget =
          targetKind === 'agent' ? { kind: 'agent', agentId: this.pick(AGENTS) }
          : targetKind === 'queue' ? { kind: 'queue', queueId: 'queue-b' }
          : { kind: 'external', number: this.chance(0.9) ? '+3225550000' : '555' };
        return command('RequestTransfer', {
          transferId: this.id('transfer'), agentId, target,
          ...(targetKind === 'queue' ? { targetQueue: this.queue('queue-b') } : {}),
          wrapUpSeconds: this.pick([0, 15]), at: now,
        });
      }
      case 'OfferTransfer': {
        const target = state.transfer?.target;
        const targetAgent = target?.kind === 'agent' && this.chance(0.8) ? target.agentId : this.pick(AGENTS);
        return command('OfferTransfer', { transferId: this.transferId(state), offerId: this.id('offer'), agentId: targetAgent, ringTimeoutSeconds: 20, at: now });
      }
      case 'AcceptTransfer':
        return command('AcceptTransfer', { agentId, wrapUpSeconds: this.pick([0, 15]), at: now });
      case 'RejectTransfer':
        return command('RejectTransfer', { agentId, at: now });
      case 'TimeOutTransfer': {
        const offerId = this.offerId(state);
        const due = state.transfer?.offer?.offerId === offerId ? state.transfer.offer.ringTimeoutAt : undefined;
        return command('TimeOutTransfer', { offerId, at: this.timerAt(state, due) });
      }
      case 'CancelTransfer':
        return command('CancelTransfer', { reason: 'unavailable', at: now });
      case 'CompleteExternalTransfer':
        return command('CompleteExternalTransfer', { transferId: this.transferId(state), wrapUpSeconds: this.pick([0, 15]), at: now });
      case 'FailTransfer':
        return command('FailTransfer', { transferId: this.transferId(state), reason: 'busy', at: now });
      case 'StartConsultation': {
        const target = this.chance(0.7) ? ({ kind: 'agent', agentId: this.pick(AGENTS) } as const) : ({ kind: 'external', number: this.chance(0.9) ? '+3225550000' : '555' } as const);
        return command('StartConsultation', { consultId: this.id('transfer'), agentId, target, at: now });
      }
      case 'AnswerConsultation':
        return command('AnswerConsultation', { consultId: this.transferId(state), agentId: this.chance(0.3) ? null : agentId, at: now });
      case 'CompleteConsultedTransfer':
        return command('CompleteConsultedTransfer', { agentId, wrapUpSeconds: this.pick([0, 15]), at: now });
      case 'CancelConsultation':
        return command('CancelConsultation', { agentId, at: now });
      case 'EndConsultation':
        return command('EndConsultation', { consultId: this.transferId(state), reason: this.pick(['hung-up', 'failed'] as const), at: now });
      case 'HangUp': {
        const by = this.pick(['caller', 'caller', 'agent', 'supervisor', 'system'] as const);
        return command('HangUp', { by, agentId: by === 'agent' ? agentId : null, reason: null, wrapUpSeconds: this.pick([0, 15]), at: now });
      }
      case 'ExpireWait':
        return command('ExpireWait', { overflowQueue: this.chance(0.5) ? this.queue('queue-c') : null, at: this.timerAt(state, state.maxWaitUntil ?? undefined) });
      case 'ExtendWrapUp':
        return command('ExtendWrapUp', { agentId, seconds: this.pick([10, 0, 700]), at: now });
      case 'CompleteWrapUp':
        return command('CompleteWrapUp', { agentId, notes: null, rating: this.pick([null, 5, 9]), conversationStatus: 'closed', at: now });
      case 'EndWrapUp':
        return command('EndWrapUp', { agentId, at: this.timerAt(state, state.wrapUps[agentId]?.endsAt) });
      case 'ReceiveDtmf':
        return command('ReceiveDtmf', { digits: this.pick(['1', '#', '12*', 'x']), from: this.pick(['caller', 'agent'] as const), at: now });
      case 'PlaceOutboundCall':
        return command('PlaceOutboundCall', {
          callId: 'call-p', organisationId: 'org-p', agentId, reservationId: this.id('reservation'), queueId: null,
          number: this.chance(0.9) ? '+3225550000' : '555', customerId: null, callerId: null, dialTimeoutSeconds: 60, at: now,
        });
      case 'ReportOutboundRinging':
        return command('ReportOutboundRinging', { earlyMedia: this.chance(0.5), at: now });
      case 'AnswerOutboundCall':
        return command('AnswerOutboundCall', { at: now });
      case 'FailOutboundCall':
        return command('FailOutboundCall', { reason: this.pick(['busy', 'no-answer', 'cancelled'] as const), sipStatus: null, at: now });
      case 'StoreRecording':
        return command('StoreRecording', { recordingId: this.id('recording'), format: 'wav', durationSeconds: 12.5, bytes: 400_044, at: now });
      case 'TickChecklistItem':
        return command('TickChecklistItem', { agentId, item: this.pick(['Identity checked', '']), ticked: this.chance(0.8), at: now });
    }
  }
}

/** Who holds the call, rebuilt from the events alone, independently of evolveCall. */
class EventModel {
  readonly connected = new Set<string>();
  /** offerId -> agentId for every offer (queue or transfer) still ringing. */
  readonly ringing = new Map<string, string>();
  readonly seenTypes = new Set<CallEvent['type']>();

  apply(event: CallEvent): void {
    this.seenTypes.add(event.type);
    switch (event.type) {
      case 'CallOffered':
      case 'CallTransferOffered':
        this.ringing.set(event.data.offerId, event.data.agentId);
        return;
      case 'CallOfferDeclined':
      case 'CallOfferTimedOut':
      case 'CallOfferWithdrawn':
        this.ringing.delete(event.data.offerId);
        return;
      case 'CallAnswered':
        this.ringing.delete(event.data.offerId);
        this.connected.add(event.data.agentId);
        return;
      case 'CallTransferAccepted':
        for (const [offerId, agentId] of this.ringing) if (agentId === event.data.toAgentId) this.ringing.delete(offerId);
        this.connected.delete(event.data.fromAgentId);
        this.connected.add(event.data.toAgentId);
        return;
      case 'CallTransferRejected':
      case 'ConsultationEnded':
        if (event.data.offerId !== null) this.ringing.delete(event.data.offerId);
        return;
      case 'CallAbandoned':
        // Every ringing agent must be named so it can be released.
        expect(new Set(event.data.offers.map((o) => o.offerId))).toEqual(new Set(this.ringing.keys()));
        this.ringing.clear();
        return;
      case 'CallEnded':
        expect(this.ringing.size, 'an ending call must have released every ringing agent').toBe(0);
        this.connected.clear();
        return;
      case 'CallTransferredToQueue':
      case 'CallTransferredExternally':
        this.connected.clear();
        return;
      case 'OutboundCallAnswered':
        this.connected.add(event.data.agentId);
        return;
      default:
        return;
    }
  }
}

const checkInvariants = (state: CallState, model: EventModel): void => {
  expect(model.connected.size, 'connected to two agents').toBeLessThanOrEqual(1);
  expect(state.connectedAgentId).toBe([...model.connected][0] ?? null);
  const ringingAgents = [...model.ringing.values()];
  expect(new Set(ringingAgents).size, 'two offers to the same agent').toBe(ringingAgents.length);
  if (state.connectedAgentId !== null) expect(ringingAgents).not.toContain(state.connectedAgentId);
  const stateOffers = [...state.offers, ...(state.transfer?.offer ? [state.transfer.offer] : [])];
  expect(new Map(stateOffers.map((o) => [o.offerId, o.agentId]))).toEqual(model.ringing);
  if (state.offers.length > 0) expect(state.status).toBe('ringing');
  if (state.status === 'ringing') expect(state.offers.length).toBeGreaterThan(0);
  expect(state.status === 'connected').toBe(state.connectedAgentId !== null);
  if (state.transfer !== null) expect(state.status).toBe('connected');
  if (state.status === 'done') expect(state.wrapUps).toEqual({});
};

describe('call decider invariants over random command sequences', () => {
  it(`${SEQUENCES} seeded sequences keep one agent per call and one offer per agent`, () => {
    const seenTypes = new Set<CallEvent['type']>();
    for (let seed = 1; seed <= SEQUENCES; seed += 1) {
      const generator = new Generator(seed);
      const model = new EventModel();
      let state = callDecider.initialState();
      for (let step = 0; step < COMMANDS_PER_SEQUENCE; step += 1) {
        // Start most sequences with a call so they get somewhere.
        const cmd = step === 0 && generator.chance(0.9)
          ? command('ReceiveCall', { callId: 'call-p', organisationId: 'org-p', queue: generator.queue('queue-a'), channel: 'pstn', caller: aCaller(), dialedNumber: null, media: 'audio', at: at(0) })
          : generator.command(state);
        let events: CallEvent[] = [];
        try {
          events = callDecider.decide(cmd, state);
        } catch (error) {
          if (!isDomainError(error)) throw new Error(`seed ${seed} step ${step}: ${cmd.type} threw a non-domain error: ${String(error)}`);
          continue;
        }
        for (const event of events) {
          state = callDecider.evolve(state, event);
          model.apply(event);
        }
        try {
          checkInvariants(state, model);
        } catch (error) {
          throw new Error(`seed ${seed} step ${step} after ${cmd.type}: ${(error as Error).message}`);
        }
      }
      for (const type of model.seenTypes) seenTypes.add(type);
    }
    // The sequences must reach every part of the lifecycle for the check to mean anything.
    const allTypes: CallEvent['type'][] = [
      'CallReceived', 'CallQueued', 'CallRejected', 'CallOffered', 'CallOfferDeclined', 'CallOfferTimedOut', 'CallOfferWithdrawn',
      'CallAnswered', 'CallHeld', 'CallResumed', 'CallTransferRequested', 'CallTransferOffered', 'CallTransferAccepted',
      'CallTransferRejected', 'CallTransferredToQueue', 'CallTransferredExternally', 'CallTransferFailed', 'CallEnded',
      'CallAbandoned', 'CallWaitExpired', 'WrapUpStarted', 'WrapUpExtended', 'WrapUpCompleted', 'DtmfReceived',
      'OutboundCallPlaced', 'OutboundCallRinging', 'OutboundCallAnswered', 'OutboundCallFailed',
      'ConsultationStarted', 'ConsultationAnswered', 'ConsultationEnded',
    ];
    expect(allTypes.filter((type) => !seenTypes.has(type))).toEqual([]);
  });
});
