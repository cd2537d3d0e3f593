// One MQTT connection of the agent, carrying one or many clusters: subscribes each cluster's
// sourceevents topic, routes received events to the cluster whose topic they came on, publishes
// each cluster's events to its topics, and reports every (re)subscription so the clusters resync.

import { assert } from "../assert.ts";
import { readOptionalString } from "../cloudevents/attributes.ts";
import { Ext, type CloudEvent } from "../cloudevents/types.ts";
import { backoffDelayMs, systemTimers, type BackoffOptions, type TimerHandle, type Timers } from "../client/backoff.ts";
import type { MaestroError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import { MqttCloudEventClient, MqttTransportError, type MqttClientOptions } from "../transport/mqtt/client.ts";
import type { ClusterLink, ClusterLinkHandlers } from "./cluster-link.ts";
import type { DropStats } from "./drop-stats.ts";
import { consumerSegment, topicMatches, type ClusterTopics } from "./mqtt-topics.ts";

const RESYNC_REQUEST_SUFFIX = ".resync_request";

/** What an MqttAgentConnection needs. */
export interface MqttAgentConnectionOptions {
  readonly broker: MqttBrokerConfig;
  readonly drops: DropStats;
  readonly log: Logger;
  /** Overrides of the MQTT client's limits (tests). */
  readonly clientOptions?: MqttClientOptions;
  /** Pacing of connect attempts until the first CONNACK (later reconnects are the client's). */
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
}

/**
 * One cluster on an MQTT connection: the MQTT implementation of ClusterLink.
 * Example: `const link = connection.add("c1", clusterTopics(topics, "c1", "verbatim"), agent); await link.publish(status);`
 */
export class MqttClusterLink implements ClusterLink {
  constructor(
    readonly clusterName: string,
    readonly topics: ClusterTopics,
    readonly handlers: ClusterLinkHandlers,
    private readonly connection: MqttAgentConnection,
  ) {}

  get connected(): boolean {
    return this.connection.ready;
  }

  /**
   * Publishes to the cluster's agentEvents topic; a spec resync request for all sources
   * (originalsource "") goes to agentBroadcast when configured (sdk-go's AgentPubTopic).
   */
  publish(event: CloudEvent): Promise<void> {
    const toAllSources = event.type.endsWith(RESYNC_REQUEST_SUFFIX) && (readOptionalString(event, Ext.originalSource) ?? "") === "";
    return this.connection.publish(toAllSources ? this.topics.specResync : this.topics.agentEvents, event);
  }
}

/**
 * A connection shared by the clusters added to it before start(). Example:
 * `const conn = new MqttAgentConnection(options); agent.attach(conn.add("c1", topics, agent)); conn.start("c1-work-agent-client");`
 */
export class MqttAgentConnection {
  readonly links: MqttClusterLink[] = [];
  /** Links by the consumer segment of their sourceevents topic (the routing key). */
  readonly #byConsumer = new Map<string, MqttClusterLink>();
  readonly #byName = new Map<string, MqttClusterLink>();
  readonly #timers: Timers;
  #client: MqttCloudEventClient | undefined;
  #clientId = "";
  /** Every link's topic is subscribed on the client (it re-subscribes them itself after reconnects). */
  #subscribed = false;
  #started = false;
  #stopped = false;
  #attempt = 0;
  #retryTimer: TimerHandle | undefined;

  constructor(private readonly options: MqttAgentConnectionOptions) {
    this.#timers = options.timers ?? systemTimers;
  }

  /** True while connected with every cluster's topic subscribed. */
  get ready(): boolean {
    return !this.#stopped && this.#subscribed && this.#client?.connected === true;
  }

  /** Adds a cluster (before start()). */
  add(clusterName: string, topics: ClusterTopics, handlers: ClusterLinkHandlers): MqttClusterLink {
    assert(!this.#started, "clusters are added before start()");
    const key = consumerSegment(topics.sourceEvents);
    assert(key !== undefined, "a sourceevents topic has a consumer segment");
    assert(!this.#byConsumer.has(key) && !this.#byName.has(clusterName), "each cluster of a connection has its own topic");
    const link = new MqttClusterLink(clusterName, topics, handlers, this);
    this.links.push(link);
    this.#byConsumer.set(key, link);
    this.#byName.set(clusterName, link);
    return link;
  }

  /** Connects as `clientId`, retrying with backoff until the broker answers. */
  start(clientId: string): void {
    assert(!this.#started, "start() is called once");
    assert(clientId !== "", "an MQTT client id is required");
    this.#started = true;
    this.#clientId = clientId;
    this.#connect().catch((err: unknown) => this.options.log.error("MQTT connect loop failed", { clientId, error: err as Error }));
  }

  /** Publishes on this connection; rejects when it never connected or is closed. */
  publish(topic: string, event: CloudEvent): Promise<void> {
    const client = this.#client;
    if (client === undefined || this.#stopped) return Promise.reject(new MqttTransportError("Closed", `the MQTT connection ${this.#clientId} is not open`));
    return client.publish(topic, event);
  }

  /** Stops reconnecting and delivering; the links report not connected. */
  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** Stops and closes the MQTT client (pending publishes reject with Closed). */
  async close(): Promise<void> {
    this.stop();
    await this.#client?.close();
  }

  async #connect(): Promise<void> {
    const { broker, log } = this.options;
    let client: MqttCloudEventClient;
    try {
      client = await MqttCloudEventClient.connect(broker, this.#clientId, {
        onConnect: (reconnected) => this.#onConnect(reconnected),
        onDisconnect: () => log.info("MQTT connection lost; reconnecting", { clientId: this.#clientId, clusters: this.links.length }),
        onError: (error) => log.warn("MQTT connection problem", { clientId: this.#clientId, broker: broker.brokerHost, error }),
      }, this.options.clientOptions);
    } catch (err) {
      if (this.#stopped) return;
      const delayMs = backoffDelayMs(this.#attempt++, this.options.backoff);
      log.warn("cannot connect to the MQTT broker; retrying", { clientId: this.#clientId, broker: broker.brokerHost, retryInMs: Math.round(delayMs), error: err as Error });
      this.#retry(() => this.#connect(), delayMs);
      return;
    }
    if (this.#stopped) {
      await client.close();
      return;
    }
    this.#attempt = 0;
    this.#client = client;
    client.onEvent((topic, event) => this.#route(topic, event));
    client.onMalformed((topic, error: MaestroError) => this.options.drops.drop("malformed", { topic, clientId: this.#clientId, error }));
    await this.#subscribe(client);
  }

  /** Subscribes every cluster's topic (and the source broadcast) once; the client keeps them. */
  async #subscribe(client: MqttCloudEventClient): Promise<void> {
    const topics = this.links.map((l) => l.topics.sourceEvents);
    const broadcast = this.options.broker.topics.sourceBroadcast;
    if (broadcast !== undefined) topics.push(broadcast);
    try {
      await client.subscribe(topics);
    } catch (err) {
      if (this.#stopped) return;
      // Refused (an ACL): nothing can arrive, so the clusters stay not connected until it works.
      const delayMs = backoffDelayMs(this.#attempt++, this.options.backoff);
      this.options.log.error("the MQTT broker refused the agent's subscriptions; retrying", { clientId: this.#clientId, retryInMs: Math.round(delayMs), error: err as Error });
      this.#retry(() => this.#subscribe(client), delayMs);
      return;
    }
    if (this.#stopped) return;
    this.#attempt = 0;
    this.#subscribed = true;
    this.options.log.info("MQTT connection subscribed", { clientId: this.#clientId, clusters: this.links.length });
    this.#notifyConnected(false);
  }

  #retry(step: () => Promise<void>, delayMs: number): void {
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#stopped) return;
      step().catch((err: unknown) => this.options.log.error("MQTT connect loop failed", { clientId: this.#clientId, error: err as Error }));
    }, delayMs);
  }

  /**
   * The client reconnected and re-subscribed every topic: the clusters resync. The first
   * connect is reported by #subscribe instead, once the topics are in place.
   */
  #onConnect(reconnected: boolean): void {
    if (!reconnected || !this.#subscribed || this.#stopped) return;
    this.options.log.info("MQTT connection restored", { clientId: this.#clientId, clusters: this.links.length });
    this.#notifyConnected(true);
  }

  #notifyConnected(reconnected: boolean): void {
    for (const link of this.links) link.handlers.onConnected(reconnected);
  }

  /**
   * An event goes to the cluster whose sourceevents topic it came on (the topic's consumer
   * segment), or, on the source broadcast topic, to the cluster its clustername names (every
   * cluster of this connection when it names none). Anything else is dropped and counted; the
   * cluster agent itself drops events whose clustername is another cluster's.
   */
  #route(topic: string, event: CloudEvent): void {
    if (this.#stopped) return;
    const key = consumerSegment(topic);
    const link = key === undefined ? undefined : this.#byConsumer.get(key);
    if (link !== undefined && topicMatches(link.topics.sourceEvents, topic)) {
      link.handlers.onEvent(event);
      return;
    }
    const broadcast = this.options.broker.topics.sourceBroadcast;
    if (broadcast !== undefined && topicMatches(broadcast, topic)) {
      this.#routeBroadcast(topic, event);
      return;
    }
    this.options.drops.drop("unknown_cluster", { topic, clientId: this.#clientId, id: event.id, type: event.type });
  }

  #routeBroadcast(topic: string, event: CloudEvent): void {
    let cluster: string | undefined;
    try {
      cluster = readOptionalString(event, Ext.clusterName);
    } catch (err) {
      this.options.drops.drop("invalid", { topic, clientId: this.#clientId, id: event.id, error: err as Error });
      return;
    }
    if (cluster === undefined || cluster === "") {
      for (const link of this.links) link.handlers.onEvent(event);
      return;
    }
    // A broadcast for a cluster of another connection or process: not ours, and not an error.
    this.#byName.get(cluster)?.handlers.onEvent(event);
  }
}
