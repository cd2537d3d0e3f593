// The REST client against the REAL server process, every endpoint once: consumers create / get /
// list / patch / delete and resource bundles list / get / delete, with Maestro's bodies, and
// typed ApiErrors (status, maestro code, reason, operation id) for 400, 403, 404 and 409.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readString, readTime } from "../../src/cloudevents/attributes.ts";
import { Ext } from "../../src/cloudevents/types.ts";
import { connectSourceWorkClient } from "../../src/client/connect.ts";
import { ApiError } from "../../src/client/errors.ts";
import { MaestroRestClient } from "../../src/client/rest-client.ts";
import type { Consumer } from "../../src/client/rest-types.ts";
import type { SourceWorkClient } from "../../src/client/work-client.ts";
import { storeKind } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { RestartableServer } from "../support/restartable-server.ts";
import { FAST_BACKOFF, SimAgent, deploymentWork, goWorkId, specVersion } from "./e2e-support.ts";

const SOURCE = "e2e-rest-source";
const NAME = "rest-cluster";

let server: RestartableServer;
let rest: MaestroRestClient;
let works: SourceWorkClient;
let agent: SimAgent;

beforeAll(async () => {
  server = await RestartableServer.start();
  // Maestro accepts and ignores a bearer token; the client sends it on every call.
  rest = new MaestroRestClient({ baseUrl: `${server.rest}/`, token: "ignored-token", headers: { "X-Test": "rest-e2e" } });
});

afterAll(async () => {
  works?.close();
  agent?.close();
  await server?.close();
});

