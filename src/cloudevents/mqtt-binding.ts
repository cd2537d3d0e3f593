// The CloudEvents MQTT v5 binding as Maestro's brokers carry it (maestro-wire.md 4.1): binary mode
// with `ce-*` user properties, structured JSON on receipt, and the topic layout. Pure: no I/O.

import { ErrorCode, Errors, MaestroError } from "../errors.ts";
import { formatAttributeValue, parseIntegerText } from "./attributes.ts";
import { decodeCloudEventJson, writableExtensionName } from "./json-codec.ts";
import { ATTRIBUTE_PREFIX, prefixedName, requireBinaryAttributes, STRUCTURED_BATCH_CONTENT_TYPE, STRUCTURED_JSON_CONTENT_TYPE, type BinaryFields } from "./ocm-binding.ts";
import { isInt32 } from "./proto-wire.ts";
import { formatTimestamp, parseTimestamp } from "./time.ts";
import { Ext, SPEC_VERSION } from "./types.ts";
import type { AttributeKind, AttributeValue, CloudEvent, Timestamp } from "./types.ts";

/**
 * MQTT v5 user properties as mqtt.js hands them over: a repeated key arrives as an array.
 * Example: `{ "ce-specversion": "1.0", "ce-id": "…" }`.
 */
export type MqttUserProperties = Readonly<Record<string, string | readonly string[]>>;

/**
 * The parts of an MQTT v5 PUBLISH that carry a CloudEvent: payload, the `Content Type`
 * property and the user properties. Topic, QoS and packet ids belong to the transport.
 * Example: `{ payload, contentType: "application/json", userProperties: { "ce-id": "…" } }`.
 */
export interface MqttEventMessage {
  readonly payload: Uint8Array;
  readonly contentType?: string;
  readonly userProperties?: MqttUserProperties;
}

/** An encoded event: user properties are plain strings, one per attribute. */
export interface EncodedMqttEventMessage extends MqttEventMessage {
  readonly userProperties: Readonly<Record<string, string>>;
}

/**
 * Extensions that MQTT carries as strings but the gRPC binding carries typed (Go producers set
 * them as int64 and time.Time). Decoding them back to these kinds makes an event read from MQTT
 * equal the same event read from gRPC, so stores and re-encoders see one shape. Every other
 * extension stays a string, as it is on both wires.
 * Example: `MQTT_TYPED_EXTENSIONS.resourceversion` -> "integer".
 */
export const MQTT_TYPED_EXTENSIONS: Readonly<Record<string, AttributeKind>> = {
  [Ext.resourceVersion]: "integer",
  [Ext.deletionTimestamp]: "timestamp",
};

const SPEC_VERSION_KEY = `${ATTRIBUTE_PREFIX}specversion`;
const EMPTY = new Uint8Array(0);

function mediaType(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function putString(props: Record<string, string>, name: string, value: string | undefined): void {
  if (value !== undefined) props[ATTRIBUTE_PREFIX + name] = value;
}

function extensionText(name: string, v: AttributeValue): string {
  if (v.kind === "integer" && !isInt32(v.value)) {
    throw Errors.badRequest(`extension ${name}: cannot convert ${v.value} to int32: out of range`);
  }
  return formatAttributeValue(v);
}

/**
 * Writes a CloudEvent as sdk-go's mqtt_paho binding does in binary mode: payload = data bytes,
 * `Content Type` = datacontenttype, and `ce-<name>` user properties with string values for
 * every other attribute and extension (integers decimal, booleans true/false, timestamps UTC
 * RFC3339Nano, bytes base64). Missing id/source/type, int32 overflow and bad extension names
 * throw MaestroError(BadRequest).
 * Example: `encodeMqttMessage(evt).userProperties["ce-resourceversion"]` -> "1".
 */
export function encodeMqttMessage(event: CloudEvent): EncodedMqttEventMessage {
  if (event.specversion !== SPEC_VERSION) throw Errors.badRequest(`unsupported specversion ${JSON.stringify(event.specversion)}`);
  for (const required of ["id", "source", "type"] as const) {
    if (event[required] === "") throw Errors.badRequest(`cloudevent is missing required attribute ${required}`);
  }
  const props: Record<string, string> = {};
  putString(props, "specversion", event.specversion);
  putString(props, "id", event.id);
  putString(props, "source", event.source);
  putString(props, "type", event.type);
  putString(props, "subject", event.subject);
  putString(props, "dataschema", event.dataschema);
  putString(props, "time", event.time === undefined ? undefined : formatTimestamp(event.time));
  for (const name of Object.keys(event.extensions)) {
    props[ATTRIBUTE_PREFIX + writableExtensionName(name)] = extensionText(name, event.extensions[name]!);
  }
  const payload = event.data ?? EMPTY;
  return event.datacontenttype === undefined ? { payload, userProperties: props } : { payload, contentType: event.datacontenttype, userProperties: props };
}

/** The last value of a user property (Go's reader applies repeated keys in order, so the last wins). */
function lastValue(v: string | readonly string[] | undefined): string | undefined {
  if (v === undefined || typeof v === "string") return v;
  return v.length === 0 ? undefined : v[v.length - 1];
}

/** Runs a value parser; its error becomes MaestroError(BadRequest) naming the user property. */
function parseProperty<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    const reason = err instanceof MaestroError ? err.reason : String(err);
    throw new MaestroError(ErrorCode.BadRequest, `user property ${key}: ${reason}`, { cause: err });
  }
}

