// Golden tests of the ManifestWork conversions against Maestro's own samples: a create through
// the work client gives cloudevents.grpcclient.json, a relayed status gives the watched work.

import { describe, expect, test } from "bun:test";
import {
  cloudEventFromJson,
  cloudEventToJson,
  decodePublishedCloudEvent,
  encodePublishedCloudEvent,
  workResourceId,
  type JsonObject,
} from "../../src/cloudevents/mod.ts";
import {
  isWorkDeleted,
  isWorkStatusEvent,
  manifestWorkFromResourceBundle,
  manifestWorkFromStatusEvent,
  manifestWorkStatusHash,
  manifestWorkToSpecEvent,
  SEQUENCE_ID_ANNOTATION,
  specResourceVersion,
  publishedResourceVersion,
  type ManifestWork,
} from "../../src/client/manifest-work.ts";
import type { ResourceBundle } from "../../src/client/rest-types.ts";
import { SourceConnection } from "../../src/client/source-connection.ts";
import { SourceWorkClient } from "../../src/client/work-client.ts";
import { FakeRest, FakeTransport, loadFixture } from "./helpers.ts";

const SOURCE = "mw-client-example";
const NAMESPACE = "7ff1a8f4-8811-49b4-8c19-9271bc51975e";
const RESOURCE_ID = "55c61e54-a3f6-563d-9fec-b1fe297bdfdb";

const work = loadFixture("manifestwork.json") as unknown as ManifestWork;
const watched = loadFixture("manifestwork.watched.json") as unknown as ManifestWork;
const grpcClientEvent = loadFixture("cloudevents.grpcclient.json");
const statusEvent = cloudEventFromJson(loadFixture("cloudevents.status.maestro.json"));

function withoutIdAndTime(json: JsonObject): JsonObject {
  const { id: _id, time: _time, ...rest } = json;
  return rest;
}

/** A bundle as our REST API presents the resource the create above makes, after one status. */
function watchedBundle(): ResourceBundle {
  const spec = watched.spec;
  return {
    consumer_name: NAMESPACE,
    created_at: "2025-12-16T06:00:17.123456Z",
    delete_option: {},
    href: `/api/maestro/v1/resource-bundles/${RESOURCE_ID}`,
    id: RESOURCE_ID,
    kind: "ResourceBundle",
    manifest_configs: spec.manifestConfigs as unknown as JsonObject[],
    manifests: spec.workload.manifests,
    metadata: {
      name: work.metadata.name!,
      namespace: NAMESPACE,
      uid: RESOURCE_ID,
      resourceVersion: "0",
      labels: work.metadata.labels!,
      creationTimestamp: "2025-12-16T06:00:17Z",
    },
    name: RESOURCE_ID,
    status: {
      ObservedVersion: 1,
      SequenceID: "2000808179729960960",
      conditions: watched.status!.conditions!,
      resourceStatus: watched.status!.resourceStatus!.manifests!,
    },
    updated_at: "2025-12-16T06:00:17.923752Z",
    version: 1,
  };
}

describe("create of manifestwork.json (golden: cloudevents.grpcclient.json)", () => {
  test("the work client publishes the Go client's event, apart from id and time", async () => {
    const transport = new FakeTransport();
    const rest = new FakeRest();
    const connection = new SourceConnection({ sourceId: SOURCE, transport });
    const client = new SourceWorkClient({ sourceId: SOURCE, connection, rest });
    const created = await client.works(NAMESPACE).create(work);

    expect(rest.calls).toEqual([`GET ${RESOURCE_ID}`]);
    expect(transport.published).toHaveLength(1);
    const event = transport.published[0]!;
    expect(withoutIdAndTime(cloudEventToJson(event))).toEqual(withoutIdAndTime(grpcClientEvent as JsonObject));
    // Key order of the data and the metadata string are Go's, byte for byte.
    expect(new TextDecoder().decode(event.data)).toBe(JSON.stringify(grpcClientEvent.data));
    expect(event.extensions.metadata).toEqual({ kind: "string", value: grpcClientEvent.metadata as string });
    expect(event.extensions.resourceversion).toEqual({ kind: "integer", value: 0 });
    // It survives the protobuf binding unchanged.
    expect(decodePublishedCloudEvent(encodePublishedCloudEvent(event))).toEqual(event);
    expect(created.metadata).toMatchObject({ uid: RESOURCE_ID, namespace: NAMESPACE, resourceVersion: "0" });
    client.close();
  });

  test("the resource id is the Go client's UUIDv5", () => {
    expect(workResourceId(SOURCE, NAMESPACE, work.metadata.name!)).toBe(RESOURCE_ID);
  });
});

