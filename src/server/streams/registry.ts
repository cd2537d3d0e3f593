// The fanout registry: key (a source or a cluster) -> open streams, sharded by FNV-1a of the key.
// deliver() queues one shared frame on the key's shard; the shard drains once per turn into each
// stream's bounded outbound queue. A slow stream is closed; nothing ever waits for it.

import { assert } from "../../assert.ts";
import {
  streamCloseLogIntervalMs,
  streamCloseRecordsMax,
  streamKeyStatsMax,
  streamPendingBytesMax,
  streamPendingFramesMax,
  streamShardCountDefault,
  streamShardFlushBytes,
  streamShardFlushFrames,
  streamShardQueueBytesMax,
  streamShardQueueFramesMax,
  streamWriteStallMsMax,
  streamPacedFlushWaitMsMax,
} from "../../limits.ts";
import { createLogger, type Logger } from "../../observability/logger.ts";
import { CloseLog } from "./close-log.ts";
import { asBufferView } from "./frame.ts";
import { fnv1a32 } from "./hash.ts";
import { Shard } from "./shard.ts";
import { OutboundStream, type KeyEntry, type StreamCounters, type StreamOwner } from "./stream.ts";
import type { CloseReason, CloseRecord, RegistryStats, StreamHandle, StreamInfo, StreamLimits, StreamSink } from "./types.ts";

// Ordering and state rules (what holds across turns and callbacks):
// - Per shard, deliveries are taken in the order deliver()/deliverTo() accepted them; per stream,
//   frames reach the transport in that order (direct write, else FIFO outbound queue).
// - A stream gets exactly the frames delivered to its key after it opened and before it closed:
//   each delivery has a per-shard sequence number and a stream takes each number at most once.
// - Everything is synchronous except the shard drain (setImmediate) and the transport's drain
//   callback; after either, a stream re-checks `closed` before writing (STYLE 12).
// - A close is final: the stream is unregistered, its queue released and its sink ended once.

/** A pending delivery's destination: every stream of a key, or one stream. */
type Dest = string | OutboundStream;

/**
 * Options of a StreamRegistry.
 * Example: `{ kind: "source", log: log.child("sources"), limits: { pendingBytesMax: 1 << 20 } }`.
 */
export interface StreamRegistryOptions {
  readonly kind: "source" | "agent";
  readonly shardCount?: number;
  readonly limits?: Partial<StreamLimits>;
  readonly log?: Logger;
  /** Milliseconds clock for close records and the write deadline (tests inject one). */
  readonly now?: () => number;
  /** Keep per-key sent counters for metrics (default: sources only; agents have too many keys). */
  readonly perKeyStats?: boolean;
}

/** The limits.ts defaults. */
const defaultLimits: StreamLimits = {
  pendingBytesMax: streamPendingBytesMax,
  pendingFramesMax: streamPendingFramesMax,
  shardQueueFramesMax: streamShardQueueFramesMax,
  shardQueueBytesMax: streamShardQueueBytesMax,
  shardFlushFrames: streamShardFlushFrames,
  shardFlushBytes: streamShardFlushBytes,
  writeStallMsMax: streamWriteStallMsMax,
  pacedFlushWaitMsMax: streamPacedFlushWaitMsMax,
  closeRecordsMax: streamCloseRecordsMax,
  closeLogIntervalMs: streamCloseLogIntervalMs,
  keyStatsMax: streamKeyStatsMax,
};

function resolveLimits(partial: Partial<StreamLimits> | undefined): StreamLimits {
  const limits = { ...defaultLimits, ...partial };
  for (const [name, value] of Object.entries(limits)) assert(Number.isFinite(value) && value > 0, `stream limit ${name} is positive`);
  assert(limits.shardFlushFrames <= limits.shardQueueFramesMax, "shardFlushFrames is within shardQueueFramesMax");
  assert(limits.shardFlushBytes <= limits.shardQueueBytesMax, "shardFlushBytes is within shardQueueBytesMax");
  return limits;
}

/**
 * Live streams of one gRPC port, by key, with bounded sharded fanout.
 * Example: `const agents = new StreamRegistry({ kind: "agent" }); agents.open("cluster-1", grpcSink(call), { id }); agents.deliver("cluster-1", encodeCloudEvent(event));`
 */
