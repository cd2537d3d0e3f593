// Tests of the OCM mapping between protobuf CloudEvent messages and CloudEvents: binary and
// structured modes, Go's quirks, heartbeats, and the name caches.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { attributeKeyCacheMax } from "../../src/limits.ts";
import { HEARTBEAT_EVENT_TYPE } from "../../src/cloudevents/event-type.ts";
import { isUuid } from "../../src/cloudevents/ids.ts";
import { cloudEventToJson, encodeCloudEventJson } from "../../src/cloudevents/json-codec.ts";
import {
  cloudEventFromMessage,
  cloudEventToMessage,
  decodeCloudEvent,
  decodePublishedCloudEvent,
  encodeCloudEvent,
  encodePublishedCloudEvent,
  heartbeatMessage,
  isHeartbeatMessage,
} from "../../src/cloudevents/ocm-binding.ts";
import { decodeCloudEventMessage, type CloudEventMessage, type MessageAttributeValue } from "../../src/cloudevents/proto-codec.ts";
import { encodeCloudEventMessage } from "../../src/cloudevents/proto-encode.ts";
import type { CloudEvent } from "../../src/cloudevents/types.ts";
import { expectMaestroError, utf8 } from "./helpers.ts";
import { PbCloudEvent, pbDecode } from "./protobufjs.ts";

const TYPE = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request";

function sampleEvent(): CloudEvent {
  return {
    specversion: "1.0",
    id: "b1a179c5-537e-4f3f-9c0c-6fbb27eb66f9",
    source: "maestro",
    type: TYPE,
    datacontenttype: "application/json",
    subject: "subj",
    dataschema: "https://example.com/schema",
    time: { seconds: 1765864817, nanos: 771003000 },
    extensions: {
      resourceid: { kind: "string", value: "55c61e54-a3f6-563d-9fec-b1fe297bdfdb" },
      resourceversion: { kind: "integer", value: 1 },
      deletiontimestamp: { kind: "timestamp", value: { seconds: 1728986046, nanos: 582625606 } },
      flag: { kind: "boolean", value: false },
      blob: { kind: "bytes", value: new Uint8Array([1, 2]) },
      link: { kind: "uriRef", value: "/x" },
    },
    data: utf8('{"manifests":[]}'),
  };
}

function message(attributes: [string, MessageAttributeValue][], extra: Partial<CloudEventMessage> = {}): CloudEventMessage {
  return { id: "1", source: "s", specVersion: "1.0", type: TYPE, attributes: new Map(attributes), data: undefined, ...extra };
}

describe("writing (cloudEventToMessage)", () => {
  test("uses contenttype, ce-time, ce-subject, ce-dataschema and ce-<ext>, data in binary_data", () => {
    const msg = cloudEventToMessage(sampleEvent());
    expect([...msg.attributes.keys()]).toEqual([
      "contenttype", "ce-time", "ce-subject", "ce-dataschema",
      "ce-resourceid", "ce-resourceversion", "ce-deletiontimestamp", "ce-flag", "ce-blob", "ce-link",
    ]);
    expect(msg.attributes.get("contenttype")).toEqual({ kind: "string", value: "application/json" });
    expect(msg.attributes.get("ce-time")?.kind).toBe("timestamp");
    expect(msg.attributes.get("ce-dataschema")?.kind).toBe("uri");
    expect(msg.data?.kind).toBe("binary");
    const pb = pbDecode(PbCloudEvent, encodeCloudEvent(sampleEvent())) as Record<string, unknown>;
    expect(pb.data).toBe("binaryData");
    expect(pb.specVersion).toBe("1.0");
  });

  test("rejects integers outside int32 and invalid extension names", () => {
    const big = { ...sampleEvent(), extensions: { resourceversion: { kind: "integer", value: 2 ** 31 } as const } };
    expectMaestroError(() => cloudEventToMessage(big), ErrorCode.BadRequest, "cannot convert 2147483648 to int32");
    const badName = { ...sampleEvent(), extensions: { "resource-id": { kind: "string", value: "x" } as const } };
    expectMaestroError(() => cloudEventToMessage(badName), ErrorCode.BadRequest, "bad extension name");
    const reserved = { ...sampleEvent(), extensions: { time: { kind: "string", value: "x" } as const } };
    expectMaestroError(() => cloudEventToMessage(reserved), ErrorCode.BadRequest, "spec attribute must not be overwritten");
  });

  test("round-trips through bytes to the same event", () => {
    const evt = sampleEvent();
    expect(decodeCloudEvent(encodeCloudEvent(evt))).toEqual(evt);
    expect(decodePublishedCloudEvent(encodePublishedCloudEvent(evt))).toEqual(evt);
  });
});

