// One shard of a registry: a bounded queue of pending deliveries (destination, frame), drained
// as a whole batch (swap the arrays, process all, reuse them) once per event-loop turn.

import { assert } from "../../assert.ts";

/**
 * A batch taken from a shard: parallel arrays, and the sequence number before its first item.
 * Example: `const { dests, frames, baseSeq } = shard.take();`
 */
export interface ShardBatch<D> {
  readonly dests: D[];
  readonly frames: Uint8Array[];
  /** Item i has sequence number `baseSeq + i + 1`. */
  readonly baseSeq: number;
}

/**
 * The pending deliveries of one shard. `D` is a key (fanout) or one stream (deliverTo).
 * Example: `if (shard.fits(frame.byteLength, fMax, bMax)) shard.push(key, frame);`
 */
export class Shard<D> {
  #dests: D[] = [];
  #frames: Uint8Array[] = [];
  #spareDests: D[] = [];
  #spareFrames: Uint8Array[] = [];
  #bytes = 0;
  /** Deliveries ever accepted; the last one's sequence number. */
  enqueuedSeq = 0;
  /** Deliveries ever taken for draining. */
  drainedSeq = 0;
  /** A drain is scheduled for the next turn. */
  scheduled = false;
  /** A drain is running (deliveries made now wait for the next one). */
  draining = false;
  /** The deepest this queue has been, in frames. */
  depthMax = 0;

  constructor(readonly index: number) {}

  get length(): number {
    return this.#dests.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** True if one more frame of `frameBytes` stays within both bounds. */
  fits(frameBytes: number, framesMax: number, bytesMax: number): boolean {
    return this.#dests.length < framesMax && this.#bytes + frameBytes <= bytesMax;
  }

  push(dest: D, frame: Uint8Array): void {
    this.#dests.push(dest);
    this.#frames.push(frame);
    this.#bytes += frame.byteLength;
    this.enqueuedSeq++;
    if (this.#dests.length > this.depthMax) this.depthMax = this.#dests.length;
  }

  /** Takes every pending delivery; the shard starts again on its spare arrays. */
  take(): ShardBatch<D> {
    const batch = { dests: this.#dests, frames: this.#frames, baseSeq: this.drainedSeq };
    this.#dests = this.#spareDests;
    this.#frames = this.#spareFrames;
    this.#spareDests = [];
    this.#spareFrames = [];
    this.#bytes = 0;
    this.drainedSeq += batch.dests.length;
    assert(this.#dests.length === 0, "spare arrays are empty");
    assert(this.drainedSeq === this.enqueuedSeq, "a take drains every accepted delivery");
    return batch;
  }

  /** Gives a processed batch's arrays back for reuse (emptied, so frames are not retained). */
  recycle(batch: ShardBatch<D>): void {
    batch.dests.length = 0;
    batch.frames.length = 0;
    this.#spareDests = batch.dests;
    this.#spareFrames = batch.frames;
  }

  /** Drops every pending delivery (shutdown). */
  clear(): void {
    this.recycle(this.take());
  }
}
