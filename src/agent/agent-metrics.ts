// The agent's Prometheus metrics, read from its cluster agents at scrape time: events received
// and sent (sdk-go's names), works processed, and clusters/works/connections held.

import { Counter, Gauge, Registry } from "prom-client";
import type { AgentConnection } from "./agent-connection.ts";
import type { ClusterAgent } from "./cluster-agent.ts";

/**
 * A registry with the agent's metrics over `agents`.
 * Example: `const registry = agentMetricsRegistry(host.agents, host.connections);`
 */
export function agentMetricsRegistry(agents: readonly ClusterAgent[], connections: readonly AgentConnection[]): Registry {
  const registry = new Registry();
  const sum = (pick: (a: ClusterAgent) => number) => agents.reduce((n, a) => n + pick(a), 0);
  new Counter({
    name: "cloudevents_received_total",
    help: "The total number of spec events received by the agents.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sum((a) => a.stats.specsReceived));
    },
  });
  new Counter({
    name: "cloudevents_sent_total",
    help: "The total number of status events the server accepted from the agents.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sum((a) => a.stats.statusesPublished));
    },
  });
  new Counter({
    name: "manifestworks_processed_total",
    help: "Works applied (action=apply) and deleted (action=delete) by the agents.",
    labelNames: ["action"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ action: "apply" }, sum((a) => a.stats.applies));
      this.inc({ action: "delete" }, sum((a) => a.stats.deleted));
    },
  });
  new Counter({
    name: "maestro_agent_publish_failures_total",
    help: "Status or resync publishes the server did not accept (retried on the next sync).",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sum((a) => a.stats.publishFailures));
    },
  });
  new Gauge({
    name: "maestro_agent_works",
    help: "Works held in memory by the agents.",
    registers: [registry],
    collect() {
      this.set(sum((a) => a.works.size));
    },
  });
  new Gauge({
    name: "maestro_agent_clusters_connected",
    help: "Clusters whose stream to the server is up.",
    registers: [registry],
    collect() {
      this.set(connections.filter((c) => c.connected).length);
    },
  });
  return registry;
}
