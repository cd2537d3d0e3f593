// The aro-hcp scenario: Maestro's published ARO-HCP workload (test/performance in Maestro):
// per consumer, half ManagedCluster bundles and half bundles of two ManifestWorks (namespace
// and HyperShift), created through the source port, applied by simulated clusters; then the
// REST list of one consumer's bundles and of all bundles, timed.

import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { integerAttr, stringAttr } from "../../../src/cloudevents/attributes.ts";
import { manifestBundleEventType } from "../../../src/cloudevents/event-type.ts";
import { uuidV4 } from "../../../src/cloudevents/ids.ts";
import { timestampNow } from "../../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, type CloudEvent, type JsonObject } from "../../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../../src/transport/grpc/client.ts";
import { palette, renderChart } from "../chart.ts";
import { createConsumers, startAgent, type ServerHandle } from "../processes.ts";
import type { Progress } from "../progress.ts";
import { percentiles } from "../stats.ts";

/** Parameters of an aro-hcp run. */
export interface AroHcpParams {
  readonly consumers: number;
  readonly bundlesPerConsumer: number;
}

const workloads = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures", "workloads");
const encoder = new TextEncoder();
/** Publishes in flight while creating (Maestro's figure came from its own client with a few workers). */
const createConcurrency = 16;
/** Timed REST lists per measurement; the median is reported. */
const listRepeats = 5;

async function template(file: string): Promise<string> {
  return Bun.file(join(workloads, file)).text();
}

/** Random alphanumerics, as Kubernetes' rand.String fills the template's secrets. */
function randomString(length: number): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}

/** The template values Maestro's performance test renders with (test/performance workload.aro-hcp.go). */
function templateValues(name: string, clusterName: string): Record<string, string> {
  return {
    Name: name, ClusterName: clusterName, DockerConfigJSON: randomString(236), IDRsa: randomString(2272), IDRsaPub: randomString(604),
    SecretKey: randomString(44), HTPasswd: randomString(92), AzureClientInfo: randomString(52), SubID: uuidV4(), BaseDomain: "az.test.red-chesterfield-test.com",
  };
}

function render(text: string, name: string, clusterName: string): JsonObject {
  const values = templateValues(name, clusterName);
  const rendered = text.replace(/\{\{ \.(\w+) \}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`the workload template uses {{ .${key} }}, which the benchmark does not fill`);
    return value;
  });
  return parseYaml(rendered) as JsonObject;
}

const statusFeedback = (group: string, resource: string, name: string, namespace?: string) => ({
  resourceIdentifier: { group, resource, name, ...(namespace ? { namespace } : {}) },
  feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "status", path: ".status" }] }],
});

/** The two bundles of one ARO-HCP cluster, as Maestro's performance test builds them. */
function bundles(tpl: { mc: string; ns: string; hs: string }, consumer: string): { id: string; bundle: JsonObject }[] {
  const cluster = uuidV4();
  const work = uuidV4();
  const managedCluster = render(tpl.mc, cluster, consumer);
  const namespaceWork = render(tpl.ns, `${work}-ns`, consumer);
  const hypershiftWork = render(tpl.hs, `${work}-hs`, consumer);
  return [
    { id: uuidV4(), bundle: { manifests: [managedCluster], manifestConfigs: [statusFeedback("cluster.open-cluster-management.io", "managedclusters", cluster)] } },
    {
      id: uuidV4(),
      bundle: {
        manifests: [namespaceWork, hypershiftWork],
        manifestConfigs: [
          statusFeedback("work.open-cluster-management.io", "manifestworks", `${work}-ns-namespace`, consumer),
          statusFeedback("work.open-cluster-management.io", "manifestworks", `${work}-hs-hypershift`, consumer),
        ],
      },
    },
  ];
}

function createEvent(source: string, consumer: string, id: string, bundle: JsonObject): CloudEvent {
  return {
    specversion: "1.0", id: uuidV4(), source, type: manifestBundleEventType("spec", "create_request"), datacontenttype: JSON_CONTENT_TYPE, time: timestampNow(),
    extensions: {
      [Ext.clusterName]: stringAttr(consumer), [Ext.resourceId]: stringAttr(id), [Ext.resourceVersion]: integerAttr(0),
      [Ext.metadata]: stringAttr(JSON.stringify({ name: id, namespace: consumer, labels: { "maestro.performance.test": "aro-hcp" } })),
    },
    data: encoder.encode(JSON.stringify(bundle)),
  };
}

/**
 * Median time to GET a list and have its body as text. fetch asks for gzip, as Go's HTTP client
 * does (Maestro's clients); `identity` times the uncompressed body instead.
 */
