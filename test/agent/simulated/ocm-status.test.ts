// The simulated statuses of the Open Cluster Management hub kinds (ManagedCluster, ManifestWork)
// over a manual clock, with Maestro's ARO-HCP workload templates (shared/fixtures/workloads):
// timing, shape, determinism and sizes against Maestro's published record sizes.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ResourceMapping } from "../../../src/agent/cluster-client.ts";
import type { KubeObject } from "../../../src/agent/cluster-client.ts";
import { CustomKinds, ManualClock, SimulatedCluster } from "../../../src/agent/simulated/mod.ts";
import type { AgentWork } from "../../../src/agent/work.ts";
import { WorkApplier } from "../../../src/agent/work-applier.ts";
import { DELAY_MS, status, T0, widgetCrd } from "./fixtures.ts";

type Json = Record<string, unknown>;

const WORKLOADS = join(import.meta.dir, "..", "..", "..", "..", "shared", "fixtures", "workloads");
const CONSUMER = "aro-consumer-1";
const ID = "0b5b8a4e-5d0b-4a43-9c1e-1f2d3c4b5a69";

/** The kinds the agent's simulate mode preinstalls (run-agent.ts), plus AppliedManifestWork. */
const OCM = CustomKinds.preinstalled([
  { group: "cluster.open-cluster-management.io", version: "v1", kind: "ManagedCluster", resource: "managedclusters", namespaced: false },
  { group: "work.open-cluster-management.io", version: "v1", kind: "ManifestWork", resource: "manifestworks", namespaced: true },
  { group: "work.open-cluster-management.io", version: "v1", kind: "AppliedManifestWork", resource: "appliedmanifestworks", namespaced: false },
]);

/** Renders a workload template with the values Maestro's test fills (fixed here, of the same lengths). */
async function render(file: string, name: string): Promise<KubeObject> {
  const values: Record<string, string> = {
    Name: name, ClusterName: CONSUMER, DockerConfigJSON: "d".repeat(236), IDRsa: "r".repeat(2272), IDRsaPub: "p".repeat(604),
    SecretKey: "k".repeat(44), HTPasswd: "h".repeat(92), AzureClientInfo: "a".repeat(52), SubID: ID, BaseDomain: "az.test.red-chesterfield-test.com",
  };
  const text = await Bun.file(join(WORKLOADS, file)).text();
  return parseYaml(text.replace(/\{\{ \.(\w+) \}\}/g, (_whole, key: string) => values[key]!)) as KubeObject;
}

const managedClusterManifest = () => render("aro-hcp.managedcluster.yaml", ID);
const namespaceWorkManifest = () => render("aro-hcp.manifestwork.namespace.yaml", `${ID}-ns`);
const hypershiftWorkManifest = () => render("aro-hcp.manifestwork.hypershift.yaml", `${ID}-hs`);

interface OcmCluster {
  readonly cluster: SimulatedCluster;
  readonly clock: ManualClock;
  readonly managedClusters: ResourceMapping;
  readonly manifestWorks: ResourceMapping;
}

async function ocmCluster(name = CONSUMER): Promise<OcmCluster> {
  const clock = new ManualClock(T0);
  const cluster = new SimulatedCluster({ name, now: clock.now, readyDelayMs: DELAY_MS, preinstalled: OCM });
  return {
    cluster, clock,
    managedClusters: await cluster.resolve("cluster.open-cluster-management.io/v1", "ManagedCluster"),
    manifestWorks: await cluster.resolve("work.open-cluster-management.io/v1", "ManifestWork"),
  };
}

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const conditionsOf = (value: unknown) => ((value as Json).conditions as Json[]).map((c) => [c.type, c.status, c.reason, c.message]);
const manifestsOf = (object: KubeObject | undefined) => ((status(object).resourceStatus as Json).manifests as Json[]);
const feedbackRaw = (entry: Json) => JSON.parse(((((entry.statusFeedback as Json).values as Json[])[0]!).fieldValue as Json).jsonRaw as string) as Json;

const WORK_CONDITIONS = (feedbackReason: string) => [
  ["Applied", "True", "AppliedManifestComplete", "Apply manifest complete"],
  ["Available", "True", "ResourceAvailable", "Resource is available"],
  ["StatusFeedbackSynced", "True", feedbackReason, ""],
];

