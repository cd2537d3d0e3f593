// The MQTT AgentTransport: clusters grouped onto MQTT connections (`--clusters-per-connection`),
// each cluster's topics from the broker YAML, and the connections' client ids.

import { assert } from "../assert.ts";
import type { Logger } from "../observability/logger.ts";
import type { MqttBrokerConfig } from "../transport/mqtt/broker-config.ts";
import type { MqttClientOptions } from "../transport/mqtt/client.ts";
import type { AgentTransport, ClusterLink, ClusterLinkHandlers } from "./cluster-link.ts";
import type { DropStats } from "./drop-stats.ts";
import { MqttAgentConnection } from "./mqtt-connection.ts";
import { clusterTopics, type TopicMode } from "./mqtt-topics.ts";

/** What MqttAgentTransport needs. */
export interface MqttAgentTransportOptions {
  readonly broker: MqttBrokerConfig;
  readonly topicMode: TopicMode;
  readonly clustersPerConnection: number;
  /** The CE source of a cluster's events (`--cloudevents-client-id`, default `<cluster>-work-agent`). */
  readonly agentIdOf: (clusterName: string) => string;
  readonly drops: DropStats;
  readonly log: Logger;
  readonly clientOptions?: MqttClientOptions;
}

/**
 * The MQTT client id of a connection carrying `clusterNames`: Maestro's
 * `<cloudevents-client-id>-client` for one cluster (what an AWS IoT policy allows), and
 * `<first>-to-<last>-work-agent-client` for a connection shared by simulated clusters, unique as
 * long as cluster names are (a second connection with the same id would take the first one's
 * session away).
 * Example: `mqttClientId(["sim-1", "sim-2"], (n) => `${n}-work-agent`)` -> "sim-1-to-sim-2-work-agent-client".
 */
export function mqttClientId(clusterNames: readonly string[], agentIdOf: (clusterName: string) => string): string {
  assert(clusterNames.length > 0, "a connection carries at least one cluster");
  if (clusterNames.length === 1) return `${agentIdOf(clusterNames[0]!)}-client`;
  return `${clusterNames[0]!}-to-${clusterNames.at(-1)!}-work-agent-client`;
}

/**
 * Clusters over a few MQTT connections. Example:
 * `const t = new MqttAgentTransport({ broker, topicMode: "verbatim", clustersPerConnection: 1, agentIdOf, drops, log }); agent.attach(t.link("c1", agent)); t.start();`
 */
export class MqttAgentTransport implements AgentTransport {
  readonly #connections: MqttAgentConnection[] = [];
  #started = false;

  constructor(private readonly options: MqttAgentTransportOptions) {
    assert(options.clustersPerConnection >= 1, "a connection carries at least one cluster");
  }

  link(clusterName: string, handlers: ClusterLinkHandlers): ClusterLink {
    assert(!this.#started, "links are made before start()");
    let connection = this.#connections.at(-1);
    if (connection === undefined || connection.links.length >= this.options.clustersPerConnection) {
      connection = new MqttAgentConnection({ broker: this.options.broker, drops: this.options.drops, log: this.options.log, clientOptions: this.options.clientOptions });
      this.#connections.push(connection);
    }
    return connection.add(clusterName, clusterTopics(this.options.broker.topics, clusterName, this.options.topicMode), handlers);
  }

  start(): void {
    this.#started = true;
    for (const connection of this.#connections) {
      connection.start(mqttClientId(connection.links.map((l) => l.clusterName), this.options.agentIdOf));
    }
  }

  stop(): void {
    for (const connection of this.#connections) connection.stop();
  }

  async close(): Promise<void> {
    await Promise.all(this.#connections.map((c) => c.close()));
  }

  connectedCount(): number {
    let n = 0;
    for (const connection of this.#connections) if (connection.ready) n += connection.links.length;
    return n;
  }
}
