// CloudEvents structured JSON (what Go's event.MarshalJSON writes and ReadJson reads) and the
// "stored payload" variant Maestro keeps in its payload/status columns (metadata as an object).

import { Errors } from "../errors.ts";
import { decodeBase64, encodeBase64 } from "./base64.ts";
import { goJsonMarshal } from "./go-json.ts";
import { isInt32 } from "./proto-wire.ts";
import { formatTimestamp, parseTimestamp } from "./time.ts";
import { Ext, SPEC_VERSION } from "./types.ts";
import type { AttributeValue, CloudEvent, JsonObject, JsonValue, Timestamp } from "./types.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const EXTENSION_NAME = /^[a-z0-9]+$/;
const CORE_KEYS = new Set(["specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time", "data", "data_base64"]);
const JSON_MEDIA_TYPES = new Set(["", "application/json", "text/json", "application/cloudevents+json", "application/cloudevents-batch+json"]);

/**
 * True when `data` travels as inline JSON for this content type (Go's `isJSON`: empty,
 * application/json, text/json, the CE formats, any `+json` suffix; parameters ignored).
 * Example: `isJsonContentType("application/json; charset=utf-8")` -> true.
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const semi = contentType.indexOf(";");
  const media = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return JSON_MEDIA_TYPES.has(media) || media.endsWith("+json");
}

/**
 * Checks an extension name as Go's SetExtension does (after lower-casing): 1+ of [a-z0-9].
 * Returns the lower-cased name or throws MaestroError(BadRequest).
 * Example: `extensionName("ResourceID")` -> "resourceid".
 */
export function extensionName(name: string): string {
  const lower = name.toLowerCase();
  if (!EXTENSION_NAME.test(lower)) {
    throw Errors.badRequest(`bad extension name ${JSON.stringify(name)}: CloudEvents attribute names must be non-empty lower-case ASCII letters or digits`);
  }
  return lower;
}

/** CloudEvents v1.0 context attribute names, which an extension may not reuse. */
export const SPEC_ATTRIBUTE_NAMES: ReadonlySet<string> = new Set(["specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time"]);

/**
 * The writer-side check of an extension name: valid syntax (extensionName) and not a spec
 * attribute name (Go refuses to let an extension overwrite one). Throws MaestroError(BadRequest).
 * Example: `writableExtensionName("time")` throws; `writableExtensionName("resourceid")` -> "resourceid".
 */
export function writableExtensionName(name: string): string {
  const lower = extensionName(name);
  if (SPEC_ATTRIBUTE_NAMES.has(lower) || lower === "data" || lower === "data_base64") {
    throw Errors.badRequest(`bad extension name ${JSON.stringify(name)}: CloudEvents spec attribute must not be overwritten by an extension`);
  }
  return lower;
}

/**
 * Parses event data bytes as JSON, or throws MaestroError(BadRequest).
 * Example: `parseJsonData(new TextEncoder().encode('{"manifests":[]}'))` -> `{ manifests: [] }`.
 */
export function parseJsonData(data: Uint8Array): JsonValue {
  try {
    return JSON.parse(utf8Decoder.decode(data)) as JsonValue;
  } catch (err) {
    throw Errors.badRequest(`invalid JSON data: ${(err as Error).message}`);
  }
}

function extensionToJson(v: AttributeValue): JsonValue {
  switch (v.kind) {
    case "integer":
    case "boolean":
    case "string":
    case "uri":
    case "uriRef": return v.value;
    case "timestamp": return formatTimestamp(v.value);
    case "bytes": return encodeBase64(v.value);
  }
}

function putData(out: JsonObject, event: CloudEvent): void {
  if (event.data === undefined) return;
  if (isJsonContentType(event.datacontenttype)) {
    try {
      out.data = JSON.parse(utf8Decoder.decode(event.data)) as JsonValue;
      return;
    } catch {
      // Bytes that are not JSON despite the content type still round-trip, as base64.
    }
  }
  out.data_base64 = encodeBase64(event.data);
}

/**
 * The structured JSON form: core attributes, `data` (parsed JSON) or `data_base64`, then every
 * extension as a top-level key (integer -> number, timestamp -> RFC3339Nano, bytes -> base64).
 * Example: `cloudEventToJson(evt)` -> `{ specversion: "1.0", id, source, type, time: "2025-…Z", data: {…}, resourceversion: 1 }`.
 */
