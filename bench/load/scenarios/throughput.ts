// The throughput scenario: K simulated clusters, sources publishing creates and updates as fast
// as they are acknowledged (or at --rate), observers on the broker (the gRPC broker port or the
// MQTT broker) timing delivery, and a source stream timing statuses. Measures events/s and
// latencies, and checks that no acknowledged spec was lost or delivered twice.

import { integerAttr, readInteger, readOptionalString, stringAttr } from "../../../src/cloudevents/attributes.ts";
import { manifestBundleEventType, MANIFEST_BUNDLE_DATA_TYPE_NAME } from "../../../src/cloudevents/event-type.ts";
import { uuidV4 } from "../../../src/cloudevents/ids.ts";
import { timestampNow } from "../../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, type CloudEvent } from "../../../src/cloudevents/types.ts";
import { CloudEventClient, type Subscription } from "../../../src/transport/grpc/client.ts";
import { MqttCloudEventClient } from "../../../src/transport/mqtt/client.ts";
import { palette, renderChart } from "../chart.ts";
import { mqttAgentEventsTemplate, mqttSourceEventsTemplate } from "../../../test/support/restartable-server.ts";
import { benchBrokerConfig, cpuSeconds, createConsumers, rssBytes, scrapeMetric, startAgent, type ServerHandle } from "../processes.ts";
import { Progress } from "../progress.ts";
import { percentiles, TimeSeries } from "../stats.ts";

/** Parameters of a throughput run. */
export interface ThroughputParams {
  readonly clusters: number;
  readonly durationSec: number;
  /** Publishes in flight at once (as fast as acknowledged); spread over `connections`. */
  readonly concurrency: number;
  readonly connections: number;
  /** Publishes per second (0 = as fast as acknowledged). */
  readonly rate: number;
  /** Share of publishes that update an existing bundle instead of creating one. */
  readonly updateRatio: number;
  /** Size of each bundle's ConfigMap data, in bytes. */
  readonly payloadBytes: number;
  /** Also subscribe on the broker as every cluster to time publish→agent (doubles spec fanout). */
  readonly observe: boolean;
  readonly drainTimeoutSec: number;
}

const encoder = new TextEncoder();

