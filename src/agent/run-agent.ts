// `maestro agent` / `maestro-agent`: parse flags, pick the cluster side (the Kubernetes API,
// or simulated clusters), start the agents and stop them cleanly on SIGINT/SIGTERM.

import { stopOnSignals } from "../config/command.ts";
import { createLogger, setVerbosity } from "../observability/logger.ts";
import { agentConfigFromArgs, type AgentConfig } from "./agent-config.ts";
import { startAgentHost, type ClusterFactory } from "./agent-host.ts";

const log = createLogger("agent");

/** The cluster side: simulated clusters, or the real one; imported lazily to keep start-up short. */
async function clusterFactory(config: AgentConfig): Promise<ClusterFactory> {
  if (config.simulated) {
    const { SimulatedCluster } = await import("./simulated/mod.ts");
    return (name) => new SimulatedCluster({ name });
  }
  const { createKubeClusterClient } = await import("./kube/mod.ts");
  const client = await createKubeClusterClient(config.kubeconfig ? { kubeconfigPath: config.kubeconfig } : {});
  return () => client;
}

/**
 * Runs the agent until a signal stops it. Example: `await runAgent(["--consumer-name=c1", "--workload-source-config=grpc.yaml"])`.
 */
export async function runAgent(argv: readonly string[]): Promise<void> {
  const config = agentConfigFromArgs(argv);
  setVerbosity(config.verbosity);
  const host = await startAgentHost(config, await clusterFactory(config), log);
  let metricsPort: number | null = null;
  if (config.metricsPort >= 0) {
    const [{ agentMetricsRegistry }, { metricsHandler }] = await Promise.all([import("./agent-metrics.ts"), import("../observability/metrics-endpoint.ts")]);
    const server = Bun.serve({ hostname: "127.0.0.1", port: config.metricsPort, fetch: metricsHandler(agentMetricsRegistry(host.agents, host.connections)) });
    metricsPort = server.port ?? null;
  }
  log.info("agent started", { clusters: config.clusterNames.length, server: config.source.url, simulated: config.simulated, metrics: metricsPort });
  stopOnSignals("agent", () => host.stop());
}
