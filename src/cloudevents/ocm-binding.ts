// The OCM mapping between the protobuf CloudEvent message and our CloudEvent (maestro-wire.md
// 1.2): sdk-go's WritePBMessage/NewMessage rules, not the official CloudEvents protobuf format.

import { Errors } from "../errors.ts";
import { attributeKeyCacheMax } from "../limits.ts";
import { HEARTBEAT_EVENT_TYPE } from "./event-type.ts";
import { decodeCloudEventJson, extensionName, writableExtensionName } from "./json-codec.ts";
import { decodeCloudEventMessage, decodePublishRequest } from "./proto-codec.ts";
import { encodeCloudEventMessage, encodePublishRequest } from "./proto-encode.ts";
import type { CloudEventMessage, MessageAttributeValue } from "./proto-codec.ts";
import { isInt32 } from "./proto-wire.ts";
import { parseTimestamp } from "./time.ts";
import { SPEC_VERSION } from "./types.ts";
import type { AttributeValue, CloudEvent, Timestamp } from "./types.ts";
import { uuidV4 } from "./ids.ts";

/** The attribute key that carries `datacontenttype` (the only un-prefixed key OCM uses). */
export const CONTENT_TYPE_KEY = "contenttype";
/** The prefix of every other attribute key on the wire. */
export const ATTRIBUTE_PREFIX = "ce-";
/** Content type that marks a structured-mode message (binary_data holds a JSON CloudEvent). */
export const STRUCTURED_JSON_CONTENT_TYPE = "application/cloudevents+json";
/** The batch format; recognised as structured, then refused as Go's single-event reader does. */
export const STRUCTURED_BATCH_CONTENT_TYPE = "application/cloudevents-batch+json";