describe("reading (cloudEventFromMessage)", () => {
  test("an empty attribute map is an unknown encoding, as in Go", () => {
    expectMaestroError(() => cloudEventFromMessage(message([])), ErrorCode.BadRequest, "unknown message encoding");
  });

  test("binary mode maps ce- keys to spec attributes or lower-cased extensions and ignores other keys", () => {
    const evt = cloudEventFromMessage(message([
      ["contenttype", { kind: "string", value: "application/json" }],
      ["ce-time", { kind: "string", value: "2025-12-16T06:00:17.921082037Z" }],
      ["ce-subject", { kind: "string", value: "s1" }],
      ["ce-DataSchema", { kind: "uri", value: "https://e/x" }],
      ["ce-ResourceVersion", { kind: "integer", value: 3 }],
      ["ce-specversion", { kind: "string", value: "1.0" }],
      ["ce-id", { kind: "string", value: "override" }],
      ["other", { kind: "integer", value: 1 }],
      ["CE-upper", { kind: "string", value: "ignored: prefix is case-sensitive" }],
    ], { data: { kind: "binary", value: utf8("{}") } }));
    expect(evt).toEqual({
      specversion: "1.0",
      id: "override",
      source: "s",
      type: TYPE,
      datacontenttype: "application/json",
      time: { seconds: 1765864817, nanos: 921082037 },
      subject: "s1",
      dataschema: "https://e/x",
      extensions: { resourceversion: { kind: "integer", value: 3 } },
      data: utf8("{}"),
    });
  });

  test("only binary_data is data: text_data and proto_data are dropped", () => {
    const attrs: [string, MessageAttributeValue][] = [["ce-a", { kind: "string", value: "b" }]];
    expect(cloudEventFromMessage(message(attrs, { data: { kind: "text", value: "x" } })).data).toBeUndefined();
    expect(cloudEventFromMessage(message(attrs, { data: { kind: "proto", typeUrl: "t", value: new Uint8Array(1) } })).data).toBeUndefined();
  });

  test("structured mode: binary_data holds a JSON CloudEvent", () => {
    const inner = sampleEvent();
    const json = encodeCloudEventJson(inner);
    for (const ct of ["application/cloudevents+json", "Application/CloudEvents+JSON; charset=utf-8"]) {
      const msg = message([["contenttype", { kind: "string", value: ct }]], { id: "", source: "", type: "", specVersion: "", data: { kind: "binary", value: utf8(json) } });
      const got = cloudEventFromMessage(msg);
      expect(cloudEventToJson(got)).toEqual(cloudEventToJson(inner));
    }
    const empty = message([["contenttype", { kind: "string", value: "application/cloudevents+json" }]]);
    expectMaestroError(() => cloudEventFromMessage(empty), ErrorCode.BadRequest, "invalid cloudevent JSON");
  });

  test("the batch format is recognised and refused", () => {
    const msg = message([["contenttype", { kind: "string", value: "application/cloudevents-batch+json" }]], { data: { kind: "binary", value: utf8("[]") } });
    expectMaestroError(() => cloudEventFromMessage(msg), ErrorCode.BadRequest, "batch");
  });

  test("bad values and versions give typed errors", () => {
    const one = (k: string, v: MessageAttributeValue, extra: Partial<CloudEventMessage> = {}) => () => cloudEventFromMessage(message([[k, v]], extra));
    expectMaestroError(one("ce-time", { kind: "integer", value: 1 }), ErrorCode.BadRequest, "cannot convert a integer value to a timestamp");
    expectMaestroError(one("ce-time", { kind: "string", value: "yesterday" }), ErrorCode.BadRequest, "invalid RFC3339");
    expectMaestroError(one("ce-subject", { kind: "boolean", value: true }), ErrorCode.BadRequest, "to string");
    expectMaestroError(one("contenttype", { kind: "integer", value: 1 }), ErrorCode.BadRequest, "to string");
    expectMaestroError(one("ce-x", { kind: "unset" }), ErrorCode.BadRequest, "unsupported attribute type");
    expectMaestroError(one("ce-bad_name", { kind: "string", value: "v" }), ErrorCode.BadRequest, "bad extension name");
    expectMaestroError(one("ce-", { kind: "string", value: "v" }), ErrorCode.BadRequest, "bad extension name");
    expectMaestroError(one("ce-a", { kind: "string", value: "v" }, { specVersion: "" }), ErrorCode.BadRequest, "spec_version is empty");
    expectMaestroError(one("ce-a", { kind: "string", value: "v" }, { specVersion: "0.3" }), ErrorCode.BadRequest, "unsupported spec_version");
    expectMaestroError(one("ce-a", { kind: "string", value: "v" }, { id: "" }), ErrorCode.BadRequest, "missing required attribute id");
    expectMaestroError(one("ce-a", { kind: "string", value: "v" }, { source: "" }), ErrorCode.BadRequest, "missing required attribute source");
    expectMaestroError(one("ce-a", { kind: "string", value: "v" }, { type: "" }), ErrorCode.BadRequest, "missing required attribute type");
  });

  test("many distinct keys only reset the name caches; mapping stays right", () => {
    const n = attributeKeyCacheMax + 100;
    const attrs: [string, MessageAttributeValue][] = [];
    for (let i = 0; i < n; i++) attrs.push([`ce-x${i}`, { kind: "integer", value: i }]);
    const evt = cloudEventFromMessage(message(attrs));
    expect(Object.keys(evt.extensions)).toHaveLength(n);
    expect(evt.extensions[`x${n - 1}`]).toEqual({ kind: "integer", value: n - 1 });
    const back = cloudEventToMessage(evt);
    expect(back.attributes.get("ce-x0")).toEqual({ kind: "integer", value: 0 });
    expect(cloudEventFromMessage(back).extensions).toEqual(evt.extensions);
  });

  test("a PublishRequest without an event is refused", () => {
    expectMaestroError(() => decodePublishedCloudEvent(new Uint8Array(0)), ErrorCode.BadRequest, "no event");
  });
});

describe("heartbeat", () => {
  test("has spec_version, a uuid v4 id and the heartbeat type, nothing else", () => {
    const hb = heartbeatMessage();
    expect(isUuid(hb.id)).toBe(true);
    expect(isHeartbeatMessage(hb)).toBe(true);
    const bytes = encodeCloudEventMessage(hb);
    expect(pbDecode(PbCloudEvent, bytes)).toEqual({ id: hb.id, specVersion: "1.0", type: HEARTBEAT_EVENT_TYPE });
    const back = decodeCloudEventMessage(bytes);
    expect(back).toEqual(hb);
    expect(isHeartbeatMessage(back)).toBe(true);
    expectMaestroError(() => cloudEventFromMessage(back), ErrorCode.BadRequest, "unknown message encoding");
    expect(heartbeatMessage("fixed").id).toBe("fixed");
  });
});