describe("status event -> ManifestWork (golden: cloudevents.status.maestro.json -> manifestwork.watched.json)", () => {
  const decoded = manifestWorkFromStatusEvent(statusEvent);

  test("it is a relayed status event", () => {
    expect(isWorkStatusEvent(statusEvent)).toBe(true);
    expect(isWorkDeleted(decoded)).toBe(false);
  });

  test("conditions equal the watched work's", () => {
    expect(decoded.status!.conditions).toEqual(watched.status!.conditions!);
  });

  test("resource status equals the watched work's except the feedback value, which the samples took at different times", () => {
    const strip = (m: unknown) => JSON.parse(JSON.stringify(m).replace(/"jsonRaw":"(?:[^"\\]|\\.)*"/g, '"jsonRaw":""')) as unknown;
    expect(strip(decoded.status!.resourceStatus)).toEqual(strip(watched.status!.resourceStatus));
    const raw = decoded.status!.resourceStatus!.manifests![0]!.statusFeedback.values![0]!.fieldValue.jsonRaw!;
    expect(JSON.parse(raw).conditions[0].reason).toBe("FoundNewReplicaSet");
  });

  test("spec is rebuilt from the relayed manifestBundle", () => {
    expect(decoded.spec).toEqual(watched.spec);
  });

  test("metadata follows sdk-go's codec: uid, resourceVersion and sequence id from the extensions", () => {
    // The sample's metadata names the work by its resource id (Maestro sent it to the agent that way).
    expect(decoded.metadata).toEqual({
      name: RESOURCE_ID,
      namespace: NAMESPACE,
      uid: RESOURCE_ID,
      resourceVersion: "1",
      creationTimestamp: "2025-12-16T06:00:17Z",
      labels: watched.metadata.labels!,
      annotations: { [SEQUENCE_ID_ANNOTATION]: "2000808179729960960" },
    });
  });

  test("the decoded status hashes to the sample's statushash", () => {
    expect(manifestWorkStatusHash(decoded)).toBe(statusEvent.extensions.statushash!.value as string);
  });

  test("a Deleted=True condition marks the work deleted", () => {
    const deleted = structuredClone(decoded);
    deleted.status!.conditions!.push({ type: "Deleted", status: "True", lastTransitionTime: "2025-12-16T06:01:00Z", reason: "ManifestsDeleted", message: "" });
    expect(isWorkDeleted(deleted)).toBe(true);
  });
});

describe("ResourceBundle -> ManifestWork (Go ToManifestWork)", () => {
  test("the bundle of the watched resource converts to manifestwork.watched.json", () => {
    const converted = manifestWorkFromResourceBundle(watchedBundle());
    const { apiVersion, kind, ...rest } = converted;
    expect(apiVersion).toBe("work.open-cluster-management.io/v1");
    expect(kind).toBe("ManifestWork");
    expect(rest).toEqual(watched as never);
  });

  test("empty delete option, no status: Go's 'has empty fields' case", () => {
    const rb = { ...watchedBundle(), metadata: { name: "test", namespace: "testns" }, manifests: [{ a: "b" }], manifest_configs: [] };
    delete (rb as Partial<ResourceBundle>).status;
    const converted = manifestWorkFromResourceBundle(rb);
    expect(converted.metadata).toEqual({ name: "test", namespace: "testns", resourceVersion: "1", generation: 1 });
    expect(converted.spec).toEqual({ workload: { manifests: [{ a: "b" }] }, manifestConfigs: [] });
    expect(converted.status).toBeUndefined();
  });

  test("delete option and a bare condition", () => {
    const rb = {
      ...watchedBundle(),
      delete_option: { propagationPolicy: "Foreground" },
      status: { conditions: [{ type: "Test" }] } as unknown as ResourceBundle["status"],
    };
    const converted = manifestWorkFromResourceBundle(rb);
    expect(converted.spec.deleteOption).toEqual({ propagationPolicy: "Foreground" });
    expect(converted.status).toEqual({ conditions: [{ type: "Test" }] as never, resourceStatus: {} });
  });

  test("malformed metadata is a TypeError", () => {
    expect(() => manifestWorkFromResourceBundle({ ...watchedBundle(), metadata: { labels: "x" } })).toThrow(TypeError);
  });
});