function mediaType(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Wire keys by extension name (the writer-side twin of nameByKey). */
const keyByName = new Map<string, string>();

function wireKey(name: string): string {
  const cached = keyByName.get(name);
  if (cached !== undefined) return cached;
  const key = ATTRIBUTE_PREFIX + writableExtensionName(name);
  if (keyByName.size >= attributeKeyCacheMax) keyByName.clear();
  keyByName.set(name, key);
  return key;
}

function checkedExtension(name: string, v: AttributeValue): AttributeValue {
  if (v.kind === "integer" && !isInt32(v.value)) {
    throw Errors.badRequest(`extension ${name}: cannot convert ${v.value} to int32: out of range`);
  }
  return v;
}

/**
 * Writes a CloudEvent as sdk-go does (always binary mode): `contenttype` (no prefix) for
 * datacontenttype, `ce-time` as a timestamp, `ce-subject`, `ce-dataschema` (uri), then every
 * extension as `ce-<name>` with its own kind; data only in `binary_data`. Integers outside int32
 * and invalid extension names throw MaestroError(BadRequest).
 * Example: `cloudEventToMessage(evt).attributes.get("ce-resourceversion")` -> `{ kind: "integer", value: 1 }`.
 */
export function cloudEventToMessage(event: CloudEvent): CloudEventMessage {
  const attributes = new Map<string, MessageAttributeValue>();
  if (event.datacontenttype !== undefined) attributes.set(CONTENT_TYPE_KEY, { kind: "string", value: event.datacontenttype });
  if (event.time !== undefined) attributes.set("ce-time", { kind: "timestamp", value: event.time });
  if (event.subject !== undefined) attributes.set("ce-subject", { kind: "string", value: event.subject });
  if (event.dataschema !== undefined) attributes.set("ce-dataschema", { kind: "uri", value: event.dataschema });
  for (const name of Object.keys(event.extensions)) {
    attributes.set(wireKey(name), checkedExtension(name, event.extensions[name]!));
  }
  return {
    id: event.id,
    source: event.source,
    specVersion: event.specversion,
    type: event.type,
    attributes,
    data: event.data === undefined ? undefined : { kind: "binary", value: event.data },
  };
}

function attributeString(key: string, v: MessageAttributeValue): string {
  if (v.kind === "string" || v.kind === "uri" || v.kind === "uriRef") return v.value;
  throw Errors.badRequest(`attribute ${key}: cannot convert a ${v.kind} value to string`);
}

function attributeTime(key: string, v: MessageAttributeValue): Timestamp {
  if (v.kind === "timestamp") return v.value;
  if (v.kind === "string") return parseTimestamp(v.value);
  throw Errors.badRequest(`attribute ${key}: cannot convert a ${v.kind} value to a timestamp`);
}

/** A binary-mode event's attributes while its `ce-` keys are read (proto and MQTT bindings). */
export interface BinaryFields {
  id: string;
  source: string;
  type: string;
  datacontenttype?: string;
  dataschema?: string;
  subject?: string;
  time?: Timestamp;
  extensions: Record<string, AttributeValue>;
}

/** Validated names by wire key; the same ~15 keys arrive on every event, so each is checked once. */
const nameByKey = new Map<string, string>();

/**
 * The attribute or extension name of a `ce-` key (proto attribute key, MQTT user property),
 * validated once per distinct key. Example: `prefixedName("ce-ResourceID") === "resourceid"`.
 */
export function prefixedName(key: string): string {
  const cached = nameByKey.get(key);
  if (cached !== undefined) return cached;
  const name = extensionName(key.slice(ATTRIBUTE_PREFIX.length));
  if (nameByKey.size >= attributeKeyCacheMax) nameByKey.clear();
  nameByKey.set(key, name);
  return name;
}

/** Applies one `ce-` attribute: a spec attribute by name, otherwise an extension. */
function applyPrefixed(fields: BinaryFields, key: string, v: MessageAttributeValue): void {
  const name = prefixedName(key);
  switch (name) {
    case "specversion": return; // field 3 decides the version; Go re-sets the same value
    case "id": fields.id = attributeString(key, v); return;
    case "source": fields.source = attributeString(key, v); return;
    case "type": fields.type = attributeString(key, v); return;
    case "datacontenttype": fields.datacontenttype = attributeString(key, v); return;
    case "dataschema": fields.dataschema = attributeString(key, v); return;
    case "subject": fields.subject = attributeString(key, v); return;
    case "time": fields.time = attributeTime(key, v); return;
  }
  if (v.kind === "unset") throw Errors.badRequest(`attribute ${key}: unsupported attribute type (empty value)`);
  fields.extensions[name] = v;
}

/**
 * Throws BadRequest when a binary-mode event lacks id, source or type; `carrier` names where the
 * attribute travels (e.g. "user property ce-id"). Example: `requireBinaryAttributes(fields)`.
 */
export function requireBinaryAttributes(fields: BinaryFields, carrier?: (name: string) => string): void {
  for (const required of ["id", "source", "type"] as const) {
    if (fields[required] === "") {
      throw Errors.badRequest(`cloudevent is missing required attribute ${required}${carrier ? ` (${carrier(required)})` : ""}`);
    }
  }
}

function fromBinary(msg: CloudEventMessage): CloudEvent {
  const fields: BinaryFields = { id: msg.id, source: msg.source, type: msg.type, extensions: {} };
  for (const [key, v] of msg.attributes) {
    if (key.startsWith(ATTRIBUTE_PREFIX)) applyPrefixed(fields, key, v);
    else if (key === CONTENT_TYPE_KEY) fields.datacontenttype = attributeString(key, v);
    // Any other un-prefixed key is ignored, as sdk-go ignores it.
  }
  requireBinaryAttributes(fields);
  const data = msg.data?.kind === "binary" ? msg.data.value : undefined;
  return { specversion: SPEC_VERSION, ...fields, data };
}

/**
 * Reads a protobuf CloudEvent message the way sdk-go does: an empty attribute map is an
 * "unknown encoding" error; a `contenttype` of application/cloudevents+json means structured
 * mode (binary_data is a JSON CloudEvent, read with the JSON codec); otherwise binary mode with
 * spec_version "1.0". Only binary_data is kept as data. Throws MaestroError(BadRequest).
 * Example: `cloudEventFromMessage(decodeCloudEventMessage(bytes)).extensions.resourceid.value`.
 */
export function cloudEventFromMessage(msg: CloudEventMessage): CloudEvent {
  if (msg.attributes.size === 0) {
    throw Errors.badRequest("unknown message encoding: the CloudEvent message has no attributes");
  }
  const contentType = msg.attributes.get(CONTENT_TYPE_KEY);
  if (contentType !== undefined && contentType.kind === "string") {
    const media = mediaType(contentType.value);
    if (media === STRUCTURED_BATCH_CONTENT_TYPE) throw Errors.badRequest("structured batch CloudEvents are not supported");
    if (media === STRUCTURED_JSON_CONTENT_TYPE) {
      return decodeCloudEventJson(msg.data?.kind === "binary" ? msg.data.value : new Uint8Array(0));
    }
  }
  if (msg.specVersion === "") throw Errors.badRequest("unknown message encoding: spec_version is empty");
  if (msg.specVersion !== SPEC_VERSION) throw Errors.badRequest(`unsupported spec_version ${JSON.stringify(msg.specVersion)}`);
  return fromBinary(msg);
}

/**
 * Encodes a CloudEvent straight to `CloudEvent` message bytes (a Subscribe stream item).
 * Example: `decodeCloudEvent(encodeCloudEvent(evt))` deep-equals `evt`.
 */
export function encodeCloudEvent(event: CloudEvent): Uint8Array {
  return encodeCloudEventMessage(cloudEventToMessage(event));
}

/**
 * Decodes `CloudEvent` message bytes into a CloudEvent (data is a view into `bytes`).
 * Example: `decodeCloudEvent(bytes).type` -> "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request".
 */
export function decodeCloudEvent(bytes: Uint8Array): CloudEvent {
  return cloudEventFromMessage(decodeCloudEventMessage(bytes));
}

/**
 * Encodes a CloudEvent as a `PublishRequest` (what a client sends to Publish).
 * Example: `encodePublishedCloudEvent(evt)` -> bytes for `/io.cloudevents.v1.CloudEventService/Publish`.
 */
export function encodePublishedCloudEvent(event: CloudEvent): Uint8Array {
  return encodePublishRequest({ event: cloudEventToMessage(event) });
}

/**
 * Decodes `PublishRequest` bytes into its CloudEvent (the server's hot path: one pass, data
 * as a view). A request without an event throws MaestroError(BadRequest).
 * Example: `decodePublishedCloudEvent(encodePublishedCloudEvent(evt))` deep-equals `evt`.
 */
export function decodePublishedCloudEvent(bytes: Uint8Array): CloudEvent {
  const { event } = decodePublishRequest(bytes);
  if (event === undefined) throw Errors.badRequest("publish request carries no event");
  return cloudEventFromMessage(event);
}

/**
 * The server's heartbeat: spec_version "1.0", a fresh UUID v4 id, the heartbeat type, and no
 * source, attributes or data (clients drop it by type before decoding).
 * Example: `heartbeatMessage().type` -> "io.open-cluster-management.cloudevents.heartbeat".
 */
export function heartbeatMessage(id: string = uuidV4()): CloudEventMessage {
  return { id, source: "", specVersion: SPEC_VERSION, type: HEARTBEAT_EVENT_TYPE, attributes: new Map(), data: undefined };
}

/**
 * True for heartbeat messages, which must be skipped before cloudEventFromMessage.
 * Example: `isHeartbeatMessage(heartbeatMessage())` -> true.
 */
export function isHeartbeatMessage(msg: CloudEventMessage): boolean {
  return msg.type === HEARTBEAT_EVENT_TYPE;
}