describe("ManagedCluster", () => {
  test("no status during the ready delay, then the spoke watcher's status", async () => {
    const { cluster, clock, managedClusters } = await ocmCluster();
    await cluster.apply(managedClusters, await managedClusterManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS - 1);
    expect((await cluster.get(managedClusters, "", ID))?.status).toBeUndefined();
    clock.advance(1);
    const s = status(await cluster.get(managedClusters, "", ID));
    expect(conditionsOf(s)).toEqual([
      ["HubAcceptedManagedCluster", "True", "HubClusterAdminAccepted", "Accepted by hub cluster admin"],
      ["ManagedClusterJoined", "True", "ManagedClusterJoined", "Managed cluster joined"],
      ["ManagedClusterConditionAvailable", "True", "ManagedClusterAvailable", "Managed cluster is available"],
      ["ManagedClusterConditionClockSynced", "True", "ManagedClusterClockSynced", "The clock of the managed cluster is synced with the hub."],
    ]);
    expect((s.conditions as Json[]).every((c) => c.lastTransitionTime === "2025-01-01T00:00:02Z")).toBe(true);
    expect(s).toMatchObject({ capacity: { cpu: "32", memory: "64Mi" }, allocatable: { cpu: "16", memory: "32Mi" }, version: { kubernetes: "1.22" } });
    expect(Object.keys(s)).toEqual(["conditions", "capacity", "allocatable", "version"]);
  });

  test("a written status is dropped (the status subresource owns it)", async () => {
    const { cluster, clock, managedClusters } = await ocmCluster();
    const created = await cluster.create(managedClusters, { ...(await managedClusterManifest()), status: { conditions: [] } });
    expect(created.status).toBeUndefined();
    clock.advance(DELAY_MS);
    expect((status(await cluster.get(managedClusters, "", ID)).conditions as Json[]).length).toBe(4);
  });
});

