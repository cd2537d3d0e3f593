// Tests of the structured JSON codec and the stored-payload variant (metadata as an object,
// deletiontimestamp typed), including every bad-input error.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  cloudEventFromJson,
  cloudEventFromStoredPayload,
  cloudEventToJson,
  cloudEventToStoredPayload,
  decodeCloudEventJson,
  encodeCloudEventJson,
  extensionName,
  isJsonContentType,
  parseJsonData,
} from "../../src/cloudevents/json-codec.ts";
import type { CloudEvent } from "../../src/cloudevents/types.ts";
import { expectMaestroError, loadFixture, utf8 } from "./helpers.ts";

const base = { specversion: "1.0", id: "1", source: "s", type: "t" };

describe("cloudEventToJson", () => {
  test("writes core attributes, data and typed extensions", () => {
    const evt: CloudEvent = {
      specversion: "1.0",
      id: "1",
      source: "s",
      type: "t",
      datacontenttype: "application/json",
      subject: "sub",
      dataschema: "https://e/s",
      time: { seconds: 1765864817, nanos: 921082037 },
      extensions: {
        n: { kind: "integer", value: 3 },
        b: { kind: "boolean", value: true },
        s: { kind: "string", value: "x" },
        t: { kind: "timestamp", value: { seconds: 0, nanos: 5000 } },
        y: { kind: "bytes", value: new Uint8Array([1, 2, 3]) },
        u: { kind: "uri", value: "https://e" },
        r: { kind: "uriRef", value: "/r" },
      },
      data: utf8('{"a":[1,2]}'),
    };
    expect(cloudEventToJson(evt)).toEqual({
      specversion: "1.0",
      id: "1",
      source: "s",
      type: "t",
      datacontenttype: "application/json",
      dataschema: "https://e/s",
      subject: "sub",
      time: "2025-12-16T06:00:17.921082037Z",
      data: { a: [1, 2] },
      n: 3,
      b: true,
      s: "x",
      t: "1970-01-01T00:00:00.000005Z",
      y: "AQID",
      u: "https://e",
      r: "/r",
    });
  });

  test("uses data_base64 for non-JSON content types and for bytes that are not JSON", () => {
    const bin = { ...base, extensions: {}, datacontenttype: "application/octet-stream", data: new Uint8Array([0xff]) };
    expect(cloudEventToJson(bin)).toMatchObject({ data_base64: "/w==" });
    const broken = { ...base, extensions: {}, datacontenttype: "application/json", data: utf8("{nope") };
    const json = cloudEventToJson(broken);
    expect(json.data).toBeUndefined();
    expect(decodeCloudEventJson(JSON.stringify(json)).data).toEqual(utf8("{nope"));
  });
});

describe("cloudEventFromJson", () => {
  test("reads extensions with their kinds; numbers are integers, null is absent", () => {
    const evt = cloudEventFromJson({ ...base, resourceversion: 2, ResourceID: "x", flag: false, gone: null, time: "2025-12-16T06:00:17Z" });
    expect(evt.extensions).toEqual({
      resourceversion: { kind: "integer", value: 2 },
      resourceid: { kind: "string", value: "x" },
      flag: { kind: "boolean", value: false },
    });
    expect(evt.time).toEqual({ seconds: 1765864817, nanos: 0 });
  });

  test("JSON data becomes compact UTF-8 bytes; strings for text types; data_base64 decodes", () => {
    expect(cloudEventFromJson({ ...base, datacontenttype: "application/json", data: { a: "é" } }).data).toEqual(utf8('{"a":"é"}'));
    expect(cloudEventFromJson({ ...base, data: [1] }).data).toEqual(utf8("[1]"));
    expect(cloudEventFromJson({ ...base, datacontenttype: "text/plain", data: "hi" }).data).toEqual(utf8("hi"));
    expect(cloudEventFromJson({ ...base, data_base64: "AQID" }).data).toEqual(new Uint8Array([1, 2, 3]));
    expect(cloudEventFromJson({ ...base, data: null }).data).toBeUndefined();
  });

  test("rejects bad input with clear errors", () => {
    const bad = (v: unknown, text: string) => expectMaestroError(() => cloudEventFromJson(v), ErrorCode.BadRequest, text);
    bad([], "must be a JSON object");
    bad(null, "must be a JSON object");
    bad({ id: "1", source: "s", type: "t" }, "no specversion");
    bad({ ...base, specversion: "0.3" }, "unknown value: 0.3");
    bad({ ...base, id: undefined }, "missing required attribute id");
    bad({ ...base, source: "" }, "missing required attribute source");
    bad({ ...base, type: 5 }, "attribute type must be a string");
    bad({ ...base, subject: 5 }, "attribute subject must be a string");
    bad({ ...base, time: "noon" }, "invalid RFC3339");
    bad({ ...base, n: 1.5 }, "cannot convert 1.5 to int32");
    bad({ ...base, n: 2 ** 31 }, "int32");
    bad({ ...base, obj: {} }, "invalid CloudEvents value");
    bad({ ...base, arr: [] }, "invalid CloudEvents value");
    bad({ ...base, "bad-name": "x" }, "bad extension name");
    bad({ ...base, data: 1, data_base64: "AQ==" }, "both data and data_base64");
    bad({ ...base, data_base64: "AQ" }, "illegal base64");
    bad({ ...base, data_base64: 5 }, "data_base64 must be a string");
    bad({ ...base, datacontenttype: "text/plain", data: { a: 1 } }, "expected a string");
  });

  test("decodeCloudEventJson reads text or bytes and reports invalid JSON", () => {
    expect(decodeCloudEventJson(JSON.stringify(base)).id).toBe("1");
    expect(decodeCloudEventJson(utf8(JSON.stringify(base))).id).toBe("1");
    expectMaestroError(() => decodeCloudEventJson("{"), ErrorCode.BadRequest, "invalid cloudevent JSON");
  });

  test("encode/decode round-trip the agent fixture", () => {
    const fixture = loadFixture("cloudevents.agent.json");
    const evt = cloudEventFromJson(fixture);
    expect(decodeCloudEventJson(encodeCloudEventJson(evt))).toEqual(evt);
    expect(cloudEventToJson(evt)).toEqual(fixture as never);
  });
});

