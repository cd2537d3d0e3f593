// The server's MQTT-mode metrics: messages received from agents and published to them by kind,
// publish failures and dropped messages by reason, status-resync runs, reconnects, queue depth.

import { Counter, Gauge, type Registry } from "prom-client";

/** What an agent sent, as counted; anything else is dropped as "unsupported_type". */
export type MqttReceivedKind = "status_update" | "status_resync_response" | "spec_resync_request";
/** What the server publishes to agents. */
export type MqttPublishedKind = "spec" | "spec_resync_response" | "status_resync_request";
/**
 * Why a received message was dropped: undecodable (malformed), not a valid event (invalid),
 * not an event agents send (unsupported_type), published on another consumer's topic or a topic
 * outside the templates (wrong_topic), refused by a status rule such as an older sequence id
 * (rejected), the store could not take it (store_unavailable), or a bug (internal).
 */
export type MqttDropReason = "malformed" | "invalid" | "unsupported_type" | "wrong_topic" | "rejected" | "store_unavailable" | "internal";
/** How a status resync run over all consumers ended. */
export type MqttResyncOutcome = "done" | "superseded" | "failed";

/** Records MQTT-mode traffic; every method is a counter increment (cheap on the hot path). */
export interface MqttMetrics {
  received(kind: MqttReceivedKind): void;
  /** A publish was acknowledged (PUBACK). */
  published(kind: MqttPublishedKind): void;
  /** A publish failed; `reason` is the transport's error code (PublishTimeout, PublishQueueFull, …). */
  publishFailed(kind: MqttPublishedKind, reason: string): void;
  dropped(reason: MqttDropReason): void;
  resyncRun(outcome: MqttResyncOutcome): void;
  reconnected(clientId: string): void;
}

/**
 * Registers maestro_mqtt_messages_received_total{kind}, maestro_mqtt_messages_published_total{kind},
 * maestro_mqtt_publish_failures_total{kind,reason}, maestro_mqtt_messages_dropped_total{reason},
 * maestro_mqtt_status_resync_runs_total{outcome}, maestro_mqtt_publish_queue_depth (read from
 * `queueDepth` at scrape) and sdk-go's cloudevents_client_reconnected_total{client_id}.
 * Example: `const m = registerMqttMetrics(registry, () => client?.stats.queued ?? 0); m.dropped("malformed");`
 */
export function registerMqttMetrics(registry: Registry, queueDepth: () => number): MqttMetrics {
  const received = new Counter({ name: "maestro_mqtt_messages_received_total", help: "Events received from agents over MQTT, by kind.", labelNames: ["kind"], registers: [registry] });
  const published = new Counter({ name: "maestro_mqtt_messages_published_total", help: "Events published to agents over MQTT and acknowledged by the broker, by kind.", labelNames: ["kind"], registers: [registry] });
  const failed = new Counter({
    name: "maestro_mqtt_publish_failures_total",
    help: "Publishes to agents that failed (timed out, queue full, refused, too large, not connected); the resource stays for redelivery.",
    labelNames: ["kind", "reason"],
    registers: [registry],
  });
  const dropped = new Counter({ name: "maestro_mqtt_messages_dropped_total", help: "Messages from agents that were logged and dropped, by reason.", labelNames: ["reason"], registers: [registry] });
  const runs = new Counter({ name: "maestro_mqtt_status_resync_runs_total", help: "Status resync runs over every consumer after the subscription was (re)established, by outcome.", labelNames: ["outcome"], registers: [registry] });
  const reconnects = new Counter({ name: "cloudevents_client_reconnected_total", help: "Times the CloudEvents client reconnected to the broker.", labelNames: ["client_id"], registers: [registry] });
  new Gauge({
    name: "maestro_mqtt_publish_queue_depth",
    help: "Publishes waiting in the MQTT client's queue for the in-flight window or a reconnect.",
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  for (const reason of ["malformed", "invalid", "unsupported_type", "wrong_topic", "rejected", "store_unavailable", "internal"] as const) dropped.inc({ reason }, 0);
  return {
    received: (kind) => received.inc({ kind }),
    published: (kind) => published.inc({ kind }),
    publishFailed: (kind, reason) => failed.inc({ kind, reason }),
    dropped: (reason) => dropped.inc({ reason }),
    resyncRun: (outcome) => runs.inc({ outcome }),
    reconnected: (clientId) => reconnects.inc({ client_id: clientId }),
  };
}
