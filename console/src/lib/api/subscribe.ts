/**
 * GraphQL subscriptions over SSE as graphql-yoga serves them (graphql-sse "distinct connections"
 * mode: POST /graphql with `Accept: text/event-stream`, then `event: next` / `event: complete`).
 * A dropped stream is reopened with backoff; the connection store drives the "connection lost" banner.
 */
import { connection } from '../stores/connection.svelte';
import type { GraphqlErrorShape } from './graphql';

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  /** A GraphQL error for this subscription (e.g. FORBIDDEN); the subscription is not reopened. */
  error?(error: GraphqlErrorShape): void;
  /** Called after a dropped stream is open again, so callers can refetch what they may have missed. */
  reconnected?(): void;
}

let counter = 0;

export const subscribe = <T>(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<T>): (() => void) => {
  const feed = `feed-${(counter += 1)}`;
  const controller = new AbortController();
  let stopped = false;
  let attempt = 0;

  const run = async (): Promise<void> => {
    let opened = false;
    try {
      const response = await fetch('/graphql', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      if (!response.ok || response.body === null) throw new Error(`subscription answered ${response.status}`);
      opened = true;
      connection.report(feed, true);
      if (attempt > 0) handlers.reconnected?.();
      attempt = 0;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (event === 'complete') return finish();
          if (data.length === 0) continue; // a keep-alive comment
          const payload = JSON.parse(data.join('\n')) as { data?: T; errors?: GraphqlErrorShape[] };
          const first = payload.errors?.[0];
          if (first !== undefined) {
            handlers.error?.(first);
            return finish();
          }
          if (payload.data !== undefined) handlers.next(payload.data);
        }
      }
    } catch {
      if (stopped) return;
    }
    if (stopped) return;
    // The stream ended or failed: report it and try again with backoff (1 s, 2 s, 4 s … up to 10 s).
    connection.report(feed, false);
    attempt += 1;
    const delay = opened ? 500 : Math.min(10_000, 1000 * 2 ** Math.min(attempt - 1, 4));
    setTimeout(() => {
      if (!stopped) void run();
    }, delay);
  };

  const finish = (): void => {
    stopped = true;
    connection.forget(feed);
  };

  void run();
  return () => {
    stopped = true;
    controller.abort();
    connection.forget(feed);
  };
};
