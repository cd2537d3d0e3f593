// The ManifestWork client against an in-memory REST API and a scripted gRPC transport: the wire
// traffic of every call (as in maestro-wire.md section 9), error classes, and watch semantics.

import { beforeEach, describe, expect, test } from "bun:test";
import { cloudEventFromJson, cloudEventToJson, workResourceId, type JsonObject } from "../../src/cloudevents/mod.ts";
import { WorkError } from "../../src/client/errors.ts";
import type { ManifestWork } from "../../src/client/manifest-work.ts";
import type { ResourceBundle } from "../../src/client/rest-types.ts";
import { SourceConnection } from "../../src/client/source-connection.ts";
import type { WatchEvent } from "../../src/client/watch-hub.ts";
import { SourceWorkClient } from "../../src/client/work-client.ts";
import { FakeRest, FakeTimers, FakeTransport, flush, loadFixture } from "./helpers.ts";

const SOURCE = "s1";
const NS = "cluster1";

function newWork(name: string, labels?: Record<string, string>): ManifestWork {
  return {
    apiVersion: "work.open-cluster-management.io/v1",
    kind: "ManifestWork",
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { a: "1" } }] } },
  };
}

/** The bundle our REST API would present for a work this source created, at `version`. */
function bundleOf(namespace: string, work: ManifestWork, version: number): ResourceBundle {
  const id = workResourceId(SOURCE, namespace, work.metadata.name!);
  return {
    consumer_name: namespace,
    created_at: "2026-01-01T00:00:00.5Z",
    delete_option: {},
    href: `/api/maestro/v1/resource-bundles/${id}`,
    id,
    kind: "ResourceBundle",
    manifest_configs: [],
    manifests: work.spec.workload.manifests,
    metadata: { ...work.metadata, namespace, uid: id, resourceVersion: "0", creationTimestamp: "2026-01-01T00:00:00Z" } as unknown as JsonObject,
    name: id,
    updated_at: "2026-01-01T00:00:00.5Z",
    version,
  };
}

/** A relayed status event for a work, from the Maestro sample with its ids swapped. */
function statusEventFor(namespace: string, work: ManifestWork, options: { deleted?: boolean; sequenceId?: string } = {}) {
  const json = loadFixture("cloudevents.status.maestro.json") as JsonObject;
  const id = workResourceId(SOURCE, namespace, work.metadata.name!);
  json.resourceid = id;
  json.clustername = namespace;
  json.sequenceid = options.sequenceId ?? "2000808179729960961";
  json.metadata = JSON.stringify({ name: work.metadata.name, namespace, uid: id, labels: work.metadata.labels });
  if (options.deleted) {
    (json.data as JsonObject).conditions = [{ type: "Deleted", status: "True", lastTransitionTime: "2026-01-01T00:00:01Z", reason: "ManifestsDeleted", message: "gone" }];
  }
  return cloudEventFromJson(json);
}

let rest: FakeRest;
let transport: FakeTransport;
let timers: FakeTimers;
let connection: SourceConnection;
let client: SourceWorkClient;
let errors: [unknown, string][];

beforeEach(() => {
  rest = new FakeRest();
  transport = new FakeTransport();
  timers = new FakeTimers();
  connection = new SourceConnection({ sourceId: SOURCE, transport, timers, random: () => 0 });
  errors = [];
  client = new SourceWorkClient({ sourceId: SOURCE, connection, rest, nowMs: () => 1_767_225_600_250, onError: (e, c) => errors.push([e, c]) });
  connection.start();
  transport.lastStream.header();
});

async function failure(p: Promise<unknown>): Promise<WorkError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkError);
  return err as WorkError;
}

