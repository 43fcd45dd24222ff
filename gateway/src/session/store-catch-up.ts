/**
 * Reads every event already in the store under one stream prefix, page by page, in log order:
 * the directories fold them on start, then follow the live feed (which may overlap).
 */
import type { EventStore, RecordedEvent } from '@cc/core';

const PAGE = 500;

export const catchUpStreams = async (store: EventStore, streamPrefix: string, apply: (event: RecordedEvent) => void): Promise<void> => {
  let after = 0n;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE, streamPrefixes: [streamPrefix] });
    for (const event of page) apply(event);
    const last = page.at(-1);
    if (last === undefined || page.length < PAGE) return;
    after = last.position;
  }
};
