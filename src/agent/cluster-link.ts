// The seam between a cluster's agent and whatever carries its events to the server: a link per
// cluster (publish, connected) and a transport that makes the links (gRPC streams or MQTT topics).

import type { CloudEvent } from "../cloudevents/types.ts";

/**
 * What a link reports to its cluster's agent (ClusterAgent implements it).
 * Example: `{ onConnected: (again) => agent.onConnected(again), onEvent: (e) => agent.onEvent(e) }`.
 */
export interface ClusterLinkHandlers {
  /**
   * The cluster can receive and publish again: a gRPC subscription's header arrived, or the MQTT
   * connection carrying the cluster's topics is subscribed. `reconnected` is false the first time.
   * The agent resyncs on every call.
   */
  onConnected(reconnected: boolean): void;
  /** An event addressed to this cluster (spec events; status resync requests in MQTT mode). */
  onEvent(event: CloudEvent): void;
}

/**
 * One cluster's path to the server, as its agent sees it. Implemented by AgentConnection (gRPC)
 * and MqttClusterLink (MQTT); tests pass a fake.
 * Example: `if (link.connected) await link.publish(statusEvent)`.
 */
export interface ClusterLink {
  /** True while events can flow both ways; publishing while false fails. */
  readonly connected: boolean;
  /** Publishes one event; resolves when the server (gRPC) or the broker (MQTT PUBACK) took it. */
  publish(event: CloudEvent): Promise<void>;
}

/**
 * Makes the links of one agent process and owns the connections under them.
 * Example: `const link = transport.link("c1", agent); agent.attach(link); transport.start(); … transport.stop(); await transport.close();`
 */
export interface AgentTransport {
  /** A link for `clusterName`; call before start(). */
  link(clusterName: string, handlers: ClusterLinkHandlers): ClusterLink;
  /** Opens the connections; they reconnect by themselves until stop(). */
  start(): void;
  /** Stops delivering events and reconnecting; every link reports not connected. */
  stop(): void;
  /** Releases the connections (after the agents went idle). */
  close(): Promise<void>;
  /** Links whose cluster is connected now (a gauge). */
  connectedCount(): number;
}
