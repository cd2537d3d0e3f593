// Unit tests of the server's pure parts: spec events for agents and status events for sources
// (golden against Maestro's sample events), resync plans, redelivery interleaving, routing keys,
// and the gRPC error mapping.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readInteger, readString } from "../../src/cloudevents/attributes.ts";
import { cloudEventFromJson, cloudEventToStoredPayload, parseJsonData } from "../../src/cloudevents/json-codec.ts";
import { timestampFromDate } from "../../src/cloudevents/time.ts";
import { Ext, type JsonObject } from "../../src/cloudevents/types.ts";
import { ErrorCode, Errors, GrpcStatus } from "../../src/errors.ts";
import type { SpecRow } from "../../src/store/resource-repository.ts";
import { isDeletedStatus, statusOpOf } from "../../src/server/agent-publish.ts";
import { brokerRoutingKey, sourceRoutingKey } from "../../src/server/grpc-services.ts";
import { PublishContext, grpcFailureOf, inContext, toGrpcFailure } from "../../src/server/grpc-errors.ts";
import { interleaveByCluster } from "../../src/server/redelivery.ts";
import { agentSpecEvent, unknownResourceDeleteEvent } from "../../src/server/spec-events.ts";
import { planSpecResync } from "../../src/server/spec-resync.ts";
import { currentStatusHash } from "../../src/server/status-resync.ts";
import { sourceStatusEvent } from "../../src/server/status-events.ts";
import { catchMaestroError } from "../support/errors.ts";
import { MANIFEST_BUNDLES } from "../support/recorder.ts";

const fixtures = join(import.meta.dir, "..", "..", "..", "shared", "fixtures", "maestro-events");
const load = async (name: string) => (await Bun.file(join(fixtures, name)).json()) as JsonObject;

describe("agent spec events (7.2), golden against Maestro's samples", () => {
  test("the Go client's create becomes the spec event Maestro sends to the agent", async () => {
    const published = cloudEventFromJson(await load("cloudevents.grpcclient.json"));
    const expected = cloudEventFromJson(await load("cloudevents.spec.maestro.json"));
    const createdAt = new Date("2025-12-16T06:00:17Z");
    const id = readString(published, Ext.resourceId);
    const cluster = readString(published, Ext.clusterName);
    const event = agentSpecEvent({ id, consumerName: cluster, version: 1, createdAt, deletedAt: null, event: published }, "create_request", "maestro", timestampFromDate(new Date()));
    expect(event.source).toBe("maestro");
    expect(event.type).toBe(expected.type);
    expect(event.id).toBe(published.id);
    expect(readInteger(event, Ext.resourceVersion)).toBe(1);
    expect(Object.keys(event.extensions).sort()).toEqual(Object.keys(expected.extensions).sort());
    // Maestro's metadata: the source's, renamed to the resource id, with creationTimestamp, keys sorted.
    expect(readString(event, Ext.metadata)).toBe(readString(expected, Ext.metadata));
    expect(parseJsonData(event.data!)).toEqual(parseJsonData(expected.data!));
  });

  test("a deleting resource gets a fresh id and time, deletiontimestamp and deletionTimestamp", async () => {
    const published = cloudEventFromJson(await load("cloudevents.grpcclient.json"));
    const deletedAt = new Date("2026-01-02T03:04:05.678Z");
    const now = timestampFromDate(new Date("2026-01-02T03:04:06Z"));
    const snapshot = { id: "r1", consumerName: "c1", version: 3, createdAt: new Date("2026-01-01T00:00:00Z"), deletedAt, event: published };
    const event = agentSpecEvent(snapshot, "update_request", "maestro", now);
    expect(event.type).toBe(`${MANIFEST_BUNDLES}.spec.delete_request`);
    expect(event.id).not.toBe(published.id);
    expect(event.time).toEqual(now);
    expect(event.extensions[Ext.deletionTimestamp]).toEqual({ kind: "timestamp", value: timestampFromDate(deletedAt) });
    expect(JSON.parse(readString(event, Ext.metadata)).deletionTimestamp).toBe("2026-01-02T03:04:05Z");
    expect(agentSpecEvent(snapshot, "resync_response", "maestro", now).type).toBe(`${MANIFEST_BUNDLES}.spec.resync_response`);
  });

  test("the delete for an id the server lacks carries only id, cluster and deletiontimestamp", () => {
    const now = timestampFromDate(new Date());
    const e = unknownResourceDeleteEvent({ id: "x", version: 4 }, "c1", now);
    expect(e.source).toBe("source");
    expect(Object.keys(e.extensions).sort()).toEqual([Ext.clusterName, Ext.deletionTimestamp, Ext.resourceId].sort());
    expect(e.data).toBeUndefined();
  });

  test("in MQTT mode that delete comes from the source id and echoes the version the agent reported", () => {
    const e = unknownResourceDeleteEvent({ id: "x", version: 4 }, "c1", timestampFromDate(new Date()), { source: "maestro", withVersion: true });
    expect(e.source).toBe("maestro");
    expect(readInteger(e, Ext.resourceVersion)).toBe(4);
    expect(Object.keys(e.extensions).sort()).toEqual([Ext.clusterName, Ext.deletionTimestamp, Ext.resourceId, Ext.resourceVersion].sort());
  });
});

