// Server-side apply in the simulated cluster: ownership per field manager, conflicts, force,
// removal of fields a manager stops applying, merge rules, and Update-operation ownership.

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/agent/cluster-client.ts";
import { UPDATE_FIELD_MANAGER } from "../../../src/agent/simulated/mod.ts";
import { conflictMessage, encodePath, planApply, trackedPaths } from "../../../src/agent/simulated/internal.ts";
import { configMap, deployment, meta, rejection, testCluster } from "./fixtures.ts";

const AGENT = { fieldManager: "work-agent", force: false };
const KUBECTL = { fieldManager: "kubectl", force: false };

function withReplicas(object: KubeObject, replicas: number): KubeObject {
  const copy = structuredClone(object);
  (copy.spec as { replicas: number }).replicas = replicas;
  return copy;
}

describe("ownership", () => {
  test("apply creates the object and its manager owns every applied leaf", async () => {
    const { cluster, m } = await testCluster();
    const created = await cluster.apply(m.deployment!, deployment(), AGENT);
    expect(meta(created)).toMatchObject({ resourceVersion: "1", generation: 1 });
    expect(await cluster.managedFields(m.deployment!, "default", "web")).toEqual([{
      manager: "work-agent", operation: "Apply",
      fields: [".metadata.labels.app", ".spec.replicas", ".spec.selector.matchLabels.app", ".spec.template.metadata.labels.app", ".spec.template.spec.containers"],
    }]);
  });

  test("re-applying the same object changes nothing (resourceVersion kept)", async () => {
    const { cluster, m } = await testCluster();
    const first = await cluster.apply(m.deployment!, deployment(), AGENT);
    const again = await cluster.apply(m.deployment!, deployment(), AGENT);
    expect(meta(again).resourceVersion).toBe(meta(first).resourceVersion);
  });

  test("another manager setting an owned field to another value conflicts (409) and changes nothing", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.deployment!, deployment(), AGENT);
    const err = await rejection(() => cluster.apply(m.deployment!, withReplicas(deployment(), 5), KUBECTL));
    expect(err).toMatchObject({ reason: "Conflict", httpStatus: 409 });
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "work-agent" using apps/v1: .spec.replicas');
    expect((await cluster.get(m.deployment!, "default", "web"))?.spec).toMatchObject({ replicas: 2 });
  });

  test("the same value is no conflict: both managers share the field", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.deployment!, deployment(), AGENT);
    const partial = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 2 } };
    await cluster.apply(m.deployment!, partial, KUBECTL);
    const owners = await cluster.managedFields(m.deployment!, "default", "web");
    expect(owners?.find((o) => o.manager === "kubectl")?.fields).toEqual([".spec.replicas"]);
    expect(owners?.find((o) => o.manager === "work-agent")?.fields).toContain(".spec.replicas");
  });

  test("force takes ownership of conflicting fields from the other manager", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.deployment!, deployment(), AGENT);
    const partial = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default" }, spec: { replicas: 7 } };
    const forced = await cluster.apply(m.deployment!, partial, { fieldManager: "kubectl", force: true });
    expect((forced.spec as { replicas: number }).replicas).toBe(7);
    expect(meta(forced).generation).toBe(2);
    const owners = await cluster.managedFields(m.deployment!, "default", "web");
    expect(owners?.find((o) => o.manager === "kubectl")?.fields).toEqual([".spec.replicas"]);
    expect(owners?.find((o) => o.manager === "work-agent")?.fields).not.toContain(".spec.replicas");
    // work-agent no longer owns replicas, so applying without it does not remove it.
    const noReplicas = deployment();
    delete (noReplicas.spec as Record<string, unknown>).replicas;
    const after = await cluster.apply(m.deployment!, noReplicas, AGENT);
    expect((after.spec as { replicas: number }).replicas).toBe(7);
  });

  test("fields a manager stops applying are removed, unless another manager owns them", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.configMap!, configMap("cfg", { a: "1", b: "2", c: "3" }, { labels: { x: "1" } }), AGENT);
    await cluster.apply(m.configMap!, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" }, data: { c: "3" } }, KUBECTL);
    const next = await cluster.apply(m.configMap!, configMap("cfg", { a: "1" }), AGENT);
    expect(next.data).toEqual({ a: "1", c: "3" });
    expect(meta(next).labels).toBeUndefined();
    const last = await cluster.apply(m.configMap!, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "default" } }, AGENT);
    expect(last.data).toEqual({ c: "3" });
  });

  test("maps merge recursively with fields of other managers; lists are replaced whole", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.deployment!, deployment("web", 2, "nginx:1"), AGENT);
    const sidecar = {
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "default", annotations: { note: "hi" } },
      spec: { template: { metadata: { labels: { extra: "yes" } } } },
    };
    const merged = await cluster.apply(m.deployment!, sidecar, KUBECTL);
    expect(meta(merged)).toMatchObject({ labels: { app: "web" }, annotations: { note: "hi" } });
    expect((merged.spec as { template: { metadata: unknown } }).template.metadata).toEqual({ labels: { app: "web", extra: "yes" } });
    const replaced = await cluster.apply(m.deployment!, deployment("web", 2, "nginx:2"), AGENT);
    const containers = (replaced.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers;
    expect(containers).toEqual([{ name: "main", image: "nginx:2" }]);
  });

  test("apply with a stale resourceVersion is Conflict; an empty field manager is Invalid", async () => {
    const { cluster, m } = await testCluster();
    await cluster.apply(m.configMap!, configMap(), AGENT);
    const stale = { ...configMap(), metadata: { name: "cfg", namespace: "default", resourceVersion: "99" } };
    expect(await rejection(() => cluster.apply(m.configMap!, stale, AGENT))).toMatchObject({ reason: "Conflict" });
    expect(await rejection(() => cluster.apply(m.configMap!, configMap(), { fieldManager: "", force: false }))).toMatchObject({ reason: "Invalid", httpStatus: 422 });
  });
});

