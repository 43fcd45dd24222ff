import { describe, expect, it } from 'vitest';
import { callDecider, type CallState } from '../../src/domain/call/index.ts';
import type { CallEvent } from '../../src/events/call-events.ts';
import { validateQueueSettings } from '../../src/domain/queue/settings-validation.ts';
import { defaultQueueSettings } from '../../src/domain/queue/default-settings.ts';
import { DeciderSpec } from '../support/decider-spec.ts';
import { at, callEnded, command, connectedCall, ringingCall, waitingCall, wrappingUpCall } from './call-test-data.ts';

const spec = DeciderSpec.for(callDecider);
const stateAfter = (events: CallEvent[]): CallState => events.reduce(callDecider.evolve, callDecider.initialState());
const store = (overrides: Partial<{ recordingId: string; format: 'wav' | 'pcap'; durationSeconds: number; bytes: number }> = {}) =>
  command('StoreRecording', { recordingId: 'rec-1', format: 'wav', durationSeconds: 42.5, bytes: 680_044, at: at(200), ...overrides });

describe('StoreRecording', () => {
  it.each([
    ['connected', connectedCall('agent-ada')],
    ['ended (done)', [...connectedCall('agent-ada'), callEnded('agent-ada', 100)]],
    ['in wrap-up', wrappingUpCall('agent-ada')],
  ] as [string, CallEvent[]][])('a call that was answered, now %s: CallRecordingStored', (_status, history) => {
    spec.given(history).when(store()).then([{ type: 'CallRecordingStored', data: { recordingId: 'rec-1', format: 'wav', durationSeconds: 42.5, bytes: 680_044, at: at(200) } }]);
  });

  it('a pcap (codec not decodable) is stored as such', () => {
    spec.given(connectedCall('agent-ada')).when(store({ format: 'pcap', bytes: 12_000 })).then([{ type: 'CallRecordingStored', data: { recordingId: 'rec-1', format: 'pcap', durationSeconds: 42.5, bytes: 12_000, at: at(200) } }]);
  });

  it.each([
    ['waiting', waitingCall()],
    ['ringing', ringingCall('agent-ada')],
  ] as [string, CallEvent[]][])('a call never answered (%s): CallNotConnected', (_status, history) => {
    spec.given(history).when(store()).thenThrows('CallNotConnected', 'never answered');
  });

  it('bad facts are refused: InvalidInput', () => {
    spec.given(connectedCall('agent-ada')).when(store({ recordingId: ' ' })).thenThrows('InvalidInput', 'id');
    spec.given(connectedCall('agent-ada')).when(store({ format: 'mp3' as 'wav' })).thenThrows('InvalidInput', 'mp3');
    spec.given(connectedCall('agent-ada')).when(store({ durationSeconds: -1 })).thenThrows('InvalidInput', 'duration');
    spec.given(connectedCall('agent-ada')).when(store({ bytes: 1.5 })).thenThrows('InvalidInput', 'size');
  });

  it('changes nothing else about the call', () => {
    const before = stateAfter(wrappingUpCall('agent-ada'));
    const after = stateAfter([...wrappingUpCall('agent-ada'), { type: 'CallRecordingStored', data: { recordingId: 'rec-1', format: 'wav', durationSeconds: 1, bytes: 60, at: at(200) } }]);
    expect(after).toEqual(before);
  });
});

describe('the recordCalls queue setting', () => {
  it('is optional (older queues), true or false; anything else is InvalidQueueSettings', () => {
    expect(() => validateQueueSettings('q', defaultQueueSettings('Sales'))).not.toThrow();
    expect(() => validateQueueSettings('q', defaultQueueSettings('Sales', { recordCalls: true }))).not.toThrow();
    expect(() => validateQueueSettings('q', { ...defaultQueueSettings('Sales'), recordCalls: 'yes' as unknown as boolean })).toThrow(/recordCalls/);
  });
});
