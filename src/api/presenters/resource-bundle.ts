// The ResourceBundle JSON of Maestro's REST API (maestro-wire.md 5.3): the stored spec payload
// split into metadata/manifests/manifest_configs/delete_option, and the status with
// ObservedVersion/SequenceID once an agent has reported.

import type { BundleRow } from "../../store/resource-repository.ts";
import type { ResourceBundle } from "../rest-model.ts";
import { jsonKind, jsonMembers, memberText, type JsonMembers } from "./json-members.ts";
import { rfc3339Nano, rfc3339Seconds } from "./time.ts";

/** Top-level keys of a ResourceBundle, for `fields` validation. */
export const RESOURCE_BUNDLE_KEYS = [
  "consumer_name", "created_at", "deleted_at", "delete_option", "href", "id", "kind",
  "manifest_configs", "manifests", "metadata", "name", "status", "updated_at", "version",
] as const;

/** A stored timestamp in Go's RFC3339Nano, as a JSON string literal. */
const timeJson = (date: Date) => JSON.stringify(rfc3339Nano(date));

/** The JSON text of a member when its value is of `kind`, else undefined. */
function typedMember(text: string, members: JsonMembers, key: string, kind: "object" | "array"): string | undefined {
  const value = memberText(text, members, key);
  return jsonKind(value) === kind ? value : undefined;
}

/** The work metadata: the source's, with creationTimestamp (and deletionTimestamp while deleting) from the row; {} if none. */
function metadataJson(row: BundleRow, metadata: string | undefined): string {
  if (metadata === undefined) return "{}";
  const meta = JSON.parse(metadata) as Record<string, unknown>;
  meta.creationTimestamp = rfc3339Seconds(row.createdAt);
  if (row.deletedAt) meta.deletionTimestamp = rfc3339Seconds(row.deletedAt);
  return JSON.stringify(meta);
}

/** A member read as PostgreSQL's `->>` would: a string's value, else the value's JSON text. */
function memberString(text: string, members: JsonMembers, key: string): string | undefined {
  const value = memberText(text, members, key);
  return value !== undefined && value.startsWith('"') ? (JSON.parse(value) as string) : value;
}

/**
 * The status object: `{ObservedVersion, SequenceID, conditions, resourceStatus?}` from the stored
 * status event, or undefined before the first status. Capitalised keys are Maestro's (a Go
 * struct without JSON tags); resourceStatus only when a non-empty array (Go's omitempty).
 */
function statusJson(status: string | null): string | undefined {
  if (status === null) return undefined;
  const members = jsonMembers(status, 0, "data");
  const dataMembers = members?.get("data")?.members;
  const version = Number(memberString(status, members, "resourceversion") ?? 0);
  const sequenceId = memberString(status, members, "sequenceid") ?? "";
  const conditions = memberText(status, dataMembers, "conditions") ?? "null";
  const head = `{"ObservedVersion":${Number.isFinite(version) ? version : 0},"SequenceID":${JSON.stringify(sequenceId)},"conditions":${conditions}`;
  const resourceStatus = typedMember(status, dataMembers, "resourceStatus", "array");
  const nonEmpty = resourceStatus !== undefined && !/^\[\s*\]$/.test(resourceStatus);
  return nonEmpty ? `${head},"resourceStatus":${resourceStatus}}` : `${head}}`;
}

/**
 * One ResourceBundle as JSON text, keys in Maestro's order. The large parts (manifests,
 * manifest configs, status) are cut out of the stored JSON text and spliced in unparsed: for a
 * 600-bundle list (~16 MB) that is ~3x cheaper than JSON.parse + JSON.stringify.
 * Example: `resourceBundleJson(await repo.getBundle(id))` → `{"consumer_name":"c1",…}`.
 */
export function resourceBundleJson(row: BundleRow): string {
  const payload = row.payloadJson;
  const members = jsonMembers(payload, 0, "data");
  const bundle = members?.get("data")?.members;
  const status = statusJson(row.statusJson);
  return [
    `{"consumer_name":${JSON.stringify(row.consumerName)}`,
    `"created_at":${timeJson(row.createdAt)}`,
    ...(row.deletedAt ? [`"deleted_at":${timeJson(row.deletedAt)}`] : []),
    `"delete_option":${typedMember(payload, bundle, "deleteOption", "object") ?? "{}"}`,
    `"href":${JSON.stringify(`/api/maestro/v1/resource-bundles/${row.id}`)}`,
    `"id":${JSON.stringify(row.id)}`,
    `"kind":"ResourceBundle"`,
    `"manifest_configs":${typedMember(payload, bundle, "manifestConfigs", "array") ?? "[]"}`,
    `"manifests":${typedMember(payload, bundle, "manifests", "array") ?? "[]"}`,
    `"metadata":${metadataJson(row, typedMember(payload, members, "metadata", "object"))}`,
    `"name":${JSON.stringify(row.name)}`,
    ...(status ? [`"status":${status}`] : []),
    `"updated_at":${timeJson(row.updatedAt)}`,
    `"version":${row.version}}`,
  ].join(",");
}

/**
 * Presents a stored resource as an object (single reads and `fields` projections).
 * Example: `presentResourceBundle(row).kind === "ResourceBundle"`.
 */
export function presentResourceBundle(row: BundleRow): ResourceBundle {
  return JSON.parse(resourceBundleJson(row)) as ResourceBundle;
}
