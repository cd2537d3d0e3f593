// Discovery in simulated clusters: the shared built-in table, unknown kinds, and kinds that
// CustomResourceDefinitions register (and unregister) per cluster.

import { describe, expect, test } from "bun:test";
import { ClusterError } from "../../../src/agent/cluster-client.ts";
import { builtInMappings, CustomKinds, SimulatedCluster } from "../../../src/agent/simulated/mod.ts";
import { meta, rejection, status, testCluster, widgetCrd } from "./fixtures.ts";

describe("built-in kinds", () => {
  test("resolves every required kind with group, version, resource and scope", async () => {
    const { cluster } = await testCluster();
    expect(await cluster.resolve("apps/v1", "Deployment")).toEqual({ group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true });
    expect(await cluster.resolve("v1", "Namespace")).toMatchObject({ group: "", resource: "namespaces", namespaced: false });
    expect(await cluster.resolve("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")).toMatchObject({ resource: "clusterrolebindings", namespaced: false });
    expect(await cluster.resolve("networking.k8s.io/v1", "Ingress")).toMatchObject({ resource: "ingresses", namespaced: true });
    const kinds = builtInMappings().map((m) => m.kind).sort();
    expect(kinds).toEqual([
      "ClusterRole", "ClusterRoleBinding", "ConfigMap", "CronJob", "CustomResourceDefinition", "DaemonSet", "Deployment",
      "Ingress", "Job", "Namespace", "PersistentVolumeClaim", "Pod", "ReplicaSet", "Role", "RoleBinding", "Secret",
      "Service", "ServiceAccount", "StatefulSet",
    ]);
  });

  test("the table is shared: two clusters resolve to the same frozen mapping object", async () => {
    const a = new SimulatedCluster({ name: "a" });
    const b = new SimulatedCluster({ name: "b" });
    const ma = await a.resolve("batch/v1", "Job");
    expect(await b.resolve("batch/v1", "Job")).toBe(ma);
    expect(Object.isFrozen(ma)).toBe(true);
  });

  test("an unknown kind or version is a NotFound ClusterError (404)", async () => {
    const { cluster } = await testCluster();
    for (const [apiVersion, kind] of [["example.com/v1", "Widget"], ["apps/v1beta1", "Deployment"], ["v1", "deployment"]] as const) {
      const err = await rejection(() => cluster.resolve(apiVersion, kind));
      expect(err).toBeInstanceOf(ClusterError);
      expect(err).toMatchObject({ reason: "NotFound", httpStatus: 404 });
      expect(err.message).toBe(`no matches for kind "${kind}" in version "${apiVersion}"`);
    }
  });

  test("CRUD with a mapping the cluster does not serve: get is undefined, writes are NotFound", async () => {
    const { cluster, m } = await testCluster();
    const wrong = { ...m.deployment!, version: "v1beta1" };
    expect(await cluster.get(wrong, "default", "web")).toBeUndefined();
    const err = await rejection(() => cluster.create(wrong, { metadata: { name: "web", namespace: "default" } }));
    expect(err).toMatchObject({ reason: "NotFound", httpStatus: 404, message: "the server could not find the requested resource" });
  });
});

