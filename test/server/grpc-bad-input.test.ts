// Bad input on both gRPC ports of the real server: each is a clear gRPC error (code and text),
// nothing is written, and the server keeps serving a well-behaved source and agent meanwhile.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { integerAttr, readOptionalString, stringAttr } from "../../src/cloudevents/attributes.ts";
import { encodeCloudEventMessage, encodePublishRequest, encodeSubscriptionRequest } from "../../src/cloudevents/proto-encode.ts";
import { cloudEventToMessage } from "../../src/cloudevents/ocm-binding.ts";
import { Ext, type CloudEvent, type JsonObject } from "../../src/cloudevents/types.ts";
import { CloudEventClient, type GrpcCallError } from "../../src/transport/grpc/client.ts";
import { storeKind } from "../support/database.ts";
import { agentStatusEvent, appliedStatus, deploymentBundle, nextSequenceId, sourceSpecEvent } from "../support/events.ts";
import { MANIFEST_BUNDLES, Recorder } from "../support/recorder.ts";
import { startIsolatedServer, type IsolatedServer } from "../support/server-process.ts";
import { waitFor } from "../support/wait.ts";

let server: IsolatedServer;
let source: CloudEventClient;
let broker: CloudEventClient;
const cluster = "bad-input-cluster";
const other = "bad-input-other";
const goodId = crypto.randomUUID();

const encoder = new TextEncoder();
const status = { InvalidArgument: 3, NotFound: 5, FailedPrecondition: 9, ResourceExhausted: 8 } as const;

beforeAll(async () => {
  server = await startIsolatedServer();
  source = new CloudEventClient(server.grpc);
  broker = new CloudEventClient(server.grpcBroker);
  for (const name of [cluster, other]) {
    expect((await fetch(`${server.rest}/api/maestro/v1/consumers`, { method: "POST", body: JSON.stringify({ name }) })).status).toBe(201);
  }
  await source.publish(sourceSpecEvent({ action: "create_request", source: "bad-src", cluster, id: goodId, version: 0 }));
});
afterAll(async () => {
  if (server?.proc.exitCode !== null) console.error(`server exited early:\n${server?.logs.join("\n")}`);
  source?.close();
  broker?.close();
  await server?.dispose();
});

async function rowCount(): Promise<number> {
  const res = await fetch(`${server.rest}/api/maestro/v1/resource-bundles?size=0`);
  return ((await res.json()) as { total: number }).total;
}

async function storedStatus(): Promise<JsonObject | undefined> {
  const res = await fetch(`${server.rest}/api/maestro/v1/resource-bundles/${goodId}`);
  return ((await res.json()) as { status?: JsonObject }).status;
}

async function expectRejected(promise: Promise<unknown>, code: number, details: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as GrpcCallError,
  );
  expect(err).toBeDefined();
  expect({ code: err!.code, details: err!.details }).toMatchObject({ code, details: expect.stringMatching(details) });
}

function withExtensions(event: CloudEvent, changes: Record<string, CloudEvent["extensions"][string] | undefined>): CloudEvent {
  const extensions = { ...event.extensions };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete extensions[k];
    else extensions[k] = v;
  }
  return { ...event, extensions };
}

const spec = (over: Partial<Parameters<typeof sourceSpecEvent>[0]> = {}) =>
  sourceSpecEvent({ action: "create_request", source: "bad-src", cluster, id: crypto.randomUUID(), version: 0, ...over });