/** Awaits a promise that must reject with an ApiError and returns it. */
async function apiError(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

describe(`REST client against the real server (${storeKind})`, () => {
  let consumer: Consumer;
  let unnamed: Consumer;
  const bundleId = goWorkId(SOURCE, NAME, "rest-work");

  test("POST /consumers: 201 with Maestro's Consumer body; a missing name becomes the id", async () => {
    consumer = await rest.createConsumer({ name: NAME, labels: { env: "dev" } });
    expect(consumer).toMatchObject({ kind: "Consumer", name: NAME, labels: { env: "dev" }, href: `/api/maestro/v1/consumers/${consumer.id}` });
    expect(consumer.id).toMatch(UUID);
    expect(consumer.created_at).toMatch(RFC3339);
    expect(consumer.updated_at).toMatch(RFC3339);
    unnamed = await rest.createConsumer({});
    expect(unnamed.name).toBe(unnamed.id);
    expect(unnamed.labels).toBeUndefined();
  });

  test("POST /consumers with a taken name: ApiError 409 maestro-6 carrying the operation id", async () => {
    const err = await apiError(rest.createConsumer({ name: NAME }, { operationId: "op-e2e-409" }));
    expect(err.status).toBe(409);
    expect(err.code).toBe("maestro-6");
    expect(err.reason).toBe("This Consumer already exists");
    expect(err.operationId).toBe("op-e2e-409");
    expect(err.body).toMatchObject({ kind: "Error", id: "6", href: "/api/maestro/v1/errors/6" });
    expect(err.method).toBe("POST");
    expect(err.path).toBe("/api/maestro/v1/consumers");
  });

  test("POST /consumers with bad input: ApiError 400 maestro-8", async () => {
    const withId = await apiError(rest.createConsumer({ id: "given" } as never));
    expect([withId.status, withId.code, withId.reason]).toEqual([400, "maestro-8", "id must be empty"]);
    const badName = await apiError(rest.createConsumer({ name: "Bad_Name" }));
    expect(badName.status).toBe(400);
    expect(badName.code).toBe("maestro-8");
  });

  test("GET /consumers/{id}: the consumer; a missing id is ApiError 404 maestro-7", async () => {
    expect(await rest.getConsumer(consumer.id)).toEqual(consumer);
    const err = await apiError(rest.getConsumer("no-such-consumer", { operationId: "op-e2e-404" }));
    expect(err.status).toBe(404);
    expect(err.code).toBe("maestro-7");
    expect(err.reason).toBe("Consumer with id='no-such-consumer' not found");
    expect(err.operationId).toBe("op-e2e-404");
  });

  test("GET /consumers: search, paging and Maestro's list envelope; a bad search is ApiError 400", async () => {
    const found = await rest.listConsumers({ search: `name='${NAME}'` });
    expect(found).toMatchObject({ kind: "ConsumerList", page: 1, size: 1, total: 1 });
    expect(found.items[0]).toEqual(consumer);
    const page2 = await rest.listConsumers({ page: 2, size: 1, orderBy: "name asc" });
    expect(page2).toMatchObject({ kind: "ConsumerList", page: 2, size: 1, total: 2 });
    expect(page2.items[0]?.id).toBe([consumer, unnamed].sort((a, b) => (a.name < b.name ? -1 : 1))[1]!.id);
    const projected = await rest.listConsumers({ search: `name='${NAME}'`, fields: ["name"] });
    expect(projected.items[0]).toEqual({ id: consumer.id, name: NAME } as never);
    const err = await apiError(rest.listConsumers({ search: "name = = 'x'" }));
    expect(err.status).toBe(400);
    expect(err.reason).toContain("Failed to parse search query");
  });

  test("PATCH /consumers/{id}: relabels; {} keeps the labels, {labels:{}} clears them; a missing id is 404", async () => {
    const relabelled = await rest.patchConsumer(consumer.id, { labels: { env: "prod", team: "a" } });
    expect(relabelled.labels).toEqual({ env: "prod", team: "a" });
    expect(relabelled.name).toBe(NAME);
    expect((await rest.patchConsumer(consumer.id, {})).labels).toEqual({ env: "prod", team: "a" });
    expect((await rest.patchConsumer(consumer.id, { labels: {} })).labels).toBeUndefined();
    expect((await rest.getConsumer(consumer.id)).labels).toBeUndefined();
    const err = await apiError(rest.patchConsumer("no-such-consumer", { labels: { a: "b" } }));
    expect([err.status, err.code]).toEqual([404, "maestro-7"]);
  });

  test("a bundle written over gRPC by the work client (no REST create exists)", async () => {
    agent = await SimAgent.connect(server.grpcBroker, NAME);
    works = await connectSourceWorkClient({ sourceId: SOURCE, grpcAddress: server.grpc, restUrl: server.rest, connection: { backoff: FAST_BACKOFF } });
    await works.works(NAME).create(deploymentWork("rest-work", { app: "rest" }));
    await agent.waitForSpec(bundleId, "spec.create_request");
  });

  test("GET /resource-bundles: Maestro's list of the source's bundles, with fields projection", async () => {
    const list = await rest.listResourceBundles({ search: `source='${SOURCE}'`, page: 1, size: 10 });
    expect(list).toMatchObject({ kind: "ResourceBundleList", page: 1, size: 1, total: 1 });
    expect(list.items[0]).toMatchObject({ id: bundleId, name: bundleId, kind: "ResourceBundle", consumer_name: NAME, version: 1 });
    expect(list.items[0]!.manifests).toEqual(deploymentWork("x").spec.workload.manifests);
    expect(list.items[0]!.delete_option).toEqual({ propagationPolicy: "Foreground" });
    expect(list.items[0]!.status).toBeUndefined();
    const none = await rest.listResourceBundles({ search: `source='someone-else'` });
    expect([none.total, none.items]).toEqual([0, []]);
    const projected = await rest.listResourceBundles({ search: `source='${SOURCE}'`, fields: ["version", "consumer_name"] });
    expect(projected.items[0]).toEqual({ id: bundleId, version: 1, consumer_name: NAME } as never);
  });

  test("GET /resource-bundles/{id}: the bundle with its status once the agent reported; a missing id is ApiError 404", async () => {
    const status = await agent.reportStatus(bundleId, 1);
    const rb = await waitFor(async () => {
      const got = await rest.getResourceBundle(bundleId);
      return got.status ? got : undefined;
    });
    expect(rb).toMatchObject({ id: bundleId, href: `/api/maestro/v1/resource-bundles/${bundleId}`, consumer_name: NAME, version: 1 });
    expect(rb.metadata).toMatchObject({ name: "rest-work", namespace: NAME, uid: bundleId, labels: { app: "rest" } });
    expect(rb.status?.ObservedVersion).toBe(1);
    expect(rb.status?.SequenceID).toBe(readString(status, Ext.sequenceId));
    expect(rb.status?.conditions?.[0]?.type).toBe("Applied");
    expect(rb.created_at).toMatch(RFC3339);
    const err = await apiError(rest.getResourceBundle("00000000-0000-0000-0000-000000000000"));
    expect(err.status).toBe(404);
    expect(err.code).toBe("maestro-7");
    expect(err.reason).toBe("Resource with id='00000000-0000-0000-0000-000000000000' not found");
  });

  test("DELETE /consumers/{id} while a bundle references it: ApiError 403 maestro-4", async () => {
    const err = await apiError(rest.deleteConsumer(consumer.id));
    expect(err.status).toBe(403);
    expect(err.code).toBe("maestro-4");
    expect(err.reason).toContain("Unable to delete Consumer");
    expect((await rest.getConsumer(consumer.id)).id).toBe(consumer.id);
  });

  test("DELETE /resource-bundles/{id}: soft delete sent to the agent; Deleted=True removes it; a missing id is a no-op", async () => {
    const mark = agent.mark;
    await rest.deleteResourceBundle(bundleId);
    const del = await agent.waitForSpec(bundleId, "spec.delete_request", mark);
    expect(readTime(del, Ext.deletionTimestamp).seconds).toBeGreaterThan(0);
    expect((await rest.getResourceBundle(bundleId)).deleted_at).toMatch(RFC3339);
    await agent.reportDeleted(bundleId, specVersion(del));
    await waitFor(async () => (await apiError(rest.getResourceBundle(bundleId))).status === 404);
    await rest.deleteResourceBundle(bundleId); // 204 for an absent id too
    expect((await rest.listResourceBundles({ search: `source='${SOURCE}'` })).total).toBe(0);
  });

  test("DELETE /consumers/{id}: 204, then 404; deleting it again is a no-op", async () => {
    await rest.deleteConsumer(consumer.id);
    expect((await apiError(rest.getConsumer(consumer.id))).status).toBe(404);
    await rest.deleteConsumer(consumer.id);
    await rest.deleteConsumer(unnamed.id);
    expect((await rest.listConsumers()).total).toBe(0);
  });

  test("no server at the address: ApiError with status 0", async () => {
    const nowhere = new MaestroRestClient({ baseUrl: "http://127.0.0.1:1", timeoutMs: 2000 });
    const err = await apiError(nowhere.listConsumers());
    expect(err.status).toBe(0);
    expect(err.body).toBeUndefined();
  });
});
