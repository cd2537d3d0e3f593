// The messages of proto/cloudevent.proto as TypeScript shapes, and their hand-written decoders
// (encoders: proto-encode.ts). Proto-level only; the OCM meaning of the fields is in ocm-binding.ts.

import { malformedProtobuf, ProtoReader, WireType } from "./proto-wire.ts";
import { TIMESTAMP_SECONDS_MAX, TIMESTAMP_SECONDS_MIN } from "./time.ts";
import type { AttributeValue, Timestamp } from "./types.ts";

/** An attribute value as it sits in the map: one oneof case, or `unset` when the oneof is empty. */
export type MessageAttributeValue = AttributeValue | { readonly kind: "unset" };

/** The `oneof data` of a CloudEvent message. */
export type CloudEventMessageData =
  | { readonly kind: "binary"; readonly value: Uint8Array }
  | { readonly kind: "text"; readonly value: string }
  | { readonly kind: "proto"; readonly typeUrl: string; readonly value: Uint8Array };

/**
 * `io.cloudevents.v1.CloudEvent` field by field. `attributes` is a Map because wire keys are
 * arbitrary strings (a plain object would let a `__proto__` key through).
 * Example: `{ id: "1", source: "s", specVersion: "1.0", type: "t", attributes: new Map(), data: undefined }`.
 */
export interface CloudEventMessage {
  readonly id: string;
  readonly source: string;
  readonly specVersion: string;
  readonly type: string;
  readonly attributes: ReadonlyMap<string, MessageAttributeValue>;
  readonly data: CloudEventMessageData | undefined;
}

/** `io.cloudevents.v1.SubscriptionRequest`. */
export interface SubscriptionRequest {
  readonly source: string;
  readonly clusterName: string;
  readonly dataType: string;
}

/** `io.cloudevents.v1.PublishRequest`; `event` is undefined when field 1 is absent. */
export interface PublishRequest {
  readonly event: CloudEventMessage | undefined;
}

const NANOS_PER_SECOND = 1_000_000_000;
const UNSET: MessageAttributeValue = Object.freeze({ kind: "unset" });

/** Field number and wire type packed as a tag, for switch statements. */
function key(field: number, wireType: WireType): number {
  return (field << 3) | wireType;
}

function decodeTimestamp(r: ProtoReader): Timestamp {
  const at = r.pos;
  let seconds = 0;
  let nanos = 0;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === key(1, WireType.Varint)) seconds = r.int64();
    else if (tag === key(2, WireType.Varint)) nanos = r.int32();
    else r.skip(tag);
  }
  // Go's AsTime() folds out-of-range nanos into seconds; do the same, then bound the instant.
  seconds += Math.floor(nanos / NANOS_PER_SECOND);
  nanos = ((nanos % NANOS_PER_SECOND) + NANOS_PER_SECOND) % NANOS_PER_SECOND;
  if (seconds < TIMESTAMP_SECONDS_MIN || seconds > TIMESTAMP_SECONDS_MAX) {
    throw malformedProtobuf("timestamp outside years 0000-9999", at);
  }
  return { seconds, nanos };
}

function decodeAttributeValue(r: ProtoReader): MessageAttributeValue {
  let value = UNSET;
  while (r.pos < r.end) {
    const tag = r.tag();
    switch (tag) {
      case key(1, WireType.Varint): value = { kind: "boolean", value: r.bool() }; break;
      case key(2, WireType.Varint): value = { kind: "integer", value: r.int32() }; break;
      case key(3, WireType.Len): value = { kind: "string", value: r.string() }; break;
      case key(4, WireType.Len): value = { kind: "bytes", value: r.bytes() }; break;
      case key(5, WireType.Len): value = { kind: "uri", value: r.string() }; break;
      case key(6, WireType.Len): value = { kind: "uriRef", value: r.string() }; break;
      case key(7, WireType.Len): {
        const outer = r.enter();
        value = { kind: "timestamp", value: decodeTimestamp(r) };
        r.leave(outer);
        break;
      }
      default: r.skip(tag); // unknown field, or a known one with the wrong wire type (Go skips both)
    }
  }
  return value;
}

