// One timer for every stream of every registry (DESIGN hot path 6): each tick encodes ONE
// heartbeat CloudEvent (fresh UUID) and offers that same frame to each registry.

import { assert } from "../../assert.ts";
import { heartbeatMessage } from "../../cloudevents/ocm-binding.ts";
import { encodeCloudEventMessage } from "../../cloudevents/proto-encode.ts";
import type { StreamRegistry } from "./registry.ts";

/**
 * The timer functions the ticker uses (tests inject fakes; STYLE 23).
 * Example: `{ setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h as Timer) }`.
 */
export interface TickerTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/**
 * Options of a HeartbeatTicker.
 * Example: `new HeartbeatTicker([agents], 10_000, { timers: fakeTimers })`.
 */
export interface HeartbeatTickerOptions {
  readonly timers?: TickerTimers;
  /** Builds one tick's frame; defaults to Maestro's heartbeat (maestro-wire.md 1.4 point 3). */
  readonly encode?: () => Uint8Array;
}

const realTimers: TickerTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
};

/**
 * The encoded heartbeat: spec_version "1.0", a new UUID v4 id, the heartbeat type, nothing else.
 * Example: `registry.heartbeat(encodeHeartbeatFrame())`.
 */
export function encodeHeartbeatFrame(): Uint8Array {
  return encodeCloudEventMessage(heartbeatMessage());
}

/**
 * Sends heartbeats to every registry's streams every `intervalMs` (0 = disabled; then do not start()).
 * Example: `const t = new HeartbeatTicker([sources, agents], 10_000); t.start(); … t.stop();`
 */
export class HeartbeatTicker {
  readonly #timers: TickerTimers;
  readonly #encode: () => Uint8Array;
  #handle: unknown = undefined;
  #ticks = 0;

  constructor(
    private readonly registries: readonly StreamRegistry[],
    private readonly intervalMs: number,
    options: HeartbeatTickerOptions = {},
  ) {
    assert(Number.isFinite(intervalMs), "the heartbeat interval is finite");
    assert(intervalMs >= 0, "the heartbeat interval is not negative (0 = heartbeats disabled: never start())");
    this.#timers = options.timers ?? realTimers;
    this.#encode = options.encode ?? encodeHeartbeatFrame;
  }

  /** Ticks run so far. */
  get ticks(): number {
    return this.#ticks;
  }

  start(): void {
    assert(this.intervalMs > 0, "a ticker with heartbeats disabled (interval 0) is not started");
    assert(this.#handle === undefined, "the ticker is started once");
    const handle = this.#timers.setInterval(() => this.tick(), this.intervalMs);
    // The ticker alone must not keep a process alive (the gRPC servers do that while they run).
    (handle as { unref?: () => void } | null)?.unref?.();
    this.#handle = handle;
  }

  stop(): void {
    if (this.#handle === undefined) return;
    this.#timers.clearInterval(this.#handle);
    this.#handle = undefined;
  }

  /** One heartbeat now: one encode, the same frame offered to every registry. */
  tick(): void {
    const frame = this.#encode();
    for (const registry of this.registries) registry.heartbeat(frame);
    this.#ticks++;
  }
}
