/** The line protocol between an invariant test and a core child process (one JSON object per line). */
import type { CommandContext } from '../../../src/runtime/command-context.ts';

/** A command to run through `ContactCenter.execute`; `data.at` is filled in by the child when absent. */
export interface ExecuteRequest {
  id: number;
  kind: 'execute';
  aggregate: 'organisation' | 'queue' | 'agent' | 'call';
  entityId: string;
  command: { type: string; data: Record<string, unknown> };
  context: CommandContext;
}

export interface ReceiveCallRequest {
  id: number;
  kind: 'receiveCall';
  /** A ReceiveCallInput; callId should be set so the test knows the call before the ack. */
  input: { callId: string; organisationId: string; queueId: string; channel: string; caller: { number: string | null; name: string | null; customerId: null } };
  context: CommandContext;
}

export interface HangUpRequest {
  id: number;
  kind: 'hangUp';
  callId: string;
  by: string;
  agentId: string | null;
  reason: string | null;
  context: CommandContext;
}

/** `idle` acks once the child's core has settled; `stats` acks with the router's counters. */
export interface ControlRequest {
  id: number;
  kind: 'idle' | 'stats';
}

export type ChildRequest = ExecuteRequest | ReceiveCallRequest | HangUpRequest | ControlRequest;

/** Without `id`: what a test hands to `CoreChild.send`, which numbers requests itself. */
export type ChildRequestBody = WithoutId<ChildRequest>;
type WithoutId<R> = R extends ChildRequest ? Omit<R, 'id'> : never;

/** An event as the child appended it, for comparison with the log after a crash. */
export interface StoredEventView {
  id: string;
  streamId: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
}

export interface AckReply {
  ack: number;
  positions: number[];
  events: StoredEventView[];
  stats?: Record<string, number>;
}

export interface ErrorReply {
  error: number;
  code: string;
  message: string;
}

export type ChildReply = AckReply | ErrorReply;
