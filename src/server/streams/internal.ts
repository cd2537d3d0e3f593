// Sibling-only building blocks of the fanout, exported for its own tests and benchmarks; code
// outside src/server/streams imports mod.ts instead.

export { fnv1a32 } from "./hash.ts";
export { Ring } from "./ring.ts";
export { FrameQueue } from "./frame-queue.ts";
export { asBufferView } from "./frame.ts";
export { Shard, type ShardBatch } from "./shard.ts";
export { CloseLog } from "./close-log.ts";
export { OutboundStream, type KeyEntry, type StreamCounters, type StreamOwner } from "./stream.ts";
