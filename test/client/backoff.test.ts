// Reconnect backoff: growth, cap, bounded jitter.

import { describe, expect, test } from "bun:test";
import { backoffDelayMs, DEFAULT_BACKOFF } from "../../src/client/backoff.ts";

describe("backoffDelayMs", () => {
  const noJitter = () => 0;

  test("doubles from 500 ms up to the 30 s cap", () => {
    const delays = Array.from({ length: 9 }, (_, i) => backoffDelayMs(i, DEFAULT_BACKOFF, noJitter));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  test("jitter takes off at most its fraction and never exceeds the cap", () => {
    expect(backoffDelayMs(0, DEFAULT_BACKOFF, () => 0.999999)).toBeCloseTo(250, 0);
    for (let attempt = 0; attempt < 100; attempt++) {
      const d = backoffDelayMs(attempt, DEFAULT_BACKOFF);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxDelayMs);
    }
  });

  test("huge attempt numbers stay finite", () => {
    expect(backoffDelayMs(10_000, DEFAULT_BACKOFF, noJitter)).toBe(30_000);
  });

  test("custom options", () => {
    const opts = { initialDelayMs: 10, maxDelayMs: 100, factor: 3, jitter: 0 };
    expect([0, 1, 2, 3].map((a) => backoffDelayMs(a, opts))).toEqual([10, 30, 90, 100]);
  });

  test("a negative attempt is a programmer error", () => {
    expect(() => backoffDelayMs(-1)).toThrow("attempt is a non-negative integer");
  });
});
