/** Reading the shared SQLite log from the test process, and waiting on it without fixed sleeps. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordedEvent } from '../../../src/eventstore/port.ts';
import { SqliteEventStore } from '../../../src/eventstore/sqlite-event-store.ts';

const PAGE = 5000;

/** A temp dir with the path of an event-store file in it; `remove` deletes both. */
export const tempStoreFile = (): { dir: string; file: string; remove: () => void } => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cc-invariant-'));
  return { dir, file: path.join(dir, 'events.sqlite'), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
};

export const readAllFrom = async (store: SqliteEventStore, after = 0n): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for (let from = after; ; ) {
    const page = await store.readAll({ after: from, maxCount: PAGE });
    events.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return events;
    from = last.position;
  }
};

/** The whole log, through a connection of the test's own (opening it also recovers a WAL left by kill -9). */
export const readWholeLog = async (file: string): Promise<RecordedEvent[]> => {
  const store = SqliteEventStore.open({ file });
  try {
    return await readAllFrom(store);
  } finally {
    await store.close();
  }
};

/** Follows the log incrementally: each `poll` returns only events appended since the last one. */
export class LogFollower {
  readonly store: SqliteEventStore;
  readonly seen: RecordedEvent[] = [];
  #after = 0n;

  constructor(file: string) {
    this.store = SqliteEventStore.open({ file });
  }

  async poll(): Promise<RecordedEvent[]> {
    const fresh = await readAllFrom(this.store, this.#after);
    const last = fresh.at(-1);
    if (last !== undefined) this.#after = last.position;
    this.seen.push(...fresh);
    return fresh;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns something other than undefined, or fails after `timeoutMs` saying what it waited for. */
export const waitFor = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, intervalMs = 25): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
};

/** Waits until the wall clock has passed `millis` (a due time read from an event). */
export const waitUntilPast = async (millis: number): Promise<void> => {
  const left = millis - Date.now();
  if (left > 0) await sleep(left + 50);
};

/** Positions must run 1, 2, 3, ... with no hole and no repeat; returns the first offence, or null. */
export const positionGap = (events: readonly RecordedEvent[]): string | null => {
  for (let index = 0; index < events.length; index += 1) {
    const position = (events[index] as RecordedEvent).position;
    if (position !== BigInt(index + 1)) return `event #${index + 1} of the log has position ${position}`;
  }
  return null;
};

export const ofType = <Data = Record<string, unknown>>(events: readonly RecordedEvent[], type: string, streamId?: string): Array<RecordedEvent<string, Data>> =>
  events.filter((event) => event.type === type && (streamId === undefined || event.streamId === streamId)) as Array<RecordedEvent<string, Data>>;