describe("source status events (7.3)", () => {
  test("the agent's status becomes the relayed status with manifestBundle first, as in Maestro's sample", async () => {
    const agentEvent = cloudEventFromJson(await load("cloudevents.agent.json"));
    const spec = await load("cloudevents.spec.maestro.json");
    const relayedSample = await load("cloudevents.status.maestro.json");
    const stored = { ...cloudEventToStoredPayload(agentEvent), metadata: spec.metadata as JsonObject };
    const event = sourceStatusEvent(stored, spec.data);
    const data = parseJsonData(event.data!) as JsonObject;
    expect(Object.keys(data)).toEqual(Object.keys(relayedSample.data as JsonObject));
    expect(data.manifestBundle).toEqual(spec.data);
    expect(event.source).toBe(agentEvent.source);
    expect(event.type).toBe(String(relayedSample.type));
    expect(readString(event, Ext.sequenceId)).toBe(readString(agentEvent, Ext.sequenceId));
    expect(readString(event, Ext.statusHash)).toBe(readString(agentEvent, Ext.statusHash));
    expect(Object.keys(event.extensions).sort()).toEqual(Object.keys(relayedSample).filter((k) => !["specversion", "type", "source", "id", "time", "datacontenttype", "data"].includes(k)).sort());
  });

  test("the server's hash is the agent's statushash verbatim, else sdk-go's hash of the data", async () => {
    const agentEvent = cloudEventFromJson(await load("cloudevents.agent.json"));
    const stored = cloudEventToStoredPayload(agentEvent);
    expect(currentStatusHash(stored)).toBe(readString(agentEvent, Ext.statusHash));
    const { statushash: _dropped, ...withoutHash } = stored;
    expect(currentStatusHash(withoutHash)).toBe(readString(agentEvent, Ext.statusHash));
  });
});

const row = (id: string, version: number, deleting = false, consumerName = "c1"): SpecRow => ({
  id,
  consumerName,
  version,
  createdAt: new Date(),
  deletedAt: deleting ? new Date() : null,
  payload: {},
});

describe("spec resync plan (3.1)", () => {
  test("newer and deleting rows are sent, current ones are not, unknown ids get a delete", () => {
    const rows = [row("same", 2), row("newer", 3), row("deleting", 1, true), row("new", 1)];
    const plan = planSpecResync(rows, new Map([["same", 2], ["newer", 2], ["deleting", 1], ["ghost", 4]]));
    expect(plan.send.map((r) => r.id)).toEqual(["newer", "deleting", "new"]);
    expect(plan.deleteUnknown).toEqual([{ id: "ghost", version: 4 }]);
  });

  test("an empty list sends everything", () => {
    expect(planSpecResync([row("a", 1), row("b", 5)], new Map()).send).toHaveLength(2);
  });
});

