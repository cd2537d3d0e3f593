// Object semantics of the simulated cluster: server metadata (uid, resourceVersion, generation,
// creationTimestamp), create/update/get failures, validation, and status ownership.

import { describe, expect, test } from "bun:test";
import { ClusterError } from "../../../src/agent/cluster-client.ts";
import { SimulatedCluster } from "../../../src/agent/simulated/mod.ts";
import { simulatedClusterObjectsMax, simulatedObjectBytesMax } from "../../../src/limits.ts";
import { configMap, deployment, meta, rejection, status, T0, testCluster } from "./fixtures.ts";

describe("server metadata", () => {
  test("create sets uid, resourceVersion, generation 1 and creationTimestamp", async () => {
    const { cluster, m } = await testCluster();
    const created = await cluster.create(m.deployment!, deployment());
    expect(meta(created)).toMatchObject({ name: "web", namespace: "default", resourceVersion: "1", generation: 1, creationTimestamp: "2025-01-01T00:00:00Z" });
    expect(String(meta(created).uid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await cluster.get(m.deployment!, "default", "web")).toEqual({ ...created, status: expect.anything() });
  });

  test("uids are unique within a cluster, differ between clusters, and are stable across reads", async () => {
    const { cluster, m } = await testCluster("a");
    const other = new SimulatedCluster({ name: "b" });
    const uids = new Set<string>();
    for (let i = 0; i < 50; i++) uids.add(String(meta(await cluster.create(m.configMap!, configMap(`c${i}`))).uid));
    expect(uids.size).toBe(50);
    const first = String(meta(await cluster.get(m.configMap!, "default", "c0")).uid);
    expect(uids.has(first)).toBe(true);
    const inOther = String(meta(await other.create(m.configMap!, configMap("c0"))).uid);
    expect(inOther).not.toBe(first);
  });

  test("resourceVersion is one increasing counter per cluster; generation moves only on spec changes", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.configMap!, configMap("other"));
    const v1 = await cluster.create(m.deployment!, deployment());
    expect(meta(v1).resourceVersion).toBe("2");
    const relabeled = structuredClone(v1);
    (meta(relabeled).labels as Record<string, string>).tier = "front";
    const v2 = await cluster.update(m.deployment!, relabeled);
    expect(meta(v2)).toMatchObject({ resourceVersion: "3", generation: 1 });
    const scaled = structuredClone(v2);
    (scaled.spec as { replicas: number }).replicas = 5;
    const v3 = await cluster.update(m.deployment!, scaled);
    expect(meta(v3)).toMatchObject({ resourceVersion: "4", generation: 2 });
    expect(meta(v3).creationTimestamp).toBe(meta(v1).creationTimestamp);
    expect(meta(v3).uid).toBe(meta(v1).uid);
  });

  test("a no-op update (same content, any key order) keeps resourceVersion and generation", async () => {
    const { cluster, m } = await testCluster();
    const v1 = await cluster.create(m.configMap!, configMap("cfg", { a: "1", b: "2" }));
    const reordered = { ...v1, data: { b: "2", a: "1" } };
    const v2 = await cluster.update(m.configMap!, reordered);
    expect(meta(v2).resourceVersion).toBe(meta(v1).resourceVersion);
  });

  test("a spec change restarts the rollout clock but keeps creationTimestamp", async () => {
    const { cluster, clock, m } = await testCluster();
    await cluster.create(m.deployment!, deployment());
    clock.advance(60_000);
    const read = (await cluster.get(m.deployment!, "default", "web"))!;
    (read.spec as { replicas: number }).replicas = 3;
    const updated = await cluster.update(m.deployment!, read);
    expect(meta(updated).creationTimestamp).toBe("2025-01-01T00:00:00Z");
    const progressing = (status(updated).conditions as { type: string; lastUpdateTime: string }[])[1]!;
    expect(progressing.lastUpdateTime).toBe(new Date(T0 + 60_000).toISOString().replace(".000Z", "Z"));
  });
});