function timestampText(key: string, text: string): Timestamp {
  return parseProperty(key, () => parseTimestamp(text));
}

function typedExtension(key: string, name: string, text: string): AttributeValue {
  switch (MQTT_TYPED_EXTENSIONS[name]) {
    case "integer": return { kind: "integer", value: parseProperty(key, () => parseIntegerText(name, text)) };
    case "timestamp": return { kind: "timestamp", value: timestampText(key, text) };
    default: return { kind: "string", value: text };
  }
}

/** Applies one `ce-` user property: a spec attribute by name, otherwise an extension. */
function applyProperty(fields: BinaryFields, key: string, text: string): void {
  const name = prefixedName(key);
  switch (name) {
    case "specversion": return; // checked before; Go re-sets the same value
    case "id": fields.id = text; return;
    case "source": fields.source = text; return;
    case "type": fields.type = text; return;
    case "datacontenttype": fields.datacontenttype = text; return;
    case "dataschema": fields.dataschema = text; return;
    case "subject": fields.subject = text; return;
    case "time": fields.time = timestampText(key, text); return;
  }
  fields.extensions[name] = typedExtension(key, name, text);
}

function dataView(payload: Uint8Array): Uint8Array | undefined {
  if (payload.byteLength === 0) return undefined;
  // A Buffer from mqtt.js becomes a plain Uint8Array view (no copy), so events compare equal.
  return payload.constructor === Uint8Array ? payload : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
}

function fromBinary(msg: MqttEventMessage, props: MqttUserProperties): CloudEvent {
  const fields: BinaryFields = { id: "", source: "", type: "", extensions: {} };
  if (msg.contentType !== undefined && msg.contentType !== "") fields.datacontenttype = msg.contentType;
  for (const key of Object.keys(props)) {
    if (!key.startsWith(ATTRIBUTE_PREFIX)) continue; // sdk-go ignores un-prefixed user properties
    const text = lastValue(props[key]);
    if (text !== undefined) applyProperty(fields, key, text);
  }
  requireBinaryAttributes(fields, (name) => `user property ${ATTRIBUTE_PREFIX}${name}`);
  return { specversion: SPEC_VERSION, ...fields, data: dataView(msg.payload) };
}

/**
 * Reads an MQTT v5 message as sdk-go's mqtt_paho binding does: a non-empty `ce-specversion`
 * user property means binary mode (it must be "1.0"); otherwise a `Content Type` of
 * application/cloudevents+json means structured mode (the payload is a JSON CloudEvent, read
 * with the JSON codec); anything else is an unknown encoding. In binary mode `resourceversion`
 * becomes an integer and `deletiontimestamp` a timestamp (MQTT_TYPED_EXTENSIONS), other
 * extensions stay strings. Every problem throws MaestroError(BadRequest) naming it.
 * Example: `decodeMqttMessage(encodeMqttMessage(evt))` deep-equals `evt` (for OCM events).
 */
export function decodeMqttMessage(msg: MqttEventMessage): CloudEvent {
  const props = msg.userProperties ?? {};
  const version = lastValue(props[SPEC_VERSION_KEY]);
  if (version !== undefined && version !== "") {
    if (version !== SPEC_VERSION) throw Errors.badRequest(`unsupported ce-specversion ${JSON.stringify(version)}`);
    return fromBinary(msg, props);
  }
  const media = msg.contentType === undefined ? "" : mediaType(msg.contentType);
  if (media === STRUCTURED_JSON_CONTENT_TYPE) return decodeCloudEventJson(msg.payload);
  if (media === STRUCTURED_BATCH_CONTENT_TYPE) throw Errors.badRequest("structured batch CloudEvents are not supported");
  throw Errors.badRequest("unknown message encoding: no ce-specversion user property and no application/cloudevents+json content type");
}

// ---- Topics (maestro-wire.md 4.1; sdk-go pkg/cloudevents/generic/types) ----

