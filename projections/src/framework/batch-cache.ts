/**
 * Rows a projection reads and changes many times within one batch (a call gets ~10 events, often
 * in the same batch) are kept in memory for the batch and written once at its end, inside the
 * batch's transaction. Cleared after every batch, so the database stays the only state between
 * batches and a rolled-back batch leaves nothing behind.
 */
export class BatchCache<Row> {
  readonly #load: (key: string) => Row | undefined;
  readonly #save: (key: string, row: Row) => void;
  readonly #rows = new Map<string, Row | undefined>();
  readonly #dirty = new Set<string>();

  constructor(load: (key: string) => Row | undefined, save: (key: string, row: Row) => void) {
    this.#load = load;
    this.#save = save;
  }

  get(key: string): Row | undefined {
    if (this.#rows.has(key)) return this.#rows.get(key);
    const row = this.#load(key);
    this.#rows.set(key, row);
    return row;
  }

  /** Stores a new or changed row, written at flush. */
  set(key: string, row: Row): void {
    this.#rows.set(key, row);
    this.#dirty.add(key);
  }

  flush(): void {
    for (const key of this.#dirty) {
      const row = this.#rows.get(key);
      if (row !== undefined) this.#save(key, row);
    }
    this.discard();
  }

  discard(): void {
    this.#rows.clear();
    this.#dirty.clear();
  }
}