describe("ManifestWork", () => {
  test("the ARO-HCP hypershift work: no status during the delay, then one entry per workload manifest", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    const work = await hypershiftWorkManifest();
    await cluster.apply(manifestWorks, work, { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS - 1);
    expect((await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`))?.status).toBeUndefined();
    clock.advance(1);
    const live = await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`);
    expect(conditionsOf(status(live))).toEqual(WORK_CONDITIONS("StatusFeedbackSynced"));
    const workload = ((work.spec as Json).workload as Json).manifests as Json[];
    const entries = manifestsOf(live);
    expect(entries.length).toBe(7);
    const ns = `${ID}-hs`;
    expect(entries.map((e) => e.resourceMeta)).toEqual([
      { ordinal: 0, group: "", version: "v1", kind: "Secret", resource: "secrets", name: `${ns}-pull`, namespace: ns },
      { ordinal: 1, group: "", version: "v1", kind: "Secret", resource: "secrets", name: `${ns}-ssh`, namespace: ns },
      { ordinal: 2, group: "", version: "v1", kind: "Secret", resource: "secrets", name: `${ns}-encryption`, namespace: ns },
      { ordinal: 3, group: "", version: "v1", kind: "Secret", resource: "secrets", name: `${ns}-azure-credentials`, namespace: ns },
      { ordinal: 4, group: "", version: "v1", kind: "Secret", resource: "secrets", name: `${ns}-htpasswd-secret`, namespace: ns },
      { ordinal: 5, group: "hypershift.openshift.io", version: "v1beta1", kind: "HostedCluster", resource: "hostedclusters", name: ns, namespace: ns },
      { ordinal: 6, group: "hypershift.openshift.io", version: "v1beta1", kind: "NodePool", resource: "nodepools", name: ns, namespace: ns },
    ]);
    expect(entries.map((e) => (e.resourceMeta as Json).kind)).toEqual(workload.map((m) => m.kind));
    for (const entry of entries) expect(conditionsOf(entry)).toEqual(WORK_CONDITIONS("StatusFeedbackSynced"));
    for (const entry of entries.slice(0, 5)) expect(entry.statusFeedback).toEqual({});

    const hosted = entries[5]!;
    expect((((hosted.statusFeedback as Json).values as Json[])[0]!)).toMatchObject({ name: "status", fieldValue: { type: "JsonRaw" } });
    const hc = feedbackRaw(hosted);
    expect(hc).toMatchObject({
      "Available-Status": "True", "Available-Reason": "Available", "Available-Message": "Available", "Available-LastTransitionTime": "2025-01-01 00:00:02",
      "Progressing-Status": "False", "Degraded-Status": "False", "KubeAPIServerAvailable-Status": "True", "ReconciliationSucceeded-Status": "True",
      progress: "progress", "Version-Desired": "1.22", "Image-Current": "test-image", "Version-Current": "1.22", "Version-Status": "equals",
    });
    expect(Object.keys(hc).length).toBe(27 * 4 + 5);
    expect(Object.keys(hc)).toEqual(Object.keys(hc).sort());
    const np = feedbackRaw(entries[6]!);
    expect(np).toMatchObject({ "Ready-Status": "True", "ValidPlatformImage-Status": "False", "AsExpected-Reason": "AsExpected", "ValidationFailed-Status": "False" });
    expect(Object.keys(np).length).toBe(12 * 4);

    // The fixture's HostedCluster feedback rules name the mock map's keys.
    const ruleNames = (((((work.spec as Json).manifestConfigs as Json[])[0]!).feedbackRules as Json[])[0]!.jsonPaths as Json[]).map((p) => p.name);
    expect(ruleNames.filter((n) => !(String(n) in hc))).toEqual([]);
  });

  test("the ARO-HCP namespace work: one Namespace entry, no feedback", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    await cluster.apply(manifestWorks, await namespaceWorkManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS);
    const live = await cluster.get(manifestWorks, CONSUMER, `${ID}-ns-namespace`);
    expect(conditionsOf(status(live))).toEqual(WORK_CONDITIONS("StatusFeedbackSynced"));
    expect(manifestsOf(live)).toEqual([{
      resourceMeta: { ordinal: 0, group: "", version: "v1", kind: "Namespace", resource: "namespaces", name: `${ID}-ns`, namespace: "" },
      statusFeedback: {},
      conditions: expect.any(Array),
    }]);
    expect(conditionsOf(manifestsOf(live)[0])).toEqual(WORK_CONDITIONS("NoStatusFeedbackSynced"));
  });

  test("a work without workload manifests has conditions and an empty resourceStatus", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    await cluster.create(manifestWorks, { metadata: { name: "empty", namespace: CONSUMER }, spec: {} });
    clock.advance(DELAY_MS);
    expect(status(await cluster.get(manifestWorks, CONSUMER, "empty"))).toMatchObject({ resourceStatus: {} });
  });

  test("a spec change re-derives the entries; the times stay those of the first write", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    const work = await hypershiftWorkManifest();
    await cluster.apply(manifestWorks, work, { fieldManager: "work-agent", force: false });
    clock.advance(60_000);
    const workload = (work.spec as Json).workload as Json;
    workload.manifests = (workload.manifests as Json[]).slice(5);
    await cluster.apply(manifestWorks, work, { fieldManager: "work-agent", force: false });
    const entries = manifestsOf(await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`));
    expect(entries.map((e) => (e.resourceMeta as Json).kind)).toEqual(["HostedCluster", "NodePool"]);
    expect(feedbackRaw(entries[0]!)["Available-LastTransitionTime"]).toBe("2025-01-01 00:00:02");
  });

  test("a ManifestWork kind registered by a CRD is simulated too", async () => {
    const clock = new ManualClock(T0);
    const cluster = new SimulatedCluster({ name: "hub", now: clock.now, readyDelayMs: DELAY_MS });
    const crd = widgetCrd();
    crd.metadata = { name: "manifestworks.work.open-cluster-management.io" };
    crd.spec = { ...(crd.spec as Json), group: "work.open-cluster-management.io", names: { kind: "ManifestWork", plural: "manifestworks" } };
    await cluster.create(await cluster.resolve("apiextensions.k8s.io/v1", "CustomResourceDefinition"), crd);
    const m = await cluster.resolve("work.open-cluster-management.io/v1", "ManifestWork");
    await cluster.apply(m, await namespaceWorkManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS);
    expect(manifestsOf(await cluster.get(m, CONSUMER, `${ID}-ns-namespace`)).length).toBe(1);
  });
});

describe("other custom kinds", () => {
  test("keep the status they are written with (AppliedManifestWork, a Widget)", async () => {
    const { cluster, clock } = await ocmCluster();
    const applied = await cluster.resolve("work.open-cluster-management.io/v1", "AppliedManifestWork");
    await cluster.create(applied, { metadata: { name: "hub-work" }, spec: { hubHash: "h" }, status: { appliedResources: [] } });
    await cluster.create(await cluster.resolve("apiextensions.k8s.io/v1", "CustomResourceDefinition"), widgetCrd());
    const widgets = await cluster.resolve("example.com/v1", "Widget");
    await cluster.create(widgets, { metadata: { name: "w", namespace: "default" }, status: { phase: "Mine" } });
    clock.advance(DELAY_MS * 10);
    expect((await cluster.get(applied, "", "hub-work"))?.status).toEqual({ appliedResources: [] });
    expect((await cluster.get(widgets, "default", "w"))?.status).toEqual({ phase: "Mine" });
  });
});

describe("determinism and sharing", () => {
  async function snapshot(): Promise<string> {
    const { cluster, clock, managedClusters, manifestWorks } = await ocmCluster();
    await cluster.apply(managedClusters, await managedClusterManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(1_234);
    await cluster.apply(manifestWorks, await hypershiftWorkManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS * 3);
    return JSON.stringify([await cluster.get(managedClusters, "", ID), await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`)]);
  }

  test("the same writes on the same clock give byte-identical objects", async () => {
    expect(await snapshot()).toBe(await snapshot());
  });

  test("statuses do not change as time passes, and a caller's edits do not leak into the next read", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    await cluster.apply(manifestWorks, await hypershiftWorkManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS);
    const first = await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`);
    const text = JSON.stringify(first!.status);
    ((manifestsOf(first)[0]!.conditions as Json[])[0]!).status = "False";
    manifestsOf(first).pop();
    clock.advance(3_600_000);
    expect(JSON.stringify((await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`))!.status)).toBe(text);
  });

  test("nothing is stored for a status: the stored body is the written object", async () => {
    const { cluster, clock, manifestWorks } = await ocmCluster();
    await cluster.apply(manifestWorks, await hypershiftWorkManifest(), { fieldManager: "work-agent", force: false });
    const before = (await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`))!;
    clock.advance(DELAY_MS);
    const after = (await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`))!;
    expect(after.metadata).toEqual(before.metadata);
    expect(cluster.objectCount).toBe(1);
  });
});

