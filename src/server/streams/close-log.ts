// Stream closes: a counter per reason, the recent closes in a ring buffer (STYLE 9), and log
// lines rate-limited per reason (STYLE 25): slow consumers at info, write errors at warn.

import type { Logger } from "../../observability/logger.ts";
import { Ring } from "./ring.ts";
import { closeReasons, type CloseReason, type CloseRecord } from "./types.ts";

/** Reasons worth a line at info or warn: the client did not keep up or the transport broke. */
const loggedReasons: ReadonlySet<CloseReason> = new Set<CloseReason>([
  "SlowConsumerPendingBytes",
  "SlowConsumerPendingCount",
  "ShardOverflow",
  "WriteDeadline",
  "WriteError",
]);

/**
 * Counts and remembers closes for one registry.
 * Example: `log.record({ id, key, reason: "WriteError", detail, atMs: Date.now(), sentFrames: 3 })`.
 */
export class CloseLog {
  readonly counts: Record<CloseReason, number>;
  readonly #ring: Ring<CloseRecord>;
  readonly #lastLogMs = new Map<CloseReason, number>();
  readonly #suppressed = new Map<CloseReason, number>();

  constructor(
    recordsMax: number,
    private readonly logIntervalMs: number,
    private readonly log: Logger,
  ) {
    this.#ring = new Ring<CloseRecord>(recordsMax);
    const counts = {} as Record<CloseReason, number>;
    for (const reason of closeReasons) counts[reason] = 0;
    this.counts = counts;
  }

  record(rec: CloseRecord): void {
    this.counts[rec.reason]++;
    this.#ring.push(rec);
    if (loggedReasons.has(rec.reason)) this.#logRateLimited(rec);
    else if (this.log.debugEnabled) this.log.debug("stream closed", { ...rec });
  }

  /** Recent closes, oldest first, newest last; at most `recordsMax`. */
  recent(): readonly CloseRecord[] {
    return this.#ring.toArray();
  }

  #logRateLimited(rec: CloseRecord): void {
    const last = this.#lastLogMs.get(rec.reason);
    if (last !== undefined && rec.atMs - last < this.logIntervalMs) {
      this.#suppressed.set(rec.reason, (this.#suppressed.get(rec.reason) ?? 0) + 1);
      return;
    }
    const suppressed = this.#suppressed.get(rec.reason) ?? 0;
    this.#suppressed.delete(rec.reason);
    this.#lastLogMs.set(rec.reason, rec.atMs);
    const fields = { ...rec, suppressedSinceLast: suppressed };
    if (rec.reason === "WriteError") this.log.warn("stream closed: write failed", fields);
    else this.log.info("stream closed: slow consumer", fields);
  }
}