describe("spec events for updates and deletes", () => {
  const current = manifestWorkFromResourceBundle(watchedBundle());

  test("an update carries the current version as resourceversion and Go's metadata JSON", () => {
    const event = manifestWorkToSpecEvent(current, { sourceId: SOURCE, action: "update_request" });
    expect(event.type).toEndWith(".spec.update_request");
    expect(event.extensions.resourceversion).toEqual({ kind: "integer", value: 1 });
    expect(event.extensions.metadata!.value).toBe(
      `{"name":"e44ec579-9646-549a-b679-db8d19d6da37","namespace":"${NAMESPACE}","uid":"${RESOURCE_ID}","resourceVersion":"1",` +
        `"generation":1,"creationTimestamp":"2025-12-16T06:00:17Z","labels":{"maestro.resource.type":"2d18a7dc-c731-5753-8aa9-6b2f22e3b12b"}}`,
    );
    expect(event.datacontenttype).toBe("application/json");
  });

  test("a delete has no data, a deletiontimestamp with nanos and the deletion time in its metadata", () => {
    const at = { seconds: 1765864877, nanos: 123456789 };
    const event = manifestWorkToSpecEvent(current, { sourceId: SOURCE, action: "delete_request", deletionTimestamp: at });
    expect(event.data).toBeUndefined();
    expect(event.datacontenttype).toBeUndefined();
    expect(event.extensions.deletiontimestamp).toEqual({ kind: "timestamp", value: at });
    expect(event.extensions.metadata!.value).toContain(`"creationTimestamp":"2025-12-16T06:00:17Z","deletionTimestamp":"2025-12-16T06:01:17Z"`);
    expect(decodePublishedCloudEvent(encodePublishedCloudEvent(event))).toEqual(event);
  });

  test("versions: generation first, then resourceVersion; the annotation overrides what is published", () => {
    expect(specResourceVersion({ metadata: { generation: 3, resourceVersion: "1" }, spec: current.spec })).toBe(3);
    expect(specResourceVersion({ metadata: { resourceVersion: "7" }, spec: current.spec })).toBe(7);
    expect(() => specResourceVersion({ metadata: { resourceVersion: "x" }, spec: current.spec })).toThrow("failed to convert resource version x to int");
    const annotated = { metadata: { resourceVersion: "2", annotations: { "cloudevents.open-cluster-management.io/resourceversion": "5" } }, spec: current.spec };
    expect(publishedResourceVersion(annotated)).toBe("5");
    expect(publishedResourceVersion({ metadata: {}, spec: current.spec })).toBe("0");
  });

  test("logging annotations travel in logtracing; HTML characters are escaped as Go does", () => {
    const w = structuredClone(current);
    w.metadata.annotations = { "logging.open-cluster-management.io/op-id": "a<b", other: "x" };
    const event = manifestWorkToSpecEvent(w, { sourceId: SOURCE, action: "update_request" });
    expect(event.extensions.logtracing!.value).toBe(`{"logging.open-cluster-management.io/op-id":"a\\u003cb"}`);
    expect(event.extensions.metadata!.value).toContain(`"annotations":{"logging.open-cluster-management.io/op-id":"a\\u003cb","other":"x"}`);
  });
});