describe("failures", () => {
  test("create of an existing name is AlreadyExists (409)", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.deployment!, deployment());
    const err = await rejection(() => cluster.create(m.deployment!, deployment()));
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).toMatchObject({ reason: "AlreadyExists", httpStatus: 409, message: 'deployments.apps "web" already exists' });
  });

  test("update with a stale resourceVersion (or another uid) is Conflict (409); without one it is unconditional", async () => {
    const { cluster, m } = await testCluster();
    const v1 = await cluster.create(m.configMap!, configMap());
    await cluster.update(m.configMap!, { ...v1, data: { a: "2" } });
    const err = await rejection(() => cluster.update(m.configMap!, { ...v1, data: { a: "3" } }));
    expect(err).toMatchObject({ reason: "Conflict", httpStatus: 409 });
    expect(err.message).toBe('Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again');
    const otherUid = { ...configMap("cfg", { a: "4" }), metadata: { name: "cfg", namespace: "default", uid: "00000000-0000-4000-8000-000000000000" } };
    expect(await rejection(() => cluster.update(m.configMap!, otherUid))).toMatchObject({ reason: "Conflict" });
    const unconditional = await cluster.update(m.configMap!, configMap("cfg", { a: "5" }));
    expect(unconditional.data).toEqual({ a: "5" });
  });

  test("update and delete of a missing object: NotFound (404) and false; get is undefined", async () => {
    const { cluster, m } = await testCluster();
    const err = await rejection(() => cluster.update(m.deployment!, deployment("ghost")));
    expect(err).toMatchObject({ reason: "NotFound", httpStatus: 404, message: 'deployments.apps "ghost" not found' });
    expect(await cluster.get(m.deployment!, "default", "ghost")).toBeUndefined();
    expect(await cluster.delete(m.deployment!, "default", "ghost", "Background")).toBe(false);
  });

  test("validation: name required, names and namespaces checked, apiVersion/kind must match the mapping", async () => {
    const { cluster, m } = await testCluster();
    const noName = await rejection(() => cluster.create(m.configMap!, { metadata: { namespace: "default" } }));
    expect(noName).toMatchObject({ reason: "Invalid", httpStatus: 422, message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required' });
    const noNamespace = await rejection(() => cluster.create(m.configMap!, { metadata: { name: "a" } }));
    expect(noNamespace.message).toBe('ConfigMap "a" is invalid: metadata.namespace: Required value');
    const badName = await rejection(() => cluster.create(m.configMap!, { metadata: { name: "Bad_Name", namespace: "default" } }));
    expect(badName).toMatchObject({ reason: "Invalid" });
    const wrongKind = await rejection(() => cluster.create(m.configMap!, { ...configMap(), kind: "Secret" }));
    expect(wrongKind).toMatchObject({ reason: "BadRequest", httpStatus: 400 });
    const withVersion = await rejection(() => cluster.create(m.configMap!, { metadata: { name: "a", namespace: "default", resourceVersion: "3" } }));
    expect(withVersion).toMatchObject({ reason: "Invalid" });
    const rbacName = await cluster.create(m.clusterRole!, { metadata: { name: "system:aggregate-to-view" }, rules: [] });
    expect(meta(rbacName).name).toBe("system:aggregate-to-view");
  });

  test("generateName makes a unique name; cluster-scoped objects drop a namespace", async () => {
    const { cluster, m } = await testCluster();
    const a = await cluster.create(m.configMap!, { metadata: { generateName: "cfg-", namespace: "default" } });
    const b = await cluster.create(m.configMap!, { metadata: { generateName: "cfg-", namespace: "default" } });
    expect(String(meta(a).name)).toMatch(/^cfg-[a-z0-9]{5}$/);
    expect(meta(a).name).not.toBe(meta(b).name);
    const ns = await cluster.create(m.namespace!, { metadata: { name: "team-a", namespace: "whatever" } });
    expect(meta(ns).namespace).toBeUndefined();
    expect(await cluster.get(m.namespace!, "", "team-a")).toBeDefined();
  });

  test(`an object over ${simulatedObjectBytesMax} bytes is RequestEntityTooLarge (413)`, async () => {
    const { cluster, m } = await testCluster();
    const err = await rejection(() => cluster.create(m.configMap!, configMap("big", { blob: "x".repeat(simulatedObjectBytesMax) })));
    expect(err).toMatchObject({ reason: "RequestEntityTooLarge", httpStatus: 413 });
    expect(cluster.objectCount).toBe(0);
  });

  test(`a cluster holds at most ${simulatedClusterObjectsMax} objects (Forbidden after)`, async () => {
    const { cluster, m } = await testCluster();
    for (let i = 0; i < simulatedClusterObjectsMax; i++) await cluster.create(m.secret!, { metadata: { name: `s${i}`, namespace: "default" } });
    const err = await rejection(() => cluster.create(m.secret!, { metadata: { name: "one-more", namespace: "default" } }));
    expect(err).toMatchObject({ reason: "Forbidden", httpStatus: 403 });
    expect(await cluster.get(m.secret!, "default", `s${simulatedClusterObjectsMax - 1}`)).toBeDefined();
  });
});

describe("status ownership and isolation", () => {
  test("status written to a built-in kind is ignored (the simulator owns it)", async () => {
    const { cluster, m } = await testCluster();
    const created = await cluster.create(m.deployment!, { ...deployment(), status: { readyReplicas: 99 } });
    expect(status(created).readyReplicas).toBeUndefined();
    const cm = await cluster.create(m.configMap!, { ...configMap(), status: { x: 1 } });
    expect(cm.status).toBeUndefined();
  });

  test("returned objects are copies: mutating them never changes the stored object", async () => {
    const { cluster, m } = await testCluster();
    const created = await cluster.create(m.configMap!, configMap());
    (created.data as Record<string, string>).a = "mutated";
    const read = await cluster.get(m.configMap!, "default", "cfg");
    expect(read?.data).toEqual({ a: "1" });
    (read!.data as Record<string, string>).a = "again";
    expect((await cluster.get(m.configMap!, "default", "cfg"))?.data).toEqual({ a: "1" });
  });

  test("list returns a resource's objects sorted, optionally in one namespace", async () => {
    const { cluster, m } = await testCluster();
    await cluster.create(m.configMap!, { metadata: { name: "b", namespace: "ns1" } });
    await cluster.create(m.configMap!, { metadata: { name: "a", namespace: "ns2" } });
    await cluster.create(m.configMap!, { metadata: { name: "a", namespace: "ns1" } });
    await cluster.create(m.secret!, { metadata: { name: "a", namespace: "ns1" } });
    const all = await cluster.list(m.configMap!);
    expect(all.map((o) => `${meta(o).namespace}/${meta(o).name}`)).toEqual(["ns1/a", "ns1/b", "ns2/a"]);
    expect((await cluster.list(m.configMap!, "ns2")).length).toBe(1);
  });

  test("more than eight objects (the array index grows into a Map) behave the same", async () => {
    const { cluster, m } = await testCluster();
    for (let i = 0; i < 20; i++) await cluster.create(m.configMap!, configMap(`c${i}`));
    for (let i = 0; i < 20; i += 2) expect(await cluster.delete(m.configMap!, "default", `c${i}`, "Background")).toBe(true);
    expect(cluster.objectCount).toBe(10);
    expect(await cluster.get(m.configMap!, "default", "c1")).toBeDefined();
    expect(await cluster.get(m.configMap!, "default", "c2")).toBeUndefined();
  });
});
