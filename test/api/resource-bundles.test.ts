// Resource-bundle routes over a real store: the ResourceBundle shape (with and without status,
// while deleting), list filters the Go client sends, soft delete, and bad input.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApi, specPayload, type TestApi } from "../support/api.ts";
import { storeKind } from "../support/database.ts";

let api: TestApi;
const base = "/api/maestro/v1/resource-bundles";
const ids = { a1: crypto.randomUUID(), a2: crypto.randomUUID(), b1: crypto.randomUUID() };

beforeAll(async () => {
  api = await openTestApi();
  for (const name of ["rb-cluster-a", "rb-cluster-b"]) await api.call("POST", "/api/maestro/v1/consumers", { name });
  const create = (id: string, consumer: string, source: string, labels: Record<string, string>) =>
    api.writer.submit({ kind: "create", id, source, consumerName: consumer, version: 0, payload: specPayload({ id, consumer, source, labels }) });
  await create(ids.a1, "rb-cluster-a", "source-1", { app: "web", tier: "front" });
  await create(ids.a2, "rb-cluster-a", "source-2", { app: "db" });
  await create(ids.b1, "rb-cluster-b", "source-1", { app: "web" });
});
afterAll(async () => {
  await api.close();
});

const list = async (search: string, extra = "") => {
  const r = await api.call("GET", `${base}?search=${encodeURIComponent(search)}${extra}`);
  expect(r.status).toBe(200);
  return (r.body.items as { id: string }[]).map((i) => i.id).sort();
};

