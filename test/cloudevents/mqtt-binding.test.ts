// Tests of the CloudEvents MQTT v5 binding: golden round trips (equal to the gRPC binding's
// result), Go's string formats, structured mode, every bad input's error, and the topic helpers.

import { describe, expect, test } from "bun:test";
import { cloudEventFromJson, encodeCloudEventJson } from "../../src/cloudevents/json-codec.ts";
import {
  AGENT_BROADCAST_TOPIC_PATTERN,
  AGENT_EVENTS_TOPIC_PATTERN,
  checkAgentEventsSource,
  consumerTopic,
  decodeMqttMessage,
  encodeMqttMessage,
  EVENTS_TOPIC_PATTERN,
  eventsTopicSource,
  SOURCE_BROADCAST_TOPIC_PATTERN,
  SOURCE_EVENTS_TOPIC_PATTERN,
  topicConsumer,
  unsharedTopic,
  type MqttEventMessage,
} from "../../src/cloudevents/mqtt-binding.ts";
import { decodeCloudEvent, encodeCloudEvent } from "../../src/cloudevents/ocm-binding.ts";
import { parseTimestamp } from "../../src/cloudevents/time.ts";
import { Ext, type CloudEvent } from "../../src/cloudevents/types.ts";
import { ErrorCode } from "../../src/errors.ts";
import { cloudEventFixtures, expectMaestroError, utf8 } from "./helpers.ts";

const TYPE = "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request";

/** A fixture as Go producers hold it in memory: `deletiontimestamp` a time, not a string. */
function inMemory(json: Record<string, unknown>): CloudEvent {
  const evt = cloudEventFromJson(json);
  const deletion = evt.extensions[Ext.deletionTimestamp];
  if (deletion?.kind !== "string") return evt;
  return { ...evt, extensions: { ...evt.extensions, [Ext.deletionTimestamp]: { kind: "timestamp", value: parseTimestamp(deletion.value) } } };
}

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
      clustername: { kind: "string", value: "cluster1" },
      deletiontimestamp: { kind: "timestamp", value: { seconds: 1728986046, nanos: 582625606 } },
    },
    data: utf8('{"manifests":[]}'),
  };
}

/** A binary-mode message with the required properties plus `extra` (undefined removes a key). */
function binary(extra: Record<string, string | string[] | undefined> = {}, payload = utf8("{}")): MqttEventMessage {
  const props: Record<string, string | string[]> = { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "maestro", "ce-type": TYPE };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete props[k];
    else props[k] = v;
  }
  return { payload, contentType: "application/json", userProperties: props };
}

describe("golden fixtures through MQTT", () => {
  const fixtures = cloudEventFixtures();
  test("there are fixtures to check", () => expect(fixtures.length).toBeGreaterThanOrEqual(8));

  for (const [file, json] of fixtures) {
    test(`${file}: MQTT round trip equals the event and the gRPC binding's decode`, () => {
      const evt = inMemory(json);
      const msg = encodeMqttMessage(evt);
      const fromMqtt = decodeMqttMessage(msg);
      expect(fromMqtt).toEqual(evt);
      expect(fromMqtt).toEqual(decodeCloudEvent(encodeCloudEvent(evt)));
    });

    test(`${file}: user properties are exactly ce-* strings in Go's formats`, () => {
      const evt = inMemory(json);
      const msg = encodeMqttMessage(evt);
      expect(msg.contentType).toBe(json.datacontenttype as string);
      for (const [key, value] of Object.entries(msg.userProperties)) {
        expect(key.startsWith("ce-")).toBe(true);
        expect(typeof value).toBe("string");
      }
      expect(msg.userProperties["ce-datacontenttype"]).toBeUndefined();
      expect(msg.userProperties["ce-specversion"]).toBe("1.0");
      expect(msg.userProperties["ce-id"]).toBe(json.id as string);
      if (json.time !== undefined) expect(msg.userProperties["ce-time"]).toBe(json.time as string);
      if (json.resourceversion !== undefined) expect(msg.userProperties["ce-resourceversion"]).toBe(String(json.resourceversion));
      if (json.deletiontimestamp !== undefined) expect(msg.userProperties["ce-deletiontimestamp"]).toBe(json.deletiontimestamp as string);
      if (json.metadata !== undefined) expect(msg.userProperties["ce-metadata"]).toBe(json.metadata as string);
      expect(msg.payload).toEqual(evt.data ?? new Uint8Array(0));
    });

    test(`${file}: structured mode (application/cloudevents+json) decodes like the JSON codec`, () => {
      const msg = { payload: utf8(JSON.stringify(json)), contentType: "application/cloudevents+json" };
      expect(decodeMqttMessage(msg)).toEqual(cloudEventFromJson(json));
    });
  }
});

