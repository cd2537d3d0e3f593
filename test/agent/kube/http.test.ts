// The fetch transport's bounds (timeout, response size, unreachable server, server path prefix)
// and the pure helpers it relies on: URL paths, error mapping.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ClusterError, type ResourceMapping } from "../../../src/agent/cluster-client.ts";
import { collectionPath, errorFromResponse, groupVersionPath, objectPath, parseApiVersion, reasonForCode, requestUrl, transportError } from "../../../src/agent/kube/internal.ts";
import { KubeClusterClient, createFetchKubeHttp, type KubeConnection } from "../../../src/agent/kube/mod.ts";
import { FakeApiServer } from "./fake-apiserver.ts";

let api: FakeApiServer;
beforeAll(() => {
  api = FakeApiServer.start();
});
afterAll(() => api.stop());

const connection = (server: string): KubeConnection => ({ server, tls: undefined, proxy: undefined, headers: async () => ({ Authorization: "Bearer x" }) });

async function rejection(promise: Promise<unknown>): Promise<ClusterError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClusterError);
  return err as ClusterError;
}

describe("fetch transport", () => {
  test("a server slower than timeoutMs fails the call as Timeout (code 0)", async () => {
    const client = new KubeClusterClient({ http: createFetchKubeHttp(connection(api.url), { timeoutMs: 100 }) });
    api.inject({ status: 200, body: "{}", delayMs: 1_000 });
    const started = performance.now();
    const err = await rejection(client.resolve("v1", "ConfigMap"));
    expect([err.reason, err.httpStatus]).toEqual(["Timeout", 0]);
    expect(performance.now() - started).toBeLessThan(900);
    client.close();
    api.reset();
  });

  test("a response over responseBytesMax is refused (declared length and streamed body)", async () => {
    const http = createFetchKubeHttp(connection(api.url), { responseBytesMax: 1_000 });
    api.inject({ status: 200, body: "x".repeat(5_000) });
    expect((await rejection(http.send({ method: "GET", path: "/api/v1" }))).reason).toBe("InternalError");
    const streaming = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response(new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(512)) })),
    });
    try {
      const err = await rejection(createFetchKubeHttp(connection(`http://127.0.0.1:${streaming.port}`), { responseBytesMax: 4_096 }).send({ method: "GET", path: "/api/v1" }));
      expect(err.message).toContain("over the 4096-byte limit");
    } finally {
      streaming.stop(true);
    }
    api.reset();
  });

  test("a refused connection is ServiceUnavailable (code 0)", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const url = `http://127.0.0.1:${closed.port}`;
    closed.stop(true);
    const err = await rejection(createFetchKubeHttp(connection(url)).send({ method: "GET", path: "/api/v1" }));
    expect([err.reason, err.httpStatus]).toEqual(["ServiceUnavailable", 0]);
  });

  test("a server URL with a path prefix (a proxy's /k8s/clusters/c1) prefixes every path", () => {
    expect(requestUrl("https://rancher/k8s/clusters/c1/", { method: "PATCH", path: "/api/v1/namespaces/a/configmaps/b", query: [["fieldManager", "m a"], ["force", "false"]] })).toBe(
      "https://rancher/k8s/clusters/c1/api/v1/namespaces/a/configmaps/b?fieldManager=m+a&force=false",
    );
  });
});

describe("paths", () => {
  const deployments: ResourceMapping = { group: "apps", version: "v1", kind: "Deployment", resource: "deployments", namespaced: true };
  const namespaces: ResourceMapping = { group: "", version: "v1", kind: "Namespace", resource: "namespaces", namespaced: false };

  test("core and named groups, namespaced and cluster-scoped", () => {
    expect(parseApiVersion("v1")).toEqual({ group: "", version: "v1" });
    expect(parseApiVersion("rbac.authorization.k8s.io/v1")).toEqual({ group: "rbac.authorization.k8s.io", version: "v1" });
    expect(groupVersionPath({ group: "", version: "v1" })).toBe("/api/v1");
    expect(collectionPath(deployments, "ns1")).toBe("/apis/apps/v1/namespaces/ns1/deployments");
    expect(objectPath(deployments, "ns1", "web")).toBe("/apis/apps/v1/namespaces/ns1/deployments/web");
    expect(objectPath(namespaces, "whatever", "ns1")).toBe("/api/v1/namespaces/ns1");
  });

  test("names are escaped; empty names and namespaces are refused", () => {
    expect(objectPath(deployments, "ns1", "a/b?c")).toBe("/apis/apps/v1/namespaces/ns1/deployments/a%2Fb%3Fc");
    expect(() => objectPath(deployments, "ns1", "")).toThrow(ClusterError);
    expect(() => collectionPath(deployments, "")).toThrow(ClusterError);
  });
});

describe("error mapping", () => {
  test("client-go's reason per code", () => {
    expect([400, 401, 403, 404, 405, 409, 410, 415, 422, 429, 500, 503, 504, 502, 418].map(reasonForCode)).toEqual([
      "BadRequest",
      "Unauthorized",
      "Forbidden",
      "NotFound",
      "MethodNotAllowed",
      "Conflict",
      "Expired",
      "UnsupportedMediaType",
      "Invalid",
      "TooManyRequests",
      "InternalError",
      "ServiceUnavailable",
      "Timeout",
      "InternalError",
      "Unknown",
    ]);
  });

  test("a Status body gives reason and message; the HTTP code is kept", () => {
    const err = errorFromResponse({ status: 409, body: '{"kind":"Status","reason":"AlreadyExists","message":"x exists","code":409}' }, "POST /x");
    expect([err.reason, err.httpStatus, err.message]).toEqual(["AlreadyExists", 409, "x exists"]);
  });

  test("a huge error page is cut", () => {
    const err = errorFromResponse({ status: 502, body: "e".repeat(100_000) }, "GET /x");
    expect(err.message.length).toBeLessThan(5_000);
  });

  test("transport failures: timeout vs unreachable", () => {
    const timeout = new DOMException("timed out", "TimeoutError");
    expect(transportError(timeout, "GET /x", 10).reason).toBe("Timeout");
    const refused = Object.assign(new Error("Unable to connect"), { code: "ECONNREFUSED" });
    const err = transportError(refused, "GET /x", 10);
    expect([err.reason, err.httpStatus, err.message]).toEqual(["ServiceUnavailable", 0, "GET /x: ECONNREFUSED: Unable to connect"]);
  });
});
