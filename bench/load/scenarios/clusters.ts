// The clusters scenario: N simulated clusters connect to one server and each gets one bundle.
// Measures connect time, server memory per connected cluster, time until every status is
// back, and what the idle heartbeats cost the server in CPU.

import { integerAttr, stringAttr } from "../../../src/cloudevents/attributes.ts";
import { manifestBundleEventType } from "../../../src/cloudevents/event-type.ts";
import { uuidV4 } from "../../../src/cloudevents/ids.ts";
import { timestampNow } from "../../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, type CloudEvent } from "../../../src/cloudevents/types.ts";
import { ConfigError } from "../../../src/config/flags.ts";
import { CloudEventClient } from "../../../src/transport/grpc/client.ts";
import { palette, renderChart } from "../chart.ts";
import { cpuSeconds, createConsumers, rssBytes, scrapeMetric, startAgent, type AgentHandle, type ServerHandle } from "../processes.ts";
import type { Progress } from "../progress.ts";

/** Parameters of a clusters run. */
export interface ClustersParams {
  readonly clusters: number;
  readonly statusTimeoutSec: number;
}

/** Simulated clusters per agent process: each process stays well under its file and memory limits. */
const clustersPerAgentProcess = 50_000;
/** How long the server is watched idle (heartbeats only) to price them. */
const idleWindowSec = 20;
/** The server's heartbeat interval (Maestro's default). */
const heartbeatIntervalSec = 10;

const encoder = new TextEncoder();

function createEvent(source: string, cluster: string): CloudEvent {
  const id = uuidV4();
  const bundle = { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bench", namespace: "default" }, data: { a: "1" } }] };
  return {
    specversion: "1.0", id: uuidV4(), source, type: manifestBundleEventType("spec", "create_request"), datacontenttype: JSON_CONTENT_TYPE, time: timestampNow(),
    extensions: { [Ext.clusterName]: stringAttr(cluster), [Ext.resourceId]: stringAttr(id), [Ext.resourceVersion]: integerAttr(0), [Ext.metadata]: stringAttr(JSON.stringify({ name: id })) },
    data: encoder.encode(JSON.stringify(bundle)),
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutSec: number, progress: Progress, status: () => string): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutSec * 1000) throw new Error(`timed out after ${timeoutSec}s waiting for ${what} (${status()})`);
    progress.update(`${what}: ${status()}`);
    await Bun.sleep(250);
  }
  return (performance.now() - start) / 1000;
}

/** Runs the scenario; returns its metrics and chart. */
export async function runClusters(server: ServerHandle, p: ClustersParams, progress: Progress): Promise<{ metrics: Record<string, unknown>; svg: string }> {
  // Counting connected clusters and pricing heartbeats needs the server's own agent streams.
  if (server.agentLink.transport !== "grpc") throw new ConfigError("the clusters scenario measures the gRPC broker's streams: use --transport=grpc");
  const prefix = `cl${Date.now().toString(36)}`;
  const names = p.clusters === 1 ? [prefix] : Array.from({ length: p.clusters }, (_, i) => `${prefix}-${i + 1}`);
  const baseRss = server.pid ? rssBytes(server.pid) : 0;
  progress.update(`creating ${names.length} consumers…`, true);
  await createConsumers(server.rest, names);
  const agents: AgentHandle[] = [];
  const connectStart = performance.now();
  const samples: { t: number; streams: number; rss: number }[] = [];
  let streams = 0;
  try {
    for (let first = 0; first < names.length; first += clustersPerAgentProcess) {
      const count = Math.min(clustersPerAgentProcess, names.length - first);
      // Processes are named by their own prefix; the cluster names are what the consumers are.
      agents.push(await startAgent(server.agentLink, count, prefix, ["--status-sync-interval=600s", "--clusters-per-connection=1000", `--simulate-offset=${first}`]));
    }
    const connectSec = await until("connecting", async () => {
      streams = await scrapeMetric(server.metrics, 'maestro_grpc_streams{kind="agent"}');
      samples.push({ t: (performance.now() - connectStart) / 1000, streams, rss: server.pid ? rssBytes(server.pid) : 0 });
      return streams >= names.length;
    }, 600, progress, () => `${streams}/${names.length} streams`);
    const cpu0 = server.pid ? cpuSeconds(server.pid) : 0;
    const beats0 = await scrapeMetric(server.metrics, 'maestro_grpc_stream_heartbeats_total{kind="agent",outcome="sent"}');
    await Bun.sleep(idleWindowSec * 1000);
    const idleCpu = server.pid ? cpuSeconds(server.pid) - cpu0 : 0;
    const beats = (await scrapeMetric(server.metrics, 'maestro_grpc_stream_heartbeats_total{kind="agent",outcome="sent"}')) - beats0;
    // Read after the idle window: right after a connect storm the heap still holds its garbage.
    const connectedRss = server.pid ? rssBytes(server.pid) : 0;

    const source = new CloudEventClient(server.grpc);
    let next = 0;
    let acked = 0;
    const publishStart = performance.now();
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (next < names.length) {
        await source.publish(createEvent(`${prefix}-source`, names[next++]!));
        acked++;
        progress.update(`publishing: ${acked}/${names.length}`);
      }
    }));
    let withStatus = 0;
    await until("statuses", async () => {
      const res = await fetch(`${server.rest}/api/maestro/v1/resource-bundles?size=0&search=${encodeURIComponent(`status is not null and consumer_name like '${prefix}%'`)}`);
      withStatus = ((await res.json()) as { total: number }).total;
      return withStatus >= names.length;
    }, p.statusTimeoutSec, progress, () => `${withStatus}/${names.length} statuses`);
    const allStatusSec = (performance.now() - publishStart) / 1000;
    source.close();
    const ticks = idleWindowSec / heartbeatIntervalSec;
    const svg = renderChart(`clusters: connecting ${names.length} simulated clusters`, [
      { name: "connected streams", values: samples.map((s) => s.streams), color: palette[0]! },
    ], [{ name: "server RSS (MB)", values: samples.map((s) => Math.round(s.rss / 2 ** 20)), color: palette[3]! }]);
    return {
      svg,
      metrics: {
        clusters: names.length,
        connectSec: Math.round(connectSec * 10) / 10,
        allStatusSec: Math.round(allStatusSec * 10) / 10,
        serverRssBytes: connectedRss || null,
        serverRssBytesPerCluster: server.pid ? Math.round((connectedRss - baseRss) / names.length) : null,
        // Idle = only heartbeats and housekeeping run; all of that CPU is charged to heartbeats,
        // so the per-heartbeat figure is an upper bound.
        idleServerCpuPercent: server.pid ? Math.round((idleCpu / idleWindowSec) * 1000) / 10 : null,
        heartbeatsSentPerTick: Math.round(beats / ticks),
        idleCpuMicrosPerHeartbeat: server.pid && beats > 0 ? Math.round((idleCpu * 1e6) / beats) : null,
        agentProcesses: agents.length,
        agentRssBytes: agents.reduce((n, a) => n + rssBytes(a.pid), 0),
      },
    };
  } finally {
    for (const agent of agents) await agent.stop();
  }
}
