// Reads coalesced into batches: keys asked for while a batch query runs (or in the same tick)
// share the next query, chunked and with a bounded number in flight (a resync storm of N agents
// becomes N/1,000 queries instead of N). The batch function is the only I/O.

interface Waiter<V> {
  resolve(value: V): void;
  reject(err: unknown): void;
}

/** Bounds of one coalescer. */
export interface CoalescedReadsLimits {
  /** Keys per batch query. */
  readonly keysPerBatch: number;
  /** Batch queries running at once; further keys wait and join the next batch. */
  readonly batchesInFlight: number;
}

/**
 * Coalesces single-key reads into batch reads.
 * Example: `const specs = new CoalescedReads((names) => repo.specsForConsumers(names), limits, []);
 * await specs.load("cluster1")`.
 */
export class CoalescedReads<K, V> {
  readonly #pending = new Map<K, Waiter<V>[]>();
  #inFlight = 0;
  #scheduled = false;

  constructor(
    /** Reads many keys at once; a key missing from the result gets `missing`. */
    private readonly readBatch: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly limits: CoalescedReadsLimits,
    private readonly missing: V,
  ) {}

  /** Keys waiting for a batch (for tests and metrics). */
  get pendingKeys(): number {
    return this.#pending.size;
  }

  /** Reads one key; the same key asked twice before its batch runs is read once. */
  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiters = this.#pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.#pending.set(key, [{ resolve, reject }]);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= this.limits.batchesInFlight) return;
    this.#scheduled = true;
    // After the current I/O callbacks, so requests that arrived together share one batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#startBatches();
    });
  }

  #startBatches(): void {
    while (this.#pending.size > 0 && this.#inFlight < this.limits.batchesInFlight) {
      const batch = new Map<K, Waiter<V>[]>();
      for (const [key, waiters] of this.#pending) {
        batch.set(key, waiters);
        this.#pending.delete(key);
        if (batch.size >= this.limits.keysPerBatch) break;
      }
      this.#inFlight += 1;
      void this.#run(batch);
    }
  }

  async #run(batch: Map<K, Waiter<V>[]>): Promise<void> {
    try {
      const values = await this.readBatch([...batch.keys()]);
      for (const [key, waiters] of batch) {
        const value = values.has(key) ? values.get(key)! : this.missing;
        for (const w of waiters) w.resolve(value);
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    } finally {
      this.#inFlight -= 1;
      if (this.#pending.size > 0) this.#schedule();
    }
  }
}
