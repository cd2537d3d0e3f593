// The HTTP contract of KubeClusterClient's object verbs against the fake API server: each
// operation's exact method, path, query, content type and body, kept as JSON fixtures.

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { ClusterError, type KubeObject, type ResourceMapping } from "../../../src/agent/cluster-client.ts";
import { createKubeClusterClient, KubeClusterClient } from "../../../src/agent/kube/mod.ts";
import { FakeApiServer } from "./fake-apiserver.ts";
import { expectFixture, tempDir, writeKubeconfig } from "./harness.ts";

const TOKEN = "agent-token";
let api: FakeApiServer;
let client: KubeClusterClient;
const m: Record<string, ResourceMapping> = {};

beforeAll(async () => {
  api = FakeApiServer.start({ token: TOKEN });
  const kubeconfigPath = writeKubeconfig(tempDir(), { server: api.url, token: TOKEN, insecure: true });
  client = await createKubeClusterClient({ kubeconfigPath });
  for (const [apiVersion, kind] of [["v1", "ConfigMap"], ["v1", "Namespace"], ["apps/v1", "Deployment"], ["apps/v1", "DaemonSet"], ["batch/v1", "Job"]] as const) {
    m[kind] = await client.resolve(apiVersion, kind);
  }
  api.take(); // Discovery has its own suite; these tests record object verbs only.
});
afterEach(() => api.reset());
afterAll(() => {
  client.close();
  api.stop();
});

const configMap = (name: string, data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ns1" }, data });
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns1", labels: { app: "web" } },
  spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } } },
};

async function rejection(promise: Promise<unknown>): Promise<ClusterError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
}

describe("get", () => {
  test("GET on the object URL returns the stored object", async () => {
    api.seed("v1", "configmaps", "ns1", configMap("settings", { a: "1" }));
    const got = await client.get(m.ConfigMap!, "ns1", "settings");
    expect(got?.data).toEqual({ a: "1" });
    const exchanges = api.take();
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.request).toMatchObject({ method: "GET", path: "/api/v1/namespaces/ns1/configmaps/settings", query: "", body: null });
    expect(exchanges[0]!.request.headers).toEqual({ accept: "application/json", authorization: `Bearer ${TOKEN}`, "user-agent": "maestro-bun-agent" });
    expectFixture("get", exchanges);
  });

  test("404 resolves undefined", async () => {
    expect(await client.get(m.ConfigMap!, "ns1", "missing")).toBeUndefined();
    expectFixture("get-not-found", api.take());
  });

  test("a cluster-scoped kind has no namespace segment, whatever namespace is passed", async () => {
    api.seed("v1", "namespaces", "", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns1" } });
    expect((await client.get(m.Namespace!, "", "ns1"))?.kind).toBe("Namespace");
    expect((await client.get(m.Namespace!, "ignored", "ns1"))?.kind).toBe("Namespace");
    const exchanges = api.take();
    expect(exchanges.map((e) => e.request.path)).toEqual(["/api/v1/namespaces/ns1", "/api/v1/namespaces/ns1"]);
    expectFixture("get-cluster-scoped", exchanges.slice(0, 1));
  });

  test("a namespaced kind without a namespace is refused before any request", async () => {
    const err = await rejection(client.get(m.ConfigMap!, "", "settings"));
    expect([err.reason, err.httpStatus]).toEqual(["BadRequest", 400]);
    expect(api.take()).toEqual([]);
  });
});

describe("create", () => {
  test("POST to the collection with a JSON body", async () => {
    const created = await client.create(m.Deployment!, deployment);
    expect((created.metadata as KubeObject).uid).toBe("fake-uid-1");
    const [x] = api.take();
    expect(x!.request).toMatchObject({ method: "POST", path: "/apis/apps/v1/namespaces/ns1/deployments", query: "", body: deployment });
    expect(x!.request.headers["content-type"]).toBe("application/json");
    expect(x!.response.status).toBe(201);
    expectFixture("create", [x!]);
  });

  test("a batch/v1 Job and a cluster-scoped Namespace go to their collections", async () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "once", namespace: "ns1" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } } };
    await client.create(m.Job!, job);
    await client.create(m.Namespace!, { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns2" } });
    const exchanges = api.take();
    expect(exchanges.map((e) => `${e.request.method} ${e.request.path} ${e.response.status}`)).toEqual(["POST /apis/batch/v1/namespaces/ns1/jobs 201", "POST /api/v1/namespaces 201"]);
    expectFixture("create-job-and-namespace", exchanges);
  });

  test("409 AlreadyExists becomes ClusterError AlreadyExists", async () => {
    api.seed("apps/v1", "deployments", "ns1", deployment);
    const err = await rejection(client.create(m.Deployment!, deployment));
    expect([err.reason, err.httpStatus, err.message]).toEqual(["AlreadyExists", 409, 'deployments.apps "web" already exists']);
    expectFixture("create-already-exists", api.take());
  });
});