describe("create", () => {
  test("GET must 404, then one spec.create_request", async () => {
    const work = newWork("w1");
    const id = workResourceId(SOURCE, NS, "w1");
    const created = await client.works(NS).create(work);
    expect(rest.calls).toEqual([`GET ${id}`]);
    const [event] = transport.published.map(cloudEventToJson);
    expect(event).toMatchObject({ type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request", source: SOURCE, clustername: NS, resourceid: id, resourceversion: 0, originalsource: "" });
    expect(JSON.parse(event!.metadata as string)).toEqual({ name: "w1", namespace: NS, uid: id, resourceVersion: "0" });
    expect(created.metadata).toEqual({ name: "w1", namespace: NS, uid: id, resourceVersion: "0" });
    expect(work.metadata).toEqual({ name: "w1" }); // The caller's object is not modified.
  });

  test("an existing work is AlreadyExists and nothing is published", async () => {
    const work = newWork("w1");
    rest.bundles.set(workResourceId(SOURCE, NS, "w1"), bundleOf(NS, work, 1));
    expect((await failure(client.works(NS).create(work))).reason).toBe("AlreadyExists");
    expect(transport.published).toEqual([]);
  });

  test("a namespace other than the client's is Invalid before any call", async () => {
    const work = newWork("w1");
    work.metadata.namespace = "other";
    expect((await failure(client.works(NS).create(work))).reason).toBe("Invalid");
    expect(rest.calls).toEqual([]);
  });

  test("an invalid work is refused after the GET, before Publish", async () => {
    const work = newWork("Bad_Name");
    work.spec.workload.manifests = [];
    const err = await failure(client.works(NS).create(work));
    expect(err.reason).toBe("Invalid");
    expect(err.message).toContain("metadata.name");
    expect(err.message).toContain("Workload manifests should not be empty");
    expect(rest.calls).toHaveLength(1);
    expect(transport.published).toEqual([]);
  });

  test("generation and the resourceversion annotation set the published version", async () => {
    const work = newWork("w1");
    work.metadata.annotations = { "cloudevents.open-cluster-management.io/resourceversion": "4" };
    await client.works(NS).create(work);
    const event = cloudEventToJson(transport.published[0]!);
    expect(event.resourceversion).toBe(4);
  });

  test("a Publish refused by the server surfaces as a typed error", async () => {
    transport.publishError = { code: 2, details: "failed to create resource: maestro-6: This Resource already exists" };
    expect((await failure(client.works(NS).create(newWork("w1")))).reason).toBe("AlreadyExists");
    transport.publishError = { code: 14, details: "No connection established" };
    const err = await failure(client.works(NS).create(newWork("w2")));
    expect([err.reason, err.httpStatus]).toEqual(["PublishError", 500]);
  });
});

describe("get", () => {
  test("GET the bundle and convert it", async () => {
    const work = newWork("w1", { app: "web" });
    rest.bundles.set(workResourceId(SOURCE, NS, "w1"), bundleOf(NS, work, 3));
    const got = await client.works(NS).get("w1");
    expect(got.metadata).toMatchObject({ name: "w1", namespace: NS, resourceVersion: "3", generation: 3, labels: { app: "web" } });
    expect(got.spec.workload.manifests).toEqual(work.spec.workload.manifests);
    expect(transport.published).toEqual([]);
  });

  test("404 is NotFound; other failures are InternalError", async () => {
    expect((await failure(client.works(NS).get("nope"))).reason).toBe("NotFound");
    rest.getResourceBundle = () => Promise.reject(new Error("connection refused"));
    expect((await failure(client.works(NS).get("w1"))).reason).toBe("InternalError");
  });
});

describe("list", () => {
  test("the search names source and consumer, with the label filter", async () => {
    rest.listItems = [bundleOf(NS, newWork("w1", { app: "web" }), 1)];
    const list = await client.works(NS).list({ labelSelector: "app=web" });
    expect(list.items.map((w) => w.metadata.name)).toEqual(["w1"]);
    expect(list.continue).toBe("");
    expect(rest.calls).toEqual([`LIST source='s1' and consumer_name='cluster1' and payload->'metadata'->'labels'@>'{"app":"web"}' page=1 size=400`]);
  });

  test("limit and continue", async () => {
    rest.listItems = [1, 2, 3].map((i) => bundleOf(NS, newWork(`w${i}`), 1));
    const first = await client.works(NS).list({ limit: 2 });
    expect([first.items.length, first.continue]).toEqual([2, "2"]);
    const rest2 = await client.works(NS).list({ limit: 2, continue: first.continue });
    expect([rest2.items.map((w) => w.metadata.name), rest2.continue]).toEqual([["w3"], ""]);
  });

  test("all namespaces", async () => {
    await client.allNamespaces().list();
    expect(rest.calls).toEqual(["LIST source='s1' page=1 size=400"]);
  });

  test("a bad selector is BadRequest; an unsupported one too", async () => {
    expect((await failure(client.works(NS).list({ labelSelector: "a in (" }))).reason).toBe("BadRequest");
    expect((await failure(client.works(NS).list({ labelSelector: "!a" }))).message).toContain("unsupported operator !");
    expect(rest.calls).toEqual([]);
  });

  test("a bad continue token is InternalError, as Go reports list errors", async () => {
    expect((await failure(client.works(NS).list({ continue: "x" }))).reason).toBe("InternalError");
  });
});

describe("patch", () => {
  test("GET, patch locally, one spec.update_request at the current version", async () => {
    const work = newWork("w1", { app: "web" });
    const id = workResourceId(SOURCE, NS, "w1");
    rest.bundles.set(id, bundleOf(NS, work, 3));
    const patched = await client.works(NS).patch("w1", "merge", { metadata: { labels: { tier: "1" } }, spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm2", namespace: "default" } }] } } });
    expect(rest.calls).toEqual([`GET ${id}`]);
    const event = cloudEventToJson(transport.published[0]!);
    expect(event).toMatchObject({ type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.update_request", resourceid: id, resourceversion: 3, clustername: NS });
    expect((event.data as JsonObject).manifests).toEqual([{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm2", namespace: "default" } }]);
    expect(JSON.parse(event.metadata as string)).toMatchObject({ resourceVersion: "3", generation: 3, labels: { app: "web", tier: "1" } });
    expect(patched.metadata.labels).toEqual({ app: "web", tier: "1" });
  });

  test("JSON patch", async () => {
    rest.bundles.set(workResourceId(SOURCE, NS, "w1"), bundleOf(NS, newWork("w1"), 2));
    await client.works(NS).patch("w1", "json", '[{"op":"replace","path":"/spec/workload/manifests/0/data/a","value":"2"}]');
    expect((cloudEventToJson(transport.published[0]!).data as { manifests: JsonObject[] }).manifests[0]!.data).toEqual({ a: "2" });
  });

  test("absent -> NotFound; bad patch -> InternalError; stale version -> Conflict", async () => {
    expect((await failure(client.works(NS).patch("w1", "merge", {}))).reason).toBe("NotFound");
    rest.bundles.set(workResourceId(SOURCE, NS, "w1"), bundleOf(NS, newWork("w1"), 2));
    expect((await failure(client.works(NS).patch("w1", "json", [{ op: "remove", path: "/nope" }]))).reason).toBe("InternalError");
    transport.publishError = { code: 2, details: "failed to update resource: maestro-6: the resource version is not the latest, the latest version: 3" };
    const err = await failure(client.works(NS).patch("w1", "merge", { metadata: { labels: { a: "b" } } }));
    expect([err.reason, err.httpStatus]).toEqual(["Conflict", 409]);
  });
});

describe("delete", () => {
  test("GET, then spec.delete_request with deletiontimestamp and metadata, no data", async () => {
    const id = workResourceId(SOURCE, NS, "w1");
    rest.bundles.set(id, bundleOf(NS, newWork("w1"), 2));
    await client.works(NS).delete("w1");
    expect(rest.calls).toEqual([`GET ${id}`]);
    const event = cloudEventToJson(transport.published[0]!);
    expect(event).toMatchObject({ type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.delete_request", resourceid: id, resourceversion: 2, deletiontimestamp: "2026-01-01T00:00:00.25Z" });
    expect(event.data).toBeUndefined();
    expect(JSON.parse(event.metadata as string)).toMatchObject({ name: "w1", deletionTimestamp: "2026-01-01T00:00:00Z" });
  });

  test("an absent work is a no-op", async () => {
    await client.works(NS).delete("w1");
    expect(rest.calls).toHaveLength(1);
    expect(transport.published).toEqual([]);
  });
});

describe("watch", () => {
  test("the initial list arrives as MODIFIED; status events as MODIFIED, Deleted=True as DELETED", async () => {
    const w1 = newWork("w1");
    rest.listItems = [bundleOf(NS, w1, 1)];
    const seen: WatchEvent[] = [];
    await client.works(NS).watch((e) => seen.push(e));
    expect(rest.calls).toEqual(["LIST source='s1' and consumer_name='cluster1' page=1 size=400"]);
    transport.lastStream.event(statusEventFor(NS, w1));
    transport.lastStream.event(statusEventFor(NS, w1, { deleted: true }));
    expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([
      ["MODIFIED", "w1", "1"],
      ["MODIFIED", "w1", "1"],
      ["DELETED", "w1", "1"],
    ]);
    expect(seen[1]!.object.status?.conditions?.[0]?.type).toBe("Applied");
  });

  test("watchers see only their namespace and labels; stop ends delivery", async () => {
    const inNs: WatchEvent[] = [];
    const all: WatchEvent[] = [];
    const labelled: WatchEvent[] = [];
    const w = await client.works(NS).watch((e) => inNs.push(e));
    await client.allNamespaces().watch((e) => all.push(e));
    await client.works(NS).watch((e) => labelled.push(e), { labelSelector: "app=web" });
    expect(rest.calls[2]).toBe(`LIST source='s1' and consumer_name='cluster1' and payload->'metadata'->'labels'@>'{"app":"web"}' page=1 size=400`);
    transport.lastStream.event(statusEventFor(NS, newWork("a", { app: "web" })));
    transport.lastStream.event(statusEventFor("other", newWork("b")));
    w.stop();
    transport.lastStream.event(statusEventFor(NS, newWork("c")));
    expect(inNs.map((e) => e.object.metadata.name)).toEqual(["a"]);
    expect(all.map((e) => e.object.metadata.name)).toEqual(["a", "b", "c"]);
    expect(labelled.map((e) => e.object.metadata.name)).toEqual(["a"]);
  });

  test("after a reconnect (not the first subscribe) the watched namespaces are re-listed and sent as MODIFIED", async () => {
    const seen: WatchEvent[] = [];
    await client.works(NS).watch((e) => seen.push(e));
    await client.works("c2").watch((e) => seen.push(e));
    rest.calls.length = 0;
    rest.listItems = [bundleOf(NS, newWork("w1"), 2), bundleOf("c2", newWork("w2"), 5)];
    transport.lastStream.end();
    timers.advance(500);
    transport.lastStream.header("again");
    await flush();
    expect(rest.calls).toEqual(["LIST source='s1' and (consumer_name='cluster1' or consumer_name='c2') page=1 size=400"]);
    expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([["MODIFIED", "w1", "2"], ["MODIFIED", "w2", "5"]]);
  });

  test("no watchers, no re-list", async () => {
    transport.lastStream.end();
    timers.advance(500);
    transport.lastStream.header();
    await flush();
    expect(rest.calls).toEqual([]);
  });

  test("a status event that arrives during the initial list wins over the listed entry", async () => {
    const w1 = newWork("w1");
    const w2 = newWork("w2");
    rest.listItems = [bundleOf(NS, w1, 1), bundleOf(NS, w2, 1)];
    let release!: () => void;
    rest.listGate = new Promise((r) => (release = r));
    const seen: WatchEvent[] = [];
    const watching = client.works(NS).watch((e) => seen.push(e));
    await flush();
    transport.lastStream.event(statusEventFor(NS, w1, { deleted: true }));
    release();
    await watching;
    expect(seen.map((e) => [e.type, e.object.metadata.name])).toEqual([["DELETED", "w1"], ["MODIFIED", "w2"]]);
  });

  test("a failed initial list fails the watch and registers nothing", async () => {
    rest.listResourceBundles = () => Promise.reject(new Error("503"));
    expect((await failure(client.works(NS).watch(() => {}))).reason).toBe("InternalError");
    transport.lastStream.event(statusEventFor(NS, newWork("w1")));
    expect(errors).toEqual([]);
  });

  test("undecodable status events and throwing handlers are reported, not thrown", async () => {
    await client.works(NS).watch(() => {
      throw new Error("handler bug");
    });
    const bad = cloudEventFromJson({ ...(loadFixture("cloudevents.status.maestro.json") as JsonObject), sequenceid: null });
    transport.lastStream.event(bad);
    transport.lastStream.event(statusEventFor(NS, newWork("w1")));
    expect(errors.map(([, ctx]) => ctx)).toEqual([expect.stringContaining("decoding status event") as unknown as string, "watch handler"]);
  });

  test("spec events and resync requests on the stream are ignored", async () => {
    const seen: WatchEvent[] = [];
    await client.allNamespaces().watch((e) => seen.push(e));
    transport.lastStream.event(cloudEventFromJson(loadFixture("cloudevents.grpcclient.json")));
    transport.lastStream.event(cloudEventFromJson(loadFixture("example.cloudevent-status-resync.json")));
    expect(seen).toEqual([]);
  });

  test("close stops every watch and detaches from the connection", async () => {
    const seen: WatchEvent[] = [];
    await client.works(NS).watch((e) => seen.push(e));
    client.close();
    transport.lastStream.event(statusEventFor(NS, newWork("w1")));
    expect(seen).toEqual([]);
    expect(connection.state).toBe("subscribed"); // Not owned: the connection stays up.
    expect((await failure(client.works(NS).watch(() => {}))).reason).toBe("InternalError");
  });
});

describe("construction", () => {
  test("checks", () => {
    expect(() => new SourceWorkClient({ sourceId: "it's", connection, rest })).toThrow("quote");
    expect(() => new SourceWorkClient({ sourceId: "other", connection, rest })).toThrow("another source");
    expect(() => client.works("")).toThrow("allNamespaces");
  });
});

describe("watch before the first subscription", () => {
  test("a watch registered before the stream is up is re-listed once it is", async () => {
    const t = new FakeTransport();
    const c = new SourceConnection({ sourceId: SOURCE, transport: t, timers: new FakeTimers(), random: () => 0 });
    const r = new FakeRest();
    const wc = new SourceWorkClient({ sourceId: SOURCE, connection: c, rest: r });
    const seen: WatchEvent[] = [];
    await wc.works(NS).watch((e) => seen.push(e));
    r.listItems = [bundleOf(NS, newWork("w1"), 1)];
    c.start();
    t.lastStream.header();
    await flush();
    expect(r.calls).toEqual(["LIST source='s1' and consumer_name='cluster1' page=1 size=400", "LIST source='s1' and (consumer_name='cluster1') page=1 size=400"]);
    expect(seen.map((e) => e.object.metadata.name)).toEqual(["w1"]);
  });
});