function decodeMapEntry(r: ProtoReader, into: Map<string, MessageAttributeValue>): void {
  let name = "";
  let value = UNSET;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === key(1, WireType.Len)) name = r.string();
    else if (tag === key(2, WireType.Len)) {
      const outer = r.enter();
      value = decodeAttributeValue(r);
      r.leave(outer);
    } else r.skip(tag);
  }
  into.set(name, value);
}

function decodeAny(r: ProtoReader): CloudEventMessageData {
  let typeUrl = "";
  let value: Uint8Array = new Uint8Array(0);
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === key(1, WireType.Len)) typeUrl = r.string();
    else if (tag === key(2, WireType.Len)) value = r.bytes();
    else r.skip(tag);
  }
  return { kind: "proto", typeUrl, value };
}

function decodeCloudEventFields(r: ProtoReader): CloudEventMessage {
  let id = "";
  let source = "";
  let specVersion = "";
  let type = "";
  const attributes = new Map<string, MessageAttributeValue>();
  let data: CloudEventMessageData | undefined;
  while (r.pos < r.end) {
    const tag = r.tag();
    switch (tag) {
      case key(1, WireType.Len): id = r.string(); break;
      case key(2, WireType.Len): source = r.string(); break;
      case key(3, WireType.Len): specVersion = r.string(); break;
      case key(4, WireType.Len): type = r.string(); break;
      case key(5, WireType.Len): {
        const outer = r.enter();
        decodeMapEntry(r, attributes);
        r.leave(outer);
        break;
      }
      case key(6, WireType.Len): data = { kind: "binary", value: r.bytes() }; break;
      case key(7, WireType.Len): data = { kind: "text", value: r.string() }; break;
      case key(8, WireType.Len): {
        const outer = r.enter();
        data = decodeAny(r);
        r.leave(outer);
        break;
      }
      default: r.skip(tag);
    }
  }
  return { id, source, specVersion, type, attributes, data };
}

/**
 * Decodes a serialized `CloudEvent`. Data bytes are views into `bytes` (no copy). Unknown fields
 * of every wire type are skipped; malformed input throws MaestroError(MalformedRequest) only.
 * Repeated singular fields keep the last value (sub-messages are not merged).
 * Example: `decodeCloudEventMessage(encodeCloudEventMessage(msg))` deep-equals `msg`.
 */
export function decodeCloudEventMessage(bytes: Uint8Array): CloudEventMessage {
  return decodeCloudEventFields(new ProtoReader(bytes, 0, bytes.length));
}

/**
 * Decodes a serialized `PublishRequest`; the event's data is a view into `bytes`.
 * Example: `decodePublishRequest(encodePublishRequest({ event })).event` deep-equals `event`.
 */
export function decodePublishRequest(bytes: Uint8Array): PublishRequest {
  const r = new ProtoReader(bytes, 0, bytes.length);
  let event: CloudEventMessage | undefined;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === key(1, WireType.Len)) {
      const outer = r.enter();
      event = decodeCloudEventFields(r);
      r.leave(outer);
    } else r.skip(tag);
  }
  return { event };
}

/**
 * Decodes a serialized `SubscriptionRequest`.
 * Example: `decodeSubscriptionRequest(bytes)` -> `{ source: "", clusterName: "cluster1", dataType: "io....manifestbundles" }`.
 */
export function decodeSubscriptionRequest(bytes: Uint8Array): SubscriptionRequest {
  const r = new ProtoReader(bytes, 0, bytes.length);
  let source = "";
  let clusterName = "";
  let dataType = "";
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag === key(1, WireType.Len)) source = r.string();
    else if (tag === key(2, WireType.Len)) clusterName = r.string();
    else if (tag === key(3, WireType.Len)) dataType = r.string();
    else r.skip(tag);
  }
  return { source, clusterName, dataType };
}

/**
 * Decodes `google.protobuf.Empty`: no fields, but the bytes must still be well-formed.
 * Example: `decodeEmpty(new Uint8Array(0))` -> `{}`.
 */
export function decodeEmpty(bytes: Uint8Array): Record<string, never> {
  const r = new ProtoReader(bytes, 0, bytes.length);
  while (r.pos < r.end) r.skip(r.tag());
  return {};
}
