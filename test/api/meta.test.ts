// Discovery routes and cross-cutting REST behaviour: API roots, error catalogue, unknown paths
// and methods, trailing slashes, operation ids, CORS, gzip and the REST metrics.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gunzipSync } from "node:zlib";
import { ALL_ERROR_CODES } from "../../src/errors.ts";
import { openTestApi, type TestApi } from "../support/api.ts";

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(async () => {
  await api.close();
});

describe("discovery routes", () => {
  test("GET /api/maestro", async () => {
    const r = await api.call("GET", "/api/maestro");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: "maestro", kind: "API", href: "/api/maestro", versions: [{ id: "v1", href: "/api/maestro/v1", kind: "", collections: null }] });
  });

  test("GET /api/maestro/v1 keeps Maestro's stale collection name", async () => {
    const r = await api.call("GET", "/api/maestro/v1");
    expect(r.body).toEqual({ id: "v1", href: "/api/maestro/v1", kind: "APIVersion", collections: [{ id: "resources", href: "/api/maestro/v1/resources", kind: "ResourceList" }] });
  });

  test("GET /errors lists every code with Maestro's reasons and pages over them", async () => {
    const all = await api.call("GET", "/api/maestro/v1/errors");
    expect(all.body.kind).toBe("ErrorList");
    expect(all.body.total).toBe(ALL_ERROR_CODES.length);
    expect(all.body.items.map((e: { code: string }) => e.code)).toEqual(ALL_ERROR_CODES.map((c) => `maestro-${c}`));
    expect(all.body.items[0]).toEqual({ code: "maestro-1", href: "/api/maestro/v1/errors/1", id: "1", kind: "Error", operation_id: "", reason: "Invalid token provided" });
    const page = await api.call("GET", "/api/maestro/v1/errors?page=2&size=5");
    expect(page.body.items.map((e: { id: string }) => e.id)).toEqual(["9", "10", "11", "15", "17"]);
    expect([page.body.page, page.body.size, page.body.total]).toEqual([2, 5, 13]);
  });

  test("GET /errors/{code}: a known code, an unknown one, a non-number", async () => {
    expect((await api.call("GET", "/api/maestro/v1/errors/21")).body.reason).toBe("Bad request");
    for (const code of ["999", "abc", "07"]) {
      const r = await api.call("GET", `/api/maestro/v1/errors/${code}`);
      expect(r.status).toBe(404);
      expect(r.body.reason).toBe(`No error with id ${code} exists`);
    }
  });
});

describe("cross-cutting behaviour", () => {
  test("an unknown path is 404 with Maestro's body (type, not kind)", async () => {
    const r = await api.call("GET", "/api/maestro/v2/things");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ type: "Error", id: "404", href: "/api/maestro/v1/errors/404", code: "maestro-404", reason: "The requested resource '/api/maestro/v2/things' doesn't exist" });
  });

  test("a known path with a wrong method is 405 maestro-10 with Allow", async () => {
    const r = await api.call("PUT", "/api/maestro/v1/consumers");
    expect(r.status).toBe(405);
    expect(r.body.code).toBe("maestro-10");
    expect(r.headers.get("allow")).toBe("GET, POST");
  });

  test("a trailing slash is ignored", async () => {
    expect((await api.call("GET", "/api/maestro/v1/consumers/")).status).toBe(200);
    expect((await api.call("GET", "/api/maestro/")).body.kind).toBe("API");
  });

  test("X-Operation-ID is echoed in error bodies; without it a KSUID is generated", async () => {
    const given = await api.call("GET", "/api/maestro/v1/consumers/x", undefined, { "X-Operation-ID": "trace-42" });
    expect(given.body.operation_id).toBe("trace-42");
    const generated = await api.call("GET", "/api/maestro/v1/consumers/x");
    expect(generated.body.operation_id).toMatch(/^[0-9A-Za-z]{27}$/);
  });

  test("an Authorization header is accepted and ignored", async () => {
    const r = await api.call("GET", "/api/maestro/v1/consumers", undefined, { Authorization: "Bearer abc.def.ghi" });
    expect(r.status).toBe(200);
  });

  test("CORS preflight allows Maestro's methods and headers", async () => {
    const res = await api.handle(new Request("http://localhost/api/maestro/v1/consumers", {
      method: "OPTIONS",
      headers: { Origin: "http://dash.example", "Access-Control-Request-Method": "POST" },
    }));
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-methods")).toBe("DELETE, GET, PATCH, POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("Authorization, Content-Type");
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  test("gzip when the client accepts it and the body is large", async () => {
    const res = await api.handle(new Request("http://localhost/api/maestro/v1/openapi", { headers: { "Accept-Encoding": "gzip" } }));
    expect(res.headers.get("content-encoding")).toBe("gzip");
    const body = JSON.parse(gunzipSync(Buffer.from(await res.arrayBuffer())).toString("utf8"));
    expect(body.openapi).toBe("3.0.0");
    const small = await api.handle(new Request("http://localhost/api/maestro", { headers: { "Accept-Encoding": "gzip" } }));
    expect(small.headers.get("content-encoding")).toBeNull();
  });

  test("REST metrics use Maestro's names, with path variables as '-'", async () => {
    await api.call("GET", "/api/maestro/v1/consumers/some-id");
    await api.call("GET", "/nowhere/at/all");
    const text = await api.metrics.registry.metrics();
    expect(text).toContain('rest_api_inbound_request_count{method="GET",path="/api/maestro/v1/consumers/-",code="404"}');
    expect(text).toContain('rest_api_inbound_request_count{method="GET",path="unmatched",code="404"}');
    expect(text).toContain('rest_api_inbound_request_duration_bucket{le="0.1",method="GET",path="/api/maestro/v1/consumers/-",code="404"}');
    expect(text).toContain('le="30"');
  });

  test("a percent-escape that does not decode is a 400, not a crash", async () => {
    const r = await api.call("GET", "/api/maestro/v1/consumers/%ZZ");
    expect(r.status).toBe(400);
    expect(r.body.kind).toBe("Error");
  });
});
