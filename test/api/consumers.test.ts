// Consumer routes over a real store: every endpoint, every error path, and bad input leaving the
// database unchanged.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApi, specPayload, type TestApi } from "../support/api.ts";
import { storeKind } from "../support/database.ts";

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(async () => {
  await api.close();
});

const base = "/api/maestro/v1/consumers";

function expectError(r: { status: number; body: any }, status: number, code: number, reason?: RegExp | string) {
  expect(r.status).toBe(status);
  expect(r.body.kind).toBe("Error");
  expect(r.body.code).toBe(`maestro-${code}`);
  expect(r.body.id).toBe(String(code));
  expect(r.body.href).toBe(`/api/maestro/v1/errors/${code}`);
  expect(typeof r.body.operation_id).toBe("string");
  if (typeof reason === "string") expect(r.body.reason).toBe(reason);
  else if (reason) expect(r.body.reason).toMatch(reason);
}

describe(`consumers (${storeKind})`, () => {
  test("POST creates a consumer with Maestro's shape and GET returns it", async () => {
    const r = await api.call("POST", base, { name: "cluster-a", labels: { env: "prod" } });
    expect(r.status).toBe(201);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("vary")).toContain("Authorization");
    expect(Object.keys(r.body)).toEqual(["created_at", "href", "id", "kind", "labels", "name", "updated_at"]);
    expect(r.body.kind).toBe("Consumer");
    expect(r.body.name).toBe("cluster-a");
    expect(r.body.labels).toEqual({ env: "prod" });
    expect(r.body.href).toBe(`${base}/${r.body.id}`);
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(r.body.created_at)).not.toBeNaN();

    const got = await api.call("GET", `${base}/${r.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(r.body);
  });

  test("POST without a name uses the id as name; without labels omits them", async () => {
    const r = await api.call("POST", base, {});
    expect(r.status).toBe(201);
    expect(r.body.name).toBe(r.body.id);
    expect("labels" in r.body).toBe(false);
  });

  test("POST accepts the read-only fields Go clients may send and ignores them", async () => {
    const r = await api.call("POST", base, { name: "cluster-ro", kind: "Consumer", href: "/x", created_at: "2020-01-01T00:00:00Z" });
    expect(r.status).toBe(201);
    expect(r.body.href).toBe(`${base}/${r.body.id}`);
    expect(r.body.created_at).not.toBe("2020-01-01T00:00:00Z");
  });

  test("duplicate name is 409 maestro-6", async () => {
    await api.call("POST", base, { name: "dup-name" });
    const before = await api.counts();
    const r = await api.call("POST", base, { name: "dup-name" });
    expectError(r, 409, 6, "This Consumer already exists");
    expect(await api.counts()).toEqual(before);
  });

  const badBodies: [string, unknown, number, number, RegExp][] = [
    ["malformed JSON", "{name: ", 400, 17, /^Invalid request format: /],
    ["empty body", "", 400, 17, /unexpected end of JSON input/],
    ["an array", "[]", 400, 17, /must be a JSON object/],
    ["a string", '"cluster"', 400, 17, /must be a JSON object/],
    ["name of the wrong type", { name: 42 }, 400, 17, /name must be a string/],
    ["labels of the wrong type", { name: "x1", labels: ["a"] }, 400, 17, /labels must be an object/],
    ["a label value of the wrong type", { name: "x2", labels: { a: 1 } }, 400, 17, /labels\.a must be a string/],
    ["an unknown field", { name: "x3", colour: "red" }, 400, 17, /unknown field\(s\) "colour"/],
    ["an id", { id: "abc", name: "x4" }, 400, 8, /^id must be empty$/],
    ["an uppercase name", { name: "Cluster" }, 400, 8, /consumer\.name: Invalid value: "Cluster": a lowercase RFC 1123 label/],
    ["an underscore", { name: "my_cluster" }, 400, 8, /RFC 1123 label/],
    ["a leading dash", { name: "-cluster" }, 400, 8, /RFC 1123 label/],
    ["a trailing dash", { name: "cluster-" }, 400, 8, /RFC 1123 label/],
    ["a dot", { name: "a.b" }, 400, 8, /consumer\.name: Invalid value: "a.b": must not contain dots/],
    ["a name of 64 characters", { name: "a".repeat(64) }, 400, 8, /must be no more than 63 characters/],
    ["SQL in the name", { name: "x'; DROP TABLE consumers; --" }, 400, 8, /RFC 1123 label/],
  ];
  for (const [what, body, status, code, reason] of badBodies) {
    test(`POST with ${what} is ${status} maestro-${code} and writes nothing`, async () => {
      const before = await api.counts();
      const r = await api.call("POST", base, body);
      expectError(r, status, code, reason);
      expect(await api.counts()).toEqual(before);
    });
  }

  test("a name of exactly 63 characters is accepted", async () => {
    const r = await api.call("POST", base, { name: "b".repeat(63) });
    expect(r.status).toBe(201);
  });

  test("GET of a missing consumer is 404 with Maestro's text", async () => {
    const r = await api.call("GET", `${base}/no-such-id`, undefined, { "X-Operation-ID": "op-123" });
    expectError(r, 404, 7, "Consumer with id='no-such-id' not found");
    expect(r.body.operation_id).toBe("op-123");
  });

  test("PATCH sets, keeps and clears labels", async () => {
    const created = (await api.call("POST", base, { name: "patch-me", labels: { a: "1" } })).body;
    const set = await api.call("PATCH", `${base}/${created.id}`, { labels: { b: "2" } });
    expect(set.status).toBe(200);
    expect(set.body.labels).toEqual({ b: "2" });
    expect(Date.parse(set.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    const kept = await api.call("PATCH", `${base}/${created.id}`, {});
    expect(kept.body.labels).toEqual({ b: "2" });
    const cleared = await api.call("PATCH", `${base}/${created.id}`, { labels: {} });
    expect(cleared.status).toBe(200);
    expect("labels" in cleared.body).toBe(false);
    expect((await api.call("GET", `${base}/${created.id}`)).body.labels).toBeUndefined();
  });

  test("PATCH rejects bad bodies and missing consumers", async () => {
    const created = (await api.call("POST", base, { name: "patch-bad", labels: { a: "1" } })).body;
    expectError(await api.call("PATCH", `${base}/${created.id}`, "{"), 400, 17);
    expectError(await api.call("PATCH", `${base}/${created.id}`, { name: "renamed" }), 400, 17, /unknown field\(s\) "name"/);
    expectError(await api.call("PATCH", `${base}/${created.id}`, { labels: "x" }), 400, 17);
    expectError(await api.call("PATCH", `${base}/missing`, { labels: { a: "b" } }), 404, 7, "Consumer with id='missing' not found");
    expect((await api.call("GET", `${base}/${created.id}`)).body.labels).toEqual({ a: "1" });
  });

  test("DELETE removes a consumer (204) and is a no-op for a missing id (204)", async () => {
    const created = (await api.call("POST", base, { name: "delete-me" })).body;
    const r = await api.call("DELETE", `${base}/${created.id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect((await api.call("GET", `${base}/${created.id}`)).status).toBe(404);
    expect((await api.call("DELETE", `${base}/${created.id}`)).status).toBe(204);
  });

  test("DELETE is 403 maestro-4 while resources reference the consumer, even soft-deleted ones", async () => {
    const created = (await api.call("POST", base, { name: "busy-cluster" })).body;
    const id = crypto.randomUUID();
    await api.writer.submit({ kind: "create", id, source: "s1", consumerName: "busy-cluster", version: 0, payload: specPayload({ id, consumer: "busy-cluster" }) });
    const blocked = await api.call("DELETE", `${base}/${created.id}`);
    // Maestro's exact text (recorded from the real server by test/interop), on either store.
    expectError(
      blocked,
      403,
      4,
      'Unable to delete Consumer: ERROR: update or delete on table "consumers" violates foreign key constraint "fk_resources_consumers" on table "resources" (SQLSTATE 23503)',
    );
    await api.writer.submit({ kind: "delete", id });
    expectError(await api.call("DELETE", `${base}/${created.id}`), 403, 4);
    expect((await api.call("GET", `${base}/${created.id}`)).status).toBe(200);
  });

  test("a consumer name used by a resource cannot be re-created while the consumer exists", async () => {
    expectError(await api.call("POST", base, { name: "busy-cluster" }), 409, 6);
  });
});

