// Prometheus metrics of the fanout, read from the registries at scrape time (no work on the hot
// path): ours per kind, plus Maestro's grpc_server_registered_source_clients and
// grpc_server_message_sent_total (maestro-wire.md 10.1) from the source registry.

import { Counter, Gauge, type Registry } from "prom-client";
import type { StreamRegistry } from "./registry.ts";
import { closeReasons, type RegistryStats } from "./types.ts";

/**
 * The two registries of a server.
 * Example: `{ source: sources, agent: agents }`.
 */
export interface StreamRegistries {
  readonly source: StreamRegistry;
  readonly agent: StreamRegistry;
}

/**
 * Options of registerStreamMetrics.
 * Example: `{ publishResponsesSent: () => publishCounts.entries() }`.
 */
export interface StreamMetricsOptions {
  /**
   * Publish responses sent per source, added to grpc_server_message_sent_total as type="Publish"
   * (Maestro counts every message its source port sends; the Publish handlers own that count).
   */
  readonly publishResponsesSent?: () => Iterable<readonly [source: string, count: number]>;
}

type Kind = "source" | "agent";

function kindGauge(registry: Registry, streams: StreamRegistries, name: string, help: string, pick: (s: RegistryStats) => number): void {
  new Gauge({
    name,
    help,
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      for (const kind of ["source", "agent"] as const) this.set({ kind }, pick(streams[kind].stats()));
    },
  });
}

function kindCounter(registry: Registry, streams: StreamRegistries, name: string, help: string, pick: (s: RegistryStats) => number): void {
  new Counter({
    name,
    help,
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of ["source", "agent"] as const) this.inc({ kind }, pick(streams[kind].stats()));
    },
  });
}

function registerPerKind(registry: Registry, streams: StreamRegistries): void {
  kindGauge(registry, streams, "maestro_grpc_streams", "Open Subscribe streams, by port kind.", (s) => s.streams);
  kindGauge(registry, streams, "maestro_grpc_stream_keys", "Sources (kind=source) or clusters (kind=agent) with an open stream.", (s) => s.keys);
  kindGauge(registry, streams, "maestro_grpc_stream_frames_queued", "Frames waiting in shard queues and stream outbound queues.", (s) => s.framesQueued);
  kindGauge(registry, streams, "maestro_grpc_stream_pending_bytes", "Bytes waiting in stream outbound queues.", (s) => s.pendingBytes);
  kindGauge(registry, streams, "maestro_grpc_stream_shard_queue_depth_max", "Deepest shard queue seen since start, in frames.", (s) => s.shardQueueDepthMax);
  kindCounter(registry, streams, "maestro_grpc_stream_frames_sent_total", "Frames written to streams (one per stream), heartbeats included.", (s) => s.framesSent);
  kindCounter(registry, streams, "maestro_grpc_stream_bytes_sent_total", "Bytes of the frames written to streams.", (s) => s.bytesSent);
  kindCounter(registry, streams, "maestro_grpc_stream_shard_overflows_total", "Deliveries refused by a full shard queue (the key's streams were closed).", (s) => s.shardOverflows);
}

function registerHeartbeatsAndCloses(registry: Registry, streams: StreamRegistries): void {
  new Counter({
    name: "maestro_grpc_stream_heartbeats_total",
    help: "Heartbeats offered to streams, by outcome: sent, or dropped (one already queued, or queue full).",
    labelNames: ["kind", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of ["source", "agent"] as Kind[]) {
        const s = streams[kind].stats();
        this.inc({ kind, outcome: "sent" }, s.heartbeatsSent);
        this.inc({ kind, outcome: "dropped" }, s.heartbeatsDropped);
      }
    },
  });
  new Counter({
    name: "maestro_grpc_stream_closes_total",
    help: "Streams closed, by port kind and reason (slow consumers, client cancels, shutdown...).",
    labelNames: ["kind", "reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const kind of ["source", "agent"] as Kind[]) {
        const closes = streams[kind].stats().closes;
        for (const reason of closeReasons) this.inc({ kind, reason }, closes[reason]);
      }
    },
  });
}

function registerMaestroSourceMetrics(registry: Registry, source: StreamRegistry, options: StreamMetricsOptions): void {
  new Gauge({
    name: "grpc_server_registered_source_clients",
    help: "Number of registered source clients on the grpc server.",
    labelNames: ["source"],
    registers: [registry],
    collect() {
      this.reset();
      for (const key of source.keys()) this.set({ source: key }, source.streamsUnder(key));
    },
  });
  new Counter({
    name: "grpc_server_message_sent_total",
    help: "Messages sent from the server to clients.",
    labelNames: ["type", "source"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, sent] of source.sentByKey()) if (sent > 0) this.inc({ type: "Subscribe", source: key }, sent);
      for (const [key, sent] of options.publishResponsesSent?.() ?? []) if (sent > 0) this.inc({ type: "Publish", source: key }, sent);
    },
  });
}

/**
 * Registers the fanout's metrics on a server's prom-client registry; values are read from the
 * stream registries at every scrape.
 * Example: `registerStreamMetrics(metrics.registry, { source: sources, agent: agents })`.
 */
export function registerStreamMetrics(registry: Registry, streams: StreamRegistries, options: StreamMetricsOptions = {}): void {
  registerPerKind(registry, streams);
  registerHeartbeatsAndCloses(registry, streams);
  registerMaestroSourceMetrics(registry, streams.source, options);
}
