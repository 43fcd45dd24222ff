import { describe, expect, it } from 'vitest';
import { callDecider, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent, ConsultTarget } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, command, connectedCall, hangUp, ringingCall } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

const bob: ConsultTarget = { kind: 'agent', agentId: 'agent-bob' };
const number: ConsultTarget = { kind: 'external', number: '+3225550000' };

const start = (target: ConsultTarget, agentId = 'agent-ada') => command('StartConsultation', { consultId: 'c-1', agentId, target, at: at(50) });
const started = (target: ConsultTarget): CallEvent => ({ type: 'ConsultationStarted', data: { consultId: 'c-1', fromAgentId: 'agent-ada', target, at: at(50) } });
const held: CallEvent = { type: 'CallHeld', data: { agentId: 'agent-ada', at: at(50) } };
const offered: CallEvent = { type: 'CallTransferOffered', data: { transferId: 'c-1', offerId: 'offer-c', agentId: 'agent-bob', ringTimeoutAt: at(71), at: at(51) } };
const answered: CallEvent = { type: 'ConsultationAnswered', data: { consultId: 'c-1', agentId: 'agent-bob', offerId: 'offer-c', at: at(55) } };

/** Ada consults Bob at 50 (the caller goes on hold); Bob rings from 51 until 71. */
const consultRinging = (): CallEvent[] => [...connectedCall('agent-ada'), started(bob), held, offered];
/** ... and Bob answered at 55. */
const consulting = (): CallEvent[] => [...consultRinging(), answered];
const consultingNumber = (): CallEvent[] => [
  ...connectedCall('agent-ada'),
  started(number),
  held,
  { type: 'ConsultationAnswered', data: { consultId: 'c-1', agentId: null, offerId: null, at: at(55) } },
];

const ended = (reason: Extract<CallEvent, { type: 'ConsultationEnded' }>['data']['reason'], atSeconds: number, offer = true): CallEvent => ({
  type: 'ConsultationEnded',
  data: { consultId: 'c-1', agentId: offer ? 'agent-bob' : null, offerId: offer ? 'offer-c' : null, reason, at: at(atSeconds) },
});

describe('StartConsultation', () => {
  it('puts the caller on hold and makes the consultation the call\'s transfer in progress', () => {
    const events = spec.given(connectedCall('agent-ada')).when(start(bob)).events();
    expect(events).toEqual([started(bob), held]);
    const state = stateAfter([...connectedCall('agent-ada'), ...events]);
    expect(state.onHold).toBe(true);
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.transfer).toEqual({ transferId: 'c-1', fromAgentId: 'agent-ada', target: bob, offer: null, consultation: { answeredAt: null } });
  });

  it('on a call already on hold: no second hold', () => {
    const history = [...connectedCall('agent-ada'), { ...held, data: { agentId: 'agent-ada', at: at(40) } } as CallEvent];
    spec.given(history).when(start(number)).then([started(number)]);
  });

  it('the consulted agent is rung through the transfer offer', () => {
    spec
      .given([...connectedCall('agent-ada'), started(bob), held])
      .when(command('OfferTransfer', { transferId: 'c-1', offerId: 'offer-c', agentId: 'agent-bob', ringTimeoutSeconds: 20, at: at(51) }))
      .then([offered]);
  });

  it('by an agent not on the call: NotCallAgent', () => {
    spec.given(connectedCall('agent-ada')).when(start(bob, 'agent-cy')).thenThrows('NotCallAgent', 'agent-cy');
  });

  it('while ringing: CallNotConnected', () => {
    spec.given(ringingCall('agent-ada')).when(start(bob)).thenThrows('CallNotConnected', 'ringing');
  });

  it('while a consultation is in progress: TransferInProgress', () => {
    spec.given(consultRinging()).when(start(number)).thenThrows('TransferInProgress', 'consultation c-1 with agent agent-bob');
  });

  it('themselves: TransferToSelf', () => {
    spec.given(connectedCall('agent-ada')).when(start({ kind: 'agent', agentId: 'agent-ada' })).thenThrows('TransferToSelf');
  });

  it('a number that is not E.164: InvalidPhoneNumber', () => {
    spec.given(connectedCall('agent-ada')).when(start({ kind: 'external', number: '0225550000' })).thenThrows('InvalidPhoneNumber', '0225550000');
  });

  it('a blind transfer cannot start during a consultation', () => {
    spec
      .given(consultRinging())
      .when(command('RequestTransfer', { transferId: 't-2', agentId: 'agent-ada', target: number, wrapUpSeconds: 30, at: at(52) }))
      .thenThrows('TransferInProgress', 'consultation c-1');
  });
});