describe("Update operations and apply", () => {
  test(`create (POST) gives every field to ${UPDATE_FIELD_MANAGER}; an apply changing one conflicts with it`, async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.deployment!, deployment());
    expect(await cluster.managedFields(m.deployment!, "default", "web")).toEqual([expect.objectContaining({ manager: UPDATE_FIELD_MANAGER, operation: "Update" })]);
    const err = await rejection(() => cluster.apply(m.deployment!, withReplicas(deployment(), 3), AGENT));
    expect(err.message).toBe(`Apply failed with 1 conflict: conflict with "${UPDATE_FIELD_MANAGER}" using apps/v1: .spec.replicas`);
    await cluster.apply(m.deployment!, withReplicas(deployment(), 3), { fieldManager: "work-agent", force: true });
    const owners = await cluster.managedFields(m.deployment!, "default", "web");
    expect(owners?.map((o) => o.manager).sort()).toEqual([UPDATE_FIELD_MANAGER, "work-agent"]);
  });

  test("an update (PUT) after apply takes the changed fields and never conflicts", async () => {
    const { cluster, m } = await testCluster();
    const applied = await cluster.apply(m.deployment!, deployment(), AGENT);
    await cluster.update(m.deployment!, withReplicas(applied, 4));
    const owners = await cluster.managedFields(m.deployment!, "default", "web");
    expect(owners?.find((o) => o.manager === UPDATE_FIELD_MANAGER)).toEqual({ manager: UPDATE_FIELD_MANAGER, operation: "Update", fields: [".spec.replicas"] });
    expect(owners?.find((o) => o.manager === "work-agent")?.fields).not.toContain(".spec.replicas");
    const err = await rejection(() => cluster.apply(m.deployment!, deployment(), AGENT));
    expect(err.message).toContain(".spec.replicas");
  });
});

describe("planApply (pure)", () => {
  const base = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "d" } };

  test("trackedPaths skips identity, server metadata and status; empty maps and lists are leaves", () => {
    const body = { ...base, metadata: { ...base.metadata, uid: "u", labels: {} }, data: { k: "v" }, list: [1], status: { s: 1 } };
    expect(trackedPaths(body)).toEqual([encodePath(["data", "k"]), encodePath(["list"]), encodePath(["metadata", "labels"])]);
  });

  test("a scalar replacing another manager's subtree conflicts; an empty map does not", () => {
    const current = { ...base, data: { nested: { x: "1" } } };
    const owners = [{ manager: "other", operation: "Apply" as const, paths: encodePath(["data", "nested", "x"]) }];
    const scalar = planApply({ current, owners, applied: { ...base, data: { nested: "flat" } }, manager: "me", force: false });
    expect(scalar.ok).toBe(false);
    const empty = planApply({ current, owners, applied: { ...base, data: { nested: {} } }, manager: "me", force: false });
    expect(empty).toMatchObject({ ok: true, body: { data: { nested: { x: "1" } } } });
  });

  test("conflictMessage lists several conflicts one per line", () => {
    const message = conflictMessage([
      { manager: "a", path: encodePath(["spec", "x"]) },
      { manager: "b", path: encodePath(["metadata", "labels", "app.kubernetes.io/name"]) },
    ], "apps/v1");
    expect(message).toBe('Apply failed with 2 conflicts:\n- conflict with "a" using apps/v1: .spec.x\n- conflict with "b" using apps/v1: .metadata.labels.app.kubernetes.io/name');
  });

  test("the input object is never modified", () => {
    const current = { ...base, data: { a: "1", b: "2" } };
    const frozen = structuredClone(current);
    const result = planApply({ current, owners: "me", applied: { ...base, data: { a: "9" } }, manager: "me", force: false });
    expect(result).toMatchObject({ ok: true, body: { data: { a: "9" } } });
    expect(current).toEqual(frozen);
  });
});
