// One open stream's outbound side: frames go straight to the transport while it accepts them
// and into a bounded queue while it is backpressured; over a bound the stream closes itself.

import { assert } from "../../assert.ts";
import type { Logger } from "../../observability/logger.ts";
import { FrameQueue } from "./frame-queue.ts";
import type { CloseReason, StreamHandle, StreamInfo, StreamLimits, StreamSink } from "./types.ts";

/**
 * Registry-wide counters the streams update in place (plain fields: the hot path is increments).
 * Example: `counters.framesSent++`.
 */
export interface StreamCounters {
  framesSent: number;
  bytesSent: number;
  /** Frames and bytes waiting in all streams' outbound queues right now. */
  outboundFrames: number;
  outboundBytes: number;
  heartbeatsSent: number;
  heartbeatsDropped: number;
}

/**
 * The streams of one key and what the registry keeps about the key.
 * Example: `{ key: "cluster-1", shard: fnv1a32("cluster-1") % 16, streams: [], framesSent: 0 }`.
 */
export interface KeyEntry {
  readonly key: string;
  readonly shard: number;
  readonly streams: OutboundStream[];
  /** Frames sent on this key's streams, closed ones included (metrics label per source). */
  framesSent: number;
}

/**
 * What a stream needs from its registry.
 * Example: `owner.unregister(stream, "WriteError", "write failed: EPIPE")`.
 */
export interface StreamOwner {
  readonly limits: StreamLimits;
  readonly counters: StreamCounters;
  readonly log: Logger;
  now(): number;
  /** Removes a stream that just closed and records why. */
  unregister(stream: OutboundStream, reason: CloseReason, detail: string): void;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A registered stream: a StreamHandle for its owner, and the fanout's delivery target.
 * Example: `stream.offer(frame, seq)` from a shard drain; `stream.close("Replaced", "…")`.
 */
export class OutboundStream implements StreamHandle {
  readonly id: string;
  readonly key: string;
  /** Index of this stream in `entry.streams` (swap-remove on close). */
  slot = -1;
  /** Frames the transport accepted on this stream. */
  sentFrames = 0;
  #closed = false;
  #queue: FrameQueue | null = null;
  #awaitingDrain = false;
  #stalledSinceMs = 0;
  #queuedHeartbeat: Uint8Array | null = null;
  #lastHeartbeat: Uint8Array | null = null;
  #waiters: ((flushed: boolean) => void)[] | null = null;
  #drainListener: (() => void) | null = null;

