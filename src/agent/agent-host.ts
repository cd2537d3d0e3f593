// Runs the agents of one process: one cluster (a real one through the Kubernetes API) or many
// simulated clusters sharing a few connections (gRPC or MQTT, behind AgentTransport), one
// status-sync scheduler for all of them, and one sequence-id generator so every status id in
// the process is unique and rising.

import { SnowflakeGenerator } from "../cloudevents/snowflake.ts";
import type { Logger } from "../observability/logger.ts";
import type { AgentConfig } from "./agent-config.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { ClusterAgent } from "./cluster-agent.ts";
import type { AgentTransport } from "./cluster-link.ts";
import { DropStats } from "./drop-stats.ts";
import { GrpcAgentTransport } from "./grpc-transport.ts";

/** Makes the cluster client of each agent: the real API server, or a simulated cluster. */
export type ClusterFactory = (clusterName: string) => Promise<ClusterClient> | ClusterClient;

/** Scheduler granularity: ticks this often and polls the clusters whose turn it is. */
const syncTickMsMax = 1_000;

/** The running agents. */
export interface AgentHost {
  readonly agents: readonly ClusterAgent[];
  readonly transport: AgentTransport;
  /** Incoming messages dropped, by reason (maestro_agent_messages_dropped_total). */
  readonly drops: DropStats;
  stop(): Promise<void>;
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

/** The transport the config names; MQTT's (and mqtt.js) is loaded only when used. */
async function makeTransport(config: AgentConfig, drops: DropStats, log: Logger): Promise<AgentTransport> {
  const source = config.source;
  if (source.driver === "grpc") return new GrpcAgentTransport(source.grpc, config.clustersPerConnection);
  const { MqttAgentTransport } = await import("./mqtt-transport.ts");
  return new MqttAgentTransport({ broker: source.mqtt, topicMode: source.topicMode, clustersPerConnection: config.clustersPerConnection, agentIdOf: config.agentIdOf, drops, log });
}

/**
 * Starts an agent per cluster name. Example: `const host = await startAgentHost(config, factory, log);`
 */
export async function startAgentHost(config: AgentConfig, makeCluster: ClusterFactory, log: Logger): Promise<AgentHost> {
  const drops = new DropStats(log);
  const transport = await makeTransport(config, drops, log);
  const sequence = new SnowflakeGenerator(1);
  const agents: ClusterAgent[] = [];
  for (const clusterName of config.clusterNames) {
    const agent = new ClusterAgent({
      clusterName,
      agentId: config.agentIdOf(clusterName),
      cluster: await makeCluster(clusterName),
      sequence,
      jsonRawBytesMax: config.jsonRawBytesMax,
      log,
      drops,
    });
    agent.attach(transport.link(clusterName, agent));
    agents.push(agent);
  }
  transport.start();
  const stopScheduler = startSyncScheduler(agents, config.statusSyncIntervalMs);
  return {
    agents,
    transport,
    drops,
    stop: async () => {
      stopScheduler();
      transport.stop();
      await Promise.all(agents.map((a) => a.idle()));
      await transport.close();
    },
  };
}
