// A FIFO of frames with a byte total: the per-stream outbound queue. An array with a moving
// head (amortised O(1) shift, compacted when half is dead) and no per-item allocation.

import { assert } from "../../assert.ts";

/** Compact the backing array once this many leading slots are dead and they are half of it. */
const COMPACT_HEAD_MIN = 1_024;

/**
 * Frames waiting for a transport, oldest first; `bytes` is the sum of their lengths.
 * Example: `const q = new FrameQueue(); q.push(frame); q.shift() === frame`.
 */
export class FrameQueue {
  #items: (Uint8Array | undefined)[] = [];
  #head = 0;
  #bytes = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(frame: Uint8Array): void {
    this.#items.push(frame);
    this.#bytes += frame.byteLength;
  }

  /** The oldest frame, removed; undefined when empty. */
  shift(): Uint8Array | undefined {
    if (this.#head === this.#items.length) return undefined;
    const frame = this.#items[this.#head];
    assert(frame !== undefined, "a live queue slot holds a frame");
    this.#items[this.#head] = undefined;
    this.#head++;
    this.#bytes -= frame.byteLength;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_HEAD_MIN && this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    assert(this.#bytes >= 0, "queued bytes never go negative");
    return frame;
  }

  /** Drops every frame (the stream closed). */
  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
