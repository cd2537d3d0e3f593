// Shared fixtures for the simulated cluster tests: a cluster on a manual clock, resolved
// mappings, and small manifests of the kinds the agent applies.

import type { KubeObject, ResourceMapping } from "../../../src/agent/cluster-client.ts";
import { ManualClock, SimulatedCluster } from "../../../src/agent/simulated/mod.ts";

/** 2025-01-01T00:00:00Z: a round start time so rendered timestamps are easy to read. */
export const T0 = Date.parse("2025-01-01T00:00:00Z");
/** The ready delay every test cluster uses. */
export const DELAY_MS = 2_000;

/** A cluster, its clock and the mappings tests use most. */
export interface TestCluster {
  readonly cluster: SimulatedCluster;
  readonly clock: ManualClock;
  readonly m: Record<string, ResourceMapping>;
}

const KINDS: Readonly<Record<string, readonly [string, string]>> = {
  deployment: ["apps/v1", "Deployment"],
  replicaSet: ["apps/v1", "ReplicaSet"],
  statefulSet: ["apps/v1", "StatefulSet"],
  daemonSet: ["apps/v1", "DaemonSet"],
  job: ["batch/v1", "Job"],
  cronJob: ["batch/v1", "CronJob"],
  pod: ["v1", "Pod"],
  configMap: ["v1", "ConfigMap"],
  secret: ["v1", "Secret"],
  namespace: ["v1", "Namespace"],
  service: ["v1", "Service"],
  pvc: ["v1", "PersistentVolumeClaim"],
  ingress: ["networking.k8s.io/v1", "Ingress"],
  clusterRole: ["rbac.authorization.k8s.io/v1", "ClusterRole"],
  crd: ["apiextensions.k8s.io/v1", "CustomResourceDefinition"],
};

/** A fresh cluster on a manual clock at T0 with a 2 s ready delay and 3 nodes. */
export async function testCluster(name = "cluster-1"): Promise<TestCluster> {
  const clock = new ManualClock(T0);
  const cluster = new SimulatedCluster({ name, now: clock.now, nodeCount: 3, readyDelayMs: DELAY_MS });
  const m: Record<string, ResourceMapping> = {};
  for (const [key, [apiVersion, kind]] of Object.entries(KINDS)) m[key] = await cluster.resolve(apiVersion, kind);
  return { cluster, clock, m };
}

/** A Deployment manifest. */
export function deployment(name = "web", replicas = 2, image = "nginx:1.25"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default", labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image }] } },
    },
  };
}

/** A ConfigMap manifest. */
export function configMap(name = "cfg", data: Record<string, string> = { a: "1" }, extraMeta: KubeObject = {}): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", ...extraMeta }, data };
}

/** An owner reference to `owner` (as the agent adds to the AppliedManifestWork). */
export function ownerRef(owner: KubeObject): KubeObject {
  const meta = owner.metadata as KubeObject;
  return { apiVersion: String(owner.apiVersion), kind: String(owner.kind), name: String(meta.name), uid: String(meta.uid) };
}

/** A namespaced CRD for kind Widget in example.com, served at v1 (and v2 when `twoVersions`). */
export function widgetCrd(scope: "Namespaced" | "Cluster" = "Namespaced", twoVersions = false): KubeObject {
  const versions: KubeObject[] = [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }];
  if (twoVersions) versions.push({ name: "v2", served: true, storage: false });
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: { group: "example.com", scope, names: { kind: "Widget", plural: "widgets", singular: "widget" }, versions },
  };
}

/** `object.metadata` as an object. */
export function meta(object: KubeObject | undefined): KubeObject {
  return (object?.metadata ?? {}) as KubeObject;
}

/** `object.status` as an object (empty when absent). */
export function status(object: KubeObject | undefined): KubeObject {
  return (object?.status ?? {}) as KubeObject;
}

/** Runs `fn` and returns the error it rejects with (fails the test when it resolves). */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}
