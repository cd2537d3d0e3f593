// The gRPC AgentTransport: one Subscribe stream per cluster on the server's broker port, the
// streams of up to `clustersPerConnection` clusters sharing one HTTP/2 connection.

import { assert } from "../assert.ts";
import { CloudEventClient } from "../transport/grpc/client.ts";
import { channelCredentials } from "../transport/grpc/credentials.ts";
import { AgentConnection } from "./agent-connection.ts";
import type { GrpcSourceConfig } from "./agent-config.ts";
import type { AgentTransport, ClusterLink, ClusterLinkHandlers } from "./cluster-link.ts";

/**
 * Cluster streams over a few gRPC connections. Example:
 * `const t = new GrpcAgentTransport(config.source.grpc, 1000); agent.attach(t.link("c1", agent)); t.start();`
 */
export class GrpcAgentTransport implements AgentTransport {
  readonly #clients: CloudEventClient[] = [];
  readonly #connections: AgentConnection[] = [];
  readonly #credentials: ReturnType<typeof channelCredentials>;
  #started = false;

  constructor(
    private readonly source: GrpcSourceConfig,
    private readonly clustersPerConnection: number,
  ) {
    assert(clustersPerConnection >= 1, "a connection carries at least one cluster");
    this.#credentials = channelCredentials(source);
  }

  link(clusterName: string, handlers: ClusterLinkHandlers): ClusterLink {
    assert(!this.#started, "links are made before start()");
    const index = Math.floor(this.#connections.length / this.clustersPerConnection);
    const client = this.#clients[index] ?? this.#newClient();
    const connection = new AgentConnection({ client, clusterName, serverHealthinessTimeoutMs: this.source.serverHealthinessTimeoutMs, handlers });
    this.#connections.push(connection);
    return connection;
  }

  start(): void {
    this.#started = true;
    for (const connection of this.#connections) connection.start();
  }

  stop(): void {
    for (const connection of this.#connections) connection.close();
  }

  async close(): Promise<void> {
    this.stop();
    for (const client of this.#clients) client.close();
  }

  connectedCount(): number {
    return this.#connections.filter((c) => c.connected).length;
  }

  /**
   * A client with a local subchannel pool: each is its own HTTP/2 connection instead of grpc-js
   * sharing one connection among clients with the same target and options.
   */
  #newClient(): CloudEventClient {
    const keepAlive = this.source.keepAlive;
    const channelOptions = keepAlive
      ? { "grpc.keepalive_time_ms": keepAlive.timeMs, "grpc.keepalive_timeout_ms": keepAlive.timeoutMs, "grpc.keepalive_permit_without_calls": keepAlive.permitWithoutStream ? 1 : 0 }
      : {};
    const client = new CloudEventClient(this.source.url, { credentials: this.#credentials, channelOptions: { ...channelOptions, "grpc.use_local_subchannel_pool": 1 } });
    this.#clients.push(client);
    return client;
  }
}