describe(`bad input on the source port (${storeKind})`, () => {
  const cases: [string, () => Promise<unknown>, number, RegExp][] = [
    ["bytes that are not protobuf", () => source.publishBytes(Buffer.from([0xff, 0xff, 0xff, 0x0f, 0x01])), status.InvalidArgument, /^failed to convert protobuf to cloudevent: /],
    ["a PublishRequest without an event", () => source.publishBytes(Buffer.alloc(0)), status.InvalidArgument, /failed to convert protobuf to cloudevent/],
    [
      "a CloudEvent without attributes",
      () => source.publishBytes(Buffer.from(encodePublishRequest({ event: { ...cloudEventToMessage(spec()), attributes: new Map() } }))),
      status.InvalidArgument,
      /failed to convert protobuf to cloudevent: .*encoding/,
    ],
    ["an unknown type string", () => source.publish({ ...spec(), type: "io.example.things.v1.widgets.spec.create_request" }), status.InvalidArgument, /unsupported data type/],
    ["a malformed type string", () => source.publish({ ...spec(), type: "create" }), status.InvalidArgument, /failed to convert protobuf to cloudevent/],
    ["an unknown action", () => source.publish({ ...spec(), type: `${MANIFEST_BUNDLES}.spec.explode_request` }), status.InvalidArgument, /explode_request/],
    ["a status update on the source port", () => source.publish({ ...spec(), type: `${MANIFEST_BUNDLES}.status.update_request` }), status.InvalidArgument, /source port/],
    ["no clustername", () => source.publish(withExtensions(spec(), { [Ext.clusterName]: undefined })), status.InvalidArgument, /^failed to decode spec event: .*clustername/],
    ["no resourceid", () => source.publish(withExtensions(spec(), { [Ext.resourceId]: undefined })), status.InvalidArgument, /resourceid/],
    ["no resourceversion (also required for delete)", () => source.publish(withExtensions(spec({ action: "delete_request" }), { [Ext.resourceVersion]: undefined })), status.InvalidArgument, /resourceversion/],
    ["a non-numeric resourceversion", () => source.publish(withExtensions(spec(), { [Ext.resourceVersion]: stringAttr("three") })), status.InvalidArgument, /resourceversion/],
    ["a negative resourceversion", () => source.publish(withExtensions(spec(), { [Ext.resourceVersion]: integerAttr(-1) })), status.InvalidArgument, /negative/],
    ["metadata that is not JSON", () => source.publish(withExtensions(spec(), { [Ext.metadata]: stringAttr("{nope") })), status.InvalidArgument, /metadata/],
    ["a manifest without kind", () => source.publish(spec({ bundle: { manifests: [{ apiVersion: "v1", metadata: { name: "x" } }] } })), status.InvalidArgument, /kind: Required value/],
    ["a manifest with a forbidden field", () => source.publish(spec({ bundle: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", resourceVersion: "5" } }] } })), status.InvalidArgument, /resourceVersion: Forbidden/],
    [
      "duplicate manifests",
      () => source.publish(spec({ bundle: { manifests: [deploymentBundle().manifests[0]!, deploymentBundle().manifests[0]!] } })),
      status.InvalidArgument,
      /duplicate manifest/,
    ],
    ["data that is not a bundle", () => source.publish({ ...spec(), data: encoder.encode("[1,2]") }), status.InvalidArgument, /manifest bundle must be a JSON object/],
    ["a create without data", () => source.publish({ ...spec(), data: undefined }), status.InvalidArgument, /no data/],
    ["a consumer that does not exist", () => source.publish(spec({ cluster: "no-such-cluster" })), status.NotFound, /^failed to create resource: maestro-7: Consumer with name='no-such-cluster' not found$/],
    ["an update of a resource that does not exist", () => source.publish(spec({ action: "update_request", version: 1 })), status.NotFound, /^failed to update resource: maestro-7: Resource with id='.*' not found$/],
    ["a create of an id that exists", () => source.publish(spec({ id: goodId })), 6, /^failed to create resource: maestro-6: This Resource already exists$/],
    [
      "a message above 4 MiB",
      () => source.publish(spec({ bundle: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { x: "y".repeat(5 << 20) } }] } })),
      status.ResourceExhausted,
      /larger than max/,
    ],
    ["a status resync without data", () => source.publish({ ...spec(), type: `${MANIFEST_BUNDLES}.status.resync_request`, data: undefined }), status.InvalidArgument, /resync/],
  ];
  for (const [what, send, code, details] of cases) {
    test(`${what}: code ${code}, nothing written`, async () => {
      const before = await rowCount();
      await expectRejected(send(), code, details);
      expect(await rowCount()).toBe(before);
    });
  }
});

describe(`bad input on the broker port (${storeKind})`, () => {
  const status1 = () => agentStatusEvent({ cluster, id: goodId, version: 1, status: appliedStatus({ generation: 1 }) });
  const cases: [string, () => Promise<unknown>, number, RegExp][] = [
    ["bytes that are not protobuf", () => broker.publishBytes(Buffer.from("hello, world")), status.InvalidArgument, /failed to convert protobuf to cloudevent/],
    ["a status for another cluster", () => broker.publish(agentStatusEvent({ cluster: other, id: goodId, version: 1, status: appliedStatus({ generation: 1 }) })), status.InvalidArgument, /unmatched consumer name bad-input-other/],
    ["a status from another original source", () => broker.publish(withExtensions(status1(), { [Ext.originalSource]: stringAttr("someone-else") })), status.InvalidArgument, /originalsource/],
    ["a status without sequenceid", () => broker.publish(withExtensions(status1(), { [Ext.sequenceId]: undefined })), status.InvalidArgument, /sequenceid/],
    ["a non-numeric sequenceid", () => broker.publish(withExtensions(status1(), { [Ext.sequenceId]: stringAttr("abc") })), status.InvalidArgument, /sequence/],
    ["status data that is not a status", () => broker.publish({ ...status1(), data: encoder.encode('{"conditions":"yes"}') }), status.InvalidArgument, /conditions/],
    ["a spec create on the broker port", () => broker.publish(spec()), status.InvalidArgument, /broker port/],
    ["a spec resync without clustername", () => broker.publish({ ...spec(), type: `${MANIFEST_BUNDLES}.spec.resync_request`, extensions: {} }), status.InvalidArgument, /clustername/],
  ];
  for (const [what, send, code, details] of cases) {
    test(`${what}: code ${code}, nothing stored`, async () => {
      const before = await storedStatus();
      await expectRejected(send(), code, details);
      expect(await storedStatus()).toEqual(before);
    });
  }

  test("an older sequence id is FailedPrecondition; the same one again is accepted as a no-op", async () => {
    const older = nextSequenceId();
    const newer = nextSequenceId();
    await broker.publish(agentStatusEvent({ cluster, id: goodId, version: 1, status: appliedStatus({ generation: 1, replicas: 2 }), sequenceId: newer }));
    const stored = await storedStatus();
    expect(stored?.SequenceID).toBe(String(newer));
    await expectRejected(
      broker.publish(agentStatusEvent({ cluster, id: goodId, version: 1, status: appliedStatus({ generation: 1, replicas: 3 }), sequenceId: older })),
      status.FailedPrecondition,
      /is older than the stored/,
    );
    await broker.publish(agentStatusEvent({ cluster, id: goodId, version: 1, status: appliedStatus({ generation: 1, replicas: 2 }), sequenceId: newer }));
    expect(await storedStatus()).toEqual(stored);
  });

  test("a status from another snowflake node than the stored one is FailedPrecondition", async () => {
    const otherNode = (BigInt(Date.now() - 1288834974657) << 22n) | (7n << 12n);
    await expectRejected(
      broker.publish(agentStatusEvent({ cluster, id: goodId, version: 1, status: appliedStatus({ generation: 1 }), sequenceId: otherNode })),
      status.FailedPrecondition,
      /not from the same node/,
    );
  });

  test("a status for a resource that does not exist is accepted and ignored, as in Maestro", async () => {
    await broker.publish(agentStatusEvent({ cluster, id: crypto.randomUUID(), version: 1, status: appliedStatus({ generation: 1 }) }));
  });
});

describe(`bad subscriptions (${storeKind})`, () => {
  const ended = (client: CloudEventClient, bytes: Buffer) =>
    new Promise<GrpcCallError | undefined>((resolve) => {
      client.subscribeBytes(bytes, { onEnd: resolve });
    });

  test("the broker refuses an empty cluster_name with Maestro's text", async () => {
    const err = await ended(broker, Buffer.from(encodeSubscriptionRequest({ source: "", clusterName: "", dataType: MANIFEST_BUNDLES })));
    expect(err?.code).toBe(status.InvalidArgument);
    expect(err?.details).toBe("invalid subscription request: maestro-21: missing cluster name");
  });

  test("the broker refuses a malformed data type; the source port refuses an empty source", async () => {
    const bad = await ended(broker, Buffer.from(encodeSubscriptionRequest({ source: "", clusterName: cluster, dataType: "nope" })));
    expect(bad?.code).toBe(status.InvalidArgument);
    const noSource = await ended(source, Buffer.from(encodeSubscriptionRequest({ source: "", clusterName: "", dataType: MANIFEST_BUNDLES })));
    expect(noSource?.code).toBe(status.InvalidArgument);
    const garbage = await ended(source, Buffer.from([0x0a, 0xff]));
    expect(garbage?.code).toBe(status.InvalidArgument);
  });
});

describe(`the server keeps serving (${storeKind})`, () => {
  test("a good source and agent still work after all of the above", async () => {
    const agent = await Recorder.agent(broker, cluster);
    const id = crypto.randomUUID();
    await source.publish(spec({ id }));
    await agent.waitFor((e) => readOptionalString(e, Ext.resourceId) === id);
    agent.cancel();
    await waitFor(async () => (await fetch(`${server.health}/healthcheck`)).ok);
  });
});