describe("update", () => {
  test("PUT on the object URL carries metadata.resourceVersion", async () => {
    const live = api.seed("v1", "configmaps", "ns1", configMap("settings", { a: "1" }));
    const rv = (live.metadata as KubeObject).resourceVersion;
    const updated = await client.update(m.ConfigMap!, { ...live, data: { a: "2" } });
    expect(updated.data).toEqual({ a: "2" });
    expect(Number((updated.metadata as KubeObject).resourceVersion)).toBe(Number(rv) + 1);
    const [x] = api.take();
    expect(x!.request).toMatchObject({ method: "PUT", path: "/api/v1/namespaces/ns1/configmaps/settings", query: "" });
    expect(x!.request.headers["content-type"]).toBe("application/json");
    expect(((x!.request.body as KubeObject).metadata as KubeObject).resourceVersion).toBe(rv!);
    expectFixture("update", [x!]);
  });

  test("a stale resourceVersion is ClusterError Conflict (409)", async () => {
    const live = api.seed("v1", "configmaps", "ns1", configMap("settings", { a: "1" }));
    await client.update(m.ConfigMap!, { ...live, data: { a: "2" } });
    const err = await rejection(client.update(m.ConfigMap!, { ...live, data: { a: "3" } }));
    expect([err.reason, err.httpStatus]).toEqual(["Conflict", 409]);
    expect(err.message).toContain("the object has been modified");
    expectFixture("update-conflict", api.take());
  });

  test("an object without metadata.name is refused before any request", async () => {
    const err = await rejection(client.update(m.ConfigMap!, { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "ns1" } }));
    expect([err.reason, err.httpStatus]).toEqual(["Invalid", 422]);
    expect(api.take()).toEqual([]);
  });
});

describe("server-side apply", () => {
  test("PATCH application/apply-patch+yaml with fieldManager and force=false creates", async () => {
    const applied = await client.apply(m.Deployment!, deployment, { fieldManager: "work-agent", force: false });
    expect(applied.spec).toEqual(deployment.spec!);
    const [x] = api.take();
    expect(x!.request).toMatchObject({ method: "PATCH", path: "/apis/apps/v1/namespaces/ns1/deployments/web", query: "fieldManager=work-agent&force=false", body: deployment });
    expect(x!.request.headers["content-type"]).toBe("application/apply-patch+yaml");
    expect(x!.response.status).toBe(201);
    expectFixture("apply-create", [x!]);
  });

  test("force=true takes over fields another manager owns", async () => {
    api.seed("apps/v1", "daemonsets", "ns1", { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "ns1" }, spec: { minReadySeconds: 1 } }, "kubectl");
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent", namespace: "ns1" }, spec: { minReadySeconds: 5 } };
    const applied = await client.apply(m.DaemonSet!, ds, { fieldManager: "maestro", force: true });
    expect(applied.spec).toEqual({ minReadySeconds: 5 });
    const [x] = api.take();
    expect(x!.request.query).toBe("fieldManager=maestro&force=true");
    expect(x!.response.status).toBe(200);
    expectFixture("apply-force", [x!]);
  });

  test("409 on apply is ClusterError Conflict", async () => {
    api.seed("v1", "configmaps", "ns1", configMap("settings", { key: "theirs" }), "kubectl");
    const err = await rejection(client.apply(m.ConfigMap!, configMap("settings", { key: "ours" }), { fieldManager: "work-agent", force: false }));
    expect([err.reason, err.httpStatus]).toEqual(["Conflict", 409]);
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" using v1: .data');
    expectFixture("apply-conflict", api.take());
  });

  test("422 on apply is ClusterError Invalid with the server's message", async () => {
    const err = await rejection(client.apply(m.ConfigMap!, configMap("Bad_Name", {}), { fieldManager: "work-agent", force: false }));
    expect([err.reason, err.httpStatus]).toEqual(["Invalid", 422]);
    expect(err.message).toStartWith('ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value');
    expectFixture("apply-invalid", api.take());
  });

  test("the apply body is the manifest as JSON, byte for byte", async () => {
    const cm = configMap("exact", { "k.1": "v" });
    await client.apply(m.ConfigMap!, cm, { fieldManager: "work-agent", force: false });
    expect(JSON.stringify(api.take()[0]!.request.body)).toBe(JSON.stringify(cm));
  });
});

