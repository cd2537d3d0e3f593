// The group-commit writer every resource write goes through (DESIGN.md hot path point 2). Callers
// `await writer.submit(op)`; the first submit schedules a flush; one flush is in flight at a time
// and ops submitted meanwhile form the next batch, so batches grow under load and stay small
// when quiet (STYLE 20-22). A flush is ONE transaction of multi-row statements (write-batch.ts);
// every promise settles only after its transaction commits (or is known to have failed).
//
// Unexpected database errors never fail innocent rows: serialization failures and deadlocks are
// retried; any other SQL error splits the batch in halves, recursively, so each op ends with its
// own true outcome (a consumer deleted concurrently fails only the creates that needed it).
// Connection-level errors fail the whole batch with a retryable error: whether a COMMIT whose
// reply was lost took effect is unknown, so callers retry (a retried create then sees Conflict).

import { AssertionError, assert } from "../assert.ts";
import { Errors, type MaestroError } from "../errors.ts";
import {
  writeBatchBytesMax,
  writeBatchRowsMax,
  writeQueueBytesMax,
  writeQueueRowsMax,
  writeRetryAttemptsMax,
} from "../limits.ts";
import type { Database } from "./database.ts";
import { SqlState, sqlMessage, sqlState } from "./pg-errors.ts";
import { applyBatch, encodedBytes, encodeOp, type EncodedOp, type Settlement } from "./write-batch.ts";
import type { WriteOp, WriteResult, WriteResultFor } from "./write-ops.ts";

/** Bounds of one writer; each defaults to its limits.ts constant (tests shrink them). */
export interface BatchWriterOptions {
  readonly batchRowsMax?: number;
  readonly batchBytesMax?: number;
  readonly queueRowsMax?: number;
  readonly queueBytesMax?: number;
  readonly retryAttemptsMax?: number;
}

/** Counters for metrics; a snapshot, cheap to take. */
export interface BatchWriterStats {
  /** Batches taken from the queue (one first transaction each). */
  readonly flushes: number;
  /** Transactions attempted, including retries and the halves of split batches. */
  readonly transactions: number;
  /** Batches split in two after an unexpected SQL error. */
  readonly splits: number;
  /** Ops whose transaction committed: results plus per-row rule rejections. */
  readonly rowsCommitted: number;
  /** Ops rejected by a rule (duplicate, stale version, missing consumer, ...). */
  readonly rowsRejected: number;
  /** Ops failed by an unexpected database or connection error. */
  readonly rowsFailed: number;
  /** Submits refused because the queue was full. */
  readonly queueFullRejections: number;
  /** Ops in the largest batch so far, and in the last one. */
  readonly batchRowsMax: number;
  readonly batchRowsLast: number;
  /** Mean ops per flush. */
  readonly rowsPerFlush: number;
  /** Ops and payload bytes waiting behind the flush in flight. */
  readonly queueRows: number;
  readonly queueBytes: number;
}

interface Entry {
  readonly encoded: EncodedOp;
  readonly bytes: number;
  readonly resolve: (value: WriteResult) => void;
  readonly reject: (error: Error) => void;
}

interface Limits {
  readonly batchRowsMax: number;
  readonly batchBytesMax: number;
  readonly queueRowsMax: number;
  readonly queueBytesMax: number;
  readonly retryAttemptsMax: number;
}

type Counters = { -readonly [K in Exclude<keyof BatchWriterStats, "rowsPerFlush" | "queueRows" | "queueBytes">]: number };

/**
 * The group-commit writer. One per process, shared by every handler that writes resources.
 * Example:
 *   const writer = new BatchWriter(db);
 *   const { version } = await writer.submit({ kind: "update", id, version: 3, payload });
 *   await writer.close(); // at shutdown: refuses new ops, flushes the queued ones
 */