describe(`resource bundles (${storeKind})`, () => {
  test("GET returns Maestro's ResourceBundle shape before any status", async () => {
    const r = await api.call("GET", `${base}/${ids.a1}`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual([
      "consumer_name", "created_at", "delete_option", "href", "id", "kind", "manifest_configs",
      "manifests", "metadata", "name", "updated_at", "version",
    ]);
    expect(r.body.kind).toBe("ResourceBundle");
    expect(r.body.href).toBe(`${base}/${ids.a1}`);
    expect(r.body.name).toBe(ids.a1);
    expect(r.body.consumer_name).toBe("rb-cluster-a");
    expect(r.body.version).toBe(1);
    expect(r.body.delete_option).toEqual({ propagationPolicy: "Foreground" });
    expect(r.body.manifests[0].kind).toBe("Deployment");
    expect(r.body.manifest_configs[0].updateStrategy.type).toBe("ServerSideApply");
    expect(r.body.metadata.labels).toEqual({ app: "web", tier: "front" });
    expect(r.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test("GET of a missing bundle is 404 with Maestro's text", async () => {
    const r = await api.call("GET", `${base}/nope`);
    expect(r.status).toBe(404);
    expect(r.body.code).toBe("maestro-7");
    expect(r.body.reason).toBe("Resource with id='nope' not found");
  });

  test("a stored status is shown with ObservedVersion and SequenceID", async () => {
    const status = {
      specversion: "1.0",
      id: crypto.randomUUID(),
      source: "rb-cluster-a-work-agent",
      type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request",
      datacontenttype: "application/json",
      clustername: "rb-cluster-a",
      originalsource: "maestro",
      resourceid: ids.a1,
      resourceversion: 1,
      sequenceid: "2000808179721572352",
      statushash: "6170884280acbd9d5e69ac59a00ef7cf84d50669621643782e7a3f1ab05836cf",
      data: {
        conditions: [{ type: "Applied", status: "True", lastTransitionTime: "2025-12-16T06:00:17Z", reason: "AppliedManifestWorkComplete", message: "Apply manifest work complete" }],
        resourceStatus: [{ resourceMeta: { ordinal: 0, group: "apps", version: "v1", kind: "Deployment", resource: "deployments", name: "nginx", namespace: "default" }, statusFeedback: {}, conditions: [] }],
      },
    };
    const result = await api.writer.submit({ kind: "status", id: ids.a1, consumerName: "rb-cluster-a", resourceVersion: 1, sequenceId: 2000808179721572352n, status, deleted: false });
    expect(result.outcome).toBe("stored");
    const r = await api.call("GET", `${base}/${ids.a1}`);
    expect(r.body.status.ObservedVersion).toBe(1);
    expect(r.body.status.SequenceID).toBe("2000808179721572352");
    expect(r.body.status.conditions[0].type).toBe("Applied");
    expect(r.body.status.resourceStatus[0].resourceMeta.name).toBe("nginx");
    expect(Object.keys(r.body.status)).toEqual(["ObservedVersion", "SequenceID", "conditions", "resourceStatus"]);
  });

  test("list filters: the Go client's source/consumer search and JSONB label selectors", async () => {
    expect(await list("source='source-1'")).toEqual([ids.a1, ids.b1].sort());
    expect(await list("source='source-1' and consumer_name='rb-cluster-a'")).toEqual([ids.a1]);
    expect(await list("source='source-1' and (consumer_name='rb-cluster-a' or consumer_name='rb-cluster-b')")).toEqual([ids.a1, ids.b1].sort());
    expect(await list(`source='source-1' and payload->'metadata'->'labels'@>'{"app":"web"}'`)).toEqual([ids.a1, ids.b1].sort());
    expect(await list("consumer_name='rb-cluster-a' and payload->'metadata'->'labels'->>'app'<>'web'")).toEqual([ids.a2]);
    expect(await list("payload->'metadata'->'labels'->>'tier'<>null")).toEqual([ids.a1]);
    expect(await list("payload->'metadata'->'labels'->>'app'in('db','none')")).toEqual([ids.a2]);
  });

  test("list envelope, paging and fields", async () => {
    const r = await api.call("GET", `${base}?search=${encodeURIComponent("consumer_name like 'rb-%'")}&orderBy=created_at&size=2&fields=consumer_name,metadata.labels`);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe("ResourceBundleList");
    expect([r.body.page, r.body.size, r.body.total]).toEqual([1, 2, 3]);
    expect(Object.keys(r.body.items[0]).sort()).toEqual(["consumer_name", "id", "metadata"]);
    expect(Object.keys(r.body.items[0].metadata)).toEqual(["labels"]);
  });

  test("bad list parameters are 400s", async () => {
    for (const q of ["search=" + encodeURIComponent("nosuch = 1"), "search=" + encodeURIComponent("version = 'abc'"), "orderBy=payload%20up", "fields=nosuch", "page=0"]) {
      const r = await api.call("GET", `${base}?${q}`);
      expect(r.status).toBe(400);
      expect(r.body.kind).toBe("Error");
    }
  });

  test("DELETE is a soft delete: 204, deleted_at and deletionTimestamp shown, still listed, idempotent", async () => {
    const before = await api.counts();
    const r = await api.call("DELETE", `${base}/${ids.a2}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(await api.counts()).toEqual(before);
    const got = await api.call("GET", `${base}/${ids.a2}`);
    expect(got.body.deleted_at).toBeString();
    expect(got.body.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(await list("deleted_at is not null")).toEqual([ids.a2]);
    const first = got.body.deleted_at;
    expect((await api.call("DELETE", `${base}/${ids.a2}`)).status).toBe(204);
    expect((await api.call("GET", `${base}/${ids.a2}`)).body.deleted_at).toBe(first);
  });

  test("DELETE of a missing bundle is 204, as in Maestro", async () => {
    expect((await api.call("DELETE", `${base}/does-not-exist`)).status).toBe(204);
  });

  test("there is no create or update of bundles over REST: 405 maestro-10", async () => {
    for (const [method, path] of [["POST", base], ["PATCH", `${base}/${ids.a1}`], ["PUT", `${base}/${ids.a1}`]] as const) {
      const r = await api.call(method, path, { name: "x" });
      expect(r.status).toBe(405);
      expect(r.body.code).toBe("maestro-10");
      expect(r.headers.get("allow")).toContain("GET");
    }
    expect(await api.counts()).toMatchObject({ resources: 3 });
  });
});
