// Memory of 10,000 simulated clusters in one process: bytes per empty cluster and per cluster
// holding a one-Deployment bundle, printed for the record; the asserted bounds are generous
// (about 10x the measured numbers) so the test cannot be flaky, only catch a regression in kind.

import { heapStats } from "bun:jsc";
import { expect, test } from "bun:test";
import type { KubeObject } from "../../../src/agent/cluster-client.ts";
import { ManualClock, SimulatedCluster } from "../../../src/agent/simulated/mod.ts";
import { DELAY_MS, T0 } from "./fixtures.ts";

const CLUSTERS = 10_000;

interface Sample {
  readonly heap: number;
  readonly rss: number;
  readonly timers: number;
}

function sample(): Sample {
  Bun.gc(true);
  const stats = heapStats();
  const counts = stats.objectTypeCounts as Record<string, number>;
  return { heap: stats.heapSize, rss: process.memoryUsage().rss, timers: (counts.Timeout ?? 0) + (counts.Immediate ?? 0) };
}

function perCluster(after: Sample, before: Sample): { heap: number; rss: number } {
  return { heap: Math.round((after.heap - before.heap) / CLUSTERS), rss: Math.round((after.rss - before.rss) / CLUSTERS) };
}

/** A small bundle's Deployment as the agent applies it: owned by the AppliedManifestWork. */
function bundleDeployment(): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web", namespace: "default", labels: { app: "web" },
      ownerReferences: [{ apiVersion: "work.open-cluster-management.io/v1", kind: "AppliedManifestWork", name: "c0ffee-work-1", uid: "7ff1a8f4-8811-49b4-8c19-9271bc51975e" }],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }] } },
    },
  };
}

test(`memory of ${CLUSTERS} simulated clusters (empty, then one Deployment each)`, async () => {
  const clock = new ManualClock(T0);
  const names = Array.from({ length: CLUSTERS }, (_, i) => `cluster-${i}`);
  const base = sample();
  const clusters = names.map((name) => new SimulatedCluster({ name, now: clock.now, readyDelayMs: DELAY_MS }));
  const empty = sample();
  const mapping = await clusters[0]!.resolve("apps/v1", "Deployment");
  const manifest = bundleDeployment();
  const applyStart = performance.now();
  for (const cluster of clusters) await cluster.apply(mapping, manifest, { fieldManager: "work-agent", force: false });
  const applyMs = performance.now() - applyStart;
  const loaded = sample();
  clock.advance(DELAY_MS);
  const readStart = performance.now();
  let ready = 0;
  for (const cluster of clusters) {
    const status = (await cluster.get(mapping, "default", "web"))?.status as { readyReplicas?: number } | undefined;
    if (status?.readyReplicas === 1) ready++;
  }
  const readMs = performance.now() - readStart;
  const afterReads = sample();

  const emptyCost = perCluster(empty, base);
  const loadedCost = perCluster(loaded, empty);
  console.log(`[simulated-memory] ${CLUSTERS} clusters, Bun ${Bun.version}`);
  console.log(`[simulated-memory] empty cluster:            ${emptyCost.heap} B heap (${emptyCost.rss} B rss)`);
  console.log(`[simulated-memory] + one applied Deployment: ${loadedCost.heap} B heap (${loadedCost.rss} B rss); total ${emptyCost.heap + loadedCost.heap} B/cluster`);
  console.log(`[simulated-memory] apply ${(applyMs * 1000 / CLUSTERS).toFixed(1)} us/op, get with status ${(readMs * 1000 / CLUSTERS).toFixed(1)} us/op`);
  console.log(`[simulated-memory] heap after reads: ${Math.round((afterReads.heap - loaded.heap) / CLUSTERS)} B/cluster retained by reads`);

  expect(ready).toBe(CLUSTERS);
  expect(clusters.every((c) => c.objectCount === 1)).toBe(true);
  expect(emptyCost.heap).toBeLessThan(1_024);
  expect(emptyCost.heap + loadedCost.heap).toBeLessThan(10_240);
  expect(afterReads.heap - loaded.heap).toBeLessThan(CLUSTERS * 256);
  expect(afterReads.timers - base.timers).toBeLessThan(10);
});