  constructor(
    private readonly owner: StreamOwner,
    readonly entry: KeyEntry,
    private readonly sink: StreamSink,
    readonly info: StreamInfo,
    /** Shard sequence of the last delivery this stream has seen; later ones are offered to it. */
    private seenSeq: number,
  ) {
    this.id = info.id;
    this.key = entry.key;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pendingFrames(): number {
    return this.#queue === null ? 0 : this.#queue.length;
  }

  get pendingBytes(): number {
    return this.#queue === null ? 0 : this.#queue.bytes;
  }

  /** A frame from shard delivery number `seq`: taken once, and only if it came after this stream opened. */
  offer(frame: Uint8Array, seq: number): void {
    if (seq <= this.seenSeq) return;
    this.seenSeq = seq;
    this.push(frame);
  }

  /** Writes now if the transport is free and nothing is queued, else queues within the bounds. */
  push(frame: Uint8Array): void {
    if (this.#closed) return;
    if (!this.#awaitingDrain && this.pendingFrames === 0) this.#write(frame);
    else this.#enqueue(frame);
  }

  /**
   * A heartbeat: written at once to an idle stream; on a busy one at most one waits in the queue
   * (sdk-go clients reset their healthiness timer on heartbeats only, so busy streams need them
   * too); never a reason to close. Also where a transport stalled too long is caught.
   */
  heartbeat(frame: Uint8Array, nowMs: number): void {
    if (this.#closed || frame === this.#lastHeartbeat) return;
    this.#lastHeartbeat = frame;
    if (this.#stalledTooLong(nowMs)) return;
    const counters = this.owner.counters;
    if (!this.#awaitingDrain && this.pendingFrames === 0) {
      if (this.#write(frame)) counters.heartbeatsSent++;
      return;
    }
    const queue = (this.#queue ??= new FrameQueue());
    const limits = this.owner.limits;
    if (this.#queuedHeartbeat !== null || queue.length >= limits.pendingFramesMax || queue.bytes + frame.byteLength > limits.pendingBytesMax) {
      counters.heartbeatsDropped++;
      return;
    }
    this.#queuedHeartbeat = frame;
    this.#queueFrame(queue, frame);
  }

  close(reason: CloseReason, detail: string = reason): void {
    if (this.#closed) return;
    this.#closed = true;
    const queue = this.#queue;
    if (queue !== null) {
      this.owner.counters.outboundFrames -= queue.length;
      this.owner.counters.outboundBytes -= queue.bytes;
      queue.clear();
      this.#queue = null;
    }
    this.#settleWaiters(false);
    this.owner.unregister(this, reason, detail);
    try {
      this.sink.end(reason, detail);
    } catch (err) {
      // The transport may already be gone (that is often why we close); nothing is left to tell it.
      if (this.owner.log.debugEnabled) this.owner.log.debug("stream end failed", { id: this.id, key: this.key, error: errorText(err) });
    }
  }

  flushed(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (!this.#awaitingDrain && this.pendingFrames === 0) return Promise.resolve(true);
    return new Promise((resolve) => (this.#waiters ??= []).push(resolve));
  }

  #enqueue(frame: Uint8Array): void {
    const queue = (this.#queue ??= new FrameQueue());
    const limits = this.owner.limits;
    if (queue.length >= limits.pendingFramesMax) {
      this.close("SlowConsumerPendingCount", `slow consumer: ${queue.length} frames pending reached the limit of ${limits.pendingFramesMax} (${queue.bytes} bytes pending)`);
      return;
    }
    const bytes = queue.bytes + frame.byteLength;
    if (bytes > limits.pendingBytesMax) {
      this.close("SlowConsumerPendingBytes", `slow consumer: ${bytes} bytes pending is over the limit of ${limits.pendingBytesMax} (${queue.length + 1} frames pending)`);
      return;
    }
    if (this.#stalledTooLong(this.owner.now())) return;
    this.#queueFrame(queue, frame);
  }

  #queueFrame(queue: FrameQueue, frame: Uint8Array): void {
    queue.push(frame);
    this.owner.counters.outboundFrames++;
    this.owner.counters.outboundBytes += frame.byteLength;
  }

  /** Closes with WriteDeadline when the transport has not drained for writeStallMsMax. */
  #stalledTooLong(nowMs: number): boolean {
    if (!this.#awaitingDrain) return false;
    const stalledMs = nowMs - this.#stalledSinceMs;
    const limit = this.owner.limits.writeStallMsMax;
    if (stalledMs < limit) return false;
    this.close("WriteDeadline", `the transport has not drained for ${stalledMs} ms (limit ${limit} ms; ${this.pendingFrames} frames, ${this.pendingBytes} bytes pending)`);
    return true;
  }

  /** Hands one frame to the transport; false if the write threw (the stream is then closed). */
  #write(frame: Uint8Array): boolean {
    let accepted: boolean;
    try {
      accepted = this.sink.write(frame);
    } catch (err) {
      this.close("WriteError", `write failed: ${errorText(err)}`);
      return false;
    }
    const counters = this.owner.counters;
    this.sentFrames++;
    this.entry.framesSent++;
    counters.framesSent++;
    counters.bytesSent += frame.byteLength;
    // The transport may have closed us from inside write() (STYLE 12): then there is nothing to wait for.
    if (!accepted && !this.#closed && !this.#awaitingDrain) this.#waitForDrain();
    return true;
  }

  #waitForDrain(): void {
    this.#awaitingDrain = true;
    this.#stalledSinceMs = this.owner.now();
    this.sink.onDrain((this.#drainListener ??= () => this.#onDrain()));
  }

  #onDrain(): void {
    if (this.#closed) return; // closed while we waited (STYLE 12)
    assert(this.#awaitingDrain, "a drain arrives only while we wait for one");
    this.#awaitingDrain = false;
    this.#flushQueue();
  }

  /** Writes queued frames until the queue is empty, the transport pushes back, or we close. */
  #flushQueue(): void {
    const queue = this.#queue;
    const counters = this.owner.counters;
    while (queue !== null && queue.length > 0 && !this.#awaitingDrain && !this.#closed) {
      const frame = queue.shift();
      assert(frame !== undefined, "a non-empty queue yields a frame");
      counters.outboundFrames--;
      counters.outboundBytes -= frame.byteLength;
      const heartbeat = frame === this.#queuedHeartbeat;
      if (heartbeat) this.#queuedHeartbeat = null;
      if (this.#write(frame) && heartbeat) counters.heartbeatsSent++;
    }
    if (!this.#closed && !this.#awaitingDrain && this.pendingFrames === 0) this.#settleWaiters(true);
  }

  #settleWaiters(flushed: boolean): void {
    const waiters = this.#waiters;
    if (waiters === null) return;
    this.#waiters = null;
    for (const resolve of waiters) resolve(flushed);
  }
}
