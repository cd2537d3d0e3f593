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
}

/** What the writer metrics read at scrape time (the batch writer's stats snapshot). */
export interface WriterStatsSource {
  readonly flushes: number;
  readonly transactions: number;
  readonly rowsCommitted: number;
  readonly rowsRejected: number;
  readonly rowsFailed: number;
  readonly queueFullRejections: number;
  readonly queueRows: number;
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
  };
}

/**
 * Registers the batch writer's counters, read from its stats at every scrape.
 * Example: `registerWriterMetrics(metrics.registry, () => writer.stats)`.
 */
export function registerWriterMetrics(registry: Registry, stats: () => WriterStatsSource): void {
  new Counter({
    name: "maestro_store_write_flushes_total",
    help: "Batches taken by the group-commit writer (one transaction each, plus retries).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().flushes);
    },
  });
  new Counter({
    name: "maestro_store_write_rows_total",
    help: "Writes handled by the group-commit writer, by outcome: ok, rejected (a rule), failed (database error), queue_full.",
    labelNames: ["outcome"],
    registers: [registry],
    collect() {
      const s = stats();
      this.reset();
      this.inc({ outcome: "ok" }, s.rowsCommitted - s.rowsRejected);
      this.inc({ outcome: "rejected" }, s.rowsRejected);
      this.inc({ outcome: "failed" }, s.rowsFailed);
      this.inc({ outcome: "queue_full" }, s.queueFullRejections);
    },
  });
  new Gauge({
    name: "maestro_store_write_queue_depth",
    help: "Writes waiting for the next group commit.",
    registers: [registry],
    collect() {
      this.set(stats().queueRows);
    },
  });
}
