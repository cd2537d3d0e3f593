// Encoders for the messages of proto/cloudevent.proto (the decoders and message shapes are in
// proto-codec.ts): a size pass, then one write into a buffer of exactly that size.

import { Errors } from "../errors.ts";
import type { CloudEventMessage, CloudEventMessageData, MessageAttributeValue, PublishRequest, SubscriptionRequest } from "./proto-codec.ts";
import { int64Length, isInt32, ProtoWriter, utf8Length, varintLength, WireType } from "./proto-wire.ts";
import { timestampProblem } from "./time.ts";
import type { Timestamp } from "./types.ts";

function stringFieldSize(text: string): number {
  if (text.length === 0) return 0;
  const n = utf8Length(text);
  return 1 + varintLength(n) + n;
}

function timestampSize(ts: Timestamp): number {
  return (ts.seconds === 0 ? 0 : 1 + int64Length(ts.seconds)) + (ts.nanos === 0 ? 0 : 1 + varintLength(ts.nanos));
}

function attributeValueSize(v: MessageAttributeValue): number {
  switch (v.kind) {
    case "boolean": return 2;
    case "integer": return 1 + (v.value < 0 ? 10 : varintLength(v.value));
    case "bytes": return 1 + varintLength(v.value.length) + v.value.length;
    case "string":
    case "uri":
    case "uriRef": {
      const n = utf8Length(v.value);
      return 1 + varintLength(n) + n;
    }
    case "timestamp": {
      const n = timestampSize(v.value);
      return 1 + varintLength(n) + n;
    }
    case "unset": return 0;
  }
}

function checkValue(name: string, v: MessageAttributeValue): void {
  if (v.kind === "integer" && !isInt32(v.value)) {
    throw Errors.badRequest(`attribute ${JSON.stringify(name)}: cannot convert ${v.value} to int32: out of range`);
  }
  if (v.kind === "timestamp") {
    const problem = timestampProblem(v.value);
    if (problem !== undefined) throw Errors.badRequest(`attribute ${JSON.stringify(name)}: invalid timestamp: ${problem}`);
  }
}


function dataSize(data: CloudEventMessageData | undefined): number {
  if (data === undefined) return 0;
  switch (data.kind) {
    case "binary": return 1 + varintLength(data.value.length) + data.value.length;
    case "text": {
      const n = utf8Length(data.value);
      return 1 + varintLength(n) + n;
    }
    case "proto": {
      const n = anySize(data.typeUrl, data.value);
      return 1 + varintLength(n) + n;
    }
  }
}

function anySize(typeUrl: string, value: Uint8Array): number {
  return stringFieldSize(typeUrl) + (value.length === 0 ? 0 : 1 + varintLength(value.length) + value.length);
}

/**
 * Size of a CloudEvent message. Map entry and value sizes are recorded in `sizes` (entry, value,
 * entry, value, …) so the write pass does not measure every string twice.
 */
function cloudEventSize(msg: CloudEventMessage, sizes: number[]): number {
  let size = stringFieldSize(msg.id) + stringFieldSize(msg.source) + stringFieldSize(msg.specVersion) + stringFieldSize(msg.type);
  for (const [name, v] of msg.attributes) {
    checkValue(name, v);
    const valueLen = attributeValueSize(v);
    const keyLen = utf8Length(name);
    const n = 1 + varintLength(keyLen) + keyLen + 1 + varintLength(valueLen) + valueLen;
    sizes.push(n, valueLen);
    size += 1 + varintLength(n) + n;
  }
  return size + dataSize(msg.data);
}

function writeStringField(w: ProtoWriter, field: number, text: string): void {
  if (text.length === 0) return;
  w.tag(field, WireType.Len);
  w.string(text, utf8Length(text));
}

function writeTimestamp(w: ProtoWriter, ts: Timestamp): void {
  w.tag(7, WireType.Len);
  w.uint32(timestampSize(ts));
  if (ts.seconds !== 0) {
    w.tag(1, WireType.Varint);
    w.int64(ts.seconds);
  }
  if (ts.nanos !== 0) {
    w.tag(2, WireType.Varint);
    w.uint32(ts.nanos);
  }
}

