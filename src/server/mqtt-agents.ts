// MQTT mode's agent side of the server (maestro-wire.md 4.1, 7.3): one client subscribed to the
// agentEvents topics; each event is checked against its topic and handled like a broker Publish.

import { assert } from "../assert.ts";
import { topicConsumer } from "../cloudevents/mqtt-binding.ts";
import type { EventType } from "../cloudevents/event-type.ts";
import { Ext, type CloudEvent } from "../cloudevents/types.ts";
import { GrpcStatus, MaestroError } from "../errors.ts";
import {
  mqttStatusResyncConsumersInFlight,
  mqttStatusResyncConsumersPerQuery,
  mqttStatusResyncEnvelopeBytesMax,
  mqttStatusResyncHashesPerRequestMax,
  mqttStatusResyncRequestBytesMax,
  mqttWarnIntervalMs,
} from "../limits.ts";
import type { Logger } from "../observability/logger.ts";
import type { MqttDropReason, MqttMetrics, MqttReceivedKind } from "../observability/mqtt-metrics.ts";
import { RateLimitedWarn } from "../observability/rate-limited-log.ts";
import type { MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import { MqttCloudEventClient, type MqttClientOptions } from "../transport/mqtt/client.ts";
import { handleAgentEvent, type AgentPublishDeps } from "./agent-publish.ts";
import { AgentStatusResync, type AgentStatusResyncDeps } from "./agent-status-resync.ts";
import { ContextualError, PublishContext } from "./grpc-errors.ts";
import type { MqttAgentOutlet } from "./mqtt-outlet.ts";
import { manifestBundleEventTypeOf } from "./source-publish.ts";

/** What the link needs besides the broker settings. */
export interface MqttAgentLinkDeps {
  /** The same dependencies a broker-port Publish has. */
  readonly agentEvents: AgentPublishDeps;
  readonly outlet: MqttAgentOutlet;
  readonly statusResync: AgentStatusResync;
  readonly metrics: MqttMetrics;
  readonly log: Logger;
  readonly warnIntervalMs: number;
}

/** The MQTT settings of the server. */
export interface MqttAgentLinkOptions {
  readonly broker: MqttBrokerConfig;
  /** `--client-id`. */
  readonly clientId: string;
  /** Transport overrides (tests shrink them). */
  readonly client?: MqttClientOptions;
}

/** The counted kind of an agent event, or undefined when agents do not send that type. */
export function receivedKindOf(type: EventType): MqttReceivedKind | undefined {
  if (type.subResource === "status" && type.action === "update_request") return "status_update";
  if (type.subResource === "status" && type.action === "resync_response") return "status_resync_response";
  if (type.subResource === "spec" && type.action === "resync_request") return "spec_resync_request";
  return undefined;
}

/**
 * Why handling an agent event failed, as a drop reason: a store that could not take it, a status
 * rule (stale sequence id, wrong consumer), an invalid event, or a bug.
 * Example: `dropReasonOf(inContext(Errors.writeQueueFull(), PublishContext.status))` -> "store_unavailable".
 */
export function dropReasonOf(err: unknown): MqttDropReason {
  const context = err instanceof ContextualError ? err.context : undefined;
  const inner = err instanceof ContextualError ? err.inner : err;
  if (!(inner instanceof MaestroError)) return "internal";
  if (inner.grpcStatus === GrpcStatus.Unavailable) return "store_unavailable";
  if (context === PublishContext.status) return "rejected";
  if (context === PublishContext.specResync && inner.grpcStatus === GrpcStatus.FailedPrecondition) return "store_unavailable";
  return "invalid";
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The server's MQTT connection to its agents: subscribes to agentEvents (and agentBroadcast),
 * hands each event to the broker-Publish code path, drops (logged, counted) what does not belong,
 * publishes through the outlet, and starts a status resync whenever the subscription is
 * (re)established.
 * Example: `const link = new MqttAgentLink({ broker, clientId: "maestro" }, deps); await link.start(); … await link.stop();`
 */
export class MqttAgentLink {
  readonly #warn: RateLimitedWarn;
  #client: MqttCloudEventClient | undefined;
  #started = false;
  #stopped = false;

  constructor(
    private readonly options: MqttAgentLinkOptions,
    private readonly deps: MqttAgentLinkDeps,
  ) {
    this.#warn = new RateLimitedWarn(deps.log, deps.warnIntervalMs);
  }

  /** Publishes waiting in the client's queue (for the queue-depth gauge). */
  get queuedPublishes(): number {
    return this.#client?.stats.queued ?? 0;
  }

  /** The topics subscribed: agentEvents, plus agentBroadcast when configured. */
  get topics(): string[] {
    const { agentEvents, agentBroadcast } = this.options.broker.topics;
    return agentBroadcast === undefined ? [agentEvents] : [agentEvents, agentBroadcast];
  }

  /**
   * Connects, subscribes and starts the first status resync. Rejects (ConnectFailed,
   * SubscribeRefused) when the broker cannot be reached or refuses the subscription at start.
   */
  async start(): Promise<void> {
    assert(!this.#started, "an MQTT agent link starts once");
    this.#started = true;
    const { broker, clientId } = this.options;
    const log = this.deps.log;
    const client = await MqttCloudEventClient.connect(broker, clientId, {
      onConnect: (reconnected) => {
        if (!reconnected) return; // the first subscription is made below; its resync follows it
        this.deps.metrics.reconnected(clientId);
        log.info("reconnected to the MQTT broker and resubscribed", { broker: broker.brokerHost });
        this.deps.statusResync.start();
      },
      onDisconnect: () => log.warn("lost the MQTT broker connection; reconnecting", { broker: broker.brokerHost }),
      onError: (error) => log.warn("MQTT connection problem", { broker: broker.brokerHost, error }),
    }, this.options.client);
    if (this.#stopped) {
      await client.close(); // stop() came while connecting (STYLE 12)
      return;
    }
    this.#client = client;
    client.onEvent((topic, event) => this.#onEvent(topic, event));
    client.onMalformed((topic, error) => this.#drop("malformed", topic, error.reason));
    this.deps.outlet.attach(client);
    try {
      await client.subscribe(this.topics);
    } catch (err) {
      this.deps.outlet.detach();
      this.#client = undefined;
      await client.close();
      throw err;
    }
    log.info("subscribed to agent events", { broker: broker.brokerHost, clientId, topics: this.topics });
    this.deps.statusResync.start();
  }

  /**
   * Stops the resync, detaches the outlet and closes the connection. Closing comes before waiting
   * for the resync run: its unacknowledged publishes then fail as Closed at once instead of
   * holding shutdown for a publish timeout while the broker is away.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const resyncEnded = this.deps.statusResync.stop();
    this.deps.outlet.detach();
    const client = this.#client;
    this.#client = undefined;
    await client?.close();
    await resyncEnded;
  }

  /** The consumer whose topic a message came on, from agentEvents or agentBroadcast. */
  #consumerOf(topic: string): string | undefined {
    const { agentEvents, agentBroadcast } = this.options.broker.topics;
    return topicConsumer(agentEvents, topic) ?? (agentBroadcast === undefined ? undefined : topicConsumer(agentBroadcast, topic));
  }

  #onEvent(topic: string, event: CloudEvent): void {
    const consumer = this.#consumerOf(topic);
    if (consumer === undefined) return this.#drop("wrong_topic", topic, "the topic fits neither the agentEvents nor the agentBroadcast template");
    let type: EventType;
    try {
      type = manifestBundleEventTypeOf(event);
    } catch (err) {
      return this.#drop("invalid", topic, errorText(err));
    }
    const kind = receivedKindOf(type);
    if (kind === undefined) return this.#drop("unsupported_type", topic, `agents do not send ${type.subResource}.${type.action}`);
    this.deps.metrics.received(kind);
    const clusterName = event.extensions[Ext.clusterName];
    if (clusterName?.kind !== "string" || clusterName.value === "") return this.#drop("invalid", topic, "the event has no clustername extension");
    if (clusterName.value !== consumer) {
      return this.#drop("wrong_topic", topic, `an event of consumer ${JSON.stringify(clusterName.value)} on the topic of consumer ${JSON.stringify(consumer)}`);
    }
    // The handler's failures are all dropped here (QoS 1 was acknowledged on receipt): the agent
    // resends on its next change, and the status resync after our next reconnect covers the rest.
    handleAgentEvent(this.deps.agentEvents, event, type, "over MQTT").catch((err: unknown) => {
      const reason = dropReasonOf(err);
      if (reason === "internal") this.deps.log.error("handling an agent event failed", { topic, error: err as Error });
      this.#drop(reason, topic, errorText(err));
    });
  }

  #drop(reason: MqttDropReason, topic: string, why: string): void {
    this.deps.metrics.dropped(reason);
    this.#warn.warn(`drop:${reason}`, "dropped a message from an agent", { topic, reason, error: why });
  }
}

/** What createMqttAgentLink wires together. */
export interface MqttAgentLinkParts {
  readonly agentEvents: AgentPublishDeps;
  readonly outlet: MqttAgentOutlet;
  readonly metrics: MqttMetrics;
  /** Keyset pages of consumer names and their resources' status hash sources (the repositories). */
  readonly consumerNames: AgentStatusResyncDeps["consumerNames"];
  readonly statusSources: AgentStatusResyncDeps["statusSources"];
  readonly sourceId: string;
  readonly log: Logger;
}

/**
 * Builds the link with its status resync and the limits.ts bounds.
 * Example: `const link = createMqttAgentLink({ broker, clientId }, parts); await link.start();`
 */
export function createMqttAgentLink(options: MqttAgentLinkOptions, parts: MqttAgentLinkParts): MqttAgentLink {
  const statusResync = new AgentStatusResync(
    {
      consumerNames: parts.consumerNames,
      statusSources: parts.statusSources,
      outlet: parts.outlet,
      sourceId: parts.sourceId,
      metrics: parts.metrics,
      log: parts.log.child("status-resync"),
    },
    {
      hashesMax: mqttStatusResyncHashesPerRequestMax,
      dataBytesMax: mqttStatusResyncRequestBytesMax - mqttStatusResyncEnvelopeBytesMax,
      consumersPerQuery: mqttStatusResyncConsumersPerQuery,
      consumersInFlight: mqttStatusResyncConsumersInFlight,
    },
  );
  return new MqttAgentLink(options, {
    agentEvents: parts.agentEvents,
    outlet: parts.outlet,
    statusResync,
    metrics: parts.metrics,
    log: parts.log,
    warnIntervalMs: mqttWarnIntervalMs,
  });
}