export class StreamRegistry {
  readonly kind: "source" | "agent";
  readonly limits: StreamLimits;
  readonly #shards: Shard<Dest>[];
  readonly #byKey = new Map<string, KeyEntry>();
  readonly #perKeyStats: boolean;
  readonly #closeLog: CloseLog;
  readonly #counters: StreamCounters = { framesSent: 0, bytesSent: 0, outboundFrames: 0, outboundBytes: 0, heartbeatsSent: 0, heartbeatsDropped: 0 };
  readonly #owner: StreamOwner;
  readonly #now: () => number;
  #streamCount = 0;
  #liveKeys = 0;
  #framesDelivered = 0;
  #shardOverflows = 0;
  #shutdown = false;

  constructor(options: StreamRegistryOptions) {
    const shardCount = options.shardCount ?? streamShardCountDefault;
    assert(Number.isInteger(shardCount), "shardCount is an integer");
    assert(shardCount > 0, "shardCount is positive");
    this.kind = options.kind;
    this.limits = resolveLimits(options.limits);
    this.#now = options.now ?? Date.now;
    this.#perKeyStats = options.perKeyStats ?? options.kind === "source";
    const log = options.log ?? createLogger(`streams.${options.kind}`);
    this.#closeLog = new CloseLog(this.limits.closeRecordsMax, this.limits.closeLogIntervalMs, log);
    this.#shards = Array.from({ length: shardCount }, (_, i) => new Shard<Dest>(i));
    this.#owner = {
      limits: this.limits,
      counters: this.#counters,
      log,
      now: this.#now,
      unregister: (stream, reason, detail) => this.#unregister(stream, reason, detail),
    };
  }

  get streamCount(): number {
    return this.#streamCount;
  }

  /** Registers a stream under `key`; it unregisters itself when the sink reports a close. */
  open(key: string, sink: StreamSink, info: StreamInfo): StreamHandle {
    assert(typeof key === "string", "a stream key is a string");
    const entry = this.#entryFor(key);
    const shard = this.#shards[entry.shard];
    assert(shard !== undefined, "the key's shard exists");
    const stream = new OutboundStream(this.#owner, entry, sink, info, shard.enqueuedSeq);
    stream.slot = entry.streams.length;
    entry.streams.push(stream);
    if (entry.streams.length === 1) this.#liveKeys++;
    this.#streamCount++;
    sink.onClose(() => stream.close("ClientClosed", "the client closed the stream"));
    if (this.#shutdown) stream.close("ServerShutdown", "the server is shutting down");
    return stream;
  }

  /** Queues one pre-encoded frame for every stream open under `key` now; never waits, never throws for a slow stream. */
  deliver(key: string, frame: Uint8Array): void {
    const entry = this.#byKey.get(key);
    if (entry === undefined || entry.streams.length === 0) return;
    const shard = this.#shards[entry.shard];
    assert(shard !== undefined, "the key's shard exists");
    const view = asBufferView(frame);
    if (!shard.fits(view.byteLength, this.limits.shardQueueFramesMax, this.limits.shardQueueBytesMax)) {
      this.#overflow(shard, entry.streams);
      return;
    }
    shard.push(key, view);
    this.#framesDelivered++;
    this.#afterPush(shard);
  }

  /** Queues one frame for one stream, in order with the deliveries to its key. */
  deliverTo(handle: StreamHandle, frame: Uint8Array): void {
    assert(handle instanceof OutboundStream, "deliverTo takes a handle from open()");
    if (handle.closed) return;
    assert(this.#byKey.get(handle.key) === handle.entry, "deliverTo takes a handle of this registry");
    const shard = this.#shards[handle.entry.shard];
    assert(shard !== undefined, "the stream's shard exists");
    const view = asBufferView(frame);
    if (!shard.fits(view.byteLength, this.limits.shardQueueFramesMax, this.limits.shardQueueBytesMax)) {
      this.#overflow(shard, [handle]);
      return;
    }
    shard.push(handle, view);
    this.#framesDelivered++;
    this.#afterPush(shard);
  }

  /** True if a stream is open under `key`. */
  has(key: string): boolean {
    const entry = this.#byKey.get(key);
    return entry !== undefined && entry.streams.length > 0;
  }

  /** Number of streams open under `key`. */
  streamsUnder(key: string): number {
    return this.#byKey.get(key)?.streams.length ?? 0;
  }

  /** Keys with at least one open stream. */
  *keys(): IterableIterator<string> {
    for (const entry of this.#byKey.values()) if (entry.streams.length > 0) yield entry.key;
  }

  /** Frames sent per key, closed streams included (only with perKeyStats; else empty). */
  *sentByKey(): IterableIterator<readonly [key: string, framesSent: number]> {
    if (!this.#perKeyStats) return;
    for (const entry of this.#byKey.values()) yield [entry.key, entry.framesSent];
  }

  /**
   * Offers a heartbeat to every open stream: written at once to idle ones, at most one queued on
   * busy ones, dropped rather than ever closing a stream. Also closes streams stalled too long.
   */
  heartbeat(frame: Uint8Array): void {
    const view = asBufferView(frame);
    const nowMs = this.#now();
    for (const entry of this.#byKey.values()) {
      const streams = entry.streams;
      // Backwards: a close swap-removes the closing stream, moving an already-visited one into its slot.
      for (let i = streams.length - 1; i >= 0; i--) streams[i]?.heartbeat(view, nowMs);
    }
  }

  /** Drains every shard queue into the streams now (tests, shutdown); normally a drain runs each turn. */
  flush(): void {
    for (const shard of this.#shards) this.#drain(shard);
  }

  /** Resolves once every stream under `key` has handed its queued frames to the transport (pace resyncs with it). */
  async flushed(key: string): Promise<void> {
    const entry = this.#byKey.get(key);
    if (entry === undefined) return;
    const shard = this.#shards[entry.shard];
    if (shard !== undefined) this.#drain(shard);
    await Promise.all(entry.streams.map((stream) => stream.flushed()));
  }

  /**
   * Waits up to `waitMsMax` for the key's streams to flush; a stream still holding frames then
   * cannot take a paced chunk in time and is closed as a slow consumer (WriteDeadline), so one
   * stalled stream never holds up the others of its key, nor the caller.
   */
  async #flushedOrClosed(key: string, waitMsMax: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), waitMsMax)));
    const outcome = await Promise.race([this.flushed(key).then(() => "flushed" as const), timedOut]);
    clearTimeout(timer);
    if (outcome === "flushed") return;
    const entry = this.#byKey.get(key);
    // Re-check after the await: streams may have closed or flushed meanwhile (STYLE 12).
    for (const stream of [...(entry?.streams ?? [])]) {
      if (!stream.closed && stream.pendingFrames > 0) {
        stream.close("WriteDeadline", `slow consumer: ${stream.pendingFrames} frames (${stream.pendingBytes} bytes) not taken within ${waitMsMax} ms during a paced delivery`);
      }
    }
  }

  /**
   * Delivers many frames to `key` (a resync) without outrunning its streams: after each quarter
   * of the pending bounds it waits until the key's streams have handed everything to their
   * transports, so a big resync never trips the slow-consumer close; a stream that cannot take a
   * chunk within limits.pacedFlushWaitMsMax is closed instead of holding up the rest. Stops early
   * (returning the count delivered) when no stream is left under `key`; pass a generator to pace
   * encoding too.
   */
  async deliverPaced(key: string, frames: Iterable<Uint8Array>): Promise<number> {
    const chunkBytesMax = Math.max(1, Math.floor(this.limits.pendingBytesMax / 4));
    const chunkFramesMax = Math.max(1, Math.floor(this.limits.pendingFramesMax / 4));
    let delivered = 0;
    let chunkBytes = 0;
    let chunkFrames = 0;
    for (const frame of frames) {
      if (!this.has(key)) break; // nobody to send to: the client resyncs when it comes back
      this.deliver(key, frame);
      delivered++;
      chunkBytes += frame.byteLength;
      chunkFrames++;
      if (chunkBytes >= chunkBytesMax || chunkFrames >= chunkFramesMax) {
        await this.#flushedOrClosed(key, this.limits.pacedFlushWaitMsMax);
        chunkBytes = 0;
        chunkFrames = 0;
      }
    }
    return delivered;
  }

  /** Closes every stream; after ServerShutdown, streams opened later are closed at once. */
  closeAll(reason: CloseReason): void {
    if (reason === "ServerShutdown") this.#shutdown = true;
    for (const shard of this.#shards) shard.clear();
    const all: OutboundStream[] = [];
    for (const entry of this.#byKey.values()) all.push(...entry.streams);
    const detail = reason === "ServerShutdown" ? "the server is shutting down" : `closed by the server (${reason})`;
    for (const stream of all) stream.close(reason, detail);
    assert(this.#streamCount === 0, "closeAll leaves no stream open");
  }

  /** The most recent closes, oldest first, newest last (bounded by closeRecordsMax). */
  recentCloses(): readonly CloseRecord[] {
    return this.#closeLog.recent();
  }

  stats(): RegistryStats {
    let shardFrames = 0;
    let depthMax = 0;
    for (const shard of this.#shards) {
      shardFrames += shard.length;
      depthMax = Math.max(depthMax, shard.depthMax);
    }
    const c = this.#counters;
    return {
      streams: this.#streamCount,
      keys: this.#liveKeys,
      framesQueued: shardFrames + c.outboundFrames,
      pendingBytes: c.outboundBytes,
      framesDelivered: this.#framesDelivered,
      framesSent: c.framesSent,
      bytesSent: c.bytesSent,
      heartbeatsSent: c.heartbeatsSent,
      heartbeatsDropped: c.heartbeatsDropped,
      shardOverflows: this.#shardOverflows,
      closes: { ...this.#closeLog.counts },
      shardQueueDepthMax: depthMax,
    };
  }

  #entryFor(key: string): KeyEntry {
    const existing = this.#byKey.get(key);
    if (existing !== undefined) return existing;
    if (this.#perKeyStats && this.#byKey.size >= this.limits.keyStatsMax) this.#evictIdleEntries();
    const entry: KeyEntry = { key, shard: fnv1a32(key) % this.#shards.length, streams: [], framesSent: 0 };
    this.#byKey.set(key, entry);
    return entry;
  }

  /** Forgets the counters of keys with no open stream (oldest first) to stay within keyStatsMax. */
  #evictIdleEntries(): void {
    for (const entry of this.#byKey.values()) {
      if (this.#byKey.size < this.limits.keyStatsMax) return;
      if (entry.streams.length === 0) this.#byKey.delete(entry.key);
    }
  }

  #afterPush(shard: Shard<Dest>): void {
    const early = shard.length > this.limits.shardFlushFrames || shard.bytes > this.limits.shardFlushBytes;
    if (early && !shard.draining) {
      this.#drain(shard);
      return;
    }
    if (!shard.scheduled) {
      shard.scheduled = true;
      setImmediate(() => {
        shard.scheduled = false;
        this.#drain(shard);
      });
    }
  }

  /** One batch: every pending delivery of the shard, in order, each frame offered to its streams. */
  #drain(shard: Shard<Dest>): void {
    if (shard.draining || shard.length === 0) return;
    shard.draining = true;
    try {
      const batch = shard.take();
      const { dests, frames, baseSeq } = batch;
      for (let i = 0; i < dests.length; i++) {
        const dest = dests[i];
        const frame = frames[i];
        assert(dest !== undefined && frame !== undefined, "batch arrays are parallel");
        if (typeof dest === "string") this.#fanout(dest, frame, baseSeq + i + 1);
        else dest.offer(frame, baseSeq + i + 1);
      }
      shard.recycle(batch);
    } finally {
      shard.draining = false;
    }
  }

  #fanout(key: string, frame: Uint8Array, seq: number): void {
    const entry = this.#byKey.get(key);
    if (entry === undefined) return;
    const streams = entry.streams;
    // Backwards, as in heartbeat(); offer() takes a sequence number at most once, so a stream moved
    // into a visited slot by a close is never written twice.
    for (let i = streams.length - 1; i >= 0; i--) streams[i]?.offer(frame, seq);
  }

  /** A full shard: the streams the frame was for are closed (they resync); the queue stays bounded. */
  #overflow(shard: Shard<Dest>, streams: readonly OutboundStream[]): void {
    this.#shardOverflows++;
    const l = this.limits;
    const detail = `shard ${shard.index} queue full: ${shard.length} frames, ${shard.bytes} bytes pending (limits ${l.shardQueueFramesMax} frames, ${l.shardQueueBytesMax} bytes)`;
    const victims = [...streams];
    for (const stream of victims) stream.close("ShardOverflow", detail);
  }

  #unregister(stream: OutboundStream, reason: CloseReason, detail: string): void {
    const entry = stream.entry;
    const streams = entry.streams;
    assert(streams[stream.slot] === stream, "a stream is registered at its slot");
    const last = streams.pop();
    assert(last !== undefined, "the key has the closing stream");
    if (last !== stream) {
      streams[stream.slot] = last;
      last.slot = stream.slot;
    }
    stream.slot = -1;
    this.#streamCount--;
    if (streams.length === 0) {
      this.#liveKeys--;
      if (!this.#perKeyStats && this.#byKey.get(entry.key) === entry) this.#byKey.delete(entry.key);
    }
    const info = stream.info;
    const record: CloseRecord = { id: stream.id, key: stream.key, reason, detail, atMs: this.#now(), sentFrames: stream.sentFrames, ...(info.peer === undefined ? {} : { peer: info.peer }) };
    this.#closeLog.record(record);
  }
}