describe("CustomResourceDefinitions", () => {
  test("creating a CRD registers its kind in that cluster only, per served version", async () => {
    const { cluster, m } = await testCluster();
    const other = new SimulatedCluster({ name: "other" });
    await cluster.create(m.crd!, widgetCrd("Namespaced", true));
    const v1 = await cluster.resolve("example.com/v1", "Widget");
    expect(v1).toEqual({ group: "example.com", version: "v1", kind: "Widget", resource: "widgets", namespaced: true });
    expect((await cluster.resolve("example.com/v2", "Widget")).version).toBe("v2");
    expect(await rejection(() => other.resolve("example.com/v1", "Widget"))).toMatchObject({ reason: "NotFound" });
  });

  test("custom resources are stored, read through any served version, and keep their status", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.crd!, widgetCrd("Namespaced", true));
    const v1 = await cluster.resolve("example.com/v1", "Widget");
    const v2 = await cluster.resolve("example.com/v2", "Widget");
    const created = await cluster.create(v1, { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "ns1" }, spec: { size: 1 }, status: { phase: "Ok" } });
    expect(status(created)).toEqual({ phase: "Ok" });
    const read = await cluster.get(v2, "ns1", "w");
    expect(read?.apiVersion).toBe("example.com/v2");
    expect(read?.spec).toEqual({ size: 1 });
  });

  test("a cluster-scoped CRD makes cluster-scoped objects; the CRD itself reports Established", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.crd!, widgetCrd("Cluster"));
    const widget = await cluster.resolve("example.com/v1", "Widget");
    expect(widget.namespaced).toBe(false);
    const created = await cluster.create(widget, { metadata: { name: "w", namespace: "ignored" } });
    expect(meta(created).namespace).toBeUndefined();
    const crd = await cluster.get(m.crd!, "", "widgets.example.com");
    const conditions = status(crd).conditions as { type: string; status: string }[];
    expect(conditions.map((c) => [c.type, c.status])).toEqual([["NamesAccepted", "True"], ["Established", "True"]]);
    expect(status(crd).storedVersions).toEqual(["v1"]);
    expect(status(crd).acceptedNames).toMatchObject({ kind: "Widget", plural: "widgets", listKind: "WidgetList" });
  });

  test("deleting the CRD unregisters the kind and deletes its objects", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.crd!, widgetCrd());
    const widget = await cluster.resolve("example.com/v1", "Widget");
    await cluster.create(widget, { metadata: { name: "w1", namespace: "a" } });
    await cluster.create(widget, { metadata: { name: "w2", namespace: "b" } });
    expect(cluster.objectCount).toBe(3);
    expect(await cluster.delete(m.crd!, "", "widgets.example.com", "Background")).toBe(true);
    expect(cluster.objectCount).toBe(0);
    expect(await rejection(() => cluster.resolve("example.com/v1", "Widget"))).toMatchObject({ reason: "NotFound" });
  });

  test("a CRD whose name is not <plural>.<group> is Invalid (422)", async () => {
    const { cluster, m } = await testCluster();
    const bad = widgetCrd();
    (bad.metadata as { name: string }).name = "widgets";
    const err = await rejection(() => cluster.create(m.crd!, bad));
    expect(err).toMatchObject({ reason: "Invalid", httpStatus: 422 });
    expect(err.message).toContain('must be spec.names.plural+"."+spec.group');
  });

  test("a CRD applied with server-side apply registers its kind too", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.crd!, widgetCrd(), { fieldManager: "work-agent", force: false });
    expect((await cluster.resolve("example.com/v1", "Widget")).resource).toBe("widgets");
  });
});

describe("preinstalled kinds", () => {
  const appliedManifestWork = { group: "work.open-cluster-management.io", version: "v1", kind: "AppliedManifestWork", resource: "appliedmanifestworks", namespaced: false };
  const shared = CustomKinds.preinstalled([appliedManifestWork]);

  test("one shared table serves a kind in many clusters without a CRD object in any", async () => {
    const clusters = ["a", "b"].map((name) => new SimulatedCluster({ name, preinstalled: shared }));
    for (const cluster of clusters) {
      const m = await cluster.resolve("work.open-cluster-management.io/v1", "AppliedManifestWork");
      expect(m).toEqual(appliedManifestWork);
      const created = await cluster.create(m, { metadata: { name: "hub-work" }, spec: { hubHash: "h" }, status: { appliedResources: [] } });
      expect(created.status).toEqual({ appliedResources: [] });
      expect(cluster.objectCount).toBe(1);
    }
    expect(Object.isFrozen(shared)).toBe(true);
    expect(shared.size).toBe(1);
  });

  test("built-in kinds win over a preinstalled kind of the same name", async () => {
    const clash = CustomKinds.preinstalled([{ group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: false }]);
    const cluster = new SimulatedCluster({ name: "c", preinstalled: clash });
    expect((await cluster.resolve("apps/v1", "Deployment")).namespaced).toBe(true);
  });
});
