// The CloudEvents side of the server: stream registries, fanout, the source gRPC port, the agent
// transport (the gRPC broker port, or an MQTT broker link), heartbeats and redelivery, started and
// stopped as one unit by the composition root.

import type { ServerConfig } from "../config/server-config.ts";
import type { Registry } from "prom-client";
import { registerGrpcMetrics } from "../observability/grpc-metrics.ts";
import type { Logger } from "../observability/logger.ts";
import { registerMqttMetrics, type MqttMetrics } from "../observability/mqtt-metrics.ts";
import type { BatchWriter } from "../store/batch-writer.ts";
import type { ConsumerRepository } from "../store/consumer-repository.ts";
import type { MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import { mqttPacedPublishesInFlightMax, mqttWarnIntervalMs, specResyncConsumersPerQuery, specResyncQueriesInFlight } from "../limits.ts";
import type { ResourceRepository, SpecRow } from "../store/resource-repository.ts";
import { GrpcAgentOutlet, type AgentOutlet } from "./agent-outlet.ts";
import { handleAgentPublish } from "./agent-publish.ts";
import { CoalescedReads } from "./coalesced-reads.ts";
import { Delivery } from "./delivery.ts";
import { brokerRoutingKey, listenGrpc, sourceRoutingKey, type GrpcListener } from "./grpc-services.ts";
import { createMqttAgentLink, type MqttAgentLink } from "./mqtt-agents.ts";
import { MqttAgentOutlet } from "./mqtt-outlet.ts";
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
  /** The MQTT link in MQTT mode (after listen()), else undefined. */
  readonly mqtt: MqttAgentLink | undefined;
  /** Bound ports once listening; undefined when that port is disabled. */
  readonly sourcePort: number | undefined;
  readonly brokerPort: number | undefined;
  /** Opens the gRPC ports (and the MQTT link) and starts heartbeats and redelivery. */
  listen(): Promise<void>;
  /** Closes streams and stops the gRPC ports; in-flight Publishes finish first (within a grace). */
  stop(): Promise<void>;
}

/** The agent transport of the configured mode: the gRPC broker outlet, or MQTT's outlet and metrics. */
function agentTransport(
  config: ServerConfig,
  agents: StreamRegistry,
  metricsRegistry: Registry,
  queuedPublishes: () => number,
  log: Logger,
): { outlet: AgentOutlet; mqtt?: { outlet: MqttAgentOutlet; metrics: MqttMetrics; broker: MqttBrokerConfig } } {
  if (config.mqtt === undefined) return { outlet: new GrpcAgentOutlet(agents) };
  const metrics = registerMqttMetrics(metricsRegistry, queuedPublishes);
  const outlet = new MqttAgentOutlet({
    sourceEventsTopic: config.mqtt.topics.sourceEvents,
    pacedInFlightMax: mqttPacedPublishesInFlightMax,
    metrics,
    log,
    warnIntervalMs: mqttWarnIntervalMs,
  });
  return { outlet, mqtt: { outlet, metrics, broker: config.mqtt } };
}

/**
 * Builds registries and fanout; the composition root calls `listen()` once the REST API is up,
 * so a client reconnecting after a restart never finds gRPC before REST.
 * Example: `const engine = createEventEngine(config, { writer, resources, consumers }, registry, log); await engine.listen();`
 */
export function createEventEngine(
  config: ServerConfig,
  store: { readonly writer: BatchWriter; readonly resources: ResourceRepository; readonly consumers: ConsumerRepository },
  metricsRegistry: Registry,
  log: Logger,
): EventEngine {
  const limits = { pendingBytesMax: config.subscriberPendingBytesMax };
  const agents = new StreamRegistry({ kind: "agent", limits, log: log.child("agents") });
  const sources = new StreamRegistry({ kind: "source", limits, log: log.child("sources") });
  const grpcMetrics = registerGrpcMetrics(metricsRegistry);
  registerStreamMetrics(metricsRegistry, { source: sources, agent: agents }, { publishResponsesSent: () => grpcMetrics.publishResponsesSent() });
  let mqtt: MqttAgentLink | undefined;
  const transport = agentTransport(config, agents, metricsRegistry, () => mqtt?.queuedPublishes ?? 0, log.child("mqtt"));
  // MQTT mode sends resync deletes of unknown ids as Maestro's source client does: our source id,
  // and the version the agent reported.
  const delivery = new Delivery(transport.outlet, sources, config.sourceId, transport.mqtt ? { unknownDeletes: { source: config.sourceId, withVersion: true } } : {});
  const consumerSpecs = new CoalescedReads<string, readonly SpecRow[]>((names) => store.resources.specsForConsumers(names), {
    keysPerBatch: specResyncConsumersPerQuery,
    batchesInFlight: specResyncQueriesInFlight,
  }, []);
  const deps = { ...store, delivery, consumerSpecs, sourceId: config.sourceId };
  if (transport.mqtt) {
    mqtt = createMqttAgentLink({ broker: transport.mqtt.broker, clientId: config.clientId }, {
      agentEvents: deps,
      outlet: transport.mqtt.outlet,
      metrics: transport.mqtt.metrics,
      consumerNames: (after, limit) => store.consumers.namesAfter(after, limit),
      statusSources: (names) => store.resources.statusHashSources(names),
      sourceId: config.sourceId,
      log: log.child("mqtt"),
    });
  }
  const ticker = new HeartbeatTicker([sources, agents], config.streamHeartbeatIntervalMs);
  const redelivery = new Redelivery(store.resources, delivery, {
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
      await mqtt?.start();
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
    get mqtt() {
      return mqtt;
    },
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
      // MQTT closes before the writer does (the caller closes it next): no event arrives after.
      await mqtt?.stop();
      agents.closeAll("ServerShutdown");
      sources.closeAll("ServerShutdown");
      await Promise.all(listeners.map((l) => l.stop(grpcShutdownGraceMs)));
    },
  };
}