export class BatchWriter {
  readonly #db: Database;
  readonly #limits: Limits;
  #queue: Entry[] = [];
  #queueBytes = 0;
  #state: "open" | "closing" | "closed" = "open";
  #flushScheduled = false;
  #flushing = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  readonly #counters: Counters = {
    flushes: 0,
    transactions: 0,
    splits: 0,
    rowsCommitted: 0,
    rowsRejected: 0,
    rowsFailed: 0,
    queueFullRejections: 0,
    batchRowsMax: 0,
    batchRowsLast: 0,
  };

  constructor(db: Database, options: BatchWriterOptions = {}) {
    this.#db = db;
    this.#limits = {
      batchRowsMax: options.batchRowsMax ?? writeBatchRowsMax,
      batchBytesMax: options.batchBytesMax ?? writeBatchBytesMax,
      queueRowsMax: options.queueRowsMax ?? writeQueueRowsMax,
      queueBytesMax: options.queueBytesMax ?? writeQueueBytesMax,
      retryAttemptsMax: options.retryAttemptsMax ?? writeRetryAttemptsMax,
    };
    assert(this.#limits.batchRowsMax > 0, "batchRowsMax must be positive");
    assert(this.#limits.queueRowsMax > 0, "queueRowsMax must be positive");
    assert(this.#limits.retryAttemptsMax >= 1, "retryAttemptsMax must be at least 1");
  }

  /**
   * Queues one op; resolves with its result after the transaction holding it commits, or
   * rejects with its MaestroError (rule failure, bad input, queue full, closed, store down).
   * Example: `await writer.submit({ kind: "delete", id })`.
   */
  submit<O extends WriteOp>(op: O): Promise<WriteResultFor<O>> {
    if (this.#state !== "open") return Promise.reject(Errors.writerClosed());
    let encoded: EncodedOp;
    try {
      encoded = encodeOp(op);
    } catch (err) {
      return Promise.reject(err);
    }
    const bytes = encodedBytes(encoded);
    const overRows = this.#queue.length >= this.#limits.queueRowsMax;
    const overBytes = this.#queue.length > 0 && this.#queueBytes + bytes > this.#limits.queueBytesMax;
    if (overRows || overBytes) {
      this.#counters.queueFullRejections += 1;
      return Promise.reject(Errors.writeQueueFull());
    }
    return new Promise<WriteResultFor<O>>((resolve, reject) => {
      this.#queue.push({ encoded, bytes, resolve: resolve as (value: WriteResult) => void, reject });
      this.#queueBytes += bytes;
      this.#scheduleFlush();
    });
  }

  /**
   * Stops accepting ops (submit rejects with a retryable "closed" error), flushes what is
   * queued, and resolves when the last transaction has finished. Idempotent.
   * Example: `await writer.close()`.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#state = "closing";
      this.#closed = new Promise<void>((resolve) => {
        this.#resolveClosed = resolve;
      });
      this.#finishCloseIfDrained();
    }
    return this.#closed;
  }

  /** A snapshot of the counters, for metrics. Example: `writer.stats.rowsPerFlush`. */
  get stats(): BatchWriterStats {
    const c = this.#counters;
    return {
      ...c,
      rowsPerFlush: c.flushes === 0 ? 0 : (c.rowsCommitted + c.rowsFailed) / c.flushes,
      queueRows: this.#queue.length,
      queueBytes: this.#queueBytes,
    };
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#flushing) return;
    this.#flushScheduled = true;
    // setImmediate rather than a microtask: it runs after the I/O callbacks of this event-loop
    // turn, so ops arriving from many sockets at once share the first batch.
    setImmediate(() => {
      this.#flushScheduled = false;
      // Fire-and-forget is safe: #flushLoop settles every entry itself and rejects only on an
      // AssertionError (a bug), which #crash rethrows so the process stops loudly.
      this.#flushLoop().catch((err: unknown) => this.#crash(err));
    });
  }

  async #flushLoop(): Promise<void> {
    assert(!this.#flushing, "only one flush loop runs at a time");
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        this.#counters.flushes += 1;
        this.#counters.batchRowsLast = batch.length;
        this.#counters.batchRowsMax = Math.max(this.#counters.batchRowsMax, batch.length);
        await this.#commit(batch);
        // Re-check after the await: close() may have been called (we still drain: it promises
        // to flush what was queued), and new ops have queued up as the next batch.
        assert(this.#state !== "closed", "the writer closed while a flush was in flight");
      }
    } finally {
      this.#flushing = false;
      this.#finishCloseIfDrained();
    }
  }

  /** Takes the next batch: the whole queue when it fits (swap), else a prefix within the caps. */
  #takeBatch(): Entry[] {
    const queue = this.#queue;
    assert(queue.length > 0, "a batch is taken from a non-empty queue");
    if (queue.length <= this.#limits.batchRowsMax && this.#queueBytes <= this.#limits.batchBytesMax) {
      this.#queue = [];
      this.#queueBytes = 0;
      return queue;
    }
    let rows = 0;
    let bytes = 0;
    while (rows < queue.length && rows < this.#limits.batchRowsMax) {
      const next = queue[rows]!.bytes;
      // The first op always goes, even alone over the byte cap (limits.ts sizes the cap so that
      // one maximal gRPC message fits).
      if (rows > 0 && bytes + next > this.#limits.batchBytesMax) break;
      bytes += next;
      rows += 1;
    }
    this.#queueBytes -= bytes;
    return queue.splice(0, rows);
  }

  /** Commits a batch, retrying transient failures and splitting on other SQL errors. */
  async #commit(batch: Entry[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      this.#counters.transactions += 1;
      let settlements: Settlement[];
      try {
        settlements = await this.#db.transaction((tx) => applyBatch(tx, batch.map((entry) => entry.encoded)));
      } catch (err) {
        if (err instanceof AssertionError) {
          this.#fail(batch, err);
          throw err;
        }
        const kind = classifyDatabaseError(err);
        if (kind === "transient" && attempt < this.#limits.retryAttemptsMax) continue;
        if (kind === "unavailable") return this.#fail(batch, Errors.storeUnavailable(err));
        if (batch.length === 1) return this.#fail(batch, leafError(batch[0]!.encoded, err));
        this.#counters.splits += 1;
        const half = batch.length >>> 1;
        // Halves run in submission order, so ops on one id keep their order across the split.
        await this.#commit(batch.slice(0, half));
        await this.#commit(batch.slice(half));
        return;
      }
      assert(settlements.length === batch.length, "one settlement per op");
      this.#settle(batch, settlements);
      return;
    }
  }

  #settle(batch: readonly Entry[], settlements: readonly Settlement[]): void {
    this.#counters.rowsCommitted += batch.length;
    batch.forEach((entry, i) => {
      const settlement = settlements[i]!;
      if (settlement.ok) {
        entry.resolve(settlement.value);
      } else {
        this.#counters.rowsRejected += 1;
        entry.reject(settlement.error);
      }
    });
  }

  #fail(batch: readonly Entry[], error: Error): void {
    this.#counters.rowsFailed += batch.length;
    for (const entry of batch) entry.reject(error);
  }

  #finishCloseIfDrained(): void {
    if (this.#state !== "closing") return;
    if (this.#flushing || this.#flushScheduled || this.#queue.length > 0) return;
    this.#state = "closed";
    this.#resolveClosed?.();
  }

  #crash(err: unknown): void {
    // A broken invariant: stop the process outside any promise chain (STYLE 11).
    setTimeout(() => {
      throw err;
    }, 0);
  }
}

