// Deletes in the simulated cluster: propagation to dependents by ownerReference (recursive),
// Orphan, finalizers holding an object, and Namespaces taking their contents with them.

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/agent/cluster-client.ts";
import { configMap, deployment, meta, ownerRef, testCluster } from "./fixtures.ts";

async function ownedChain() {
  const t = await testCluster();
  const { cluster, m } = t;
  const owner = await cluster.create(m.configMap!, configMap("owner"));
  const child = await cluster.create(m.deployment!, { ...deployment("child"), metadata: { ...meta(deployment("child")), ownerReferences: [ownerRef(owner)] } });
  const grandchild = await cluster.create(m.configMap!, configMap("grandchild", {}, { ownerReferences: [ownerRef(child)] }));
  const unrelated = await cluster.create(m.configMap!, configMap("unrelated"));
  return { ...t, owner, child, grandchild, unrelated };
}

describe("propagation", () => {
  for (const policy of ["Foreground", "Background"] as const) {
    test(`${policy} deletes the object and its dependents recursively`, async () => {
      const { cluster, m } = await ownedChain();
      expect(await cluster.delete(m.configMap!, "default", "owner", policy)).toBe(true);
      expect(await cluster.get(m.configMap!, "default", "owner")).toBeUndefined();
      expect(await cluster.get(m.deployment!, "default", "child")).toBeUndefined();
      expect(await cluster.get(m.configMap!, "default", "grandchild")).toBeUndefined();
      expect(await cluster.get(m.configMap!, "default", "unrelated")).toBeDefined();
      expect(await cluster.delete(m.configMap!, "default", "owner", policy)).toBe(false);
    });
  }

  test("Orphan keeps dependents and removes only their reference to the deleted owner", async () => {
    const { cluster, m, owner, unrelated } = await ownedChain();
    const twoOwners = await cluster.create(m.configMap!, configMap("two-owners", {}, { ownerReferences: [ownerRef(owner), ownerRef(unrelated)] }));
    expect(await cluster.delete(m.configMap!, "default", "owner", "Orphan")).toBe(true);
    const child = await cluster.get(m.deployment!, "default", "child");
    expect(meta(child).ownerReferences).toBeUndefined();
    expect(Number(meta(child).resourceVersion)).toBeGreaterThan(0);
    expect(await cluster.get(m.configMap!, "default", "grandchild")).toBeDefined();
    const kept = await cluster.get(m.configMap!, "default", "two-owners");
    expect(meta(kept).ownerReferences).toEqual([ownerRef(unrelated)]);
    expect(meta(kept).uid).toBe(meta(twoOwners).uid);
  });

  test("a dependent in another namespace is found by uid (cluster-scoped owners own across namespaces)", async () => {
    const { cluster, m } = await testCluster();
    const role = await cluster.create(m.clusterRole!, { metadata: { name: "owner-role" }, rules: [] });
    await cluster.create(m.configMap!, { metadata: { name: "x", namespace: "far", ownerReferences: [ownerRef(role)] } });
    await cluster.delete(m.clusterRole!, "", "owner-role", "Background");
    expect(await cluster.get(m.configMap!, "far", "x")).toBeUndefined();
  });

  test("deleting a Namespace deletes the objects in it, whatever the policy", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.namespace!, { metadata: { name: "team" } });
    await cluster.create(m.configMap!, { metadata: { name: "a", namespace: "team" } });
    await cluster.create(m.deployment!, { ...deployment("d"), metadata: { name: "d", namespace: "team" } });
    await cluster.create(m.configMap!, { metadata: { name: "a", namespace: "other" } });
    await cluster.delete(m.namespace!, "", "team", "Orphan");
    expect(cluster.objectCount).toBe(1);
    expect(await cluster.get(m.configMap!, "other", "a")).toBeDefined();
  });
});

describe("finalizers", () => {
  test("a finalizer holds the object with deletionTimestamp until an update removes it; then dependents go", async () => {
    const { cluster, clock, m } = await testCluster();
    const held = await cluster.create(m.configMap!, configMap("held", {}, { finalizers: ["example.com/cleanup"] }));
    await cluster.create(m.configMap!, configMap("dep", {}, { ownerReferences: [ownerRef(held)] }));
    clock.advance(5_000);
    expect(await cluster.delete(m.configMap!, "default", "held", "Background")).toBe(true);
    const deleting = (await cluster.get(m.configMap!, "default", "held"))!;
    expect(meta(deleting).deletionTimestamp).toBe("2025-01-01T00:00:05Z");
    expect(Number(meta(deleting).resourceVersion)).toBeGreaterThan(Number(meta(held).resourceVersion));
    expect(await cluster.get(m.configMap!, "default", "dep")).toBeDefined();
    // Deleting again keeps the first deletionTimestamp; an update cannot clear it.
    clock.advance(1_000);
    await cluster.delete(m.configMap!, "default", "held", "Background");
    const relabeled: KubeObject = { ...deleting, metadata: { ...meta(deleting), labels: { a: "b" }, deletionTimestamp: null } };
    const updated = await cluster.update(m.configMap!, relabeled);
    expect(meta(updated).deletionTimestamp).toBe("2025-01-01T00:00:05Z");
    const released = { ...updated, metadata: { ...meta(updated), finalizers: [] } };
    await cluster.update(m.configMap!, released);
    expect(await cluster.get(m.configMap!, "default", "held")).toBeUndefined();
    expect(await cluster.get(m.configMap!, "default", "dep")).toBeUndefined();
  });

  test("a dependent with a finalizer is only marked when its owner goes", async () => {
    const { cluster, m } = await testCluster();
    const owner = await cluster.create(m.configMap!, configMap("owner"));
    await cluster.create(m.configMap!, configMap("dep", {}, { ownerReferences: [ownerRef(owner)], finalizers: ["x/y"] }));
    await cluster.delete(m.configMap!, "default", "owner", "Foreground");
    const dep = await cluster.get(m.configMap!, "default", "dep");
    expect(typeof meta(dep).deletionTimestamp).toBe("string");
    await cluster.apply(m.configMap!, configMap("dep", {}, { finalizers: [] }), { fieldManager: "x", force: true });
    expect(await cluster.get(m.configMap!, "default", "dep")).toBeUndefined();
  });
});