describe("redelivery", () => {
  test("creates/updates and deletes alternate per cluster, so deletes never starve creates", () => {
    const deletes = Array.from({ length: 5 }, (_, i) => row(`d${i}`, 1, true));
    const specs = [row("s1", 1), row("s2", 4), row("other", 1, false, "c2")];
    const plan = interleaveByCluster(specs, deletes);
    expect(plan.get("c1")!.map((x) => `${x.row.id}:${x.action}`)).toEqual([
      "s1:create_request", "d0:delete_request", "s2:update_request", "d1:delete_request", "d2:delete_request", "d3:delete_request", "d4:delete_request",
    ]);
    expect(plan.get("c2")!.map((x) => x.row.id)).toEqual(["other"]);
  });
});

describe("broker status decoding", () => {
  test("a sample agent status becomes a writer op; Deleted=True is detected", async () => {
    const agentEvent = cloudEventFromJson(await load("cloudevents.agent.json"));
    const op = statusOpOf(agentEvent, "maestro");
    expect(op).toMatchObject({ kind: "status", id: "55c61e54-a3f6-563d-9fec-b1fe297bdfdb", resourceVersion: 1, sequenceId: 2000808179721572352n, deleted: false });
    expect(isDeletedStatus({ conditions: [{ type: "Deleted", status: "True", reason: "", message: "", lastTransitionTime: "" }] })).toBe(true);
    expect(isDeletedStatus({ conditions: [{ type: "Deleted", status: "False", reason: "", message: "", lastTransitionTime: "" }] })).toBe(false);
    expect(isDeletedStatus({ conditions: null })).toBe(false);
  });

  test("a status from another original source is refused", async () => {
    const agentEvent = cloudEventFromJson(await load("cloudevents.agent.json"));
    expect(grpcFailureOf(tryOrError(() => statusOpOf(agentEvent, "other-source")))).toMatchObject({
      code: GrpcStatus.InvalidArgument,
      details: expect.stringMatching(/^failed to decode status event: maestro-21: the status originalsource "maestro" is not/),
    });
  });
});

describe("routing keys and gRPC errors", () => {
  test("source port: by source; broker: by cluster, manifestbundles only", () => {
    expect(sourceRoutingKey({ source: "s", clusterName: "ignored", dataType: "" })).toBe("s");
    expect(brokerRoutingKey({ source: "", clusterName: "c", dataType: MANIFEST_BUNDLES })).toBe("c");
    expect(catchMaestroError(() => sourceRoutingKey({ source: "", clusterName: "", dataType: "" })).reason).toBe("missing source");
    expect(catchMaestroError(() => brokerRoutingKey({ source: "", clusterName: "", dataType: MANIFEST_BUNDLES })).reason).toBe("missing cluster name");
    expect(catchMaestroError(() => brokerRoutingKey({ source: "", clusterName: "c", dataType: "a.b" })).code).toBe(ErrorCode.Validation);
    expect(catchMaestroError(() => brokerRoutingKey({ source: "", clusterName: "c", dataType: "io.x.v1.things" })).reason).toMatch(/unsupported data type/);
  });

  test("a MaestroError keeps its code and text behind Maestro's context; other errors are Internal", () => {
    expect(toGrpcFailure(Errors.resourceAlreadyExists(), PublishContext.create)).toEqual({
      code: GrpcStatus.AlreadyExists,
      details: "failed to create resource: maestro-6: This Resource already exists",
    });
    expect(grpcFailureOf(inContext(new Error("boom"), PublishContext.status))).toEqual({ code: GrpcStatus.Internal, details: "failed to update resource status: boom" });
    expect(grpcFailureOf(inContext(inContext(Errors.badRequest("x"), "inner"), "outer")).details).toBe("inner: maestro-21: x");
  });
});

function tryOrError(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err;
  }
}
