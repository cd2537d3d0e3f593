// Runs the agents of one process: one cluster (a real one through the Kubernetes API) or many
// simulated clusters sharing a few gRPC connections, one status-sync scheduler for all of
// them, and one sequence-id generator so every status id in the process is unique and rising.

import { SnowflakeGenerator } from "../cloudevents/snowflake.ts";
import type { Logger } from "../observability/logger.ts";
import { CloudEventClient } from "../transport/grpc/client.ts";
import { channelCredentials } from "../transport/grpc/credentials.ts";
import { AgentConnection } from "./agent-connection.ts";
import type { AgentConfig } from "./agent-config.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { ClusterAgent } from "./cluster-agent.ts";

/** Makes the cluster client of each agent: the real API server, or a simulated cluster. */
export type ClusterFactory = (clusterName: string) => Promise<ClusterClient> | ClusterClient;

/** Scheduler granularity: ticks this often and polls the clusters whose turn it is. */
const syncTickMsMax = 1_000;

/** The running agents. */
export interface AgentHost {
  readonly agents: readonly ClusterAgent[];
  readonly connections: readonly AgentConnection[];
  stop(): Promise<void>;
}

function grpcClients(config: AgentConfig, count: number): CloudEventClient[] {
  const credentials = channelCredentials(config.source);
  const keepAlive = config.source.keepAlive;
  const channelOptions = keepAlive
    ? { "grpc.keepalive_time_ms": keepAlive.timeMs, "grpc.keepalive_timeout_ms": keepAlive.timeoutMs, "grpc.keepalive_permit_without_calls": keepAlive.permitWithoutStream ? 1 : 0 }
    : {};
  // A local subchannel pool per client: each client is its own HTTP/2 connection instead of
  // grpc-js sharing one connection among clients with the same target and options.
  return Array.from({ length: count }, () => new CloudEventClient(config.source.url, { credentials, channelOptions: { ...channelOptions, "grpc.use_local_subchannel_pool": 1 } }));
}

/**
 * One timer polls every cluster once per status-sync interval, spread evenly over it.
 * Returns a stop function. Example: `const stop = startSyncScheduler(agents, 10_000);`
 */
export function startSyncScheduler(agents: readonly ClusterAgent[], intervalMs: number): () => void {
  const tickMs = Math.min(syncTickMsMax, intervalMs);
  const perTick = Math.max(1, Math.ceil((agents.length * tickMs) / intervalMs));
  let cursor = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && agents.length > 0; i++) {
      agents[cursor]!.syncTick();
      cursor = (cursor + 1) % agents.length;
    }
  }, tickMs);
  return () => clearInterval(timer);
}

/**
 * Starts an agent per cluster name. Example: `const host = await startAgentHost(config, factory, log);`
 */
export async function startAgentHost(config: AgentConfig, makeCluster: ClusterFactory, log: Logger): Promise<AgentHost> {
  const clients = grpcClients(config, Math.ceil(config.clusterNames.length / config.clustersPerConnection));
  const sequence = new SnowflakeGenerator(1);
  const agents: ClusterAgent[] = [];
  const connections: AgentConnection[] = [];
  for (const [i, clusterName] of config.clusterNames.entries()) {
    const agent = new ClusterAgent({
      clusterName,
      agentId: config.agentIdOf(clusterName),
      cluster: await makeCluster(clusterName),
      sequence,
      jsonRawBytesMax: config.jsonRawBytesMax,
      log,
    });
    const connection = new AgentConnection({
      client: clients[Math.floor(i / config.clustersPerConnection)]!,
      clusterName,
      serverHealthinessTimeoutMs: config.source.serverHealthinessTimeoutMs,
      handlers: { onConnected: () => agent.onConnected(), onEvent: (e) => agent.onEvent(e) },
    });
    agent.attach(connection);
    agents.push(agent);
    connections.push(connection);
  }
  for (const connection of connections) connection.start();
  const stopScheduler = startSyncScheduler(agents, config.statusSyncIntervalMs);
  return {
    agents,
    connections,
    stop: async () => {
      stopScheduler();
      for (const connection of connections) connection.close();
      await Promise.all(agents.map((a) => a.idle()));
      for (const client of clients) client.close();
    },
  };
}
