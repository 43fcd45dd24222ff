/**
 * Histories and commands for the call decider's specifications. Times are seconds after T0 so a test
 * reads as a timeline: `at(20)` is twenty seconds into the call.
 */
import type { Caller, CallEvent } from '../../src/events/call-events.ts';
import type { QueueSettings } from '../../src/events/queue-events.ts';
import type { CallCommand, QueueSnapshot } from '../../src/domain/call/index.ts';
import { aQueueSettings } from '../support/fixtures.ts';

const T0 = Date.parse('2025-03-03T09:00:00.000Z');
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export const CALL_ID = 'call-1';
export const ORG_ID = 'org-1';
export const QUEUE_ID = 'queue-support';

export const aCaller = (overrides: Partial<Caller> = {}): Caller => ({ number: '+32470123456', name: 'Grace Hopper', customerId: null, ...overrides });

export const aQueue = (overrides: Partial<QueueSnapshot> = {}, settings: Partial<QueueSettings> = {}): QueueSnapshot => ({
  queueId: QUEUE_ID,
  settings: aQueueSettings(settings),
  open: true,
  ...overrides,
});

// ---- events ----

export const callReceived = (atSeconds = 0): CallEvent => ({
  type: 'CallReceived',
  data: { callId: CALL_ID, organisationId: ORG_ID, queueId: QUEUE_ID, channel: 'pstn', caller: aCaller(), dialedNumber: '+3225551234', media: 'audio', at: at(atSeconds) },
});

export const callQueued = (data: Partial<Extract<CallEvent, { type: 'CallQueued' }>['data']> = {}): CallEvent => ({
  type: 'CallQueued',
  data: { queueId: QUEUE_ID, priority: 0, queuedAt: at(0), maxWaitUntil: null, at: at(0), ...data },
});

export const callOffered = (agentId: string, offerId: string, atSeconds: number, ringSeconds = 20): CallEvent => ({
  type: 'CallOffered',
  data: { offerId, agentId, ringTimeoutAt: at(atSeconds + ringSeconds), at: at(atSeconds) },
});

export const callAnswered = (agentId: string, offerId: string, atSeconds: number): CallEvent => ({
  type: 'CallAnswered',
  data: { offerId, agentId, at: at(atSeconds) },
});

export const wrapUpStarted = (agentId: string, atSeconds: number, seconds: number): CallEvent => ({
  type: 'WrapUpStarted',
  data: { agentId, endsAt: at(atSeconds + seconds), at: at(atSeconds) },
});

export const callEnded = (agentId: string | null, atSeconds: number, endedBy: 'caller' | 'agent' | 'supervisor' | 'system' = 'caller'): CallEvent => ({
  type: 'CallEnded',
  data: { endedBy, agentId, reason: null, at: at(atSeconds) },
});

/** Received at 0 and waiting in the support queue. */
export const waitingCall = (): CallEvent[] => [callReceived(0), callQueued()];
/** Waiting, then offered to `agentId` at 5 seconds (rings until 25). */
export const ringingCall = (agentId = 'agent-ada', offerId = 'offer-1'): CallEvent[] => [...waitingCall(), callOffered(agentId, offerId, 5)];
/** Answered by `agentId` at 10 seconds. */
export const connectedCall = (agentId = 'agent-ada', offerId = 'offer-1'): CallEvent[] => [...ringingCall(agentId, offerId), callAnswered(agentId, offerId, 10)];
/** Connected to `agentId`, ended by the caller at 100 seconds, wrap-up of 30 s pending (ends at 130). */
export const wrappingUpCall = (agentId = 'agent-ada'): CallEvent[] => [...connectedCall(agentId), callEnded(agentId, 100), wrapUpStarted(agentId, 100, 30)];

// ---- commands ----

type CommandData<T extends CallCommand['type']> = Extract<CallCommand, { type: T }>['data'];

/** A command of `type` with its data; spelled out so each test shows the fields it is about. */
export const command = <T extends CallCommand['type']>(type: T, data: CommandData<T>): CallCommand =>
  ({ type, data }) as Extract<CallCommand, { type: T }>;

export const receiveCall = (overrides: Partial<CommandData<'ReceiveCall'>> = {}): CallCommand =>
  command('ReceiveCall', {
    callId: CALL_ID,
    organisationId: ORG_ID,
    queue: aQueue(),
    channel: 'pstn',
    caller: aCaller(),
    dialedNumber: '+3225551234',
    media: 'audio',
    at: at(0),
    ...overrides,
  });

export const hangUp = (overrides: Partial<CommandData<'HangUp'>> = {}): CallCommand =>
  command('HangUp', { by: 'caller', agentId: null, reason: null, wrapUpSeconds: 30, at: at(100), ...overrides });
