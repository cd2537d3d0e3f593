// Prometheus metrics with Maestro's names (maestro-wire.md 10.1). One registry per server so
// several servers in one test process never collide; layers add their metrics to it.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The metrics a server exposes on /metrics. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** `rest_api_inbound_request_count{method,path,code}`: requests served. */
  readonly restRequestCount: Counter<"method" | "path" | "code">;
  /** `rest_api_inbound_request_duration{method,path,code}`: seconds, buckets 0.1/1/10/30 as Maestro's. */
  readonly restRequestDuration: Histogram<"method" | "path" | "code">;
  /** Batch writer: flushes, rows and rejected rows. */
  readonly storeWriteFlushes: Counter<string>;
  readonly storeWriteRows: Counter<"outcome">;
  readonly storeWriteQueueDepth: Gauge<string>;
}

/**
 * Creates a registry with process metrics and Maestro's REST metrics.
 * Example: `const m = createServerMetrics(); m.restRequestCount.inc({ method: "GET", path: "/api/maestro/v1/consumers", code: "200" });`
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    restRequestCount: new Counter({
      name: "rest_api_inbound_request_count",
      help: "Number of requests served.",
      labelNames: ["method", "path", "code"],
      registers: [registry],
    }),
    restRequestDuration: new Histogram({
      name: "rest_api_inbound_request_duration",
      help: "Request duration in seconds.",
      labelNames: ["method", "path", "code"],
      buckets: [0.1, 1, 10, 30],
      registers: [registry],
    }),
    storeWriteFlushes: new Counter({
      name: "maestro_store_write_flushes_total",
      help: "Group-commit transactions run by the batch writer.",
      registers: [registry],
    }),
    storeWriteRows: new Counter({
      name: "maestro_store_write_rows_total",
      help: "Rows handled by the batch writer, by outcome (ok or rejected).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    storeWriteQueueDepth: new Gauge({
      name: "maestro_store_write_queue_depth",
      help: "Operations waiting for the next group commit.",
      registers: [registry],
    }),
  };
}