/** Any events topic (sdk-go `EventsTopicPattern`). Example: matches `sources/maestro/consumers/+/agentevents`. */
export const EVENTS_TOPIC_PATTERN = /^(\$share\/[a-z0-9-]+\/)?([a-z]+)\/([a-z0-9-]+|\+)\/([a-z]+)\/([a-z0-9-]+|\+)\/(sourceevents|agentevents)$/;
/** The source events topic. Example: matches `sources/maestro/consumers/cluster1/sourceevents`. */
export const SOURCE_EVENTS_TOPIC_PATTERN = /^(\$share\/[a-z0-9-]+\/)?([a-z]+)\/([a-z0-9-]+|\+)\/([a-z]+)\/([a-z0-9-]+|\+)\/sourceevents$/;
/** The agent events topic. Example: matches `$share/g/sources/maestro/consumers/+/agentevents`. */
export const AGENT_EVENTS_TOPIC_PATTERN = /^(\$share\/[a-z0-9-]+\/)?([a-z]+)\/([a-z0-9-]+|\+)\/([a-z]+)\/([a-z0-9-]+|\+)\/agentevents$/;
/** The optional source broadcast topic. Example: matches `sources/+/sourcebroadcast`. */
export const SOURCE_BROADCAST_TOPIC_PATTERN = /^(\$share\/[a-z0-9-]+\/)?([a-z]+)\/([a-z0-9-]+|\+)\/sourcebroadcast$/;
/** The optional agent broadcast topic. Example: matches `clusters/+/agentbroadcast`. */
export const AGENT_BROADCAST_TOPIC_PATTERN = /^(\$share\/[a-z0-9-]+\/)?([a-z]+)\/([a-z0-9-]+|\+)\/agentbroadcast$/;
/** A consumer name that fits a topic segment of the patterns above (so: MQTT mode's rule). */
export const MQTT_CONSUMER_NAME_PATTERN = /^[a-z0-9-]+$/;

const SHARE_PREFIX = /^\$share\/[^/]+\//;

/**
 * A topic filter without its `$share/<group>/` prefix (what the broker puts on delivered messages).
 * Example: `unsharedTopic("$share/g/sources/maestro/consumers/+/agentevents")` -> "sources/maestro/consumers/+/agentevents".
 */
export function unsharedTopic(template: string): string {
  return template.replace(SHARE_PREFIX, "");
}

/**
 * The topic to publish to for one consumer: the first `+` of the template replaced by the
 * consumer name (sdk-go's `strings.Replace(topic, "+", cluster, 1)`). A name that cannot be a
 * topic segment of Maestro's patterns throws MaestroError(BadRequest).
 * Example: `consumerTopic("sources/maestro/consumers/+/sourceevents", "cluster1")` -> "sources/maestro/consumers/cluster1/sourceevents".
 */
export function consumerTopic(template: string, consumer: string): string {
  if (!MQTT_CONSUMER_NAME_PATTERN.test(consumer)) {
    throw Errors.badRequest(`consumer name ${JSON.stringify(consumer)} cannot be used in an MQTT topic: it must match ${MQTT_CONSUMER_NAME_PATTERN.source}`);
  }
  return template.replace("+", consumer);
}

/**
 * The consumer a received topic belongs to: the inverse of consumerTopic. The topic must match
 * the template (without any `$share/<group>/` prefix) segment by segment, a `+` matching one
 * segment; the segment under the template's first `+` is the consumer. Returns undefined when
 * the topic does not fit the template, the template has no `+`, or the segment is not a valid
 * consumer name.
 * Example: `topicConsumer("$share/g/sources/maestro/consumers/+/agentevents", "sources/maestro/consumers/c1/agentevents")` -> "c1".
 */
export function topicConsumer(template: string, topic: string): string | undefined {
  const want = unsharedTopic(template).split("/");
  const got = topic.split("/");
  if (want.length !== got.length) return undefined;
  let consumer: string | undefined;
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "+") {
      if (got[i] === "") return undefined;
      consumer ??= got[i];
    } else if (want[i] !== got[i]) {
      return undefined;
    }
  }
  return consumer !== undefined && MQTT_CONSUMER_NAME_PATTERN.test(consumer) ? consumer : undefined;
}

/**
 * The source id an events topic names: its second segment after any `$share/<group>/` prefix
 * (sdk-go `getSourceFromEventsTopic`). A topic that is not an events topic throws
 * MaestroError(BadRequest).
 * Example: `eventsTopicSource("$share/g/sources/maestro/consumers/+/agentevents")` -> "maestro".
 */
export function eventsTopicSource(topic: string): string {
  if (!EVENTS_TOPIC_PATTERN.test(topic)) throw Errors.badRequest(`failed to get source from topic: ${JSON.stringify(topic)}`);
  return unsharedTopic(topic).split("/")[1]!;
}

/**
 * The server's subscribe-time check: the source segment of its agentEvents topic must be its
 * source id, or it would never receive a status. Throws MaestroError(BadRequest) with sdk-go's text.
 * Example: `checkAgentEventsSource("sources/maestro/consumers/+/agentevents", "maestro")` passes.
 */
export function checkAgentEventsSource(agentEventsTopic: string, sourceId: string): void {
  if (eventsTopicSource(agentEventsTopic) !== sourceId) {
    throw Errors.badRequest(`the topic source ${JSON.stringify(agentEventsTopic)} does not match with the client sourceID ${JSON.stringify(sourceId)}`);
  }
}
