// Public surface of the fanout: the registry of live Subscribe streams, its grpc-js sink, the
// shared heartbeat ticker and the metrics. Transport-agnostic except grpc-sink.ts.

export type { CloseReason, CloseRecord, RegistryStats, StreamHandle, StreamInfo, StreamLimits, StreamSink } from "./types.ts";
export { closeReasons } from "./types.ts";
export { StreamRegistry, type StreamRegistryOptions } from "./registry.ts";
export { grpcSink, grpcStatusOf } from "./grpc-sink.ts";
export { HeartbeatTicker, encodeHeartbeatFrame, type HeartbeatTickerOptions, type TickerTimers } from "./heartbeat-ticker.ts";
export { registerStreamMetrics, type StreamMetricsOptions, type StreamRegistries } from "./stream-metrics.ts";
