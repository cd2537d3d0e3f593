// Discovery through the fake API server (kinds to resources, one round per group-version,
// refresh on a miss, unknown kinds) and the Discovery cache alone (coalescing, bound, order).

import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { ClusterError } from "../../../src/agent/cluster-client.ts";
import { Discovery, mappingsByKind, parseResourceList, type DiscoveredResource } from "../../../src/agent/kube/internal.ts";
import { KubeClusterClient, createFetchKubeHttp, createKubeClusterClient } from "../../../src/agent/kube/mod.ts";
import { FakeApiServer } from "./fake-apiserver.ts";
import { expectFixture } from "./harness.ts";

let api: FakeApiServer;
beforeAll(() => {
  api = FakeApiServer.start();
});
afterEach(() => api.reset());
afterAll(() => api.stop());

/** A client on the fake over inline kubeconfig options (KubeConfig.loadFromOptions). */
async function clientAt(nowMs: { value: number }): Promise<KubeClusterClient> {
  return createKubeClusterClient({
    kubeconfig: {
      clusters: [{ name: "fake", server: api.url, skipTLSVerify: true }],
      users: [{ name: "agent" }],
      contexts: [{ name: "fake", cluster: "fake", user: "agent" }],
      currentContext: "fake",
    },
    now: () => nowMs.value,
  });
}

async function rejection(promise: Promise<unknown>): Promise<ClusterError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
}

describe("resolve through the API server", () => {
  test("maps every served kind to its plural resource and scope, one discovery round per group-version", async () => {
    const client = await clientAt({ value: 0 });
    const kinds = [["v1", "ConfigMap"], ["v1", "Secret"], ["v1", "Namespace"], ["v1", "Pod"], ["v1", "Service"], ["apps/v1", "Deployment"], ["apps/v1", "DaemonSet"], ["batch/v1", "Job"]] as const;
    const concurrent = await Promise.all(kinds.map(([v, k]) => client.resolve(v, k)));
    const again = await Promise.all(kinds.map(([v, k]) => client.resolve(v, k)));
    expect(again).toEqual(concurrent);
    expect(concurrent.map((r) => `${r.group}/${r.version} ${r.kind} ${r.resource} ${r.namespaced}`)).toEqual([
      "/v1 ConfigMap configmaps true",
      "/v1 Secret secrets true",
      "/v1 Namespace namespaces false",
      "/v1 Pod pods true",
      "/v1 Service services true",
      "apps/v1 Deployment deployments true",
      "apps/v1 DaemonSet daemonsets true",
      "batch/v1 Job jobs true",
    ]);
    const exchanges = api.take();
    expect(exchanges.map((e) => `${e.request.method} ${e.request.path}`).sort()).toEqual(["GET /api/v1", "GET /apis/apps/v1", "GET /apis/batch/v1"]);
    expect(client.discoveryCacheSize).toBe(3);
    expectFixture("discovery", exchanges.sort((a, b) => a.request.path.localeCompare(b.request.path)));
    client.close();
  });

  test("an unknown kind is ClusterError NotFound after one refetch, then throttled", async () => {
    const now = { value: 0 };
    const client = await clientAt(now);
    await client.resolve("apps/v1", "Deployment");
    api.take();
    now.value = 5_000;
    const err = await rejection(client.resolve("apps/v1", "Frobnicator"));
    expect([err.reason, err.httpStatus, err.message]).toEqual(["NotFound", 404, 'no matches for kind "Frobnicator" in version "apps/v1"']);
    expectFixture("resolve-unknown-kind", api.take());
    await rejection(client.resolve("apps/v1", "Frobnicator"));
    expect(api.take()).toEqual([]); // The refetched document is fresh: a second miss costs no round trip.
    client.close();
  });

  test("a kind added after the first fetch is found by the refresh a miss triggers", async () => {
    const now = { value: 0 };
    const client = await clientAt(now);
    await client.resolve("apps/v1", "Deployment");
    api.addResource("apps/v1", { name: "statefulsets", singularName: "statefulset", namespaced: true, kind: "StatefulSet", verbs: ["get"] });
    now.value = 500; // Within kubeDiscoveryMissRefreshMsMin: the cached copy answers.
    await rejection(client.resolve("apps/v1", "StatefulSet"));
    now.value = 1_000;
    const mapping = await client.resolve("apps/v1", "StatefulSet");
    expect(mapping).toEqual({ group: "apps", version: "v1", kind: "StatefulSet", resource: "statefulsets", namespaced: true });
    expect((await client.resolve("apps/v1", "Deployment")).resource).toBe("deployments");
    const exchanges = api.take();
    expect(exchanges.map((e) => e.request.path)).toEqual(["/apis/apps/v1", "/apis/apps/v1"]);
    expectFixture("discovery-refresh-on-miss", exchanges);
    api.resources["apps/v1"]!.pop();
    client.close();
  });

});

