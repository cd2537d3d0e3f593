// The whole client wired by connectSourceWorkClient against both fakes over real sockets: create
// reaches REST then gRPC, a watch gets status events, and a dropped stream triggers a re-list.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { cloudEventFromJson, cloudEventToJson, encodeCloudEvent, workResourceId } from "../../src/cloudevents/mod.ts";
import { connectSourceWorkClient } from "../../src/client/connect.ts";
import type { ManifestWork } from "../../src/client/manifest-work.ts";
import type { WatchEvent } from "../../src/client/watch-hub.ts";
import type { SourceWorkClient } from "../../src/client/work-client.ts";
import { waitFor } from "../support/wait.ts";
import { FakeRestServer } from "./fake-rest-server.ts";
import { FakeSourceServer } from "./fake-source-server.ts";
import { loadFixture } from "./helpers.ts";

const SOURCE = "mw-client-example";
const NS = "7ff1a8f4-8811-49b4-8c19-9271bc51975e";

let grpcServer: FakeSourceServer;
let restServer: FakeRestServer;
let client: SourceWorkClient | undefined;

beforeEach(async () => {
  grpcServer = new FakeSourceServer();
  await grpcServer.start();
  restServer = new FakeRestServer();
  restServer.start();
});

afterEach(() => {
  client?.close();
  client = undefined;
  grpcServer.stop();
  restServer.stop();
});

function connect() {
  return connectSourceWorkClient({
    sourceId: SOURCE,
    grpcAddress: `127.0.0.1:${grpcServer.port}`,
    restUrl: restServer.url,
    connection: { backoff: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0 } },
  });
}

describe("connectSourceWorkClient", () => {
  test("create: GET over REST (404), then Publish over gRPC", async () => {
    client = await connect();
    expect(grpcServer.streams).toHaveLength(1);
    const work = loadFixture("manifestwork.json") as unknown as ManifestWork;
    await client.works(NS).create(work, { operationId: "op-1" });
    const id = workResourceId(SOURCE, NS, work.metadata.name!);
    expect(restServer.requests.map((r) => `${r.method} ${r.path} ${r.headers.get("x-operation-id")}`)).toEqual([`GET /api/maestro/v1/resource-bundles/${id} op-1`]);
    expect(grpcServer.published.map((e) => cloudEventToJson(e).type)).toEqual(["io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request"]);
  });

  test("watch gets relayed statuses; a dropped stream is resubscribed and the watch re-listed", async () => {
    client = await connect();
    const seen: WatchEvent[] = [];
    await client.works(NS).watch((e) => seen.push(e));
    expect(restServer.requests.map((r) => r.query.search)).toEqual([`source='${SOURCE}' and consumer_name='${NS}'`]);
    grpcServer.last.call.write(Buffer.from(encodeCloudEvent(cloudEventFromJson(loadFixture("cloudevents.status.maestro.json")))));
    await waitFor(() => seen.length === 1, 5000);
    expect(seen[0]!.type).toBe("MODIFIED");
    grpcServer.last.call.end();
    await waitFor(() => restServer.requests.length === 2, 5000);
    expect(grpcServer.streams).toHaveLength(2);
    expect(restServer.requests[1]!.query.search).toBe(`source='${SOURCE}' and (consumer_name='${NS}')`);
  });

  test("no server: rejects after the subscribe timeout and leaves nothing running", async () => {
    const port = grpcServer.port;
    grpcServer.stop();
    const started = Date.now();
    const attempt = connectSourceWorkClient({ sourceId: SOURCE, grpcAddress: `127.0.0.1:${port}`, restUrl: restServer.url, subscribeTimeoutMs: 300 });
    await expect(attempt).rejects.toThrow("was not subscribed within 300 ms");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test("close closes the owned connection", async () => {
    client = await connect();
    client.close();
    await waitFor(() => grpcServer.last.cancelled, 5000);
  });
});