describe("sizes (Maestro's ARO-HCP records: ManagedCluster bundle status 2,067 B, hypershift bundle status 18,802 B)", () => {
  test("object statuses: ManagedCluster ~0.86 KB (Go: 856 B), hypershift work ~14 KB, mock maps as Go marshals them", async () => {
    const { cluster, clock, managedClusters, manifestWorks } = await ocmCluster();
    await cluster.apply(managedClusters, await managedClusterManifest(), { fieldManager: "work-agent", force: false });
    await cluster.apply(manifestWorks, await hypershiftWorkManifest(), { fieldManager: "work-agent", force: false });
    clock.advance(DELAY_MS);
    const mc = status(await cluster.get(managedClusters, "", ID));
    const hs = await cluster.get(manifestWorks, CONSUMER, `${ID}-hs-hypershift`);
    expect(bytes(mc)).toBeGreaterThan(600);
    expect(bytes(mc)).toBeLessThan(1_200);
    expect(bytes(status(hs))).toBeGreaterThan(10_000);
    expect(bytes(status(hs))).toBeLessThan(20_000);
    // Go's json.Marshal of hypershift.go's hostedConditions() and nodePoolConditions() maps.
    const raw = (entry: Json) => ((((entry.statusFeedback as Json).values as Json[])[0]!).fieldValue as Json).jsonRaw as string;
    expect(raw(manifestsOf(hs)[5]!).length).toBe(5_930);
    expect(raw(manifestsOf(hs)[6]!).length).toBe(2_206);
  });

  test("through the agent's applier, bundle statuses come out close to Maestro's", async () => {
    const { cluster, clock } = await ocmCluster();
    const applier = new WorkApplier(cluster, { jsonRawBytesMax: 1 << 20, now: clock.now });
    const feedback = (group: string, resource: string, name: string, namespace?: string) => ({
      resourceIdentifier: { group, resource, name, ...(namespace === undefined ? {} : { namespace }) },
      feedbackRules: [{ type: "JSONPaths" as const, jsonPaths: [{ name: "status", path: ".status" }] }],
    });
    const agentWork = (id: string, manifests: KubeObject[], manifestConfigs: ReturnType<typeof feedback>[]): AgentWork => ({
      id, name: id, namespace: CONSUMER, generation: 1, bundle: { manifests, manifestConfigs }, specMetadata: {},
      originalSource: "maestro", deleting: false, applied: [], status: undefined, publishedHash: undefined,
    });
    const mcWork = agentWork("mc", [await managedClusterManifest()], [feedback("cluster.open-cluster-management.io", "managedclusters", ID)]);
    const hsWork = agentWork("hs", [await namespaceWorkManifest(), await hypershiftWorkManifest()], [
      feedback("work.open-cluster-management.io", "manifestworks", `${ID}-ns-namespace`, CONSUMER),
      feedback("work.open-cluster-management.io", "manifestworks", `${ID}-hs-hypershift`, CONSUMER),
    ]);
    await applier.apply(mcWork);
    await applier.apply(hsWork);
    clock.advance(DELAY_MS);
    const mcStatus = await applier.observe(mcWork);
    const hsStatus = await applier.observe(hsWork);
    expect(bytes(mcStatus)).toBeGreaterThan(1_500);
    expect(bytes(mcStatus)).toBeLessThan(3_000);
    expect(bytes(hsStatus)).toBeGreaterThan(14_000);
    expect(bytes(hsStatus)).toBeLessThan(25_000);
    expect(bytes(hsWork.bundle)).toBeGreaterThan(25_000); // the spec side: Maestro's is 30,771 B
  });
});
