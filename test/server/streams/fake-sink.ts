// A StreamSink for unit tests: records what is written, lets the test decide whether the
// transport accepts more (write() returning false) and when it drains or the client leaves.

import type { CloseReason, StreamSink } from "../../../src/server/streams/mod.ts";

/**
 * A controllable fake transport.
 * Example: `const sink = new FakeSink(); sink.accepting = false; …; sink.drain();`
 */
export class FakeSink implements StreamSink {
  readonly frames: Uint8Array[] = [];
  readonly ended: { reason: CloseReason; detail: string }[] = [];
  /** What write() returns: false = "transport buffer full, wait for drain" (the frame is still taken). */
  accepting = true;
  /** When set, write() throws it. */
  failure: Error | undefined;
  /** Called inside write(), after the frame is taken (re-entrancy tests). */
  onWrite: ((frame: Uint8Array) => void) | undefined;
  #drainListeners: (() => void)[] = [];
  #closeListeners: (() => void)[] = [];

  write(frame: Uint8Array): boolean {
    if (this.failure) throw this.failure;
    this.frames.push(frame);
    this.onWrite?.(frame);
    return this.accepting;
  }

  onDrain(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.#closeListeners.push(listener);
  }

  end(reason: CloseReason, detail: string): void {
    this.ended.push({ reason, detail });
  }

  /** Drain listeners waiting now. */
  get drainWaiters(): number {
    return this.#drainListeners.length;
  }

  /** The transport drained: each waiting listener is called once. */
  drain(): void {
    const listeners = this.#drainListeners;
    this.#drainListeners = [];
    for (const listener of listeners) listener();
  }

  /** The client cancelled the stream. */
  clientClose(): void {
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const listener of listeners) listener();
  }
}

/** A frame of `size` bytes whose first 4 bytes hold `n` (big-endian), as a Buffer. */
export function frameOf(n: number, size = 16): Buffer {
  const frame = Buffer.alloc(size);
  frame.writeUInt32BE(n, 0);
  return frame;
}

/** The numbers frameOf() put in each frame. */
export function numbersOf(frames: readonly Uint8Array[]): number[] {
  return frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength).readUInt32BE(0));
}

/** One captured log record. */
export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

/**
 * A Logger that keeps its records in `lines` (tests assert on them; nothing is printed).
 * Example: `const log = new CapturingLogger(); new StreamRegistry({ kind: "agent", log });`
 */
export class CapturingLogger {
  readonly lines: LogLine[] = [];
  readonly debugEnabled = false;
  error(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "error", msg, fields });
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "warn", msg, fields });
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "info", msg, fields });
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: "debug", msg, fields });
  }
  child(): CapturingLogger {
    return this;
  }
}
