// Tests of the hand-written protobuf messages (decode in proto-codec.ts, encode in proto-encode.ts),
// cross-checked against protobufjs, plus unknown fields and malformed bytes.

import { describe, expect, test } from "bun:test";
import { ErrorCode, MaestroError } from "../../src/errors.ts";
import {
  decodeCloudEventMessage,
  decodeEmpty,
  decodePublishRequest,
  decodeSubscriptionRequest,
  type CloudEventMessage,
  type MessageAttributeValue,
} from "../../src/cloudevents/proto-codec.ts";
import { encodeCloudEventMessage, encodeEmpty, encodePublishRequest, encodeSubscriptionRequest } from "../../src/cloudevents/proto-encode.ts";
import { expectMaestroError, utf8 } from "./helpers.ts";
import { PbCloudEvent, PbEmpty, PbPublishRequest, PbSubscriptionRequest, pbDecode, pbEncode } from "./protobufjs.ts";

/** One value of every AttributeValue kind, with edge values, keyed by attribute name. */
const EVERY_KIND: [string, MessageAttributeValue][] = [
  ["ce-bool-true", { kind: "boolean", value: true }],
  ["ce-bool-false", { kind: "boolean", value: false }],
  ["ce-int-zero", { kind: "integer", value: 0 }],
  ["ce-int-max", { kind: "integer", value: 2147483647 }],
  ["ce-int-min", { kind: "integer", value: -2147483648 }],
  ["ce-int-neg", { kind: "integer", value: -1 }],
  ["ce-string", { kind: "string", value: "héllo ☃ 𝄞" }],
  ["ce-empty-string", { kind: "string", value: "" }],
  ["ce-bytes", { kind: "bytes", value: new Uint8Array([0, 1, 255]) }],
  ["ce-uri", { kind: "uri", value: "https://example.com/a?b=c" }],
  ["ce-uriref", { kind: "uriRef", value: "/relative/ref" }],
  ["ce-time", { kind: "timestamp", value: { seconds: 1765864817, nanos: 921082037 } }],
  ["ce-epoch", { kind: "timestamp", value: { seconds: 0, nanos: 0 } }],
  ["ce-old", { kind: "timestamp", value: { seconds: -62135596800, nanos: 1 } }],
  ["contenttype", { kind: "string", value: "application/json" }],
];

/** The same values as protobufjs plain objects. */
function pbValue(v: MessageAttributeValue): Record<string, unknown> {
  switch (v.kind) {
    case "boolean": return { ceBoolean: v.value };
    case "integer": return { ceInteger: v.value };
    case "string": return { ceString: v.value };
    case "bytes": return { ceBytes: v.value };
    case "uri": return { ceUri: v.value };
    case "uriRef": return { ceUriRef: v.value };
    case "timestamp": return { ceTimestamp: v.value };
    case "unset": return {};
  }
}

function sampleMessage(data: CloudEventMessage["data"]): CloudEventMessage {
  return {
    id: "b1a179c5-537e-4f3f-9c0c-6fbb27eb66f9",
    source: "maestro",
    specVersion: "1.0",
    type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
    attributes: new Map(EVERY_KIND),
    data,
  };
}

function pbObject(msg: CloudEventMessage): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of msg.attributes) attributes[k] = pbValue(v);
  const out: Record<string, unknown> = { id: msg.id, source: msg.source, specVersion: msg.specVersion, type: msg.type, attributes };
  if (msg.data?.kind === "binary") out.binaryData = msg.data.value;
  if (msg.data?.kind === "text") out.textData = msg.data.value;
  if (msg.data?.kind === "proto") out.protoData = { type_url: msg.data.typeUrl, value: msg.data.value };
  return out;
}

function normalisePb(obj: Record<string, unknown>): unknown {
  // Buffers (which protobufjs returns under Bun) stringify via toJSON; map both forms to arrays.
  return JSON.parse(
    JSON.stringify(obj, (_k, v: unknown) => {
      if (v instanceof Uint8Array) return [...v];
      const b = v as { type?: string; data?: number[] } | null;
      return b !== null && typeof b === "object" && b.type === "Buffer" ? b.data : v;
    }),
  );
}

