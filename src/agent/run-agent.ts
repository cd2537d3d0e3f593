// `maestro agent` / `maestro-agent`: parse flags, pick the cluster side (the Kubernetes API,
// or simulated clusters), start the agents and stop them cleanly on SIGINT/SIGTERM.

import { stopOnSignals } from "../config/command.ts";
import { createLogger, setVerbosity } from "../observability/logger.ts";
import { agentConfigFromArgs, sourceAddress, type AgentConfig } from "./agent-config.ts";
import { startAgentHost, type ClusterFactory } from "./agent-host.ts";

const log = createLogger("agent");

/** Kinds a simulated cluster serves besides the built-in ones. */
const OCM_HUB_KINDS = [
  { group: "cluster.open-cluster-management.io", version: "v1", kind: "ManagedCluster", resource: "managedclusters", namespaced: false },
  { group: "work.open-cluster-management.io", version: "v1", kind: "ManifestWork", resource: "manifestworks", namespaced: true },
] as const;

/** The cluster side: simulated clusters, or the real one; imported lazily to keep start-up short. */
async function clusterFactory(config: AgentConfig): Promise<ClusterFactory> {
  if (config.simulated) {
    const { SimulatedCluster, CustomKinds } = await import("./simulated/mod.ts");
    // Maestro's clusters are often Open Cluster Management hubs (ARO-HCP's workload applies
    // ManagedClusters and ManifestWorks): serve those kinds as if their CRDs were installed.
    const preinstalled = CustomKinds.preinstalled(OCM_HUB_KINDS);
    return (name) => new SimulatedCluster({ name, preinstalled });
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
    const server = Bun.serve({ hostname: "127.0.0.1", port: config.metricsPort, fetch: metricsHandler(agentMetricsRegistry(host.agents, host.transport, host.drops)) });
    metricsPort = server.port ?? null;
  }
  log.info("agent started", { clusters: config.clusterNames.length, server: sourceAddress(config.source), driver: config.source.driver, simulated: config.simulated, metrics: metricsPort });
  stopOnSignals("agent", () => host.stop());
}
