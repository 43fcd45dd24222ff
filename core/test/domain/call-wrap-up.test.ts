import { describe, expect, it } from 'vitest';
import { callDecider, callStatus, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, callEnded, command, connectedCall, wrapUpStarted, wrappingUpCall } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());

const completeWrapUp = (overrides: Partial<{ agentId: string; notes: string | null; rating: number | null; conversationStatus: 'closed' | 'open'; at: string }> = {}) =>
  command('CompleteWrapUp', { agentId: 'agent-ada', notes: 'Refund promised', rating: 4, conversationStatus: 'open', at: at(120), ...overrides });

const extended = (bySeconds: number, endsAtSeconds: number, atSeconds: number): CallEvent => ({
  type: 'WrapUpExtended',
  data: { agentId: 'agent-ada', bySeconds, endsAt: at(endsAtSeconds), at: at(atSeconds) },
});

// wrappingUpCall(): ended at 100, Ada's wrap-up ends at 130.

describe('ExtendWrapUp', () => {
  it('moves the end by the given seconds from the previous end', () => {
    spec.given(wrappingUpCall()).when(command('ExtendWrapUp', { agentId: 'agent-ada', seconds: 10, at: at(125) })).then([extended(10, 140, 125)]);
  });

  it('extends an extension', () => {
    spec.given([...wrappingUpCall(), extended(10, 140, 125)]).when(command('ExtendWrapUp', { agentId: 'agent-ada', seconds: 60, at: at(135) })).then([extended(60, 200, 135)]);
  });

  it('for an agent not wrapping up: NotInWrapUp', () => {
    spec.given(wrappingUpCall()).when(command('ExtendWrapUp', { agentId: 'agent-bob', seconds: 10, at: at(125) })).thenThrows('NotInWrapUp', 'agent-bob');
  });

  it('while the call is still connected: NotInWrapUp', () => {
    spec.given(connectedCall('agent-ada')).when(command('ExtendWrapUp', { agentId: 'agent-ada', seconds: 10, at: at(50) })).thenThrows('NotInWrapUp', 'connected');
  });

  it.each([0, 601, 2.5, -10])('by %s seconds: InvalidInput', (seconds) => {
    spec.given(wrappingUpCall()).when(command('ExtendWrapUp', { agentId: 'agent-ada', seconds, at: at(125) })).thenThrows('InvalidInput', 'seconds');
  });
});