export function cloudEventToJson(event: CloudEvent): JsonObject {
  const out: JsonObject = { specversion: event.specversion, id: event.id, source: event.source, type: event.type };
  if (event.datacontenttype !== undefined) out.datacontenttype = event.datacontenttype;
  if (event.dataschema !== undefined) out.dataschema = event.dataschema;
  if (event.subject !== undefined) out.subject = event.subject;
  if (event.time !== undefined) out.time = formatTimestamp(event.time);
  putData(out, event);
  for (const name of Object.keys(event.extensions)) out[writableExtensionName(name)] = extensionToJson(event.extensions[name]!);
  return out;
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw Errors.badRequest(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

function requiredString(obj: Record<string, unknown>, name: string): string {
  const v = obj[name];
  if (v === undefined || v === null || v === "") throw Errors.badRequest(`cloudevent is missing required attribute ${name}`);
  if (typeof v !== "string") throw Errors.badRequest(`cloudevent attribute ${name} must be a string`);
  return v;
}

function optionalString(obj: Record<string, unknown>, name: string): string | undefined {
  const v = obj[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw Errors.badRequest(`cloudevent attribute ${name} must be a string`);
  return v;
}

function jsonToExtension(name: string, v: unknown): AttributeValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return { kind: "string", value: v };
  if (typeof v === "boolean") return { kind: "boolean", value: v };
  if (typeof v === "number") {
    if (!isInt32(v)) throw Errors.badRequest(`extension ${name}: cannot convert ${v} to int32`);
    return { kind: "integer", value: v };
  }
  throw Errors.badRequest(`extension ${name}: invalid CloudEvents value (objects and arrays are not allowed)`);
}

function readData(obj: Record<string, unknown>, contentType: string | undefined): Uint8Array | undefined {
  const data = obj.data;
  const base64 = obj.data_base64;
  const hasData = data !== undefined && data !== null;
  const hasBase64 = base64 !== undefined && base64 !== null;
  if (hasData && hasBase64) throw Errors.badRequest("cloudevent has both data and data_base64");
  if (hasBase64) {
    if (typeof base64 !== "string") throw Errors.badRequest("data_base64 must be a string");
    return decodeBase64(base64, "data_base64");
  }
  if (!hasData) return undefined;
  if (isJsonContentType(contentType)) return utf8Encoder.encode(JSON.stringify(data));
  if (typeof data !== "string") {
    throw Errors.badRequest(`unexpected data payload for media type ${JSON.stringify(contentType)}, expected a string`);
  }
  return utf8Encoder.encode(data);
}

function readTime(obj: Record<string, unknown>): Timestamp | undefined {
  const text = optionalString(obj, "time");
  return text === undefined ? undefined : parseTimestamp(text);
}

/**
 * Reads a structured JSON CloudEvent (an already-parsed value). Requires specversion "1.0" and
 * non-empty id, source, type; other keys become extensions (lower-cased, [a-z0-9]+; strings,
 * booleans and int32 numbers; null means absent). Throws MaestroError(BadRequest) otherwise.
 * Example: `cloudEventFromJson(JSON.parse(text)).extensions.resourceversion` -> `{ kind: "integer", value: 1 }`.
 */
export function cloudEventFromJson(value: unknown): CloudEvent {
  const obj = requireObject(value, "cloudevent");
  const specversion = obj.specversion;
  if (specversion === undefined) throw Errors.badRequest("cloudevent has no specversion");
  if (specversion !== SPEC_VERSION) throw Errors.badRequest(`cloudevent specversion: unknown value: ${String(specversion)}`);
  const datacontenttype = optionalString(obj, "datacontenttype");
  const extensions: Record<string, AttributeValue> = {};
  for (const key of Object.keys(obj)) {
    if (CORE_KEYS.has(key)) continue;
    const name = extensionName(key);
    const ext = jsonToExtension(name, obj[key]);
    if (ext !== undefined) extensions[name] = ext;
  }
  return {
    specversion: SPEC_VERSION,
    id: requiredString(obj, "id"),
    source: requiredString(obj, "source"),
    type: requiredString(obj, "type"),
    datacontenttype,
    dataschema: optionalString(obj, "dataschema"),
    subject: optionalString(obj, "subject"),
    time: readTime(obj),
    extensions,
    data: readData(obj, datacontenttype),
  };
}

/**
 * Serialises a CloudEvent as structured JSON text (`application/cloudevents+json`).
 * Example: `encodeCloudEventJson(evt)` -> `{"specversion":"1.0","id":"…",…}`.
 */
export function encodeCloudEventJson(event: CloudEvent): string {
  return JSON.stringify(cloudEventToJson(event));
}

/**
 * Parses structured JSON text or UTF-8 bytes into a CloudEvent; invalid JSON and missing
 * attributes throw MaestroError(BadRequest). Also reads structured-mode protobuf payloads.
 * Example: `decodeCloudEventJson('{"specversion":"1.0","id":"1","source":"s","type":"t"}').id` -> "1".
 */
export function decodeCloudEventJson(input: string | Uint8Array): CloudEvent {
  const text = typeof input === "string" ? input : utf8Decoder.decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw Errors.badRequest(`invalid cloudevent JSON: ${(err as Error).message}`);
  }
  return cloudEventFromJson(value);
}

/**
 * Maestro's stored form (DB `payload`/`status` columns): the structured JSON, except the
 * `metadata` extension (a JSON string on the wire) is stored as the JSON object it holds.
 * Example: `cloudEventToStoredPayload(evt).metadata` -> `{ name: "…", namespace: "…" }`.
 */
export function cloudEventToStoredPayload(event: CloudEvent): JsonObject {
  const out = cloudEventToJson(event);
  const meta = event.extensions[Ext.metadata];
  if (meta !== undefined && meta.kind === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(meta.value);
    } catch (err) {
      throw Errors.badRequest(`failed to unmarshal metadata extension: ${(err as Error).message}`);
    }
    out[Ext.metadata] = requireObject(parsed, "metadata extension") as JsonObject;
  }
  return out;
}

/**
 * Reads the stored form back: a `metadata` object becomes its Go json.Marshal string again
 * (sorted keys), numbers become integers, and a `deletiontimestamp` string becomes a timestamp.
 * Example: `cloudEventFromStoredPayload(row.payload).extensions.metadata.kind` -> "string".
 */
export function cloudEventFromStoredPayload(value: unknown): CloudEvent {
  const obj = requireObject(value, "stored cloudevent payload");
  const meta = obj[Ext.metadata];
  const wire = typeof meta === "object" && meta !== null ? { ...obj, [Ext.metadata]: goJsonMarshal(meta as JsonValue) } : obj;
  const event = cloudEventFromJson(wire);
  const deletion = event.extensions[Ext.deletionTimestamp];
  if (deletion === undefined || deletion.kind !== "string") return event;
  const extensions = { ...event.extensions, [Ext.deletionTimestamp]: { kind: "timestamp", value: parseTimestamp(deletion.value) } as const };
  return { ...event, extensions };
}
