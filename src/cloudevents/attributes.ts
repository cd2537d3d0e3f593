// Reading extensions as leniently as Go's CloudEvents `types.To*` helpers (an integer may arrive
// as a numeric string over MQTT, a time as an RFC3339 string), and typed builders for writing them.

import { Errors } from "../errors.ts";
import { encodeBase64 } from "./base64.ts";
import { isInt32 } from "./proto-wire.ts";
import { formatTimestamp, parseTimestamp, timestampProblem } from "./time.ts";
import type { AttributeValue, CloudEvent, Timestamp } from "./types.ts";

const DECIMAL_INTEGER = /^[+-]?\d{1,10}$/;

function missing(name: string): never {
  throw Errors.validation(`missing required extension ${JSON.stringify(name)}`);
}

function wrongKind(name: string, want: string, got: AttributeValue): never {
  throw Errors.validation(`extension ${JSON.stringify(name)} must be ${want}, got a ${got.kind} value`);
}

/**
 * Reads an optional string extension; accepts string, uri and uriRef values.
 * Example: `readOptionalString(event, Ext.statusHash)` -> "6170…36cf" or undefined.
 */
export function readOptionalString(event: CloudEvent, name: string): string | undefined {
  const v = event.extensions[name];
  if (v === undefined) return undefined;
  if (v.kind === "string" || v.kind === "uri" || v.kind === "uriRef") return v.value;
  return wrongKind(name, "a string", v);
}

/**
 * Reads a required string extension (Go `types.ToString`); a missing one is an error naming it.
 * Example: `readString(event, Ext.resourceId)` -> "55c61e54-a3f6-563d-9fec-b1fe297bdfdb".
 */
export function readString(event: CloudEvent, name: string): string {
  return readOptionalString(event, name) ?? missing(name);
}

/**
 * Parses the decimal string form of an integer extension: optional sign, digits, int32 range.
 * Go's `ParseInteger` also truncates "1.5" to 1; we reject it, as no OCM producer sends fractions.
 * Example: `parseIntegerText("resourceversion", "3")` -> 3.
 */
export function parseIntegerText(name: string, text: string): number {
  const n = DECIMAL_INTEGER.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(n)) {
    throw Errors.validation(`extension ${JSON.stringify(name)}: ${JSON.stringify(text)} is not a decimal integer`);
  }
  if (!isInt32(n)) throw Errors.validation(`extension ${JSON.stringify(name)}: ${text} is out of int32 range`);
  return n;
}

/**
 * Reads an optional integer extension: an integer value, or a string holding a decimal integer.
 * Example: `readOptionalInteger(event, Ext.resourceVersion)` -> 1 for `{kind:"string", value:"1"}`.
 */
export function readOptionalInteger(event: CloudEvent, name: string): number | undefined {
  const v = event.extensions[name];
  if (v === undefined) return undefined;
  if (v.kind === "integer") return v.value;
  if (v.kind === "string") return parseIntegerText(name, v.value);
  return wrongKind(name, "an integer or a numeric string", v);
}

/**
 * Reads a required integer extension (Go `types.ToInteger`).
 * Example: `readInteger(event, Ext.resourceVersion)` -> 1.
 */
export function readInteger(event: CloudEvent, name: string): number {
  return readOptionalInteger(event, name) ?? missing(name);
}

/**
 * Reads an optional time extension: a timestamp value, or a string in RFC3339 form.
 * Example: `readOptionalTime(event, Ext.deletionTimestamp)` -> `{ seconds, nanos }` or undefined.
 */
export function readOptionalTime(event: CloudEvent, name: string): Timestamp | undefined {
  const v = event.extensions[name];
  if (v === undefined) return undefined;
  if (v.kind === "timestamp") return v.value;
  if (v.kind !== "string") return wrongKind(name, "a timestamp or an RFC3339 string", v);
  try {
    return parseTimestamp(v.value);
  } catch (err) {
    throw Errors.validation(`extension ${JSON.stringify(name)}: ${(err as Error).message.replace(/^maestro-\d+: /, "")}`);
  }
}

/**
 * Reads a required time extension (Go `types.ToTime`).
 * Example: `readTime(event, Ext.deletionTimestamp)` -> `{ seconds: 1728986046, nanos: 582625606 }`.
 */
export function readTime(event: CloudEvent, name: string): Timestamp {
  return readOptionalTime(event, name) ?? missing(name);
}

/**
 * A string extension value. Example: `stringAttr("cluster1")` -> `{ kind: "string", value: "cluster1" }`.
 */
export function stringAttr(value: string): AttributeValue {
  return { kind: "string", value };
}

/**
 * An integer extension value; throws MaestroError(BadRequest) outside int32, as Go's
 * `types.Validate` does. Example: `integerAttr(3)` -> `{ kind: "integer", value: 3 }`.
 */
export function integerAttr(value: number): AttributeValue {
  if (!isInt32(value)) throw Errors.badRequest(`cannot convert ${value} to int32: out of range`);
  return { kind: "integer", value };
}

/** A boolean extension value. Example: `booleanAttr(true)` -> `{ kind: "boolean", value: true }`. */
export function booleanAttr(value: boolean): AttributeValue {
  return { kind: "boolean", value };
}

/**
 * A timestamp extension value; throws MaestroError(BadRequest) for an invalid Timestamp.
 * Example: `timeAttr(timestampNow())` -> `{ kind: "timestamp", value: { seconds, nanos } }`.
 */
export function timeAttr(value: Timestamp): AttributeValue {
  const problem = timestampProblem(value);
  if (problem !== undefined) throw Errors.badRequest(`invalid timestamp: ${problem}`);
  return { kind: "timestamp", value };
}

/** A bytes extension value. Example: `bytesAttr(new Uint8Array([1]))` -> `{ kind: "bytes", value }`. */
export function bytesAttr(value: Uint8Array): AttributeValue {
  return { kind: "bytes", value };
}

/** A URI extension value. Example: `uriAttr("https://example.com/x")` -> `{ kind: "uri", value }`. */
export function uriAttr(value: string): AttributeValue {
  return { kind: "uri", value };
}

/** A URI-reference extension value. Example: `uriRefAttr("/x")` -> `{ kind: "uriRef", value: "/x" }`. */
export function uriRefAttr(value: string): AttributeValue {
  return { kind: "uriRef", value };
}

/**
 * The canonical string form (Go `types.Format`) used where every attribute is a string (MQTT
 * user properties, Pub/Sub attributes): decimal integers, true/false, RFC3339Nano, base64.
 * Example: `formatAttributeValue({ kind: "integer", value: 3 })` -> "3".
 */
export function formatAttributeValue(v: AttributeValue): string {
  switch (v.kind) {
    case "boolean": return v.value ? "true" : "false";
    case "integer": return String(v.value);
    case "timestamp": return formatTimestamp(v.value);
    case "bytes": return encodeBase64(v.value);
    case "string":
    case "uri":
    case "uriRef": return v.value;
  }
}
