// The agent's Prometheus metrics, read from its cluster agents at scrape time: events received
// and sent (sdk-go's names), works processed, messages dropped, and clusters/works connected.

import { Counter, Gauge, Registry } from "prom-client";
import type { ClusterAgent } from "./cluster-agent.ts";
import type { AgentTransport } from "./cluster-link.ts";
import { DROP_REASONS, type DropStats } from "./drop-stats.ts";

/**
 * A registry with the agent's metrics over `agents`, their transport and drop counters.
 * Example: `const registry = agentMetricsRegistry(host.agents, host.transport, host.drops);`
 */
export function agentMetricsRegistry(agents: readonly ClusterAgent[], transport: Pick<AgentTransport, "connectedCount">, drops: DropStats): Registry {
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
  new Counter({
    name: "maestro_agent_messages_dropped_total",
    help: "Incoming messages dropped: malformed (not a CloudEvent), unknown_cluster (a topic of no cluster here), cluster_mismatch (clustername of another cluster), invalid (undecodable spec or resync request).",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of DROP_REASONS) this.inc({ reason }, drops.count(reason));
    },
  });
  new Counter({
    name: "maestro_agent_status_resync_requests_total",
    help: "Status resync requests from the server (MQTT mode) the agents answered.",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sum((a) => a.stats.statusResyncRequests));
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
    help: "Clusters whose stream to the server (gRPC) or subscription on the broker (MQTT) is up.",
    registers: [registry],
    collect() {
      this.set(transport.connectedCount());
    },
  });
  return registry;
}