type DatabaseErrorKind = "transient" | "unavailable" | "statement";

/**
 * Sorts a failure by its SQLSTATE: serialization failure and deadlock are worth a retry;
 * connection, resource and operator classes (08, 53, 57, 58) and errors without a SQLSTATE
 * (socket closed, PGlite closed) mean the store is unavailable; anything else is the
 * statement's fault, so one of the batch's rows is bad and splitting finds it.
 */
export function classifyDatabaseError(err: unknown): DatabaseErrorKind {
  const code = sqlState(err);
  if (code === undefined) return "unavailable";
  if (code === SqlState.serializationFailure || code === SqlState.deadlockDetected) return "transient";
  if (["08", "53", "57", "58"].includes(code.slice(0, 2))) return "unavailable";
  return "statement";
}

/** The error of one op that failed alone, with Maestro's texts (`handleCreateError` & co). */
function leafError(encoded: EncodedOp, err: unknown): MaestroError {
  const code = sqlState(err);
  const text = sqlMessage(err);
  switch (encoded.op.kind) {
    case "create":
      // The consumer vanished between the existence check and the FK check (deleted concurrently).
      if (code === SqlState.foreignKeyViolation) return Errors.consumerNameNotFound(encoded.op.consumerName);
      if (code === SqlState.uniqueViolation) return Errors.resourceAlreadyExists();
      return Errors.general(`Unable to create Resource: ${text}`, err);
    case "update":
    case "status":
      return Errors.general(`Unable to update Resource: ${text}`, err);
    case "delete":
      return Errors.general(`Unable to delete Resource: ${text}`, err);
  }
}