describe("encodeMqttMessage", () => {
  test("formats every attribute kind as Go's types.Format does", () => {
    const evt: CloudEvent = {
      ...sampleEvent(),
      extensions: {
        flag: { kind: "boolean", value: false },
        count: { kind: "integer", value: -7 },
        blob: { kind: "bytes", value: new Uint8Array([1, 2, 3]) },
        link: { kind: "uri", value: "https://example.com/x" },
        ref: { kind: "uriRef", value: "/x" },
        at: { kind: "timestamp", value: { seconds: 0, nanos: 5000 } },
      },
    };
    const props = encodeMqttMessage(evt).userProperties;
    expect(props).toEqual({
      "ce-specversion": "1.0",
      "ce-id": evt.id,
      "ce-source": "maestro",
      "ce-type": TYPE,
      "ce-subject": "subj",
      "ce-dataschema": "https://example.com/schema",
      "ce-time": "2025-12-16T06:00:17.771003Z",
      "ce-flag": "false",
      "ce-count": "-7",
      "ce-blob": "AQID",
      "ce-link": "https://example.com/x",
      "ce-ref": "/x",
      "ce-at": "1970-01-01T00:00:00.000005Z",
    });
  });

  test("an event without data or content type has an empty payload and no Content Type", () => {
    const { data: _data, datacontenttype: _ct, ...rest } = sampleEvent();
    const msg = encodeMqttMessage(rest);
    expect(msg.payload.byteLength).toBe(0);
    expect(msg.contentType).toBeUndefined();
    expect(decodeMqttMessage(msg)).toEqual(rest);
  });

  test("refuses what Go's writer refuses", () => {
    expectMaestroError(() => encodeMqttMessage({ ...sampleEvent(), extensions: { big: { kind: "integer", value: 2 ** 31 } } }), ErrorCode.BadRequest, "int32");
    expectMaestroError(() => encodeMqttMessage({ ...sampleEvent(), extensions: { "bad-name": { kind: "string", value: "x" } } }), ErrorCode.BadRequest, "bad extension name");
    expectMaestroError(() => encodeMqttMessage({ ...sampleEvent(), extensions: { time: { kind: "string", value: "x" } } }), ErrorCode.BadRequest, "must not be overwritten");
    expectMaestroError(() => encodeMqttMessage({ ...sampleEvent(), id: "" }), ErrorCode.BadRequest, "missing required attribute id");
    expectMaestroError(() => encodeMqttMessage({ ...sampleEvent(), specversion: "0.3" }), ErrorCode.BadRequest, "specversion");
  });
});

