// Reconnect pacing for the source connection: bounded exponential backoff with jitter, and the
// injectable clock and timers it runs on (tests drive them by hand; production uses the globals).

import { assert } from "../assert.ts";
import {
  sourceReconnectDelayInitialMs,
  sourceReconnectDelayMaxMs,
  sourceReconnectFactor,
  sourceReconnectJitter,
} from "../limits.ts";

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry. */
  readonly initialDelayMs: number;
  /** No delay is ever longer than this. */
  readonly maxDelayMs: number;
  /** Each failed attempt multiplies the delay by this (>= 1). */
  readonly factor: number;
  /** Fraction in [0, 1) of each delay taken off at random. */
  readonly jitter: number;
}

/** The defaults, from limits.ts: 500 ms doubling to 30 s, up to half taken off at random. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialDelayMs: sourceReconnectDelayInitialMs,
  maxDelayMs: sourceReconnectDelayMaxMs,
  factor: sourceReconnectFactor,
  jitter: sourceReconnectJitter,
});

/**
 * The delay before retry number `attempt` (0-based): min(max, initial * factor^attempt), minus
 * up to `jitter` of it at random. Unlike Go's wait.Backoff (which adds jitter on top and may pass
 * the cap), the result always lies in [base * (1 - jitter), base] and never exceeds maxDelayMs.
 * Example: `backoffDelayMs(3, DEFAULT_BACKOFF, () => 0)` -> 4000.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  assert(Number.isInteger(attempt) && attempt >= 0, "attempt is a non-negative integer");
  assert(options.jitter >= 0 && options.jitter < 1, "jitter is a fraction below 1");
  const grown = options.initialDelayMs * options.factor ** Math.min(attempt, 64);
  const base = Math.min(options.maxDelayMs, grown);
  const delay = base - base * options.jitter * random();
  assert(delay > 0 && delay <= options.maxDelayMs, "a delay is positive and within the maximum");
  return delay;
}

/** An opaque timer handle, as returned by Timers.setTimeout. */
export type TimerHandle = unknown;

/** The clock and one-shot timers the connection uses; injectable for tests. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock and timers.
 * Example: `new SourceConnection({ …, timers: systemTimers })`.
 */
export const systemTimers: Timers = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, delayMs: number): TimerHandle => setTimeout(fn, delayMs),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
