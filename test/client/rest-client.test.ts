// The REST client against a fake Maestro REST server on Bun.serve: paths, query parameters,
// bodies and headers it sends, and ApiError with Maestro's error body for every failure.

import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { ApiError } from "../../src/client/errors.ts";
import { MaestroRestClient } from "../../src/client/rest-client.ts";
import type { ResourceBundle } from "../../src/client/rest-types.ts";
import { FakeRestServer } from "./fake-rest-server.ts";

const server = new FakeRestServer();
let rest: MaestroRestClient;

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.consumers.clear();
  server.bundles.clear();
  server.requests.length = 0;
  server.hang = undefined;
  rest = new MaestroRestClient({ baseUrl: `${server.url}/`, token: "t0k", headers: { "X-Extra": "1" } });
});

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("consumers", () => {
  test("create, get, patch labels, list, delete", async () => {
    const created = await rest.createConsumer({ name: "cluster1", labels: { env: "dev" } });
    expect(created).toMatchObject({ kind: "Consumer", name: "cluster1", labels: { env: "dev" } });
    const post = server.requests[0]!;
    expect([post.method, post.path, post.body, post.headers.get("content-type")]).toEqual(["POST", "/api/maestro/v1/consumers", { name: "cluster1", labels: { env: "dev" } }, "application/json"]);
    expect(post.headers.get("authorization")).toBe("Bearer t0k");
    expect(post.headers.get("x-extra")).toBe("1");

    expect((await rest.getConsumer(created.id)).name).toBe("cluster1");
    expect((await rest.patchConsumer(created.id, { labels: {} })).labels).toEqual({});
    expect(server.requests[2]).toMatchObject({ method: "PATCH", path: `/api/maestro/v1/consumers/${created.id}`, body: { labels: {} } });
    const list = await rest.listConsumers({ search: "name='cluster1'", page: 1, size: 10, orderBy: "name desc", fields: ["name"] });
    expect(list).toMatchObject({ kind: "ConsumerList", total: 1 });
    expect(server.requests[3]!.query).toEqual({ search: "name='cluster1'", page: "1", size: "10", orderBy: "name desc", fields: "name" });
    await rest.deleteConsumer(created.id);
    expect(server.consumers.size).toBe(0);
  });

  test("errors carry Maestro's body, HTTP status and the operation id we sent", async () => {
    const err = await apiError(rest.getConsumer("nope", { operationId: "op-42" }));
    expect(err.status).toBe(404);
    expect(err.body).toEqual({ code: "maestro-7", href: "/api/maestro/v1/errors/7", id: "7", kind: "Error", operation_id: "op-42", reason: "Consumer with id='nope' not found" });
    expect(server.requests[0]!.headers.get("x-operation-id")).toBe("op-42");
    await rest.createConsumer({ name: "dup" });
    expect((await apiError(rest.createConsumer({ name: "dup" }))).code).toBe("maestro-6");
  });

  test("delete blocked by resource bundles is 403 maestro-4", async () => {
    const c = await rest.createConsumer({ name: "busy" });
    server.bundles.set("b1", { id: "b1", consumer_name: "busy" } as ResourceBundle);
    const err = await apiError(rest.deleteConsumer(c.id));
    expect([err.status, err.code]).toEqual([403, "maestro-4"]);
  });
});

describe("resource bundles", () => {
  test("list with search, page and size; get; delete (204 also when absent)", async () => {
    server.bundles.set("b1", { id: "b1", kind: "ResourceBundle", version: 2 } as ResourceBundle);
    server.bundles.set("b2", { id: "b2", kind: "ResourceBundle", version: 1 } as ResourceBundle);
    const page = await rest.listResourceBundles({ search: "source='s1' and consumer_name='c1'", page: 2, size: 1 });
    expect(page).toMatchObject({ kind: "ResourceBundleList", page: 2, size: 1, total: 2, items: [{ id: "b2" }] });
    expect(server.requests[0]!.query).toEqual({ search: "source='s1' and consumer_name='c1'", page: "2", size: "1" });
    expect((await rest.getResourceBundle("b1")).version).toBe(2);
    await rest.deleteResourceBundle("b1");
    await rest.deleteResourceBundle("b1");
    expect(server.requests.slice(2).map((r) => `${r.method} ${r.path}`)).toEqual(["DELETE /api/maestro/v1/resource-bundles/b1", "DELETE /api/maestro/v1/resource-bundles/b1"]);
  });

  test("a missing bundle is 404 maestro-7", async () => {
    const err = await apiError(rest.getResourceBundle("55c61e54-a3f6-563d-9fec-b1fe297bdfdb"));
    expect([err.status, err.code, err.reason]).toEqual([404, "maestro-7", "Resource with id='55c61e54-a3f6-563d-9fec-b1fe297bdfdb' not found"]);
  });

  test("ids are path-escaped", async () => {
    await apiError(rest.getResourceBundle("a/b"));
    expect(server.requests[0]!.path).toBe("/api/maestro/v1/resource-bundles/a%2Fb");
  });
});

describe("transport failures", () => {
  test("a non-Maestro error body keeps the status and text", async () => {
    const broken = new MaestroRestClient({ baseUrl: `${server.url}/broken` });
    const err = await apiError(broken.listConsumers());
    expect([err.status, err.body, err.code]).toEqual([502, undefined, undefined]);
    expect(err.message).toBe("GET /api/maestro/v1/consumers: 502 upstream down");
  });

  test("timeout -> status 0", async () => {
    server.hang = /consumers/;
    const slow = new MaestroRestClient({ baseUrl: server.url, timeoutMs: 100 });
    const err = await apiError(slow.listConsumers());
    expect(err.status).toBe(0);
  });

  test("nobody listening -> status 0", async () => {
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const url = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const err = await apiError(new MaestroRestClient({ baseUrl: url, timeoutMs: 2000 }).listConsumers());
    expect(err.status).toBe(0);
  });

  test("a caller's abort signal cancels the request", async () => {
    server.hang = /consumers/;
    const ac = new AbortController();
    const pending = rest.listConsumers({}, { signal: ac.signal });
    ac.abort();
    expect((await apiError(pending)).status).toBe(0);
  });

  test("an unknown path body (type instead of kind) still yields its code", async () => {
    const err = await apiError(new MaestroRestClient({ baseUrl: `${server.url}/x` }).listConsumers());
    expect([err.status, err.code]).toEqual([404, "maestro-404"]);
  });
});
