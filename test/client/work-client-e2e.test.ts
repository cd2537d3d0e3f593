// The TypeScript work client against the REAL server process (loopback ports, this run's store),
// with the test playing the cluster's work agent on the broker port: create -> spec at the agent
// -> status -> watch/get; patches, conflicts, typed errors, delete to DELETED; label selectors
// and paging over REST; two sources isolated from each other (maestro-wire.md 9, 3.4).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readString, readTime } from "../../src/cloudevents/attributes.ts";
import { workResourceId } from "../../src/cloudevents/ids.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { ApiError, PublishError, WorkError } from "../../src/client/errors.ts";
import { SEQUENCE_ID_ANNOTATION, type ManifestWork } from "../../src/client/manifest-work.ts";
import { MaestroRestClient } from "../../src/client/rest-client.ts";
import { SourceConnection } from "../../src/client/source-connection.ts";
import { SourceWorkClient, type WorkRestApi } from "../../src/client/work-client.ts";
import { connectSourceWorkClient } from "../../src/client/connect.ts";
import { toWorkPatch } from "../../src/client/work-patch.ts";
import { storeKind } from "../support/database.ts";
import { RestartableServer } from "../support/restartable-server.ts";
import {
  FAST_BACKOFF,
  SimAgent,
  WatchLog,
  deploymentWork,
  eventMeta,
  goWorkId,
  replicasOf,
  specData,
  specVersion,
} from "./e2e-support.ts";

const SOURCE_A = "e2e-source-a";
const SOURCE_B = "e2e-source-b";
const LIFE = "c-life";
const LIST = "c-list";
const LIST2 = "c-list-two";
const ISO = "c-iso";

let server: RestartableServer;
let rest: MaestroRestClient;
let clientA: SourceWorkClient;
let clientB: SourceWorkClient;
const agents = new Map<string, SimAgent>();
const backgroundErrors: [unknown, string][] = [];

async function connect(sourceId: string): Promise<SourceWorkClient> {
  return connectSourceWorkClient({
    sourceId,
    grpcAddress: server.grpc,
    restUrl: server.rest,
    connection: { backoff: FAST_BACKOFF },
    onError: (e, c) => backgroundErrors.push([e, `${sourceId}: ${c}`]),
  });
}

beforeAll(async () => {
  server = await RestartableServer.start();
  rest = new MaestroRestClient({ baseUrl: server.rest });
  for (const name of [LIFE, LIST, LIST2, ISO]) {
    expect((await rest.createConsumer({ name })).name).toBe(name);
    agents.set(name, await SimAgent.connect(server.grpcBroker, name));
  }
  clientA = await connect(SOURCE_A);
  clientB = await connect(SOURCE_B);
});

afterAll(async () => {
  clientA?.close();
  clientB?.close();
  for (const a of agents.values()) a.close();
  await server?.close();
});

const agent = (cluster: string) => agents.get(cluster)!;

/** Awaits a promise that must reject with a WorkError and returns it. */
async function workError(p: Promise<unknown>): Promise<WorkError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkError);
  return err as WorkError;
}

const names = (works: readonly ManifestWork[]) => works.map((w) => w.metadata.name!).sort();