describe("decodeMqttMessage", () => {
  test("types resourceversion and deletiontimestamp like the gRPC binding; other extensions stay strings", () => {
    const evt = decodeMqttMessage(binary({ "ce-resourceversion": "42", "ce-deletiontimestamp": "2024-10-15T11:54:06.5+02:00", "ce-sequenceid": "2000808179721572352", "ce-clustername": "" }));
    expect(evt.extensions.resourceversion).toEqual({ kind: "integer", value: 42 });
    expect(evt.extensions.deletiontimestamp).toEqual({ kind: "timestamp", value: { seconds: 1728986046, nanos: 500000000 } });
    expect(evt.extensions.sequenceid).toEqual({ kind: "string", value: "2000808179721572352" });
    expect(evt.extensions.clustername).toEqual({ kind: "string", value: "" });
  });

  test("reads spec attributes from ce-* keys (case-insensitively after the prefix) and ignores other keys", () => {
    const evt = decodeMqttMessage(binary({ "ce-Subject": "s", "ce-time": "2025-12-16T06:00:17Z", "ce-dataschema": "https://x/y", "other": "ignored", "CE-upper": "ignored" }));
    expect(evt.subject).toBe("s");
    expect(evt.time).toEqual({ seconds: 1765864817, nanos: 0 });
    expect(evt.dataschema).toBe("https://x/y");
    expect(evt.extensions).toEqual({});
  });

  test("a ce-datacontenttype property overrides Content Type; a repeated key takes its last value", () => {
    expect(decodeMqttMessage(binary({ "ce-datacontenttype": "text/plain" })).datacontenttype).toBe("text/plain");
    expect(decodeMqttMessage(binary({ "ce-resourceid": ["a", "b"] })).extensions.resourceid).toEqual({ kind: "string", value: "b" });
  });

  test("an empty payload means no data; the data is a plain Uint8Array view of the payload", () => {
    expect(decodeMqttMessage(binary({}, new Uint8Array(0))).data).toBeUndefined();
    const payload = Buffer.from('{"a":1}');
    const data = decodeMqttMessage(binary({}, payload)).data!;
    expect(data.constructor).toBe(Uint8Array);
    expect(data.buffer).toBe(payload.buffer);
  });

  test("binary mode wins over a structured Content Type when ce-specversion is present (sdk-go's order)", () => {
    const evt = decodeMqttMessage({ ...binary(), contentType: "application/cloudevents+json", payload: utf8("not json") });
    expect(evt.datacontenttype).toBe("application/cloudevents+json");
    expect(evt.data).toEqual(utf8("not json"));
  });

  test("structured mode reads the payload with the JSON codec", () => {
    const evt = sampleEvent();
    expect(decodeMqttMessage({ payload: utf8(encodeCloudEventJson(evt)), contentType: "application/cloudevents+json; charset=utf-8" }).id).toBe(evt.id);
  });

  const bad: [string, MqttEventMessage, string][] = [
    ["no ce-specversion and no structured content type", { payload: utf8("{}"), contentType: "application/json", userProperties: { "ce-id": "1" } }, "unknown message encoding"],
    ["no properties at all", { payload: utf8("{}") }, "unknown message encoding"],
    ["an empty ce-specversion", binary({ "ce-specversion": "" }), "unknown message encoding"],
    ["an unsupported ce-specversion", binary({ "ce-specversion": "0.3" }), "unsupported ce-specversion"],
    ["a missing ce-id", binary({ "ce-id": undefined }), "missing required attribute id"],
    ["an empty ce-id", binary({ "ce-id": "" }), "missing required attribute id"],
    ["a missing ce-source", binary({ "ce-source": undefined }), "missing required attribute source"],
    ["a missing ce-type", binary({ "ce-type": undefined }), "missing required attribute type"],
    ["a bad ce-time", binary({ "ce-time": "yesterday" }), "user property ce-time"],
    ["a non-numeric ce-resourceversion", binary({ "ce-resourceversion": "abc" }), "user property ce-resourceversion"],
    ["a fractional ce-resourceversion", binary({ "ce-resourceversion": "1.5" }), "user property ce-resourceversion"],
    ["an out-of-int32 ce-resourceversion", binary({ "ce-resourceversion": "9999999999" }), "out of int32 range"],
    ["a bad ce-deletiontimestamp", binary({ "ce-deletiontimestamp": "2024-13-01T00:00:00Z" }), "user property ce-deletiontimestamp"],
    ["a bad extension name", binary({ "ce-bad_name": "x" }), "bad extension name"],
    ["bad structured JSON", { payload: utf8("{not json"), contentType: "application/cloudevents+json" }, "invalid cloudevent JSON"],
    ["structured JSON without an id", { payload: utf8(`{"specversion":"1.0","source":"s","type":"t"}`), contentType: "application/cloudevents+json" }, "missing required attribute id"],
    ["structured JSON that is not an object", { payload: utf8("[]"), contentType: "application/cloudevents+json" }, "must be a JSON object"],
    ["a structured batch", { payload: utf8("[]"), contentType: "application/cloudevents-batch+json" }, "batch"],
  ];
  for (const [what, msg, text] of bad) {
    test(`${what} is MaestroError(BadRequest)`, () => {
      expectMaestroError(() => decodeMqttMessage(msg), ErrorCode.BadRequest, text);
    });
  }
});

