// The ResourceBundle JSON of Maestro's REST API (maestro-wire.md 5.3): the stored spec payload
// split into metadata/manifests/manifest_configs/delete_option, and the status with
// ObservedVersion/SequenceID once an agent has reported.

import type { Condition, ManifestCondition } from "../../cloudevents/manifest-bundle.ts";
import type { JsonObject, JsonValue } from "../../cloudevents/types.ts";
import type { ResourceBundle, ResourceBundleStatus } from "../rest-model.ts";
import type { ResourceRow } from "../../store/schema.ts";
import { rfc3339Nano, rfc3339Seconds } from "./time.ts";

/** Top-level keys of a ResourceBundle, for `fields` validation. */
export const RESOURCE_BUNDLE_KEYS = [
  "consumer_name", "created_at", "deleted_at", "delete_option", "href", "id", "kind",
  "manifest_configs", "manifests", "metadata", "name", "status", "updated_at", "version",
] as const;


const asObject = (v: JsonValue | undefined): JsonObject | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? v : undefined;
const asArray = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);

function presentMetadata(row: ResourceRow): JsonObject {
  const meta = asObject(row.payload.metadata);
  if (!meta) return {};
  const out: JsonObject = { ...meta, creationTimestamp: rfc3339Seconds(row.createdAt) };
  if (row.deletedAt) out.deletionTimestamp = rfc3339Seconds(row.deletedAt);
  return out;
}

/**
 * The status object: `{ObservedVersion, SequenceID, conditions, resourceStatus?}` from the stored
 * status event, or undefined before the first status. Capitalised keys are Maestro's (a Go
 * struct without JSON tags).
 */
export function presentStatus(status: JsonObject | null): ResourceBundleStatus | undefined {
  if (!status) return undefined;
  const data = asObject(status.data) ?? {};
  const version = status.resourceversion;
  // The stored status was validated as a ManifestBundleStatus when the agent published it.
  const out: ResourceBundleStatus = {
    ObservedVersion: typeof version === "string" ? Number(version) : typeof version === "number" ? version : 0,
    SequenceID: typeof status.sequenceid === "string" ? status.sequenceid : "",
    conditions: (data.conditions ?? null) as Condition[] | null,
  };
  const resourceStatus = data.resourceStatus;
  if (Array.isArray(resourceStatus) && resourceStatus.length > 0) out.resourceStatus = resourceStatus as unknown as ManifestCondition[];
  return out;
}

/**
 * Presents a stored resource. Example: `presentResourceBundle(row).kind === "ResourceBundle"`.
 */
export function presentResourceBundle(row: ResourceRow): ResourceBundle {
  const data = asObject(row.payload.data) ?? {};
  const status = presentStatus(row.status);
  return {
    consumer_name: row.consumerName,
    created_at: rfc3339Nano(row.createdAt),
    ...(row.deletedAt ? { deleted_at: rfc3339Nano(row.deletedAt) } : {}),
    delete_option: asObject(data.deleteOption) ?? {},
    href: `/api/maestro/v1/resource-bundles/${row.id}`,
    id: row.id,
    kind: "ResourceBundle",
    manifest_configs: asArray(data.manifestConfigs),
    manifests: asArray(data.manifests),
    metadata: presentMetadata(row),
    name: row.name,
    ...(status ? { status } : {}),
    updated_at: rfc3339Nano(row.updatedAt),
    version: row.version,
  };
}