describe('CompleteWrapUp', () => {
  it('the agent completes with notes, rating and conversation status; the call is done', () => {
    const events = spec.given(wrappingUpCall()).when(completeWrapUp()).events();
    expect(events).toEqual([
      { type: 'WrapUpCompleted', data: { agentId: 'agent-ada', notes: 'Refund promised', rating: 4, conversationStatus: 'open', endedBy: 'agent', at: at(120) } },
    ]);
    const state = stateAfter([...wrappingUpCall(), ...events]);
    expect(callStatus(state)).toBe('done');
    expect(state.wrapUps).toEqual({});
  });

  it('without notes or rating', () => {
    const [event] = spec.given(wrappingUpCall()).when(completeWrapUp({ notes: null, rating: null, conversationStatus: 'closed' })).events();
    expect(event).toMatchObject({ type: 'WrapUpCompleted', data: { notes: null, rating: null, conversationStatus: 'closed', endedBy: 'agent' } });
  });

  it('accepts notes of exactly 5000 characters', () => {
    expect(spec.given(wrappingUpCall()).when(completeWrapUp({ notes: 'n'.repeat(5000) })).events()).toHaveLength(1);
  });

  it('refuses notes over 5000 characters: InvalidInput', () => {
    spec.given(wrappingUpCall()).when(completeWrapUp({ notes: 'n'.repeat(5001) })).thenThrows('InvalidInput', '5000');
  });

  it.each([0, 6, 3.5, -1, Number.NaN])('refuses rating %s: InvalidRating', (rating) => {
    spec.given(wrappingUpCall()).when(completeWrapUp({ rating })).thenThrows('InvalidRating', '1 to 5');
  });

  it('for an agent not wrapping up: NotInWrapUp', () => {
    spec.given(wrappingUpCall()).when(completeWrapUp({ agentId: 'agent-bob' })).thenThrows('NotInWrapUp', 'agent-bob');
  });

  it('twice: NotInWrapUp', () => {
    const history = [...wrappingUpCall(), ...spec.given(wrappingUpCall()).when(completeWrapUp()).events()];
    spec.given(history).when(completeWrapUp({ at: at(121) })).thenThrows('NotInWrapUp', 'done');
  });

  it('the transferring agent completes while the call goes on with another agent', () => {
    const history: CallEvent[] = [
      ...connectedCall('agent-ada'),
      { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: { kind: 'agent', agentId: 'agent-bob' }, at: at(50) } },
      { type: 'CallTransferOffered', data: { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutAt: at(70), at: at(50) } },
      { type: 'CallTransferAccepted', data: { transferId: 't-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', at: at(55) } },
      wrapUpStarted('agent-ada', 55, 30),
    ];
    const events = spec.given(history).when(completeWrapUp({ at: at(60) })).events();
    const state = stateAfter([...history, ...events]);
    expect(callStatus(state)).toBe('connected');
    expect(state.connectedAgentId).toBe('agent-bob');
    expect(state.wrapUps).toEqual({});
  });

  it('with two agents wrapping up, the call is done only after both', () => {
    const history: CallEvent[] = [
      ...connectedCall('agent-ada'),
      { type: 'CallTransferRequested', data: { transferId: 't-1', fromAgentId: 'agent-ada', target: { kind: 'agent', agentId: 'agent-bob' }, at: at(50) } },
      { type: 'CallTransferOffered', data: { transferId: 't-1', offerId: 'offer-t', agentId: 'agent-bob', ringTimeoutAt: at(70), at: at(50) } },
      { type: 'CallTransferAccepted', data: { transferId: 't-1', fromAgentId: 'agent-ada', toAgentId: 'agent-bob', at: at(55) } },
      wrapUpStarted('agent-ada', 55, 300),
      callEnded('agent-bob', 100),
      wrapUpStarted('agent-bob', 100, 30),
    ];
    const bobDone = [...history, ...spec.given(history).when(completeWrapUp({ agentId: 'agent-bob', at: at(110) })).events()];
    expect(callStatus(stateAfter(bobDone))).toBe('wrap-up');
    const adaDone = [...bobDone, ...spec.given(bobDone).when(completeWrapUp({ agentId: 'agent-ada', at: at(120) })).events()];
    expect(callStatus(stateAfter(adaDone))).toBe('done');
  });
});

describe('EndWrapUp (timer)', () => {
  const timerCompleted = (atSeconds: number): CallEvent => ({
    type: 'WrapUpCompleted',
    data: { agentId: 'agent-ada', notes: null, rating: null, conversationStatus: 'closed', endedBy: 'timer', at: at(atSeconds) },
  });

  it('completes the wrap-up when its end is reached', () => {
    spec.given(wrappingUpCall()).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(130) })).then([timerCompleted(130)]);
  });

  it('a late timer still completes it', () => {
    spec.given(wrappingUpCall()).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(145) })).then([timerCompleted(145)]);
  });

  it('before the end: nothing', () => {
    spec.given(wrappingUpCall()).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(129) })).thenNothingHappened();
  });

  it('after an extension, the original timer is stale', () => {
    spec.given([...wrappingUpCall(), extended(10, 140, 125)]).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(130) })).thenNothingHappened();
  });

  it('after an extension, the re-armed timer completes it', () => {
    spec.given([...wrappingUpCall(), extended(10, 140, 125)]).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(140) })).then([timerCompleted(140)]);
  });

  it('after the agent completed: nothing', () => {
    const completed: CallEvent = { type: 'WrapUpCompleted', data: { agentId: 'agent-ada', notes: null, rating: null, conversationStatus: 'closed', endedBy: 'agent', at: at(120) } };
    spec.given([...wrappingUpCall(), completed]).when(command('EndWrapUp', { agentId: 'agent-ada', at: at(130) })).thenNothingHappened();
  });

  it('for an agent with no wrap-up: nothing', () => {
    spec.given(wrappingUpCall()).when(command('EndWrapUp', { agentId: 'agent-bob', at: at(130) })).thenNothingHappened();
  });
});