describe(`work client lifecycle against the real server (${storeKind})`, () => {
  const works = () => clientA.works(LIFE);
  const id = goWorkId(SOURCE_A, LIFE, "web");
  const watch = new WatchLog();
  let stopWatch: () => void;

  test("resource ids are the UUIDv5 Maestro's Go client computes", () => {
    // The sample verified against Maestro (maestro-wire.md 2.5), by an implementation independent of src/.
    expect(goWorkId("mw-client-example", "7ff1a8f4-8811-49b4-8c19-9271bc51975e", "e44ec579-9646-549a-b679-db8d19d6da37")).toBe(
      "55c61e54-a3f6-563d-9fec-b1fe297bdfdb",
    );
    expect(workResourceId(SOURCE_A, LIFE, "web")).toBe(id);
  });

  test("a watch started on an empty namespace lists nothing", async () => {
    stopWatch = (await works().watch(watch.handler)).stop;
    expect(watch.events).toEqual([]);
  });

  test("create: the agent receives the spec under the UUIDv5 id at version 1", async () => {
    const created = await works().create(deploymentWork("web", { app: "web" }));
    expect(created.metadata).toMatchObject({ name: "web", namespace: LIFE, uid: id, resourceVersion: "0", labels: { app: "web" } });
    const spec = await agent(LIFE).waitForSpec(id, "spec.create_request");
    expect(spec.source).toBe("maestro");
    expect(readString(spec, Ext.clusterName)).toBe(LIFE);
    expect(specVersion(spec)).toBe(1);
    expect(eventMeta(spec)).toMatchObject({ name: id, namespace: LIFE, uid: id, labels: { app: "web" } });
    expect(specData(spec).manifests).toEqual(deploymentWork("web").spec.workload.manifests);
    expect(spec.extensions[Ext.deletionTimestamp]).toBeUndefined();
  });

  test("get before any status: version 1, no status; no watch event yet (only statuses make events)", async () => {
    const work = await works().get("web");
    expect(work.metadata).toMatchObject({ name: "web", namespace: LIFE, uid: id, resourceVersion: "1", generation: 1, labels: { app: "web" } });
    expect(work.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(work.status).toBeUndefined();
    expect(work.spec.workload.manifests).toEqual(deploymentWork("web").spec.workload.manifests);
    expect(work.spec.manifestConfigs).toEqual(deploymentWork("web").spec.manifestConfigs);
    expect(work.spec.deleteOption).toEqual({ propagationPolicy: "Foreground" });
    expect(watch.events).toEqual([]);
  });

  test("the agent's status reaches the watch as MODIFIED, and get() shows it", async () => {
    const status = await agent(LIFE).reportStatus(id, 1);
    const event = await watch.waitFor("MODIFIED", id);
    expect(event.object.metadata).toMatchObject({ name: "web", namespace: LIFE, uid: id, resourceVersion: "1", labels: { app: "web" } });
    expect(event.object.metadata.annotations?.[SEQUENCE_ID_ANNOTATION]).toBe(readString(status, Ext.sequenceId));
    expect(event.object.status?.conditions?.map((c) => [c.type, c.status])).toEqual([["Applied", "True"]]);
    expect(event.object.spec.workload.manifests).toEqual(deploymentWork("web").spec.workload.manifests);

    const work = await works().get("web");
    expect(work.metadata.resourceVersion).toBe("1");
    expect(work.metadata.generation).toBe(1);
    expect(work.status?.conditions?.[0]).toMatchObject({ type: "Applied", status: "True", observedGeneration: 1, reason: "AppliedManifestWorkComplete" });
    expect(work.status?.resourceStatus?.manifests?.[0]?.resourceMeta).toMatchObject({ kind: "Deployment", name: "nginx" });
  });

  test("merge patch: labels and spec change, version 2 reaches the agent", async () => {
    const mark = agent(LIFE).mark;
    const patched = await works().patch("web", "merge", {
      metadata: { labels: { tier: "gold" } },
      spec: { workload: { manifests: deploymentWork("web", undefined, 3).spec.workload.manifests } },
    });
    expect(patched.metadata.labels).toEqual({ app: "web", tier: "gold" });
    const spec = await agent(LIFE).waitForSpec(id, "spec.update_request", mark);
    expect(specVersion(spec)).toBe(2);
    expect(replicasOf(specData(spec).manifests)).toBe(3);
    expect(eventMeta(spec).labels).toEqual({ app: "web", tier: "gold" });
    const work = await works().get("web");
    expect(work.metadata).toMatchObject({ resourceVersion: "2", generation: 2, labels: { app: "web", tier: "gold" } });
    expect(replicasOf(work.spec.workload.manifests)).toBe(3);
  });

  test("JSON patch: version 3 reaches the agent", async () => {
    const mark = agent(LIFE).mark;
    await works().patch("web", "json", [
      { op: "replace", path: "/spec/workload/manifests/0/spec/replicas", value: 5 },
      { op: "add", path: "/metadata/labels/patched", value: "json" },
    ]);
    const spec = await agent(LIFE).waitForSpec(id, "spec.update_request", mark);
    expect(specVersion(spec)).toBe(3);
    expect(replicasOf(specData(spec).manifests)).toBe(5);
    expect(eventMeta(spec).labels).toEqual({ app: "web", tier: "gold", patched: "json" });
    expect((await works().get("web")).metadata.generation).toBe(3);
  });

  test("a patch built on a stale version fails with a typed Conflict and changes nothing", async () => {
    const stale = await works().get("web"); // version 3
    const mark = agent(LIFE).mark;
    await works().patch("web", "merge", { metadata: { labels: { step: "four" } } });
    expect(specVersion(await agent(LIFE).waitForSpec(id, "spec.update_request", mark))).toBe(4);

    const edited: ManifestWork = { ...stale, metadata: { ...stale.metadata, labels: { ...stale.metadata.labels, late: "yes" } } };
    const err = await workError(works().patch("web", "merge", toWorkPatch(stale, edited)));
    expect(err.reason).toBe("Conflict");
    expect(err.httpStatus).toBe(409);
    expect(err.workName).toBe("web");
    expect(err.message).toContain("the resource version is not the latest");
    const now = await works().get("web");
    expect(now.metadata.generation).toBe(4);
    expect(now.metadata.labels?.late).toBeUndefined();
    // The refused publish never reached the agent (the server refuses before delivering).
    expect(agent(LIFE).about(id).filter((e) => specVersion(e) > 4)).toEqual([]);
  });

  test("a status for the new version replaces the old one in watch and get", async () => {
    const from = watch.events.length;
    await agent(LIFE).reportStatus(id, 4);
    const event = await watch.waitFor("MODIFIED", id, () => true, from);
    expect(event.object.metadata.resourceVersion).toBe("4");
    expect(event.object.status?.conditions?.[0]?.observedGeneration).toBe(4);
    expect(replicasOf(event.object.spec.workload.manifests)).toBe(5);
    expect((await works().get("web")).status?.conditions?.[0]?.observedGeneration).toBe(4);
  });

  test("create of an existing name is AlreadyExists; nothing is published", async () => {
    const mark = agent(LIFE).mark;
    const err = await workError(works().create(deploymentWork("web")));
    expect(err.reason).toBe("AlreadyExists");
    expect(err.httpStatus).toBe(409);
    expect(err.message).toBe('manifestworks.work.open-cluster-management.io "web" already exists');
    expect((await works().get("web")).metadata.generation).toBe(4);
    expect(agent(LIFE).recorder.events.length).toBe(mark);
  });

  test("get and patch of a missing name are NotFound; delete of a missing name is a no-op", async () => {
    const get = await workError(works().get("missing"));
    expect(get.reason).toBe("NotFound");
    expect(get.httpStatus).toBe(404);
    expect(get.message).toBe('manifestworks.work.open-cluster-management.io "missing" not found');
    expect((await workError(works().patch("missing", "merge", { metadata: { labels: { a: "b" } } }))).reason).toBe("NotFound");
    const mark = agent(LIFE).mark;
    await works().delete("missing");
    expect(agent(LIFE).recorder.events.length).toBe(mark);
  });

  test("invalid works are refused before publishing (client-side validation)", async () => {
    const empty = deploymentWork("empty");
    empty.spec.workload.manifests = [];
    expect((await workError(works().create(empty))).reason).toBe("Invalid");
    const elsewhere = deploymentWork("elsewhere");
    elsewhere.metadata.namespace = "other";
    expect((await workError(works().create(elsewhere))).reason).toBe("Invalid");
    expect((await workError(works().get("empty"))).reason).toBe("NotFound");
  });

  test("delete: the agent gets delete_request with deletiontimestamp; get shows the deletion", async () => {
    const mark = agent(LIFE).mark;
    await works().delete("web");
    const del = await agent(LIFE).waitForSpec(id, "spec.delete_request", mark);
    expect(readTime(del, Ext.deletionTimestamp).seconds).toBeGreaterThan(0);
    // The source publishes no data; Maestro's delete to the agent still carries the stored bundle (7.2).
    expect(replicasOf(specData(del).manifests)).toBe(5);
    expect(eventMeta(del).deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const deleting = await works().get("web");
    expect(deleting.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await rest.getResourceBundle(id)).deleted_at).toBeString();
  });

  test("while deleting: a patch is a typed Conflict (under deletion); deleting again publishes nothing new", async () => {
    const mark = agent(LIFE).mark;
    const err = await workError(works().patch("web", "merge", { metadata: { labels: { late: "yes" } } }));
    expect(err.message).toContain("the resource is under deletion");
    expect(err.reason).toBe("Conflict");
    expect(err.httpStatus).toBe(409);
    await works().delete("web"); // the server treats a repeated delete as a no-op
    expect((await works().get("web")).metadata.generation).toBe(4);
    expect(agent(LIFE).recorder.events.length).toBe(mark);
  });

  test("the agent's Deleted=True makes the watch report DELETED and get NotFound", async () => {
    const from = watch.events.length;
    await agent(LIFE).reportDeleted(id, 4);
    const event = await watch.waitFor("DELETED", id, () => true, from);
    expect(event.object.metadata).toMatchObject({ name: "web", namespace: LIFE, uid: id });
    expect(event.object.status?.conditions?.some((c) => c.type === "Deleted" && c.status === "True")).toBe(true);
    expect((await workError(works().get("web"))).reason).toBe("NotFound");
    expect((await works().list()).items).toEqual([]);
    stopWatch();
  });
});

describe(`refusals only the server can decide (${storeKind})`, () => {
  test("create in a namespace with no consumer: NotFound naming the consumer", async () => {
    const err = await workError(clientA.works("no-such-consumer").create(deploymentWork("orphan")));
    expect(err.reason).toBe("NotFound");
    expect(err.message).toContain("Consumer with name='no-such-consumer' not found");
    expect((await workError(clientA.works("no-such-consumer").get("orphan"))).reason).toBe("NotFound");
  });

  test("two clients of one source create the same name at once: one wins, the other gets AlreadyExists", async () => {
    const second = await connect(SOURCE_A);
    try {
      const results = await Promise.allSettled([
        clientA.works(LIFE).create(deploymentWork("race", { by: "first" })),
        second.works(LIFE).create(deploymentWork("race", { by: "second" })),
      ]);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
      expect(lost.length).toBe(1);
      expect(lost[0]!.reason).toBeInstanceOf(WorkError);
      expect((lost[0]!.reason as WorkError).reason).toBe("AlreadyExists");
      const id = goWorkId(SOURCE_A, LIFE, "race");
      await agent(LIFE).waitForSpec(id, "spec.create_request");
      expect(agent(LIFE).about(id).length).toBe(1);
      expect((await clientA.works(LIFE).get("race")).metadata.generation).toBe(1);
    } finally {
      second.close();
    }
  });

  test("a create the client's GET did not catch (lost race) is refused by the server as AlreadyExists", async () => {
    // A REST view that never finds a bundle: the client publishes, and only the server can refuse.
    const blind: WorkRestApi = {
      listResourceBundles: (params, options) => rest.listResourceBundles(params, options),
      getResourceBundle: async (id) => {
        throw new ApiError({ status: 404, method: "GET", path: `/api/maestro/v1/resource-bundles/${id}`, text: "hidden" });
      },
    };
    const connection = new SourceConnection({ sourceId: SOURCE_A, address: server.grpc, backoff: FAST_BACKOFF });
    const racer = new SourceWorkClient({ sourceId: SOURCE_A, connection, rest: blind, ownsConnection: true });
    connection.start();
    try {
      await connection.whenSubscribed(10_000);
      const mark = agent(LIFE).mark;
      const err = await workError(racer.works(LIFE).create(deploymentWork("race", { by: "late" })));
      expect(err.reason).toBe("AlreadyExists");
      expect(err.cause).toBeInstanceOf(PublishError);
      expect((err.cause as PublishError).details).toContain("This Resource already exists");
      expect(agent(LIFE).recorder.events.length).toBe(mark);
      expect((await clientA.works(LIFE).get("race")).metadata.labels?.by).not.toBe("late");
    } finally {
      racer.close();
    }
  });
});

describe(`list: label selectors and paging over the real REST API (${storeKind})`, () => {
  const labelled: Record<string, Record<string, string>> = {
    "w-a": { suite: "list", app: "web", env: "prod", tier: "fe" },
    "w-b": { suite: "list", app: "web", env: "dev" },
    "w-c": { suite: "list", app: "db", env: "qa", tier: "be" },
    "w-d": { suite: "list", app: "db" },
    "w-e": { suite: "list" },
    "w-f": { suite: "list", app: "cache", env: "dev" },
    "w-g": { suite: "list", app: "web", env: "qa", tier: "fe" },
  };
  const all = Object.keys(labelled).sort();
  const list = (labelSelector?: string, limit?: number, cont?: string) =>
    clientA.works(LIST).list({ labelSelector, limit, continue: cont });

  test("setup: seven works in one namespace, one elsewhere, one of another source", async () => {
    for (const [name, labels] of Object.entries(labelled)) await clientA.works(LIST).create(deploymentWork(name, labels));
    await clientA.works(LIST2).create(deploymentWork("w-x", { suite: "list", app: "web" }));
    // Another source's work with the same name and labels in the same namespace must never show.
    await clientB.works(LIST).create(deploymentWork("w-a", labelled["w-a"]));
    expect(names((await list()).items)).toEqual(all);
  });

  const cases: [string, string[]][] = [
    ["", all],
    ["suite=list", all],
    ["app=web", ["w-a", "w-b", "w-g"]],
    ["app==db", ["w-c", "w-d"]],
    ["app=web,tier=fe", ["w-a", "w-g"]],
    // Maestro's translation is SQL `->>'env'<>'prod'`: works WITHOUT the key do not match (unlike
    // Kubernetes, and unlike the watch's local matching) — the Go client lists the same.
    ["env!=prod", ["w-b", "w-c", "w-f", "w-g"]],
    ["env in (dev,qa)", ["w-b", "w-c", "w-f", "w-g"]],
    ["env notin (dev,qa)", ["w-a"]],
    ["tier", ["w-c", "w-a", "w-g"].sort()],
    ["app in (web,db),tier", ["w-a", "w-c", "w-g"]],
    ["app=web,env notin (qa)", ["w-a", "w-b"]],
    ["app in (cache),env=dev", ["w-f"]],
    ["app=nothing", []],
  ];
  for (const [selector, expected] of cases) {
    test(`selector ${JSON.stringify(selector)} lists ${expected.join(",") || "nothing"}`, async () => {
      const result = await list(selector);
      expect(names(result.items)).toEqual(expected);
      expect(result.continue).toBe("");
      for (const w of result.items) {
        expect(w.metadata.namespace).toBe(LIST);
        expect(w.metadata.uid).toBe(goWorkId(SOURCE_A, LIST, w.metadata.name!));
        expect(w.metadata.labels).toEqual(labelled[w.metadata.name!]);
      }
    });
  }

  test("unsupported or malformed selectors are BadRequest", async () => {
    expect((await workError(list("!tier"))).reason).toBe("BadRequest");
    expect((await workError(list("app in ("))).reason).toBe("BadRequest");
  });

  test("paging: limit 3 walks three pages by continue; together exactly the seven works", async () => {
    const first = await list(undefined, 3);
    expect(first.items.length).toBe(3);
    expect(first.continue).toBe("2");
    const second = await list(undefined, 3, first.continue);
    expect(second.items.length).toBe(3);
    expect(second.continue).toBe("3");
    const third = await list(undefined, 3, second.continue);
    expect(third.items.length).toBe(1);
    expect(third.continue).toBe("");
    const seen = [...first.items, ...second.items, ...third.items].map((w) => w.metadata.name!);
    expect(new Set(seen).size).toBe(7);
    expect(seen.sort()).toEqual(all);
  });

  test("paging with a selector: the last full page ends with an empty continue", async () => {
    const first = await list("app=web", 2);
    expect(first.items.length).toBe(2);
    expect(first.continue).toBe("2");
    const second = await list("app=web", 2, first.continue);
    expect(second.items.length).toBe(1);
    expect(second.continue).toBe("");
    expect(names([...first.items, ...second.items])).toEqual(["w-a", "w-b", "w-g"]);
    const exact = await list("app in (web,db)", 5);
    expect(names(exact.items)).toEqual(["w-a", "w-b", "w-c", "w-d", "w-g"]);
    expect(exact.continue).toBe("");
    const whole = await list(undefined, 7);
    expect(whole.items.length).toBe(7);
    expect(whole.continue).toBe("");
  });

  test("all namespaces: the source's works of every consumer, still filtered by labels and source", async () => {
    const result = await clientA.allNamespaces().list({ labelSelector: "suite=list,app=web" });
    expect(result.items.map((w) => `${w.metadata.namespace}/${w.metadata.name}`).sort()).toEqual(
      [`${LIST}/w-a`, `${LIST}/w-b`, `${LIST}/w-g`, `${LIST2}/w-x`].sort(),
    );
    const paged = await clientA.allNamespaces().list({ labelSelector: "suite=list", limit: 5 });
    expect(paged.items.length).toBe(5);
    expect(paged.continue).toBe("2");
    const rest2 = await clientA.allNamespaces().list({ labelSelector: "suite=list", limit: 5, continue: paged.continue });
    expect(rest2.items.length).toBe(3);
    expect(rest2.continue).toBe("");
  });

  test("the other source lists only its own work", async () => {
    const b = await clientB.works(LIST).list();
    expect(b.items.map((w) => w.metadata.uid)).toEqual([goWorkId(SOURCE_B, LIST, "w-a")]);
  });

  test("a watch with a selector lists and follows only matching works", async () => {
    const log = new WatchLog();
    const w = await clientA.works(LIST).watch(log.handler, { labelSelector: "app=web,tier" });
    expect(log.events.map((e) => [e.type, e.object.metadata.name]).sort()).toEqual([
      ["MODIFIED", "w-a"],
      ["MODIFIED", "w-g"],
    ]);
    const from = log.events.length;
    await agent(LIST).reportStatus(goWorkId(SOURCE_A, LIST, "w-b"), 1); // does not match
    await agent(LIST).reportStatus(goWorkId(SOURCE_A, LIST, "w-g"), 1); // matches
    const event = await log.waitFor("MODIFIED", goWorkId(SOURCE_A, LIST, "w-g"), (e) => e.object.status !== undefined, from);
    expect(event.object.status?.conditions?.[0]?.type).toBe("Applied");
    expect(log.events.slice(from).map((e) => e.object.metadata.name)).toEqual(["w-g"]);
    w.stop();
  });
});

describe(`two sources do not see each other's works (${storeKind})`, () => {
  const idA = goWorkId(SOURCE_A, ISO, "shared");
  const idB = goWorkId(SOURCE_B, ISO, "shared");
  const onlyA = goWorkId(SOURCE_A, ISO, "only-a");
  const logA = new WatchLog();
  const logB = new WatchLog();
  const logAll = new WatchLog();
  const stops: (() => void)[] = [];

  test("the same name in the same namespace is two works with two ids", async () => {
    expect(idA).not.toBe(idB);
    await clientA.works(ISO).create(deploymentWork("shared", { owner: "a" }));
    await clientB.works(ISO).create(deploymentWork("shared", { owner: "b" }, 2));
    await clientA.works(ISO).create(deploymentWork("only-a"));
    await agent(ISO).waitForSpec(idA, "spec.create_request");
    await agent(ISO).waitForSpec(idB, "spec.create_request");
    await agent(ISO).waitForSpec(onlyA, "spec.create_request");
    expect((await clientA.works(ISO).get("shared")).metadata).toMatchObject({ uid: idA, labels: { owner: "a" } });
    expect((await clientB.works(ISO).get("shared")).metadata).toMatchObject({ uid: idB, labels: { owner: "b" } });
    expect(replicasOf((await clientB.works(ISO).get("shared")).spec.workload.manifests)).toBe(2);
  });

  test("get, list and delete only reach the caller's own works", async () => {
    expect((await workError(clientB.works(ISO).get("only-a"))).reason).toBe("NotFound");
    expect((await clientA.works(ISO).list()).items.map((w) => w.metadata.uid).sort()).toEqual([idA, onlyA].sort());
    expect((await clientB.works(ISO).list()).items.map((w) => w.metadata.uid)).toEqual([idB]);
    const everyB = await clientB.allNamespaces().list();
    expect(everyB.items.length).toBeGreaterThan(0);
    for (const w of everyB.items) expect(w.metadata.uid).toBe(goWorkId(SOURCE_B, w.metadata.namespace!, w.metadata.name!));
    const mark = agent(ISO).mark;
    await clientB.works(ISO).delete("only-a"); // B has no such work: a no-op
    expect(agent(ISO).recorder.events.length).toBe(mark);
    expect((await rest.getResourceBundle(onlyA)).deleted_at).toBeUndefined();
  });

  test("watches list only their source's works", async () => {
    stops.push((await clientA.works(ISO).watch(logA.handler)).stop);
    stops.push((await clientB.works(ISO).watch(logB.handler)).stop);
    stops.push((await clientB.allNamespaces().watch(logAll.handler)).stop);
    expect([...logA.uids()].sort()).toEqual([idA, onlyA].sort());
    expect([...logB.uids()]).toEqual([idB]);
    for (const e of logAll.events) expect(e.object.metadata.uid).toBe(goWorkId(SOURCE_B, e.object.metadata.namespace!, e.object.metadata.name!));
  });

  test("statuses reach only the owning source's watches", async () => {
    const [fromA, fromB, fromAll] = [logA.events.length, logB.events.length, logAll.events.length];
    await agent(ISO).reportStatus(idA, 1);
    await logA.waitFor("MODIFIED", idA, (e) => e.object.status !== undefined, fromA);
    await agent(ISO).reportStatus(idB, 1, { conditions: [{ type: "Applied", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z", reason: "B", message: "b" }] });
    const b = await logB.waitFor("MODIFIED", idB, (e) => e.object.status !== undefined, fromB);
    expect(b.object.status?.conditions?.[0]?.reason).toBe("B");
    expect(b.object.metadata.labels).toEqual({ owner: "b" });
    await logAll.waitFor("MODIFIED", idB, (e) => e.object.status !== undefined, fromAll);
    // A's status was relayed before B's was published: had it reached B's stream, it would be here.
    expect(logB.events.slice(fromB).map((e) => e.object.metadata.uid)).toEqual([idB]);
    expect(logAll.events.slice(fromAll).map((e) => e.object.metadata.uid)).toEqual([idB]);
    expect(logA.events.slice(fromA).map((e) => e.object.metadata.uid)).toEqual([idA]);
    expect((await clientA.works(ISO).get("shared")).status?.conditions?.[0]?.reason).toBe("AppliedManifestWorkComplete");
    expect((await clientB.works(ISO).get("shared")).status?.conditions?.[0]?.reason).toBe("B");
    for (const stop of stops) stop();
  });

  test("no background errors were reported by either client", () => {
    expect(backgroundErrors).toEqual([]);
  });
});