function specEvent(source: string, cluster: string, id: string, version: number, filler: string, action: "create_request" | "update_request"): CloudEvent {
  const bundle = { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cm-${id.slice(0, 8)}`, namespace: "default" }, data: { v: String(version), filler } }] };
  return {
    specversion: "1.0", id: uuidV4(), source, type: manifestBundleEventType("spec", action), datacontenttype: JSON_CONTENT_TYPE, time: timestampNow(),
    extensions: {
      [Ext.clusterName]: stringAttr(cluster), [Ext.resourceId]: stringAttr(id), [Ext.resourceVersion]: integerAttr(version),
      [Ext.metadata]: stringAttr(JSON.stringify({ name: id, namespace: cluster })),
    },
    data: encoder.encode(JSON.stringify(bundle)),
  };
}

interface Tracked {
  readonly cluster: string;
  /** Acknowledged version (the server's), 0 before the create is acknowledged. */
  version: number;
  busy: boolean;
}

/** Everything timed during the run, keyed `<id>:<version>`. */
class Ledger {
  readonly sentAt = new Map<string, number>();
  readonly acked = new Set<string>();
  readonly specSeen = new Map<string, number>();
  readonly statusSeen = new Set<string>();
  readonly latency = { ack: [] as number[], agent: [] as number[], status: [] as number[] };
  duplicates = 0;
  specEvents = 0;
  statusEvents = 0;
  /** End of the load window (performance.now()); statuses before it count as events of the run. */
  windowEndMs = Number.POSITIVE_INFINITY;
  statusesInWindow = 0;
}

/** A spec event seen by an observer: counted, checked for duplicates, timed publish→agent. */
function observeSpec(e: CloudEvent, ledger: Ledger, series: TimeSeries): void {
  const now = performance.now();
  const key = `${readOptionalString(e, Ext.resourceId)}:${readInteger(e, Ext.resourceVersion)}`;
  const seen = ledger.specSeen.get(key) ?? 0;
  if (seen > 0) ledger.duplicates++;
  ledger.specSeen.set(key, seen + 1);
  ledger.specEvents++;
  series.count("spec deliveries/s", now);
  const sent = ledger.sentAt.get(key);
  if (sent !== undefined && seen === 0) {
    ledger.latency.agent.push(now - sent);
    series.latency("publish→agent", now, now - sent);
  }
}

/** Observers that see every spec an agent gets; `close()` ends them. */
interface Observers {
  close(): Promise<void>;
}

/** gRPC: one extra Subscribe per cluster on the broker port (the server fans each spec out twice). */
async function openGrpcObservers(broker: string, clusters: readonly string[], ledger: Ledger, series: TimeSeries): Promise<Observers> {
  const clients = Array.from({ length: Math.ceil(clusters.length / 500) }, () => new CloudEventClient(broker, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } }));
  let headers = 0;
  const subs = clusters.map((cluster, i) =>
    clients[Math.floor(i / 500)]!.subscribe({ source: "", clusterName: cluster, dataType: MANIFEST_BUNDLE_DATA_TYPE_NAME }, {
      onHeader: () => headers++,
      onEvent: (e) => observeSpec(e, ledger, series),
    }),
  );
  while (headers < clusters.length) await Bun.sleep(50);
  return {
    close: async () => {
      for (const sub of subs) sub.cancel();
      for (const c of clients) c.close();
    },
  };
}

/** MQTT: one client subscribed to every consumer's sourceevents topic (the broker copies each spec). */
async function openMqttObservers(brokerHost: string, prefix: string, ledger: Ledger, series: TimeSeries): Promise<Observers> {
  const client = await MqttCloudEventClient.connect(benchBrokerConfig(brokerHost), `${prefix}-observer`);
  client.onEvent((_topic, e) => {
    if (e.type.includes(".spec.")) observeSpec(e, ledger, series);
  });
  await client.subscribe([mqttSourceEventsTemplate]);
  return { close: () => client.close() };
}

/**
 * MQTT: resolves once every simulated cluster sent its spec resync request, which the agent does
 * after its subscription is up, so specs published from then on reach it.
 */
async function mqttAgentsReady(brokerHost: string, prefix: string, clusters: readonly string[]): Promise<void> {
  const waiting = new Set(clusters);
  const client = await MqttCloudEventClient.connect(benchBrokerConfig(brokerHost), `${prefix}-ready`);
  client.onEvent((_topic, e) => {
    if (e.type.endsWith(".spec.resync_request")) waiting.delete(readOptionalString(e, Ext.clusterName) ?? "");
  });
  await client.subscribe([mqttAgentEventsTemplate]);
  try {
    return await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`${waiting.size} simulated clusters sent no spec resync request within 120 s`)), 120_000);
      const check = setInterval(() => {
        if (waiting.size > 0) return;
        clearInterval(check);
        clearTimeout(timeout);
        resolve();
      }, 50);
    });
  } finally {
    await client.close();
  }
}

function watchStatuses(client: CloudEventClient, source: string, ledger: Ledger, series: TimeSeries): Promise<Subscription> {
  return new Promise((resolve) => {
    const sub = client.subscribe({ source, clusterName: "", dataType: MANIFEST_BUNDLE_DATA_TYPE_NAME }, {
      onHeader: () => resolve(sub),
      onEvent: (e) => {
        const now = performance.now();
        const key = `${readOptionalString(e, Ext.resourceId)}:${readInteger(e, Ext.resourceVersion)}`;
        ledger.statusEvents++;
        if (now <= ledger.windowEndMs) ledger.statusesInWindow++;
        series.count("statuses at source/s", now);
        if (ledger.statusSeen.has(key)) return;
        ledger.statusSeen.add(key);
        const sent = ledger.sentAt.get(key);
        if (sent !== undefined) {
          ledger.latency.status.push(now - sent);
          series.latency("publish→status at source", now, now - sent);
        }
      },
    });
  });
}

/** Runs the load; returns the metrics and the chart. */
export async function runThroughput(server: ServerHandle, p: ThroughputParams, progress: Progress): Promise<{ metrics: Record<string, unknown>; svg: string }> {
  const prefix = `tp${Date.now().toString(36)}`;
  const clusters = p.clusters === 1 ? [prefix] : Array.from({ length: p.clusters }, (_, i) => `${prefix}-${i + 1}`);
  const source = `${prefix}-source`;
  progress.update(`creating ${clusters.length} consumers…`, true);
  await createConsumers(server.rest, clusters);
  const link = server.agentLink;
  const ready = link.transport === "mqtt" ? mqttAgentsReady(link.brokerHost, prefix, clusters) : undefined;
  const agent = await startAgent(link, clusters.length, prefix, ["--status-sync-interval=600s", `--clusters-per-connection=${Math.max(1, Math.ceil(clusters.length / 2))}`]);
  const ledger = new Ledger();
  const startMs = performance.now();
  const series = new TimeSeries(startMs);
  const publishers = Array.from({ length: p.connections }, () => new CloudEventClient(server.grpc, { channelOptions: { "grpc.use_local_subchannel_pool": 1 } }));
  const statusClient = new CloudEventClient(server.grpc);
  let observers: Observers | undefined;
  if (p.observe) {
    observers = link.transport === "mqtt" ? await openMqttObservers(link.brokerHost, prefix, ledger, series) : await openGrpcObservers(link.broker, clusters, ledger, series);
  }
  const statusSub = await watchStatuses(statusClient, source, ledger, series);
  if (link.transport === "mqtt") await ready;
  else while ((await scrapeMetric(server.metrics, 'maestro_grpc_streams{kind="agent"}')) < clusters.length * (p.observe ? 2 : 1)) await Bun.sleep(100);

  const tracked = new Map<string, Tracked>();
  const ids: string[] = [];
  const filler = "x".repeat(p.payloadBytes);
  const cpu0 = server.pid ? cpuSeconds(server.pid) : 0;
  const loadStart = performance.now();
  const loadEnd = loadStart + p.durationSec * 1000;
  ledger.windowEndMs = loadEnd;
  let acked = 0;
  let failed = 0;
  let nextCluster = 0;
  let tokens = 0;
  let lastRefill = loadStart;

  const takeToken = async () => {
    if (p.rate <= 0) return;
    for (;;) {
      const now = performance.now();
      tokens = Math.min(p.rate, tokens + ((now - lastRefill) / 1000) * p.rate);
      lastRefill = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await Bun.sleep(Math.max(1, ((1 - tokens) / p.rate) * 1000));
    }
  };

  const pickUpdate = (): string | undefined => {
    for (let tries = 0; tries < 8 && ids.length > 0; tries++) {
      const id = ids[Math.floor(Math.random() * ids.length)]!;
      const t = tracked.get(id)!;
      if (!t.busy && t.version > 0) return id;
    }
    return undefined;
  };

  const worker = async (w: number) => {
    const client = publishers[w % publishers.length]!;
    while (performance.now() < loadEnd) {
      await takeToken();
      const updateId = Math.random() < p.updateRatio ? pickUpdate() : undefined;
      const id = updateId ?? uuidV4();
      const t = tracked.get(id) ?? { cluster: clusters[nextCluster++ % clusters.length]!, version: 0, busy: false };
      t.busy = true;
      tracked.set(id, t);
      const expected = t.version + 1;
      const key = `${id}:${expected}`;
      const sent = performance.now();
      ledger.sentAt.set(key, sent);
      try {
        await client.publish(specEvent(source, t.cluster, id, t.version === 0 ? 0 : t.version, filler, t.version === 0 ? "create_request" : "update_request"));
        const now = performance.now();
        t.version = expected;
        if (expected === 1) ids.push(id);
        acked++;
        ledger.acked.add(key);
        ledger.latency.ack.push(now - sent);
        series.count("acked publishes/s", now);
        series.latency("publish→ack", now, now - sent);
      } catch {
        failed++;
        ledger.sentAt.delete(key);
      } finally {
        t.busy = false;
      }
      progress.update(`throughput: ${((performance.now() - loadStart) / 1000).toFixed(0)}s acked=${acked} failed=${failed} specs=${ledger.specEvents} statuses=${ledger.statusEvents}`);
    }
  };
  await Promise.all(Array.from({ length: p.concurrency }, (_, w) => worker(w)));
  const loadSec = (performance.now() - loadStart) / 1000;
  const serverCpu = server.pid ? cpuSeconds(server.pid) - cpu0 : undefined;

  // Drain: every acknowledged version reaches the agent, and every bundle's latest acknowledged
  // version gets a status at the source.
  const finalKeys = [...tracked].filter(([, t]) => t.version > 0).map(([id, t]) => `${id}:${t.version}`);
  const drainStart = performance.now();
  const pending = () => (p.observe ? [...ledger.acked].filter((k) => !ledger.specSeen.has(k)).length : 0) + finalKeys.filter((k) => !ledger.statusSeen.has(k)).length;
  while (pending() > 0 && performance.now() - drainStart < p.drainTimeoutSec * 1000) {
    progress.update(`draining: ${pending()} deliveries outstanding`);
    await Bun.sleep(100);
  }
  const lostSpecs = p.observe ? [...ledger.acked].filter((k) => !ledger.specSeen.has(k)).length : 0;
  const lostStatuses = finalKeys.filter((k) => !ledger.statusSeen.has(k)).length;
  const serverRss = server.pid ? rssBytes(server.pid) : undefined;
  const agentRss = rssBytes(agent.pid);

  statusSub.cancel();
  await observers?.close();
  for (const c of [...publishers, statusClient]) c.close();
  await agent.stop();

  const statusesInWindow = ledger.statusesInWindow;
  const seconds = Math.ceil(loadSec + (performance.now() - drainStart) / 1000) + 1;
  const svg = renderChart(`throughput: ${clusters.length} clusters, ${p.concurrency} in flight${p.rate ? `, ${p.rate}/s` : ""}`, [
    { name: "acked publishes/s", values: series.counts("acked publishes/s", seconds), color: palette[0]! },
    { name: "spec deliveries/s", values: series.counts("spec deliveries/s", seconds), color: palette[1]! },
    { name: "statuses at source/s", values: series.counts("statuses at source/s", seconds), color: palette[2]! },
  ], [
    { name: "publish→ack p50", values: series.latencyBands("publish→ack", seconds).p50, color: palette[0]! },
    { name: "publish→ack p99", values: series.latencyBands("publish→ack", seconds).p99, color: palette[4]! },
    { name: "publish→agent p99", values: series.latencyBands("publish→agent", seconds).p99, color: palette[1]! },
    { name: "publish→status p99", values: series.latencyBands("publish→status at source", seconds).p99, color: palette[2]! },
  ]);
  return {
    svg,
    metrics: {
      eventsPerSec: Math.round((acked + statusesInWindow) / loadSec),
      durationSec: Math.round(loadSec * 10) / 10,
      acknowledgedPublishesPerSec: Math.round(acked / loadSec),
      specDeliveriesPerSec: p.observe ? Math.round(ledger.specEvents / loadSec) : null,
      statusesStoredPerSec: Math.round(statusesInWindow / loadSec),
      statusesDeliveredToSourcesPerSec: Math.round(ledger.statusEvents / loadSec),
      acknowledged: acked,
      publishFailures: failed,
      lost: lostSpecs + lostStatuses,
      lostSpecs,
      lostStatuses,
      duplicated: ledger.duplicates,
      latencyMs: {
        publishToAck: percentiles(ledger.latency.ack),
        publishToAgent: p.observe ? percentiles(ledger.latency.agent) : null,
        publishToSourceStatus: percentiles(ledger.latency.status),
      },
      serverCpuSecondsPerSec: serverCpu === undefined ? null : Math.round((serverCpu / loadSec) * 100) / 100,
      serverRssBytes: serverRss ?? null,
      agentRssBytes: agentRss,
    },
  };
}