describe(`consumer list (${storeKind})`, () => {
  let names: string[];
  beforeAll(async () => {
    names = [];
    for (let i = 0; i < 5; i++) {
      const name = `list-${i}`;
      names.push(name);
      await api.call("POST", base, { name, labels: { tier: i % 2 === 0 ? "even" : "odd" } });
    }
  });

  test("the list envelope: items, kind, page, size = items returned, total = all matches", async () => {
    const r = await api.call("GET", `${base}?search=${encodeURIComponent("name like 'list-%'")}&orderBy=name`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["items", "kind", "page", "size", "total"]);
    expect(r.body.kind).toBe("ConsumerList");
    expect(r.body.page).toBe(1);
    expect(r.body.size).toBe(5);
    expect(r.body.total).toBe(5);
    expect(r.body.items.map((c: { name: string }) => c.name)).toEqual(names);
  });

  test("paging: page 2 of size 2, a page past the end, size 0", async () => {
    const q = `search=${encodeURIComponent("name like 'list-%'")}&orderBy=name`;
    const p2 = await api.call("GET", `${base}?${q}&page=2&size=2`);
    expect(p2.body.items.map((c: { name: string }) => c.name)).toEqual(["list-2", "list-3"]);
    expect([p2.body.page, p2.body.size, p2.body.total]).toEqual([2, 2, 5]);
    const past = await api.call("GET", `${base}?${q}&page=9&size=2`);
    expect([past.body.items.length, past.body.size, past.body.total]).toEqual([0, 0, 5]);
    const zero = await api.call("GET", `${base}?${q}&size=0`);
    expect(zero.status).toBe(200);
    expect([zero.body.items.length, zero.body.size, zero.body.total]).toEqual([0, 0, 5]);
  });

  test("a negative size or one above 65500 is clamped to 65500, as in Maestro", async () => {
    const q = `search=${encodeURIComponent("name like 'list-%'")}`;
    for (const size of ["-1", "65501", "99999999"]) {
      const r = await api.call("GET", `${base}?${q}&size=${size}`);
      expect(r.status).toBe(200);
      expect(r.body.size).toBe(5);
    }
  });

  const badParams: [string, RegExp][] = [
    ["page=0", /Invalid page parameter: 0 is less than 1/],
    ["page=-3", /Invalid page parameter: -3 is less than 1/],
    ["page=abc", /Invalid page parameter: 'abc' is not an integer/],
    ["size=ten", /Invalid size parameter: 'ten' is not an integer/],
    ["page=1.5", /not an integer/],
    ["page=99999999999999999999", /out of range/],
    ["orderBy=colour", /bad order value|not a valid field name/],
    ["orderBy=name%20sideways", /bad order value 'name sideways'/],
    ["fields=name,colour", /The following field\(s\) doesn't exist in `Consumer`: colour/],
  ];
  for (const [params, reason] of badParams) {
    test(`${params} is a 400 with a clear reason`, async () => {
      const r = await api.call("GET", `${base}?${params}`);
      expect(r.status).toBe(400);
      expect(r.body.kind).toBe("Error");
      expect(r.body.reason).toMatch(reason);
    });
  }

  test("search on labels (JSONB) and ordering descending", async () => {
    const search = encodeURIComponent("labels->>'tier' = 'even' and name like 'list-%'");
    const r = await api.call("GET", `${base}?search=${search}&orderBy=name%20desc`);
    expect(r.status).toBe(200);
    expect(r.body.items.map((c: { name: string }) => c.name)).toEqual(["list-4", "list-2", "list-0"]);
  });

  test("fields projects each item and always keeps id", async () => {
    const r = await api.call("GET", `${base}?search=${encodeURIComponent("name = 'list-1'")}&fields=name`);
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    expect(Object.keys(r.body.items[0]).sort()).toEqual(["id", "name"]);
    expect(r.body.total).toBe(1);
  });

  const hostile = [
    "name = 'x'; DROP TABLE consumers; --",
    "name = 'x' -- comment",
    "name = 'x' /* comment */",
    "colour = 'red'",
    "consumers.nope = 1",
    "1=1",
    "name = 'unterminated",
    "((((((((((",
    "name in ()) or (1=1",
    "labels->>'a'; DELETE FROM consumers",
    "\u0000",
  ];
  for (const search of hostile) {
    test(`hostile search ${JSON.stringify(search)} is a 400 and changes nothing`, async () => {
      const before = await api.counts();
      const r = await api.call("GET", `${base}?search=${encodeURIComponent(search)}`);
      expect(r.status).toBe(400);
      expect(r.body.code).toBe("maestro-21");
      expect(await api.counts()).toEqual(before);
      expect((await api.call("GET", `${base}?size=1`)).status).toBe(200);
    });
  }

  for (const search of ["name = 'it''s'", "name = ''' OR 1=1 --'", "name = '; DROP TABLE consumers; --'"]) {
    test(`quotes inside a value are data, not SQL: ${JSON.stringify(search)}`, async () => {
      const before = await api.counts();
      const r = await api.call("GET", `${base}?search=${encodeURIComponent(search)}`);
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(0);
      expect(await api.counts()).toEqual(before);
    });
  }
});