describe("topics", () => {
  test("Maestro's deployed topics match the validation patterns", () => {
    expect(SOURCE_EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/+/sourceevents")).toBe(true);
    expect(SOURCE_EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/cluster-1/sourceevents")).toBe(true);
    expect(AGENT_EVENTS_TOPIC_PATTERN.test("$share/statussubscribers/sources/maestro/consumers/+/agentevents")).toBe(true);
    expect(EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/+/agentevents")).toBe(true);
    expect(SOURCE_BROADCAST_TOPIC_PATTERN.test("sources/+/sourcebroadcast")).toBe(true);
    expect(AGENT_BROADCAST_TOPIC_PATTERN.test("clusters/+/agentbroadcast")).toBe(true);
  });

  test("the patterns refuse what sdk-go refuses", () => {
    expect(SOURCE_EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/+/agentevents")).toBe(false);
    expect(AGENT_EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/Cluster1/agentevents")).toBe(false);
    expect(AGENT_EVENTS_TOPIC_PATTERN.test("sources/maestro/consumers/#")).toBe(false);
    expect(EVENTS_TOPIC_PATTERN.test("$share/Group/sources/maestro/consumers/+/agentevents")).toBe(false);
    expect(SOURCE_BROADCAST_TOPIC_PATTERN.test("a/b/c/sourcebroadcast")).toBe(false);
  });

  test("consumerTopic replaces the first + and refuses names that cannot be a segment", () => {
    expect(consumerTopic("sources/maestro/consumers/+/sourceevents", "cluster1")).toBe("sources/maestro/consumers/cluster1/sourceevents");
    expect(consumerTopic("sources/+/consumers/+/sourceevents", "c1")).toBe("sources/c1/consumers/+/sourceevents");
    expect(consumerTopic("sources/maestro/consumers/c9/sourceevents", "c1")).toBe("sources/maestro/consumers/c9/sourceevents");
    expectMaestroError(() => consumerTopic("sources/maestro/consumers/+/sourceevents", "Cluster_1"), ErrorCode.BadRequest, "cannot be used in an MQTT topic");
    expectMaestroError(() => consumerTopic("sources/maestro/consumers/+/sourceevents", "a/b"), ErrorCode.BadRequest);
  });

  test("topicConsumer inverts consumerTopic, with or without a $share prefix", () => {
    const plain = "sources/maestro/consumers/+/agentevents";
    const shared = `$share/statussubscribers/${plain}`;
    expect(topicConsumer(plain, consumerTopic(plain, "cluster1"))).toBe("cluster1");
    expect(topicConsumer(shared, "sources/maestro/consumers/cluster1/agentevents")).toBe("cluster1");
    expect(topicConsumer("clusters/+/agentbroadcast", "clusters/c2/agentbroadcast")).toBe("c2");
    expect(unsharedTopic(shared)).toBe(plain);
  });

  test("topicConsumer gives undefined for topics of another shape or source", () => {
    const plain = "sources/maestro/consumers/+/agentevents";
    expect(topicConsumer(plain, "sources/other/consumers/c1/agentevents")).toBeUndefined();
    expect(topicConsumer(plain, "sources/maestro/consumers/c1/sourceevents")).toBeUndefined();
    expect(topicConsumer(plain, "sources/maestro/consumers/c1/agentevents/x")).toBeUndefined();
    expect(topicConsumer(plain, "sources/maestro/consumers//agentevents")).toBeUndefined();
    expect(topicConsumer(plain, "sources/maestro/consumers/Bad_Name/agentevents")).toBeUndefined();
    expect(topicConsumer("sources/maestro/consumers/c1/agentevents", "sources/maestro/consumers/c1/agentevents")).toBeUndefined();
  });

  test("the agentEvents source check (after an optional $share prefix)", () => {
    expect(eventsTopicSource("sources/maestro/consumers/+/agentevents")).toBe("maestro");
    expect(eventsTopicSource("$share/g/sources/maestro/consumers/+/agentevents")).toBe("maestro");
    checkAgentEventsSource("$share/statussubscribers/sources/maestro/consumers/+/agentevents", "maestro");
    expectMaestroError(() => checkAgentEventsSource("sources/other/consumers/+/agentevents", "maestro"), ErrorCode.BadRequest, "does not match with the client sourceID");
    expectMaestroError(() => eventsTopicSource("sources/maestro/agentbroadcast"), ErrorCode.BadRequest, "failed to get source from topic");
  });
});
