import { describe, expect, it } from 'vitest';
import { callDecider, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, command, connectedCall, ringingCall, waitingCall, wrappingUpCall } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());
const held = (atSeconds: number): CallEvent => ({ type: 'CallHeld', data: { agentId: 'agent-ada', at: at(atSeconds) } });
const resumed = (atSeconds: number): CallEvent => ({ type: 'CallResumed', data: { agentId: 'agent-ada', at: at(atSeconds) } });

describe('HoldCall', () => {
  it('the connected agent puts the call on hold', () => {
    spec
      .given(connectedCall('agent-ada'))
      .when(command('HoldCall', { agentId: 'agent-ada', at: at(30) }))
      .then([{ type: 'CallHeld', data: { agentId: 'agent-ada', at: at(30) } }]);
  });

  it('counts every hold', () => {
    const state = stateAfter([...connectedCall('agent-ada'), held(30), resumed(40), held(50)]);
    expect(state.onHold).toBe(true);
    expect(state.holds).toBe(2);
  });

  it('another agent: NotCallAgent', () => {
    spec.given(connectedCall('agent-ada')).when(command('HoldCall', { agentId: 'agent-bob', at: at(30) })).thenThrows('NotCallAgent', 'agent-ada');
  });

  it('already on hold: CallAlreadyOnHold', () => {
    spec.given([...connectedCall('agent-ada'), held(30)]).when(command('HoldCall', { agentId: 'agent-ada', at: at(31) })).thenThrows('CallAlreadyOnHold');
  });

  it.each([
    ['waiting', waitingCall()],
    ['ringing', ringingCall('agent-ada')],
    ['wrap-up', wrappingUpCall('agent-ada')],
  ] as [string, CallEvent[]][])('a %s call: CallNotConnected', (status, history) => {
    spec.given(history).when(command('HoldCall', { agentId: 'agent-ada', at: at(200) })).thenThrows('CallNotConnected', status);
  });
});

describe('ResumeCall', () => {
  it('the connected agent resumes a held call', () => {
    const events = spec.given([...connectedCall('agent-ada'), held(30)]).when(command('ResumeCall', { agentId: 'agent-ada', at: at(45) })).events();
    expect(events).toEqual([{ type: 'CallResumed', data: { agentId: 'agent-ada', at: at(45) } }]);
    expect(stateAfter([...connectedCall('agent-ada'), held(30), ...events]).onHold).toBe(false);
  });

  it('not on hold: CallNotOnHold', () => {
    spec.given(connectedCall('agent-ada')).when(command('ResumeCall', { agentId: 'agent-ada', at: at(45) })).thenThrows('CallNotOnHold');
  });

  it('another agent: NotCallAgent', () => {
    spec.given([...connectedCall('agent-ada'), held(30)]).when(command('ResumeCall', { agentId: 'agent-bob', at: at(45) })).thenThrows('NotCallAgent', 'agent-bob');
  });

  it('an ended call: CallNotConnected', () => {
    spec.given(wrappingUpCall('agent-ada')).when(command('ResumeCall', { agentId: 'agent-ada', at: at(200) })).thenThrows('CallNotConnected');
  });
});