function writeAttributeValue(w: ProtoWriter, v: MessageAttributeValue): void {
  switch (v.kind) {
    case "boolean": w.tag(1, WireType.Varint); w.uint32(v.value ? 1 : 0); return;
    case "integer": w.tag(2, WireType.Varint); w.int32(v.value); return;
    case "string": w.tag(3, WireType.Len); w.string(v.value, utf8Length(v.value)); return;
    case "bytes": w.tag(4, WireType.Len); w.bytes(v.value); return;
    case "uri": w.tag(5, WireType.Len); w.string(v.value, utf8Length(v.value)); return;
    case "uriRef": w.tag(6, WireType.Len); w.string(v.value, utf8Length(v.value)); return;
    case "timestamp": writeTimestamp(w, v.value); return;
    case "unset": return;
  }
}

function writeData(w: ProtoWriter, data: CloudEventMessageData | undefined): void {
  if (data === undefined) return;
  if (data.kind === "binary") {
    w.tag(6, WireType.Len);
    w.bytes(data.value);
  } else if (data.kind === "text") {
    w.tag(7, WireType.Len);
    w.string(data.value, utf8Length(data.value));
  } else {
    w.tag(8, WireType.Len);
    w.uint32(anySize(data.typeUrl, data.value));
    writeStringField(w, 1, data.typeUrl);
    if (data.value.length > 0) {
      w.tag(2, WireType.Len);
      w.bytes(data.value);
    }
  }
}

function writeCloudEvent(w: ProtoWriter, msg: CloudEventMessage, sizes: readonly number[]): void {
  writeStringField(w, 1, msg.id);
  writeStringField(w, 2, msg.source);
  writeStringField(w, 3, msg.specVersion);
  writeStringField(w, 4, msg.type);
  let i = 0;
  for (const [name, v] of msg.attributes) {
    w.tag(5, WireType.Len);
    w.uint32(sizes[i++]!);
    w.tag(1, WireType.Len);
    w.string(name, utf8Length(name));
    w.tag(2, WireType.Len);
    w.uint32(sizes[i++]!);
    writeAttributeValue(w, v);
  }
  writeData(w, msg.data);
}

/**
 * Encodes a `CloudEvent` message in field order (1-4, attributes in Map order, data). Map
 * entries always carry key and value, as Go writes them. An integer outside int32 or an invalid
 * timestamp throws MaestroError(BadRequest) before any byte is written.
 * Example: `encodeCloudEventMessage({ id: "1", source: "s", specVersion: "1.0", type: "t", attributes: new Map(), data: undefined })`.
 */
export function encodeCloudEventMessage(msg: CloudEventMessage): Uint8Array {
  const sizes: number[] = [];
  const w = new ProtoWriter(cloudEventSize(msg, sizes));
  writeCloudEvent(w, msg, sizes);
  return w.finish();
}

/**
 * Encodes a `PublishRequest` (field 1 omitted when `event` is undefined).
 * Example: `encodePublishRequest({ event: cloudEventToMessage(evt) })`.
 */
export function encodePublishRequest(req: PublishRequest): Uint8Array {
  if (req.event === undefined) return new Uint8Array(0);
  const sizes: number[] = [];
  const n = cloudEventSize(req.event, sizes);
  const w = new ProtoWriter(1 + varintLength(n) + n);
  w.tag(1, WireType.Len);
  w.uint32(n);
  writeCloudEvent(w, req.event, sizes);
  return w.finish();
}

/**
 * Encodes a `SubscriptionRequest` (empty strings omitted, proto3 style).
 * Example: `encodeSubscriptionRequest({ source: "", clusterName: "cluster1", dataType: MANIFEST_BUNDLE_DATA_TYPE_NAME })`.
 */
export function encodeSubscriptionRequest(req: SubscriptionRequest): Uint8Array {
  const w = new ProtoWriter(stringFieldSize(req.source) + stringFieldSize(req.clusterName) + stringFieldSize(req.dataType));
  writeStringField(w, 1, req.source);
  writeStringField(w, 2, req.clusterName);
  writeStringField(w, 3, req.dataType);
  return w.finish();
}

/**
 * Encodes `google.protobuf.Empty` (zero bytes).
 * Example: `encodeEmpty().length` -> 0.
 */
export function encodeEmpty(): Uint8Array {
  return new Uint8Array(0);
}
