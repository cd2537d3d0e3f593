// Warnings rate-limited per key (STYLE 25): the first of a kind is written at once, repeats
// within the interval are only counted and reported with the next line written for that key.

import type { Logger } from "./logger.ts";

/** Keys remembered at most; a peer inventing keys can only make the table reset. */
const keysMax = 1_024;

/**
 * One warn line per key per interval; the line says how many were suppressed since the last.
 * Example: `const w = new RateLimitedWarn(log, 10_000); w.warn("malformed", "dropped a malformed message", { topic });`
 */
export class RateLimitedWarn {
  readonly #last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes `msg` at warn unless a line for `key` was written less than the interval ago. */
  warn(key: string, msg: string, fields: Record<string, unknown>): void {
    const nowMs = this.now();
    const last = this.#last.get(key);
    if (last !== undefined && nowMs - last.atMs < this.intervalMs) {
      last.suppressed += 1;
      return;
    }
    if (last === undefined && this.#last.size >= keysMax) this.#last.clear();
    this.#last.set(key, { atMs: nowMs, suppressed: 0 });
    this.log.warn(msg, { ...fields, suppressedSinceLast: last?.suppressed ?? 0 });
  }
}