describe('the consulted agent answers', () => {
  it('AcceptTransfer by the consulted agent: ConsultationAnswered, the caller stays with the first agent on hold', () => {
    const events = spec.given(consultRinging()).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 30, at: at(55) })).events();
    expect(events).toEqual([answered]);
    const state = stateAfter([...consultRinging(), ...events]);
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.onHold).toBe(true);
    expect(state.transfer?.consultation).toEqual({ answeredAt: at(55) });
    // Bob's reservation still holds through the offer; its ring timer no longer applies.
    expect(state.transfer?.offer?.agentId).toBe('agent-bob');
  });

  it('the ring timer that fires after the answer is stale', () => {
    spec.given(consulting()).when(command('TimeOutTransfer', { offerId: 'offer-c', at: at(71) })).thenNothingHappened();
  });

  it('by another agent: CallNotOfferedToAgent', () => {
    spec.given(consultRinging()).when(command('AnswerConsultation', { consultId: 'c-1', agentId: 'agent-cy', at: at(55) })).thenThrows('CallNotOfferedToAgent', 'agent-cy');
  });

  it('twice: ConsultationAlreadyAnswered', () => {
    spec.given(consulting()).when(command('AcceptTransfer', { agentId: 'agent-bob', wrapUpSeconds: 30, at: at(56) })).thenThrows('ConsultationAlreadyAnswered');
  });

  it('an external number answers (the gateway): AnswerConsultation without an agent', () => {
    spec
      .given([...connectedCall('agent-ada'), started(number), held])
      .when(command('AnswerConsultation', { consultId: 'c-1', agentId: null, at: at(55) }))
      .then([{ type: 'ConsultationAnswered', data: { consultId: 'c-1', agentId: null, offerId: null, at: at(55) } }]);
  });

  it('the caller cannot be resumed while consulting: ConsultationInProgress', () => {
    spec.given(consulting()).when(command('ResumeCall', { agentId: 'agent-ada', at: at(60) })).thenThrows('ConsultationInProgress', 'cancel the consultation');
  });
});

describe('CompleteConsultedTransfer', () => {
  it('hands the caller to the consulted agent; the first agent wraps up; the hold is over', () => {
    const events = spec.given(consulting()).when(command('CompleteConsultedTransfer', { agentId: 'agent-ada', wrapUpSeconds: 30, at: at(80) })).events();
    expect(events).toEqual([
      { type: 'CallTransferAccepted', data: { transferId: 'c-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', consulted: true, at: at(80) } },
      { type: 'WrapUpStarted', data: { agentId: 'agent-ada', endsAt: at(110), at: at(80) } },
    ]);
    const state = stateAfter([...consulting(), ...events]);
    expect(state.connectedAgentId).toBe('agent-bob');
    expect(state.onHold).toBe(false);
    expect(state.transfer).toBeNull();
    expect(Object.keys(state.wrapUps)).toEqual(['agent-ada']);
  });

  it('to an external number: the call is transferred externally', () => {
    const events = spec.given(consultingNumber()).when(command('CompleteConsultedTransfer', { agentId: 'agent-ada', wrapUpSeconds: 0, at: at(80) })).events();
    expect(events[0]).toEqual({ type: 'CallTransferredExternally', data: { transferId: 'c-1', fromAgentId: 'agent-ada', number: '+3225550000', consulted: true, at: at(80) } });
    expect(stateAfter([...consultingNumber(), ...events]).status).toBe('external');
  });

  it('before the consulted agent answered: ConsultationNotAnswered', () => {
    spec.given(consultRinging()).when(command('CompleteConsultedTransfer', { agentId: 'agent-ada', wrapUpSeconds: 30, at: at(60) })).thenThrows('ConsultationNotAnswered', 'cancel');
  });

  it('without a consultation: NoConsultation', () => {
    spec.given(connectedCall('agent-ada')).when(command('CompleteConsultedTransfer', { agentId: 'agent-ada', wrapUpSeconds: 30, at: at(60) })).thenThrows('NoConsultation');
  });

  it('during a blind transfer: NoConsultation', () => {
    const blind: CallEvent = { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: bob, at: at(50) } };
    spec.given([...connectedCall('agent-ada'), blind]).when(command('CancelConsultation', { agentId: 'agent-ada', at: at(60) })).thenThrows('NoConsultation', 'blind transfer');
  });

  it('by the consulted agent: NotCallAgent (only the agent on the call hands it over)', () => {
    spec.given(consulting()).when(command('CompleteConsultedTransfer', { agentId: 'agent-bob', wrapUpSeconds: 30, at: at(60) })).thenThrows('NotCallAgent');
  });

  it('the blind external-transfer commands do not apply to a consultation', () => {
    spec.given(consultingNumber()).when(command('CompleteExternalTransfer', { transferId: 'c-1', wrapUpSeconds: 0, at: at(60) })).thenThrows('NoTransferInProgress', 'consultation');
  });
});