describe("resolve failures", () => {
  test("an unserved group-version is NotFound and its absence is cached", async () => {
    const client = await clientAt({ value: 0 });
    const err = await rejection(client.resolve("example.com/v1", "Widget"));
    expect([err.reason, err.httpStatus]).toEqual(["NotFound", 404]);
    await rejection(client.resolve("example.com/v1", "Widget"));
    expect(api.take().map((e) => `${e.request.path} ${e.response.status}`)).toEqual(["/apis/example.com/v1 404"]);
    client.close();
  });

  test("a kind served only as a subresource (deployments/scale is Scale) is not resolvable", async () => {
    const client = await clientAt({ value: 0 });
    expect((await rejection(client.resolve("apps/v1", "Scale"))).reason).toBe("NotFound");
    expect((await client.resolve("v1", "Pod")).resource).toBe("pods");
    client.close();
  });

  test("a malformed apiVersion is BadRequest without a request", async () => {
    const client = await clientAt({ value: 0 });
    for (const bad of ["", "a/b/c", "/v1", "apps/", "a b/v1"]) {
      expect((await rejection(client.resolve(bad, "Deployment"))).reason).toBe("BadRequest");
    }
    expect(api.take()).toEqual([]);
    client.close();
  });

  test("a failing discovery call is not cached: the next resolve retries", async () => {
    const client = await clientAt({ value: 0 });
    api.inject({ status: 503, body: JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "ServiceUnavailable", message: "etcd is down", code: 503 }) });
    const err = await rejection(client.resolve("v1", "ConfigMap"));
    expect([err.reason, err.httpStatus, err.message]).toEqual(["ServiceUnavailable", 503, "etcd is down"]);
    expect((await client.resolve("v1", "ConfigMap")).resource).toBe("configmaps");
    expect(api.take().map((e) => e.response.status)).toEqual([503, 200]);
    client.close();
  });

  test("a discovery answer that is not an APIResourceList is InternalError", async () => {
    const client = new KubeClusterClient({ http: createFetchKubeHttp({ server: api.url, tls: undefined, proxy: undefined, headers: async () => ({}) }) });
    api.inject({ status: 200, body: "<html>login</html>", contentType: "text/html" });
    expect((await rejection(client.resolve("v1", "ConfigMap"))).reason).toBe("InternalError");
    client.close();
  });
});

describe("Discovery cache", () => {
  const cm: DiscoveredResource = { name: "configmaps", kind: "ConfigMap", namespaced: true };

  test("concurrent resolves of one group-version share one fetch", async () => {
    let fetches = 0;
    const discovery = new Discovery({
      fetchGroupVersion: async () => {
        fetches += 1;
        await Bun.sleep(5);
        return [cm];
      },
    });
    await Promise.all(Array.from({ length: 50 }, () => discovery.resolve("v1", "ConfigMap")));
    expect(fetches).toBe(1);
  });

  test("the cache stays within groupVersionsMax, dropping absent group-versions first", async () => {
    const fetched: string[] = [];
    const discovery = new Discovery({
      groupVersionsMax: 3,
      fetchGroupVersion: async (gv) => {
        fetched.push(`${gv.group}/${gv.version}`);
        return gv.group.startsWith("missing") ? undefined : [cm];
      },
    });
    await discovery.resolve("g1/v1", "ConfigMap");
    await discovery.resolve("missing1/v1", "ConfigMap").catch(() => undefined);
    await discovery.resolve("g2/v1", "ConfigMap");
    await discovery.resolve("g3/v1", "ConfigMap");
    expect(discovery.size).toBe(3);
    await discovery.resolve("g1/v1", "ConfigMap"); // Still cached: the absent entry went first.
    await discovery.resolve("g4/v1", "ConfigMap"); // Full of documents: the oldest (g1) goes.
    await discovery.resolve("g1/v1", "ConfigMap");
    expect(fetched).toEqual(["g1/v1", "missing1/v1", "g2/v1", "g3/v1", "g4/v1", "g1/v1"]);
    expect(discovery.size).toBe(3);
  });

  test("subresources are skipped even when listed first; the first resource of a kind wins", () => {
    const byKind = mappingsByKind({ group: "apps", version: "v1" }, [
      { name: "deployments/status", kind: "Deployment", namespaced: true },
      { name: "deployments", kind: "Deployment", namespaced: true },
      { name: "deploymentsv2", kind: "Deployment", namespaced: true },
    ]);
    expect(byKind.get("Deployment")?.resource).toBe("deployments");
  });

  test("parseResourceList refuses what is not a resource list", () => {
    expect(parseResourceList('{"kind":"APIResourceList","resources":[{"name":"pods","kind":"Pod","namespaced":true}]}')).toEqual([{ name: "pods", kind: "Pod", namespaced: true }]);
    for (const bad of ["nope", "{}", '{"resources":[1]}', '{"resources":[{"name":"x"}]}']) {
      expect(() => parseResourceList(bad)).toThrow(ClusterError);
    }
  });
});
