/**
 * Push-to-pull: turns a listener (ReadSide.onChange, ContactCenter.onEvent) into the async iterable a
 * GraphQL subscription returns. Unsubscribes when the client goes away.
 */
export const feed = <T>(subscribe: (push: (value: T) => void) => () => void, signal?: AbortSignal): AsyncIterableIterator<T> => {
  const buffered: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | null = null;
  let done = false;
  const unsubscribe = subscribe((value) => {
    if (done) return;
    if (waiting !== null) {
      const resolve = waiting;
      waiting = null;
      resolve({ value, done: false });
    } else if (buffered.length < 1000) {
      buffered.push(value);
    }
  });
  const finish = (): IteratorResult<T> => {
    if (!done) {
      done = true;
      unsubscribe();
      waiting?.({ value: undefined, done: true });
      waiting = null;
    }
    return { value: undefined, done: true };
  };
  signal?.addEventListener('abort', finish, { once: true });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next(): Promise<IteratorResult<T>> {
      if (buffered.length > 0) return Promise.resolve({ value: buffered.shift() as T, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return(): Promise<IteratorResult<T>> {
      return Promise.resolve(finish());
    },
  };
};