async function timedList(url: string, encoding: "gzip" | "identity" = "gzip"): Promise<{ ms: number; bytes: number; items: number }> {
  const runs: { ms: number; bytes: number; items: number }[] = [];
  for (let i = 0; i < listRepeats; i++) {
    const start = performance.now();
    const res = await fetch(url, { headers: { "Accept-Encoding": encoding } });
    const text = await res.text();
    const ms = performance.now() - start;
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
    runs.push({ ms, bytes: text.length, items: (JSON.parse(text) as { size: number }).size });
  }
  const median = percentiles(runs.map((r) => r.ms)).p50;
  return { ms: Math.round(median * 10) / 10, bytes: runs[0]!.bytes, items: runs[0]!.items };
}

/** Per second of the create phase: creates acknowledged and their publish->ack latencies. */
function chartOf(seconds: readonly number[][], title: string): string {
  const p = seconds.map((ms) => percentiles(ms));
  return renderChart(title, [{ name: "creates acked/s", values: seconds.map((ms) => ms.length), color: palette[0]! }], [
    { name: "publish->ack p50 (ms)", values: p.map((x) => x.p50), color: palette[1]! },
    { name: "publish->ack p99 (ms)", values: p.map((x) => x.p99), color: palette[3]! },
  ]);
}

/** Runs the scenario; returns its metrics and a chart of the create phase. */
export async function runAroHcp(server: ServerHandle, p: AroHcpParams, progress: Progress): Promise<{ metrics: Record<string, unknown>; svg: string }> {
  const prefix = `aro${Date.now().toString(36)}`;
  const consumers = p.consumers === 1 ? [prefix] : Array.from({ length: p.consumers }, (_, i) => `${prefix}-${i + 1}`);
  await createConsumers(server.rest, consumers);
  // Statuses carry their feedback once the simulated controllers made the objects ready (2 s):
  // a 2 s sync interval republishes them then, as Maestro's spoke watcher would.
  const agent = await startAgent(server.agentLink, consumers.length, prefix, ["--status-sync-interval=2s"]);
  const tpl = { mc: await template("aro-hcp.managedcluster.yaml"), ns: await template("aro-hcp.manifestwork.namespace.yaml"), hs: await template("aro-hcp.manifestwork.hypershift.yaml") };
  const work = consumers.flatMap((consumer) => Array.from({ length: p.bundlesPerConsumer / 2 }, () => bundles(tpl, consumer).map((b) => ({ consumer, ...b }))).flat());
  const source = new CloudEventClient(server.grpc);
  try {
    let next = 0;
    let acked = 0;
    let bytes = 0;
    const latencies: number[] = [];
    const perSecond: number[][] = [];
    const start = performance.now();
    await Promise.all(Array.from({ length: createConcurrency }, async () => {
      while (next < work.length) {
        const item = work[next++]!;
        const event = createEvent(`${prefix}-source`, item.consumer, item.id, item.bundle);
        bytes += event.data!.length;
        const sent = performance.now();
        await source.publish(event);
        const done = performance.now();
        latencies.push(done - sent);
        (perSecond[Math.floor((done - start) / 1000)] ??= []).push(done - sent);
        acked++;
        progress.update(`aro-hcp: created ${acked}/${work.length}`);
      }
    }));
    const createSec = (performance.now() - start) / 1000;
    // Done when every bundle's status carries the feedback values (the full-size status).
    const withFeedback = encodeURIComponent("status->'data'->>'resourceStatus' like '%JsonRaw%'");
    let withStatus = 0;
    while (withStatus < work.length) {
      const res = await fetch(`${server.rest}/api/maestro/v1/resource-bundles?size=0&search=${withFeedback}`);
      if (!res.ok) throw new Error(`counting statuses: HTTP ${res.status} ${await res.text()}`);
      withStatus = ((await res.json()) as { total: number }).total;
      progress.update(`aro-hcp: ${withStatus}/${work.length} statuses with feedback`);
      if (withStatus < work.length) await Bun.sleep(500);
    }
    const statusSec = (performance.now() - start) / 1000;
    const oneUrl = `${server.rest}/api/maestro/v1/resource-bundles?size=${p.bundlesPerConsumer}&search=${encodeURIComponent(`consumer_name='${consumers[0]}'`)}`;
    const one = await timedList(oneUrl);
    const oneIdentity = await timedList(oneUrl, "identity");
    const all = await timedList(`${server.rest}/api/maestro/v1/resource-bundles?size=65500`);
    return {
      svg: chartOf(Array.from(perSecond, (ms) => ms ?? []), `aro-hcp: creating ${work.length} bundles (${p.consumers} consumers), ${createConcurrency} in flight`),
      metrics: {
        bundles: work.length,
        createPerSec: Math.round(acked / createSec),
        createLatencyMs: percentiles(latencies),
        allStatusSec: Math.round(statusSec * 10) / 10,
        averageSpecBytes: Math.round(bytes / work.length),
        listOneConsumerMs: one.ms,
        listOneConsumerItems: one.items,
        listOneConsumerBytes: one.bytes,
        listOneConsumerIdentityMs: oneIdentity.ms,
        listAllMs: all.ms,
        listAllItems: all.items,
        listAllBytes: all.bytes,
      },
    };
  } finally {
    source.close();
    await agent.stop();
  }
}