describe('the consultation ends without a transfer: the caller stays on hold with the first agent', () => {
  const afterEnd = (history: CallEvent[], events: CallEvent[]): CallState => {
    const state = stateAfter([...history, ...events]);
    expect(state.connectedAgentId).toBe('agent-ada');
    expect(state.onHold).toBe(true);
    expect(state.transfer).toBeNull();
    return state;
  };

  it('CancelConsultation by the first agent (ringing or answered)', () => {
    for (const history of [consultRinging(), consulting()]) {
      const events = spec.given(history).when(command('CancelConsultation', { agentId: 'agent-ada', at: at(60) })).events();
      expect(events).toEqual([ended('cancelled', 60)]);
      afterEnd(history, events);
    }
  });

  it('then the agent resumes the caller', () => {
    const history = [...consulting(), ended('cancelled', 60)];
    spec.given(history).when(command('ResumeCall', { agentId: 'agent-ada', at: at(61) })).then([{ type: 'CallResumed', data: { agentId: 'agent-ada', at: at(61) } }]);
  });

  it('the colleague declines', () => {
    const events = spec.given(consultRinging()).when(command('RejectTransfer', { agentId: 'agent-bob', at: at(55) })).events();
    expect(events).toEqual([ended('declined', 55)]);
    afterEnd(consultRinging(), events);
  });

  it('the colleague does not answer in time', () => {
    spec.given(consultRinging()).when(command('TimeOutTransfer', { offerId: 'offer-c', at: at(71) })).then([ended('timeout', 71)]);
  });

  it('nobody could be reserved (the colleague is busy or offline)', () => {
    spec.given([...connectedCall('agent-ada'), started(bob), held]).when(command('CancelTransfer', { reason: 'unavailable', at: at(51) })).then([ended('unavailable', 51, false)]);
  });

  it('the colleague hangs up (HangUp by the consulted agent)', () => {
    const events = spec.given(consulting()).when(hangUp({ by: 'agent', agentId: 'agent-bob', at: at(70) })).events();
    expect(events).toEqual([ended('hung-up', 70)]);
    afterEnd(consulting(), events);
  });

  it('the gateway reports the external party hung up', () => {
    spec
      .given(consultingNumber())
      .when(command('EndConsultation', { consultId: 'c-1', reason: 'hung-up', at: at(70) }))
      .then([{ type: 'ConsultationEnded', data: { consultId: 'c-1', agentId: null, offerId: null, reason: 'hung-up', at: at(70) } }]);
  });

  it('a rejection after the answer is refused: the colleague hangs up instead', () => {
    spec.given(consulting()).when(command('RejectTransfer', { agentId: 'agent-bob', at: at(60) })).thenThrows('ConsultationAlreadyAnswered');
  });

  it('EndConsultation for another consultation: NoConsultation', () => {
    spec.given(consulting()).when(command('EndConsultation', { consultId: 'c-0', reason: 'hung-up', at: at(70) })).thenThrows('NoConsultation', 'c-0');
  });
});

describe('hang-ups during a consultation', () => {
  it('the first agent hangs up while the colleague is on the line: the caller goes to the colleague', () => {
    const events = spec.given(consulting()).when(hangUp({ by: 'agent', agentId: 'agent-ada', wrapUpSeconds: 30, at: at(80) })).events();
    expect(events.map((event) => event.type)).toEqual(['CallTransferAccepted', 'WrapUpStarted']);
    expect(stateAfter([...consulting(), ...events]).connectedAgentId).toBe('agent-bob');
  });

  it('the first agent hangs up while the colleague still rings: the call ends, the consultation with it', () => {
    const events = spec.given(consultRinging()).when(hangUp({ by: 'agent', agentId: 'agent-ada', wrapUpSeconds: 30, at: at(60) })).events();
    expect(events.map((event) => event.type)).toEqual(['ConsultationEnded', 'CallEnded', 'WrapUpStarted']);
    expect(events[0]).toEqual(ended('call-ended', 60));
  });

  it('the caller hangs up: the consultation ends with the call', () => {
    const events = spec.given(consulting()).when(hangUp({ by: 'caller', agentId: null, at: at(60) })).events();
    expect(events[0]).toEqual(ended('call-ended', 60));
    expect(stateAfter([...consulting(), ...events]).transfer).toBeNull();
  });
});

describe('older events still fold', () => {
  it('a CallTransferAccepted without `consulted` connects the new agent as before', () => {
    const blind: CallEvent[] = [
      ...connectedCall('agent-ada'),
      { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: bob, at: at(50) } },
      { type: 'CallTransferOffered', data: { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutAt: at(71), at: at(51) } },
      { type: 'CallTransferAccepted', data: { transferId: 't-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', at: at(55) } },
    ];
    const state = stateAfter(blind);
    expect(state.connectedAgentId).toBe('agent-bob');
    expect(state.transfer).toBeNull();
  });
});
