// Connects N simulated clusters (one `maestro-agent --simulate N` process) to one server, gives
// each cluster one bundle, and measures connect time, time until every status is stored, and
// the memory per cluster in the agent and in the server. Prints one JSON line.
//
//   npm run build:agent && bun bench/load/simulated-clusters.ts 10000
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test bun bench/load/simulated-clusters.ts 10000

import { join } from "node:path";
import { cpus, totalmem } from "node:os";
import { integerAttr, stringAttr } from "../../src/cloudevents/attributes.ts";
import { manifestBundleEventType } from "../../src/cloudevents/event-type.ts";
import { uuidV4 } from "../../src/cloudevents/ids.ts";
import { timestampNow } from "../../src/cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, type CloudEvent } from "../../src/cloudevents/types.ts";
import { CloudEventClient } from "../../src/transport/grpc/client.ts";
import { createScratchDatabase } from "../../test/support/database.ts";

const clusters = Number(process.argv[2] ?? 10_000);
const prefix = `sim${Date.now().toString(36)}`;
const root = join(import.meta.dir, "..", "..");
const encoder = new TextEncoder();

function rssBytes(pid: number): number {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

async function logLine(stream: ReadableStream<Uint8Array>, msg: string): Promise<Record<string, unknown>> {
  const reader = stream.getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before "${msg}"`);
    buffered += new TextDecoder().decode(value);
    for (const line of buffered.split("\n")) {
      if (line.includes(`"msg":"${msg}"`)) {
        reader.releaseLock();
        return JSON.parse(line) as Record<string, unknown>;
      }
    }
  }
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function waitUntil(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await fn())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
  return (performance.now() - started) / 1000;
}

function createEvent(cluster: string): CloudEvent {
  const id = uuidV4();
  const bundle = { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bench", namespace: "default" }, data: { a: "1" } }] };
  return {
    specversion: "1.0", id: uuidV4(), source: "bench-source", type: manifestBundleEventType("spec", "create_request"),
    datacontenttype: JSON_CONTENT_TYPE, time: timestampNow(),
    extensions: { [Ext.clusterName]: stringAttr(cluster), [Ext.resourceId]: stringAttr(id), [Ext.resourceVersion]: integerAttr(0), [Ext.metadata]: stringAttr(JSON.stringify({ name: id })) },
    data: encoder.encode(JSON.stringify(bundle)),
  };
}

async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

// With DATABASE_URL, a database of its own (created here, dropped at the end), so runs never mix.
const scratch = await createScratchDatabase();
const store = scratch ? ["--db-url", scratch.url] : ["--db-data-dir=memory://"];
const server = Bun.spawn([process.execPath, join(root, "src/cli.ts"), "server", "--server-hostname=127.0.0.1", "--http-server-bindport=0", "--grpc-server-bindport=0", "--grpc-broker-bindport=0", "--metrics-server-bindport=0", "--health-check-server-bindport=0", ...store], { stderr: "pipe", stdout: "ignore" });
try {
  const serving = await logLine(server.stderr, "serving");
  const rest = `http://127.0.0.1:${serving.rest}`;
  const metrics = `http://127.0.0.1:${serving.metrics}/metrics`;
  const names = clusters === 1 ? [prefix] : Array.from({ length: clusters }, (_, i) => `${prefix}-${i + 1}`);
  await inBatches(names, 32, (name) => fetch(`${rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }) }));
  const serverRssBefore = rssBytes(server.pid);
  await Bun.write("/tmp/maestro-bench-grpc.yaml", `url: 127.0.0.1:${serving.grpcBroker}\n`);
  const agentStart = performance.now();
  const agent = Bun.spawn([join(root, "maestro-agent"), `--simulate=${clusters}`, `--consumer-prefix=${prefix}`, "--workload-source-config=/tmp/maestro-bench-grpc.yaml", "--status-sync-interval=60s"], { stderr: "ignore", stdout: "ignore" });
  try {
    await waitUntil("every cluster connected", async () => (await metric(metrics, 'maestro_grpc_streams{kind="agent"}')) >= clusters, 300_000);
    const connectSec = (performance.now() - agentStart) / 1000;
    await Bun.sleep(2_000);
    const agentRssIdle = rssBytes(agent.pid);
    const serverRssConnected = rssBytes(server.pid);
    const source = new CloudEventClient(`127.0.0.1:${serving.grpc}`);
    const publishStart = performance.now();
    await inBatches(names, 64, (name) => source.publish(createEvent(name)));
    const publishSec = (performance.now() - publishStart) / 1000;
    await waitUntil("every status stored", async () => {
      const res = await fetch(`${rest}/api/maestro/v1/resource-bundles?size=0&search=${encodeURIComponent("status is not null")}`);
      return ((await res.json()) as { total: number }).total >= clusters;
    }, 600_000);
    const allStatusSec = (performance.now() - publishStart) / 1000;
    source.close();
    console.log(JSON.stringify({
      clusters, connectSec, publishSec, allStatusSec,
      agentRssBytes: agentRssIdle, agentRssBytesPerCluster: Math.round(agentRssIdle / clusters),
      serverRssBytes: serverRssConnected, serverRssBytesPerCluster: Math.round((serverRssConnected - serverRssBefore) / clusters),
      store: process.env.DATABASE_URL ? "postgres" : "pglite", machine: { cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30) },
    }));
  } finally {
    agent.kill();
  }
} finally {
  server.kill();
  await server.exited;
  await scratch?.drop();
}
