// A clock that moves only when told to, for tests and benches that need simulated statuses to be
// deterministic. One clock can drive any number of clusters (it is just a number).

import { assert } from "../../assert.ts";

/**
 * A manual clock in ms since the epoch. `now` is a bound function, so it can be passed as a
 * SimulatedCluster's `now` option directly.
 * Example:
 * ```ts
 * const clock = new ManualClock(Date.parse("2025-01-01T00:00:00Z"));
 * const cluster = new SimulatedCluster({ name: "c1", now: clock.now });
 * clock.advance(2_000);
 * ```
 */
export class ManualClock {
  private ms: number;

  constructor(startMs = 0) {
    assert(Number.isFinite(startMs), "a clock starts at a finite time");
    this.ms = startMs;
  }

  /** The current time. */
  readonly now = (): number => this.ms;

  /** Moves the clock forward by `ms` (never backward). Example: `clock.advance(500)`. */
  advance(ms: number): void {
    assert(ms >= 0, "a clock never goes backward");
    this.ms += ms;
  }
}
