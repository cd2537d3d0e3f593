// The CloudEvents side of the server: stream registries, fanout, the source and broker gRPC
// ports with their Publish/Subscribe handlers, heartbeats and redelivery, started and stopped
// as one unit by the composition root.

import type { ServerConfig } from "../config/server-config.ts";
import type { Registry } from "prom-client";
import { registerGrpcMetrics } from "../observability/grpc-metrics.ts";
import type { Logger } from "../observability/logger.ts";
import type { BatchWriter } from "../store/batch-writer.ts";
import { specResyncConsumersPerQuery, specResyncQueriesInFlight } from "../limits.ts";
import type { ResourceRepository, SpecRow } from "../store/resource-repository.ts";
import { handleAgentPublish } from "./agent-publish.ts";
import { CoalescedReads } from "./coalesced-reads.ts";
import { Delivery } from "./delivery.ts";
import { brokerRoutingKey, listenGrpc, sourceRoutingKey, type GrpcListener } from "./grpc-services.ts";
import { Redelivery } from "./redelivery.ts";
import { handleSourcePublish } from "./source-publish.ts";
import { HeartbeatTicker, StreamRegistry, registerStreamMetrics } from "./streams/mod.ts";

/** Rows read per kind by one redelivery scan: enough for a burst, small enough for one query. */
const redeliveryBatchRowsMax = 10_000;
/** How long in-flight gRPC calls get to finish at shutdown before connections are cut. */
const grpcShutdownGraceMs = 5_000;

/** The event engine: registries and fanout exist at once; `listen()` opens the gRPC ports. */
export interface EventEngine {
  readonly agents: StreamRegistry;
  readonly sources: StreamRegistry;
  readonly delivery: Delivery;
  readonly redelivery: Redelivery;
  /** Bound ports once listening; undefined when that port is disabled. */
  readonly sourcePort: number | undefined;
  readonly brokerPort: number | undefined;
  /** Opens the gRPC ports and starts heartbeats and redelivery. */
  listen(): Promise<void>;
  /** Closes streams and stops the gRPC ports; in-flight Publishes finish first (within a grace). */
  stop(): Promise<void>;
}

/**
 * Builds registries and fanout; the composition root calls `listen()` once the REST API is up,
 * so a client reconnecting after a restart never finds gRPC before REST.
 * Example: `const engine = createEventEngine(config, { writer, resources }, registry, log); await engine.listen();`
 */
export function createEventEngine(
  config: ServerConfig,
  store: { readonly writer: BatchWriter; readonly resources: ResourceRepository },
  metricsRegistry: Registry,
  log: Logger,
): EventEngine {
  const limits = { pendingBytesMax: config.subscriberPendingBytesMax };
  const agents = new StreamRegistry({ kind: "agent", limits, log: log.child("agents") });
  const sources = new StreamRegistry({ kind: "source", limits, log: log.child("sources") });
  const grpcMetrics = registerGrpcMetrics(metricsRegistry);
  registerStreamMetrics(metricsRegistry, { source: sources, agent: agents }, { publishResponsesSent: () => grpcMetrics.publishResponsesSent() });
  const delivery = new Delivery(agents, sources, config.sourceId);
  const consumerSpecs = new CoalescedReads<string, readonly SpecRow[]>((names) => store.resources.specsForConsumers(names), {
    keysPerBatch: specResyncConsumersPerQuery,
    batchesInFlight: specResyncQueriesInFlight,
  }, []);
  const deps = { ...store, delivery, consumerSpecs, sourceId: config.sourceId };
  const ticker = new HeartbeatTicker([sources, agents], config.streamHeartbeatIntervalMs);
  const redelivery = new Redelivery(store.resources, delivery, agents, {
    thresholdMs: config.undeliveredThresholdMs,
    intervalMs: config.undeliveredCheckIntervalMs,
    batchRowsMax: redeliveryBatchRowsMax,
  }, log.child("redelivery"));
  const listeners: GrpcListener[] = [];
  const ports: { source?: number; broker?: number } = {};

  const listen = async () => {
    const host = config.host === "" ? "0.0.0.0" : config.host;
    try {
      if (config.enableGrpcServer) {
        const source = {
          name: "source",
          registry: sources,
          publish: (b: Uint8Array, decoded: (s: string) => void) => handleSourcePublish(deps, b, decoded),
          routingKey: sourceRoutingKey,
          metrics: grpcMetrics,
        } as const;
        const listener = await listenGrpc(host, config.grpcPort, config.grpc, source, log.child("grpc-source"));
        listeners.push(listener);
        ports.source = listener.port;
      }
      if (config.messageBrokerType === "grpc") {
        const broker = {
          name: "broker",
          registry: agents,
          publish: (b: Uint8Array, decoded: (s: string) => void) => handleAgentPublish(deps, b, decoded),
          routingKey: brokerRoutingKey,
        } as const;
        const listener = await listenGrpc(host, config.grpcBrokerPort, config.grpc, broker, log.child("grpc-broker"));
        listeners.push(listener);
        ports.broker = listener.port;
      }
    } catch (err) {
      await Promise.all(listeners.map((l) => l.stop(0)));
      throw err;
    }
    if (config.streamHeartbeatIntervalMs > 0) ticker.start();
    redelivery.start();
  };

  return {
    agents,
    sources,
    delivery,
    redelivery,
    get sourcePort() {
      return ports.source;
    },
    get brokerPort() {
      return ports.broker;
    },
    listen,
    stop: async () => {
      ticker.stop();
      await redelivery.stop();
      agents.closeAll("ServerShutdown");
      sources.closeAll("ServerShutdown");
      await Promise.all(listeners.map((l) => l.stop(grpcShutdownGraceMs)));
    },
  };
}