const DATA_CASES: [string, CloudEventMessage["data"]][] = [
  ["binary", { kind: "binary", value: utf8('{"manifests":[]}') }],
  ["empty binary", { kind: "binary", value: new Uint8Array(0) }],
  ["text", { kind: "text", value: "plain ☃" }],
  ["proto", { kind: "proto", typeUrl: "type.googleapis.com/google.protobuf.Empty", value: new Uint8Array([1, 2]) }],
  ["none", undefined],
];

describe("CloudEvent message vs protobufjs", () => {
  for (const [name, data] of DATA_CASES) {
    test(`our bytes decode in protobufjs to the same values (data: ${name})`, () => {
      const msg = sampleMessage(data);
      const ours = encodeCloudEventMessage(msg);
      expect(normalisePb(pbDecode(PbCloudEvent, ours))).toEqual(normalisePb(pbDecode(PbCloudEvent, pbEncode(PbCloudEvent, pbObject(msg)))));
      expect(decodeCloudEventMessage(ours)).toEqual(msg);
    });

    test(`protobufjs bytes decode here to the same values (data: ${name})`, () => {
      const msg = sampleMessage(data);
      const theirs = pbEncode(PbCloudEvent, pbObject(msg));
      expect(decodeCloudEventMessage(theirs)).toEqual(msg);
    });
  }

  test("our encoding is byte-identical to protobufjs for the same field order", () => {
    const msg = sampleMessage({ kind: "binary", value: utf8("{}") });
    expect([...encodeCloudEventMessage(msg)]).toEqual([...pbEncode(PbCloudEvent, pbObject(msg))]);
  });

  test("negative int32 is a 10-byte varint that protobufjs reads back", () => {
    const msg: CloudEventMessage = { ...sampleMessage(undefined), attributes: new Map([["ce-n", { kind: "integer", value: -5 }]]) };
    const bytes = encodeCloudEventMessage(msg);
    expect((pbDecode(PbCloudEvent, bytes).attributes as Record<string, { ceInteger: number }>)["ce-n"]!.ceInteger).toBe(-5);
  });

  test("binary data is a view into the input, not a copy", () => {
    const bytes = encodeCloudEventMessage(sampleMessage({ kind: "binary", value: utf8("{}") }));
    const decoded = decodeCloudEventMessage(bytes);
    expect(decoded.data?.kind).toBe("binary");
    expect((decoded.data as { value: Uint8Array }).value.buffer).toBe(bytes.buffer);
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  return [...out, n];
}

/** One unknown field of every wire type, numbered from `field` (multi-byte tags above 15). */
function unknownFields(field: number): number[] {
  const tag = (f: number, wt: number) => varint(f * 8 + wt);
  return [
    ...tag(field, 0), 0x96, 0x01,
    ...tag(field + 1, 1), 1, 2, 3, 4, 5, 6, 7, 8,
    ...tag(field + 2, 2), 2, 0xff, 0xfe, // bytes that are not UTF-8: never read as a string
    ...tag(field + 3, 3), 0x08, 0x01, ...tag(field + 3, 4),
    ...tag(field + 4, 5), 1, 2, 3, 4,
  ];
}

describe("unknown fields", () => {
  test("are skipped at every level (event, map entry, value, timestamp)", () => {
    const ts = [0x08, 0x01, ...unknownFields(10)];
    const value = [0x3a, ts.length, ...ts, ...unknownFields(10)];
    const entry = [0x0a, 0x04, ...utf8("ce-t"), 0x12, value.length, ...value, ...unknownFields(10)];
    const event = [0x0a, 0x01, 0x78, ...unknownFields(1000), 0x2a, entry.length, ...entry, 0x32, 0x00, ...unknownFields(536870900)];
    const bytes = new Uint8Array(event);
    const decoded = decodeCloudEventMessage(bytes);
    expect(decoded.id).toBe("x");
    expect(decoded.attributes.get("ce-t")).toEqual({ kind: "timestamp", value: { seconds: 1, nanos: 0 } });
    expect(decoded.data).toEqual({ kind: "binary", value: new Uint8Array(0) });
    // protobufjs agrees on the known fields.
    const pb = pbDecode(PbCloudEvent, bytes) as { id: string; attributes: Record<string, { ceTimestamp: { seconds: number } }> };
    expect(pb.id).toBe("x");
    expect(pb.attributes["ce-t"]!.ceTimestamp.seconds).toBe(1);
  });

  test("known fields with the wrong wire type are skipped as Go skips them", () => {
    // field 1 (id) as a varint, field 4 (type) as fixed32, then the real id.
    const bytes = new Uint8Array([0x08, 0x05, 0x25, 1, 2, 3, 4, 0x0a, 0x01, 0x79]);
    expect(decodeCloudEventMessage(bytes)).toMatchObject({ id: "y", type: "" });
  });

  test("repeated scalar fields keep the last value; duplicate map keys keep the last entry", () => {
    const e1 = [0x0a, 0x03, ...utf8("ce-"), 0x12, 0x02, 0x10, 0x01];
    const e2 = [0x0a, 0x03, ...utf8("ce-"), 0x12, 0x02, 0x10, 0x02];
    const bytes = new Uint8Array([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62, 0x2a, e1.length, ...e1, 0x2a, e2.length, ...e2]);
    const decoded = decodeCloudEventMessage(bytes);
    expect(decoded.id).toBe("b");
    expect([...decoded.attributes]).toEqual([["ce-", { kind: "integer", value: 2 }]]);
  });

  test("map entries without key or value decode to '' and an unset value", () => {
    const bytes = new Uint8Array([0x2a, 0x00]);
    expect([...decodeCloudEventMessage(bytes).attributes]).toEqual([["", { kind: "unset" }]]);
  });
});

describe("malformed bytes", () => {
  test("every truncation of a valid message decodes or throws MalformedRequest, nothing else", () => {
    const bytes = encodeCloudEventMessage(sampleMessage({ kind: "binary", value: utf8('{"a":1}') }));
    let failures = 0;
    for (let n = 0; n < bytes.length; n++) {
      try {
        decodeCloudEventMessage(bytes.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(MaestroError);
        expect((err as MaestroError).code).toBe(ErrorCode.MalformedRequest);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(bytes.length / 2);
  });

  test("flipped bytes never escape as anything but MaestroError", () => {
    const event = sampleMessage({ kind: "binary", value: utf8('{"a":1}') });
    const cases: [Uint8Array, (b: Uint8Array) => unknown][] = [
      [encodeCloudEventMessage(event), decodeCloudEventMessage],
      [encodePublishRequest({ event }), decodePublishRequest],
    ];
    for (const [good, decode] of cases) {
      for (let i = 0; i < good.length; i++) {
        for (const b of [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff]) {
          const bytes = good.slice();
          bytes[i] = b;
          try {
            decode(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(MaestroError);
          }
        }
      }
    }
  });

  test("huge length prefix, varint overflow, invalid UTF-8, bad timestamp", () => {
    expectMaestroError(() => decodeCloudEventMessage(new Uint8Array([0x32, 0xff, 0xff, 0xff, 0xff, 0x0f, 1])), ErrorCode.MalformedRequest, "exceeds");
    expectMaestroError(() => decodeCloudEventMessage(new Uint8Array([0x08, ...Array(10).fill(0xff), 0x01])), ErrorCode.MalformedRequest, "varint");
    expectMaestroError(() => decodeCloudEventMessage(new Uint8Array([0x0a, 0x02, 0xc3, 0x28])), ErrorCode.MalformedRequest, "UTF-8");
    const hugeSeconds = [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]; // 2^56 - 1 seconds
    const value = [0x3a, hugeSeconds.length, ...hugeSeconds];
    const entry = [0x0a, 0x01, 0x6b, 0x12, value.length, ...value];
    expectMaestroError(() => decodeCloudEventMessage(new Uint8Array([0x2a, entry.length, ...entry])), ErrorCode.MalformedRequest, "timestamp outside");
  });

  test("a nested length may not run past its enclosing message, even when the buffer is longer", () => {
    // PublishRequest.event is 3 bytes long, but its id claims 5 bytes: Go reports truncation.
    const bytes = new Uint8Array([0x0a, 0x03, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]);
    expectMaestroError(() => decodePublishRequest(bytes), ErrorCode.MalformedRequest, "length 5 exceeds the 1 bytes left");
    const entry = [0x0a, 0x01, 0x6b, 0x12, 0x04, 0x18, 0x01]; // value claims 4 bytes, the entry holds 2
    expectMaestroError(() => decodeCloudEventMessage(new Uint8Array([0x2a, entry.length, ...entry, 0x0a, 0x01, 0x78])), ErrorCode.MalformedRequest, "exceeds");
  });

  test("timestamp nanos outside [0, 1e9) are folded into seconds, as Go's AsTime does", () => {
    const ts = [0x08, 0x0a, 0x10, ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]]; // 10s, -1ns
    const value = [0x3a, ts.length, ...ts];
    const entry = [0x0a, 0x01, 0x6b, 0x12, value.length, ...value];
    const decoded = decodeCloudEventMessage(new Uint8Array([0x2a, entry.length, ...entry]));
    expect(decoded.attributes.get("k")).toEqual({ kind: "timestamp", value: { seconds: 9, nanos: 999999999 } });
  });
});

describe("encoding checks", () => {
  test("integers outside int32 and invalid timestamps are rejected before writing", () => {
    const withInt = (value: number): CloudEventMessage => ({ ...sampleMessage(undefined), attributes: new Map([["ce-v", { kind: "integer", value }]]) });
    expectMaestroError(() => encodeCloudEventMessage(withInt(2 ** 31)), ErrorCode.BadRequest, "out of range");
    expectMaestroError(() => encodeCloudEventMessage(withInt(-(2 ** 31) - 1)), ErrorCode.BadRequest, "int32");
    expectMaestroError(() => encodeCloudEventMessage(withInt(1.5)), ErrorCode.BadRequest, "int32");
    const badTs: CloudEventMessage = { ...sampleMessage(undefined), attributes: new Map([["ce-t", { kind: "timestamp", value: { seconds: 0, nanos: 2e9 } }]]) };
    expectMaestroError(() => encodeCloudEventMessage(badTs), ErrorCode.BadRequest, "invalid timestamp");
  });

  test("an unset attribute value encodes as an empty value message", () => {
    const msg: CloudEventMessage = { ...sampleMessage(undefined), attributes: new Map([["ce-x", { kind: "unset" }]]) };
    expect(decodeCloudEventMessage(encodeCloudEventMessage(msg)).attributes.get("ce-x")).toEqual({ kind: "unset" });
  });
});

describe("PublishRequest, SubscriptionRequest, Empty", () => {
  test("PublishRequest round-trips both ways with protobufjs; data stays a view", () => {
    const event = sampleMessage({ kind: "binary", value: utf8('{"manifests":[]}') });
    const ours = encodePublishRequest({ event });
    const pb = pbEncode(PbPublishRequest, { event: pbObject(event) });
    expect([...ours]).toEqual([...pb]);
    const decoded = decodePublishRequest(pb);
    expect(decoded.event).toEqual(event);
    expect((decoded.event!.data as { value: Uint8Array }).value.buffer).toBe(pb.buffer);
    expect(normalisePb(pbDecode(PbPublishRequest, ours))).toEqual(normalisePb(pbDecode(PbPublishRequest, pb)));
  });

  test("PublishRequest without an event, and with unknown fields", () => {
    expect(decodePublishRequest(new Uint8Array(0))).toEqual({ event: undefined });
    expect(encodePublishRequest({ event: undefined }).length).toBe(0);
    expect(decodePublishRequest(new Uint8Array(unknownFields(2))).event).toBeUndefined();
  });

  test("SubscriptionRequest round-trips both ways with protobufjs", () => {
    const req = { source: "", clusterName: "cluster1", dataType: "io.open-cluster-management.works.v1alpha1.manifestbundles" };
    const ours = encodeSubscriptionRequest(req);
    expect(pbDecode(PbSubscriptionRequest, ours)).toEqual({ clusterName: "cluster1", dataType: req.dataType });
    expect(decodeSubscriptionRequest(pbEncode(PbSubscriptionRequest, { source: "mw-client", clusterName: "c", dataType: "g.v.r" }))).toEqual({
      source: "mw-client",
      clusterName: "c",
      dataType: "g.v.r",
    });
    expect(decodeSubscriptionRequest(new Uint8Array([...unknownFields(4), 0x12, 0x01, 0x63]))).toEqual({ source: "", clusterName: "c", dataType: "" });
  });

  test("Empty is zero bytes; well-formed unknown fields are tolerated, garbage is not", () => {
    expect(encodeEmpty().length).toBe(0);
    expect(PbEmpty.decode(encodeEmpty())).toBeDefined();
    expect(decodeEmpty(new Uint8Array(unknownFields(1)))).toEqual({});
    expectMaestroError(() => decodeEmpty(new Uint8Array([0x0a, 0x05])), ErrorCode.MalformedRequest);
  });
});
