// The CloudEvent model shared by every layer: one definition of an event, its typed attribute
// values and timestamps, used by the protobuf codec, the store, the server and the agent.

/** Any value JSON can carry; manifests and statuses are trees of these. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object (a Kubernetes manifest, a status, a metadata map). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * A protobuf-style timestamp. Go emits nanosecond precision (`2025-12-16T06:00:17.921082037Z`),
 * which a JS Date cannot hold, so times stay as seconds + nanos end to end.
 * Example: `{ seconds: 1765864817, nanos: 921082037 }`.
 */
export interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

/**
 * A typed CloudEvent attribute value, one case per `CloudEventAttributeValue` oneof member
 * (maestro-wire.md 1.1). Keeping the kind lets an event re-encode to the bytes it came from.
 * Example: `{ kind: "integer", value: 3 }` for `ce-resourceversion`.
 */
export type AttributeValue =
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "bytes"; readonly value: Uint8Array }
  | { readonly kind: "uri"; readonly value: string }
  | { readonly kind: "uriRef"; readonly value: string }
  | { readonly kind: "timestamp"; readonly value: Timestamp };

/** The kind tag of an AttributeValue. */
export type AttributeKind = AttributeValue["kind"];

/**
 * A CloudEvent in binary-mode shape: the required context attributes, the optional ones,
 * extensions by name (lower-case, without the `ce-` wire prefix) and the raw data bytes.
 * Data stays as bytes: the layer that needs a ManifestBundle parses it exactly once.
 * Example: `{ specversion: "1.0", id, source: "maestro", type: "…spec.create_request",
 * datacontenttype: "application/json", extensions: { resourceid: {kind:"string", value} }, data }`.
 */
export interface CloudEvent {
  readonly specversion: string;
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly subject?: string;
  readonly time?: Timestamp;
  readonly extensions: Readonly<Record<string, AttributeValue>>;
  readonly data?: Uint8Array;
}

/** The CloudEvents spec version every OCM event carries. */
export const SPEC_VERSION = "1.0";
/** The content type of every spec, status and resync payload. */
export const JSON_CONTENT_TYPE = "application/json";

/** Extension names of maestro-wire.md 2.2, spelled once. */
export const Ext = {
  resourceId: "resourceid",
  resourceVersion: "resourceversion",
  clusterName: "clustername",
  originalSource: "originalsource",
  deletionTimestamp: "deletiontimestamp",
  sequenceId: "sequenceid",
  statusHash: "statushash",
  metadata: "metadata",
  logTracing: "logtracing",
} as const;