describe("delete", () => {
  for (const policy of ["Foreground", "Background", "Orphan"] as const) {
    test(`DELETE with a DeleteOptions body, propagationPolicy ${policy}`, async () => {
      api.seed("apps/v1", "deployments", "ns1", deployment);
      expect(await client.delete(m.Deployment!, "ns1", "web", policy)).toBe(true);
      const [x] = api.take();
      expect(x!.request).toMatchObject({ method: "DELETE", path: "/apis/apps/v1/namespaces/ns1/deployments/web", query: "" });
      expect(x!.request.headers["content-type"]).toBe("application/json");
      expect(JSON.stringify(x!.request.body)).toBe(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"${policy}"}`);
      expectFixture(`delete-${policy.toLowerCase()}`, [x!]);
    });
  }

  test("Foreground leaves the object with deletionTimestamp and the foregroundDeletion finalizer", async () => {
    api.seed("v1", "configmaps", "ns1", configMap("settings", {}));
    await client.delete(m.ConfigMap!, "ns1", "settings", "Foreground");
    const live = await client.get(m.ConfigMap!, "ns1", "settings");
    expect((live?.metadata as KubeObject).finalizers).toEqual(["foregroundDeletion"]);
    expect(await client.delete(m.ConfigMap!, "ns1", "settings", "Foreground")).toBe(true);
  });

  test("404 resolves false", async () => {
    expect(await client.delete(m.ConfigMap!, "ns1", "gone", "Background")).toBe(false);
    expectFixture("delete-not-found", api.take());
  });
});

describe("error mapping", () => {
  test("a Status without reason takes client-go's reason for the code", async () => {
    api.inject({ status: 403, body: JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message: "nope", code: 403 }) });
    const err = await rejection(client.get(m.ConfigMap!, "ns1", "x"));
    expect([err.reason, err.httpStatus, err.message]).toEqual(["Forbidden", 403, "nope"]);
  });

  test("a plain-text 500 is InternalError with the text", async () => {
    api.inject({ status: 500, body: "etcdserver: request timed out", contentType: "text/plain" });
    const err = await rejection(client.apply(m.ConfigMap!, configMap("a", {}), { fieldManager: "work-agent", force: false }));
    expect([err.reason, err.httpStatus, err.message]).toEqual(["InternalError", 500, "etcdserver: request timed out"]);
  });

  test("429 TooManyRequests keeps the server's reason", async () => {
    api.inject({ status: 429, body: JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "TooManyRequests", message: "storage is (re)initializing", code: 429 }) });
    const err = await rejection(client.delete(m.ConfigMap!, "ns1", "x", "Background"));
    expect([err.reason, err.httpStatus]).toEqual(["TooManyRequests", 429]);
  });

  test("a 2xx body that is not an object is InternalError, not a crash", async () => {
    api.inject({ status: 200, body: "<html>proxy</html>", contentType: "text/html" });
    const err = await rejection(client.get(m.ConfigMap!, "ns1", "x"));
    expect([err.reason, err.httpStatus]).toEqual(["InternalError", 200]);
  });

  test("a missing token is ClusterError Unauthorized (401)", async () => {
    const anonymous = await createKubeClusterClient({ kubeconfigPath: writeKubeconfig(tempDir(), { server: api.url, insecure: true }) });
    const err = await rejection(anonymous.resolve("v1", "ConfigMap"));
    expect([err.reason, err.httpStatus]).toEqual(["Unauthorized", 401]);
    anonymous.close();
  });
});
