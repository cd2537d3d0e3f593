// The fanout's shared vocabulary: close reasons, the transport-side sink, stream handles,
// close records, limits and stats. Types only, plus the list of reasons for counters.

/**
 * Why a stream was closed; counted per reason and kept in a ring buffer (STYLE 9).
 * `WriteDeadline` is a transport that has not drained for `streamWriteStallMsMax` (STYLE 17).
 * Example: `handle.close("Replaced", "a newer stream took over")`.
 */
export type CloseReason =
  | "ClientClosed"
  | "SlowConsumerPendingBytes"
  | "SlowConsumerPendingCount"
  | "ShardOverflow"
  | "WriteDeadline"
  | "WriteError"
  | "ServerShutdown"
  | "Replaced";

/**
 * Every close reason, in a stable order (counters, metrics labels).
 * Example: `for (const r of closeReasons) counts[r] = 0;`
 */
export const closeReasons: readonly CloseReason[] = [
  "ClientClosed",
  "SlowConsumerPendingBytes",
  "SlowConsumerPendingCount",
  "ShardOverflow",
  "WriteDeadline",
  "WriteError",
  "ServerShutdown",
  "Replaced",
];

/**
 * The transport side of one stream. grpcSink() adapts a grpc-js ServerWritableStream.
 * Example: `const sink: StreamSink = { write: (f) => socket.write(f), onDrain: (l) => socket.once("drain", l), onClose: (l) => socket.once("close", l), end: () => socket.end() };`
 */
export interface StreamSink {
  /** Hands one frame to the transport; false = its buffer is full (the frame was taken): wait for drain. */
  write(frame: Uint8Array): boolean;
  /** Calls `listener` once, on the next drain. */
  onDrain(listener: () => void): void;
  /** Calls `listener` once when the client cancelled or the connection is gone. */
  onClose(listener: () => void): void;
  /** Closes the stream from our side with a reason the transport maps to its status. */
  end(reason: CloseReason, detail: string): void;
}

/**
 * What the subscriber told us, kept for logs and close records.
 * Example: `{ id: uuidV4(), peer: call.getPeer(), dataType: "io.open-cluster-management.works.v1alpha1.manifestbundles" }`.
 */
export interface StreamInfo {
  /** The subscription id (the `subscription-id` header). */
  readonly id: string;
  readonly peer?: string;
  readonly dataType?: string;
}

/**
 * One open stream as its owner sees it.
 * Example: `const h = registry.open("cluster-1", sink, { id }); …; h.close("Replaced", "newer stream");`
 */
export interface StreamHandle {
  readonly id: string;
  readonly key: string;
  readonly closed: boolean;
  /** Frames waiting in this stream's outbound queue (not yet taken by the transport). */
  readonly pendingFrames: number;
  /** Bytes of those frames. */
  readonly pendingBytes: number;
  /** Closes the stream (idempotent); the transport is ended with `reason`. */
  close(reason: CloseReason, detail?: string): void;
  /** Resolves true once the outbound queue is empty (at once when it is), false if the stream closes first. */
  flushed(): Promise<boolean>;
}

/**
 * One closed stream, as kept in the registry's ring buffer.
 * Example: `registry.recentCloses().at(-1)?.reason === "SlowConsumerPendingBytes"`.
 */
export interface CloseRecord {
  readonly id: string;
  readonly key: string;
  readonly reason: CloseReason;
  readonly detail: string;
  readonly atMs: number;
  /** Frames the transport accepted on this stream before it closed (heartbeats included). */
  readonly sentFrames: number;
  readonly peer?: string;
}

/**
 * The bounds of one registry; defaults come from limits.ts (tests pass small ones).
 * Example: `new StreamRegistry({ kind: "agent", limits: { pendingFramesMax: 10 } })`.
 */
export interface StreamLimits {
  readonly pendingBytesMax: number;
  readonly pendingFramesMax: number;
  readonly shardQueueFramesMax: number;
  readonly shardQueueBytesMax: number;
  /** A shard queue holding more frames than this drains inside deliver() (set to the max to disable). */
  readonly shardFlushFrames: number;
  readonly shardFlushBytes: number;
  readonly writeStallMsMax: number;
  /** Longest wait for a stream to take one paced chunk (resync) before it is closed as slow. */
  readonly pacedFlushWaitMsMax: number;
  readonly closeRecordsMax: number;
  readonly closeLogIntervalMs: number;
  readonly keyStatsMax: number;
}

/**
 * A registry's counters and gauges at one instant.
 * Example: `const { streams, framesSent } = registry.stats();`
 */
export interface RegistryStats {
  readonly streams: number;
  readonly keys: number;
  /** Frames waiting now: in shard queues plus in streams' outbound queues. */
  readonly framesQueued: number;
  /** Bytes of the frames waiting in streams' outbound queues. */
  readonly pendingBytes: number;
  /** Frames accepted by deliver()/deliverTo() for at least one open stream (each counted once). */
  readonly framesDelivered: number;
  /** Frames the transports accepted, one per stream, heartbeats included. */
  readonly framesSent: number;
  readonly bytesSent: number;
  readonly heartbeatsSent: number;
  /** Heartbeats not queued: one was already waiting on that stream, or its queue was full. */
  readonly heartbeatsDropped: number;
  readonly shardOverflows: number;
  readonly closes: Record<CloseReason, number>;
  /** The deepest any shard queue has been (frames), since the registry was created. */
  readonly shardQueueDepthMax: number;
}
