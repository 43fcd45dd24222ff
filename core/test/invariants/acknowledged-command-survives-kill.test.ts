/**
 * Invariant 6: an acknowledged command is never lost, not even on kill -9.
 * A real core process takes a stream of commands (calls arriving, agents changing status) and is
 * killed with SIGKILL at a random moment while commands are in flight; the log, opened afterwards by
 * the test, must hold every event of every acknowledged command, at the acknowledged position, with
 * the acknowledged content, and its positions must still be gap-free. Three kill rounds on one file.
 */
import { randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { addAgent, createOrganisation, createQueue, receiveCall, setStatus } from './support/center-setup.ts';
import { ChildGoneError, CoreChild, killAllChildren } from './support/core-child.ts';
import { positionGap, readWholeLog, tempStoreFile } from './support/event-log.ts';
import type { AckReply, ChildReply, ChildRequestBody } from './support/protocol.ts';

const AGENTS = Array.from({ length: 8 }, (_, n) => `agent-${n + 1}`);
const PLANNED_PER_ROUND = 5000;
const IN_FLIGHT = 16;

/** What the test asked for, so the stored content is checked against the request, not only against the ack. */
type Expectation = { kind: 'call'; callId: string } | { kind: 'status'; agentId: string; status: string };

interface Acknowledged {
  expectation: Expectation;
  ack: AckReply;
}

interface RoundOutcome {
  acknowledged: Acknowledged[];
  /** Requests written to the child but not answered when it was killed. */
  unansweredAtKill: number;
  refused: number;
}

let cleanup: (() => void) | null = null;
afterEach(async () => {
  await killAllChildren();
  cleanup?.();
  cleanup = null;
});

/** Streams commands with a bounded window and kills the child with SIGKILL after `killAfterAcks` acks. */
const streamUntilKilled = async (child: CoreChild, round: number, killAfterAcks: number): Promise<RoundOutcome> => {
  const acknowledged: Acknowledged[] = [];
  let refused = 0;
  let sent = 0;
  let answered = 0;
  let unansweredAtKill = -1;
  const statusOf = new Map<string, string>(AGENTS.map((agentId) => [agentId, 'online']));

  const next = (): { body: ChildRequestBody; expectation: Expectation } => {
    const n = sent;
    if (n % 3 === 2) {
      const agentId = AGENTS[n % AGENTS.length] as string;
      const status = statusOf.get(agentId) === 'online' ? 'break' : 'online';
      statusOf.set(agentId, status);
      return { body: setStatus(agentId, status), expectation: { kind: 'status', agentId, status } };
    }
    const callId = `r${round}-c${n}`;
    return { body: receiveCall(callId, 'q1'), expectation: { kind: 'call', callId } };
  };

  const onReply = (reply: ChildReply, expectation: Expectation): void => {
    answered += 1;
    if ('error' in reply) refused += 1;
    else acknowledged.push({ expectation, ack: reply });
    if (acknowledged.length >= killAfterAcks && child.alive && unansweredAtKill < 0) {
      // Killed synchronously on the ack, while the rest of the window is still being worked on.
      unansweredAtKill = sent - answered;
      child.process.kill('SIGKILL');
    }
  };

  const lane = async (): Promise<void> => {
    while (child.alive && unansweredAtKill < 0 && sent < PLANNED_PER_ROUND) {
      const { body, expectation } = next();
      sent += 1;
      try {
        onReply(await child.send(body), expectation);
      } catch (error) {
        if (!(error instanceof ChildGoneError)) throw error;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await child.exited;
  return { acknowledged, unansweredAtKill, refused };
};

/** Every acknowledged event must be in the log exactly as acknowledged, and as requested. */
const lostOrAltered = (log: readonly RecordedEvent[], acknowledged: readonly Acknowledged[]): string[] => {
  const problems: string[] = [];
  for (const { expectation, ack } of acknowledged) {
    expect(ack.positions).toEqual(ack.events.map((event) => event.position));
    for (const acked of ack.events) {
      const stored = log[acked.position - 1];
      const same =
        stored !== undefined &&
        stored.position === BigInt(acked.position) &&
        stored.id === acked.id &&
        stored.streamId === acked.streamId &&
        stored.revision === acked.revision &&
        stored.type === acked.type &&
        isDeepStrictEqual(stored.data, acked.data);
      if (!same) problems.push(`ack ${ack.ack}: event ${acked.type} @${acked.position} is ${stored === undefined ? 'missing' : `${stored.type} ${stored.id}`}`);
    }
    const own = ack.events.map((event) => log[event.position - 1]);
    if (expectation.kind === 'call') {
      const received = own.find((event) => event?.type === 'CallReceived');
      if (received?.streamId !== `call-${expectation.callId}` || (received.data as { callId: string }).callId !== expectation.callId) {
        problems.push(`ack ${ack.ack}: no CallReceived for ${expectation.callId} at the acknowledged positions`);
      }
    } else if (ack.events.length > 0) {
      const changed = own.find((event) => event?.type === 'AgentStatusChanged');
      if (changed?.streamId !== `agent-${expectation.agentId}` || (changed.data as { status: string }).status !== expectation.status) {
        problems.push(`ack ${ack.ack}: no AgentStatusChanged to ${expectation.status} for ${expectation.agentId} at the acknowledged positions`);
      }
    }
  }
  return problems;
};

describe('invariant 6: an acknowledged command is never lost, not even on kill -9', () => {
  test('a core process killed with SIGKILL mid-stream, three times on one file, loses no acknowledged event and leaves no gap', async () => {
    const store = tempStoreFile();
    cleanup = store.remove;
    const everyAck: Acknowledged[] = [];

    for (let round = 1; round <= 3; round += 1) {
      const child = await CoreChild.start(store.file);
      if (round === 1) {
        await createOrganisation(child);
        await createQueue(child, 'q1');
        for (const agentId of AGENTS) await addAgent(child, agentId, ['q1']);
      }
      const killAfterAcks = randomInt(100, 1500);
      const outcome = await streamUntilKilled(child, round, killAfterAcks);
      const exit = await child.exited;

      expect(exit.signal, child.stderrTail()).toBe('SIGKILL');
      expect(outcome.acknowledged.length).toBeGreaterThanOrEqual(killAfterAcks);
      // It really died mid-stream: requests were still being worked on.
      expect(outcome.unansweredAtKill).toBeGreaterThan(0);
      everyAck.push(...outcome.acknowledged);

      // Opened by the test only after the kill: what the child acknowledged must all be there.
      const log = await readWholeLog(store.file);
      expect(positionGap(log)).toBeNull();
      expect(new Set(log.map((event) => event.id)).size).toBe(log.length);
      expect(lostOrAltered(log, everyAck)).toEqual([]);
      const highestAcked = Math.max(...everyAck.flatMap((acked) => acked.ack.positions));
      expect(log.length).toBeGreaterThanOrEqual(highestAcked);
    }
    console.log(`kill -9 rounds: ${everyAck.length} acknowledged commands checked against the log`); // not asserted: the kill moments are random
    // The rounds did pile up real work: calls received, routed and statuses changed across three crashes.
    const log = await readWholeLog(store.file);
    expect(log.filter((event) => event.type === 'CallReceived').length).toBeGreaterThanOrEqual(everyAck.filter((a) => a.expectation.kind === 'call').length);
    expect(log.some((event) => event.type === 'CallOffered')).toBe(true);
  });
});
