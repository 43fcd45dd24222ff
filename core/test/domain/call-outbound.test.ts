import { describe, expect, it } from 'vitest';
import { callDecider, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, CALL_ID, command, hangUp, ORG_ID, QUEUE_ID } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

const AGENT = 'agent-ada';
const place = (overrides: Partial<{ number: string | null; customerId: string | null; callerId: string | null; queueId: string | null; reservationId: string }> = {}) =>
  command('PlaceOutboundCall', {
    callId: CALL_ID,
    organisationId: ORG_ID,
    agentId: AGENT,
    reservationId: 'res-1',
    queueId: QUEUE_ID,
    number: '+3225550199',
    customerId: null,
    callerId: '+3225551234',
    dialTimeoutSeconds: 60,
    at: at(0),
    ...overrides,
  });
const placed = (): CallEvent => ({
  type: 'OutboundCallPlaced',
  data: {
    callId: CALL_ID,
    organisationId: ORG_ID,
    agentId: AGENT,
    reservationId: 'res-1',
    queueId: QUEUE_ID,
    callee: { number: '+3225550199', customerId: null },
    callerId: '+3225551234',
    media: 'audio',
    dialTimeoutAt: at(60),
    at: at(0),
  },
});
const ringing = (earlyMedia: boolean, seconds = 1): CallEvent => ({ type: 'OutboundCallRinging', data: { earlyMedia, at: at(seconds) } });
const answered = (seconds = 5): CallEvent => ({ type: 'OutboundCallAnswered', data: { agentId: AGENT, at: at(seconds) } });

describe('PlaceOutboundCall', () => {
  it('places the call to an E.164 number: the call is dialling for the agent', () => {
    spec.given([]).when(place()).then([placed()]);
    const state = stateAfter([placed()]);
    expect(state.status).toBe('dialling');
    expect(state.channel).toBe('outbound');
    expect(state.outbound).toEqual({ agentId: AGENT, reservationId: 'res-1', dialTimeoutAt: at(60), ringing: false, earlyMedia: false });
    expect(state.connectedAgentId).toBeNull();
  });

  it('accepts a customer id alone, as an opaque reference', () => {
    const events = spec.given([]).when(place({ number: null, customerId: 'cust-42' })).events();
    expect(events[0]).toMatchObject({ type: 'OutboundCallPlaced', data: { callee: { number: null, customerId: 'cust-42' } } });
  });

  it('refuses a number that is not E.164, with the reason', () => {
    spec.given([]).when(place({ number: '0470 12 34 56' })).thenThrows('InvalidPhoneNumber', 'not an E.164 number');
  });

  it('refuses a call with neither a number nor a customer', () => {
    spec.given([]).when(place({ number: null, customerId: null })).thenThrows('InvalidCallee');
  });

  it('refuses a caller id that is not E.164', () => {
    spec.given([]).when(place({ callerId: 'anonymous' })).thenThrows('InvalidPhoneNumber', 'Caller id');
  });

  it('ignores a retry of the same placement and refuses another one on the same call', () => {
    spec.given([placed()]).when(place()).thenNothingHappened();
    spec.given([placed()]).when(place({ reservationId: 'res-2' })).thenThrows('CallAlreadyExists');
  });
});

describe('the far end rings, answers or fails', () => {
  it('records ringing once, and early media when it starts', () => {
    spec.given([placed()]).when(command('ReportOutboundRinging', { earlyMedia: false, at: at(1) })).then([ringing(false)]);
    spec.given([placed(), ringing(false)]).when(command('ReportOutboundRinging', { earlyMedia: false, at: at(2) })).thenNothingHappened();
    spec.given([placed(), ringing(false)]).when(command('ReportOutboundRinging', { earlyMedia: true, at: at(2) })).then([ringing(true, 2)]);
    spec.given([placed(), ringing(true)]).when(command('ReportOutboundRinging', { earlyMedia: false, at: at(2) })).thenNothingHappened();
  });

  it('answers: the call is connected to the agent who placed it, like an answered inbound call', () => {
    spec.given([placed(), ringing(true)]).when(command('AnswerOutboundCall', { at: at(5) })).then([answered()]);
    const state = stateAfter([placed(), ringing(true), answered()]);
    expect(state.status).toBe('connected');
    expect(state.connectedAgentId).toBe(AGENT);
    expect(state.answeredAt).toBe(at(5));
    spec.given([placed(), answered()]).when(command('AnswerOutboundCall', { at: at(6) })).thenNothingHappened();
  });

  it('a connected outbound call holds, resumes and hangs up into wrap-up as inbound calls do', () => {
    const connected = [placed(), answered()];
    spec.given(connected).when(command('HoldCall', { agentId: AGENT, at: at(10) })).then([{ type: 'CallHeld', data: { agentId: AGENT, at: at(10) } }]);
    spec
      .given(connected)
      .when(hangUp({ by: 'caller', wrapUpSeconds: 20, at: at(60) }))
      .then([
        { type: 'CallEnded', data: { endedBy: 'caller', agentId: AGENT, reason: null, at: at(60) } },
        { type: 'WrapUpStarted', data: { agentId: AGENT, endsAt: at(80), at: at(60) } },
      ]);
  });

  it('fails with the trunk status; the call ends as failed, without wrap-up', () => {
    spec
      .given([placed(), ringing(false)])
      .when(command('FailOutboundCall', { reason: 'busy', sipStatus: 486, at: at(3) }))
      .then([{ type: 'OutboundCallFailed', data: { agentId: AGENT, reason: 'busy', sipStatus: 486, at: at(3) } }]);
    const state = stateAfter([placed(), { type: 'OutboundCallFailed', data: { agentId: AGENT, reason: 'busy', sipStatus: 486, at: at(3) } }]);
    expect(state.status).toBe('done');
    expect(state.outcome).toBe('failed');
    expect(state.wrapUps).toEqual({});
  });

  it('refuses to answer or fail a call that is not being dialled', () => {
    const failed: CallEvent = { type: 'OutboundCallFailed', data: { agentId: AGENT, reason: 'busy', sipStatus: 486, at: at(3) } };
    spec.given([placed(), failed]).when(command('AnswerOutboundCall', { at: at(4) })).thenThrows('CallNotDialling');
    spec.given([placed(), failed]).when(command('FailOutboundCall', { reason: 'busy', sipStatus: 486, at: at(4) })).thenThrows('CallAlreadyEnded');
    spec.given([placed(), answered()]).when(command('FailOutboundCall', { reason: 'no-answer', sipStatus: 408, at: at(6) })).thenThrows('CallNotDialling');
  });

  it('hanging up while dialling cancels the call; only the agent who dials may do it as an agent', () => {
    spec
      .given([placed(), ringing(true)])
      .when(hangUp({ by: 'agent', agentId: AGENT, at: at(4) }))
      .then([{ type: 'OutboundCallFailed', data: { agentId: AGENT, reason: 'cancelled', sipStatus: null, at: at(4) } }]);
    spec.given([placed()]).when(hangUp({ by: 'agent', agentId: 'agent-bob', at: at(4) })).thenThrows('NotCallAgent');
    spec
      .given([placed()])
      .when(hangUp({ by: 'supervisor', agentId: null, at: at(4) }))
      .then([{ type: 'OutboundCallFailed', data: { agentId: AGENT, reason: 'cancelled', sipStatus: null, at: at(4) } }]);
  });
});