describe("stored payload", () => {
  test("metadata becomes an object and comes back as Go's sorted JSON string", () => {
    const fixture = loadFixture("cloudevents.grpcclient.json");
    const evt = cloudEventFromJson(fixture);
    const stored = cloudEventToStoredPayload(evt);
    expect(stored.metadata).toEqual(JSON.parse(fixture.metadata as string));
    expect(stored.resourceversion).toBe(0);
    const back = cloudEventFromStoredPayload(JSON.parse(JSON.stringify(stored)));
    const meta = back.extensions.metadata;
    expect(meta?.kind).toBe("string");
    // Go json.Marshal of a map sorts the keys.
    expect((meta as { value: string }).value).toBe(
      '{"labels":{"maestro.resource.type":"2d18a7dc-c731-5753-8aa9-6b2f22e3b12b"},"name":"e44ec579-9646-549a-b679-db8d19d6da37","namespace":"7ff1a8f4-8811-49b4-8c19-9271bc51975e","resourceVersion":"0","uid":"55c61e54-a3f6-563d-9fec-b1fe297bdfdb"}',
    );
    expect({ ...back, extensions: { ...back.extensions, metadata: undefined } }).toEqual({ ...evt, extensions: { ...evt.extensions, metadata: undefined } });
  });

  test("deletiontimestamp string becomes a timestamp; numbers become integers", () => {
    const fixture = loadFixture("example.cloudevent-delete.json");
    const plain = cloudEventFromJson(fixture);
    expect(plain.extensions.deletiontimestamp?.kind).toBe("string");
    const stored = cloudEventFromStoredPayload(cloudEventToStoredPayload(plain));
    expect(stored.extensions.deletiontimestamp).toEqual({ kind: "timestamp", value: { seconds: 1728986046, nanos: 582625606 } });
    expect(stored.extensions.resourceversion).toEqual({ kind: "integer", value: 1 });
    expect(cloudEventToStoredPayload(stored).deletiontimestamp).toBe("2024-10-15T09:54:06.582625606Z");
  });

  test("a metadata string that is not a JSON object is refused; string metadata in storage is kept", () => {
    const evt = (value: string): CloudEvent => ({ ...base, extensions: { metadata: { kind: "string", value } } });
    expectMaestroError(() => cloudEventToStoredPayload(evt("{bad")), ErrorCode.BadRequest, "failed to unmarshal metadata");
    expectMaestroError(() => cloudEventToStoredPayload(evt("[1]")), ErrorCode.BadRequest, "metadata extension must be a JSON object");
    expect(cloudEventFromStoredPayload({ ...base, metadata: "{}" }).extensions.metadata).toEqual({ kind: "string", value: "{}" });
    expectMaestroError(() => cloudEventFromStoredPayload({ ...base, deletiontimestamp: "x" }), ErrorCode.BadRequest, "invalid RFC3339");
    expectMaestroError(() => cloudEventFromStoredPayload("nope"), ErrorCode.BadRequest, "must be a JSON object");
  });
});

describe("helpers", () => {
  test("isJsonContentType follows Go's isJSON", () => {
    for (const ct of [undefined, "", "application/json", "text/json", "application/json; charset=utf-8", "application/vnd.x+json", "APPLICATION/JSON"]) {
      expect(isJsonContentType(ct)).toBe(true);
    }
    for (const ct of ["text/plain", "application/octet-stream", "application/xml"]) expect(isJsonContentType(ct)).toBe(false);
  });

  test("writers refuse extensions named like spec attributes", () => {
    for (const name of ["id", "Time", "data", "datacontenttype"]) {
      const evt = { ...base, extensions: { [name]: { kind: "string", value: "x" } as const } };
      expectMaestroError(() => cloudEventToJson(evt), ErrorCode.BadRequest, "must not be overwritten");
    }
  });

  test("extensionName lower-cases and validates", () => {
    expect(extensionName("ResourceID")).toBe("resourceid");
    expectMaestroError(() => extensionName(""), ErrorCode.BadRequest, "bad extension name");
    expectMaestroError(() => extensionName("a.b"), ErrorCode.BadRequest, "bad extension name");
  });

  test("parseJsonData parses or reports", () => {
    expect(parseJsonData(utf8('{"manifests":[]}'))).toEqual({ manifests: [] });
    expectMaestroError(() => parseJsonData(utf8("{")), ErrorCode.BadRequest, "invalid JSON data");
  });
});
