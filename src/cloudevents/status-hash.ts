// The `statushash` extension (maestro-wire.md 2.6): sha256 of the ManifestWork status exactly as
// sdk-go computes it (the typed status converted to unstructured, then Go json.Marshal).

import { goJsonMarshal } from "./go-json.ts";
import type { Condition, FeedbackValue, ManifestBundleStatus, ManifestCondition } from "./manifest-bundle.ts";
import { formatTimestampSeconds, parseTimestamp } from "./time.ts";
import type { JsonObject, JsonValue } from "./types.ts";

/** sha256 of the empty string: Maestro's hash for a resource that has no status at all. */
export const EMPTY_STATUS_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * Lower-case hex sha256 of a string's UTF-8 bytes (Bun.CryptoHasher: ~2x node:crypto's
 * createHash on 1 KB when measured).
 * Example: `sha256Hex("")` -> EMPTY_STATUS_HASH.
 */
export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text, "utf8").digest("hex");
}

/** Go's zero time.Time (0001-01-01T00:00:00Z), which metav1.Time marshals as null. */
const GO_ZERO_TIME_SECONDS = -62_135_596_800;

/** metav1.Time as JSON: zero/absent -> null, else re-rendered in UTC whole seconds (RFC3339). */
function metaTime(value: string | null | undefined): JsonValue {
  if (value === undefined || value === null) return null;
  try {
    const ts = parseTimestamp(value);
    return ts.seconds === GO_ZERO_TIME_SECONDS && ts.nanos === 0 ? null : formatTimestampSeconds(ts);
  } catch {
    return value; // Go could not have decoded it; hash what we were given rather than fail.
  }
}

/** metav1.Condition: observedGeneration omitempty, every other field always present. */
function conditionObject(c: Condition): JsonObject {
  const out: JsonObject = { type: c.type ?? "", status: c.status ?? "" };
  if (c.observedGeneration !== undefined && c.observedGeneration !== null && c.observedGeneration !== 0) {
    out.observedGeneration = c.observedGeneration;
  }
  out.lastTransitionTime = metaTime(c.lastTransitionTime);
  out.reason = c.reason ?? "";
  out.message = c.message ?? "";
  return out;
}

/** work/v1 FieldValue: type always, each pointer member only when set. */
function feedbackValueObject(v: FeedbackValue): JsonObject {
  const fv: Partial<FeedbackValue["fieldValue"]> = v.fieldValue ?? {};
  const out: JsonObject = { type: fv.type ?? "" };
  if (fv.integer !== undefined && fv.integer !== null) out.integer = fv.integer;
  if (fv.string !== undefined && fv.string !== null) out.string = fv.string;
  if (fv.boolean !== undefined && fv.boolean !== null) out.boolean = fv.boolean;
  if (fv.jsonRaw !== undefined && fv.jsonRaw !== null) out.jsonRaw = fv.jsonRaw;
  return { name: v.name ?? "", fieldValue: out };
}

/** work/v1 ManifestCondition: resourceMeta and statusFeedback are structs (always present, `{}` when empty); conditions may be null. */
function manifestConditionObject(m: ManifestCondition): JsonObject {
  const meta: Partial<ManifestCondition["resourceMeta"]> = m.resourceMeta ?? {};
  const values = m.statusFeedback?.values;
  const statusFeedback: JsonObject = values && values.length > 0 ? { values: values.map(feedbackValueObject) } : {};
  return {
    resourceMeta: {
      ordinal: meta.ordinal ?? 0,
      group: meta.group ?? "",
      version: meta.version ?? "",
      kind: meta.kind ?? "",
      resource: meta.resource ?? "",
      name: meta.name ?? "",
      namespace: meta.namespace ?? "",
    },
    statusFeedback,
    conditions: m.conditions ? m.conditions.map(conditionObject) : null,
  };
}

/**
 * The object sdk-go hashes: `ManifestWork.status` in unstructured form,
 * `{"conditions":[…],"resourceStatus":{"manifests":[…]}}`. The bundle status' flat
 * `resourceStatus` list moves under `resourceStatus.manifests`; Go omitempty rules apply
 * (`conditions` and `manifests` dropped when empty, `resourceStatus` kept as `{}`, condition
 * `observedGeneration` dropped when 0, feedback `{}` when it has no values); unknown fields drop.
 * Example: `workStatusObject({ conditions: null })` -> `{ resourceStatus: {} }`.
 */
export function workStatusObject(status: ManifestBundleStatus): JsonObject {
  const out: JsonObject = {};
  if (status.conditions && status.conditions.length > 0) out.conditions = status.conditions.map(conditionObject);
  const manifests = status.resourceStatus;
  out.resourceStatus = manifests && manifests.length > 0 ? { manifests: manifests.map(manifestConditionObject) } : {};
  return out;
}

/**
 * sdk-go's status hash of a bundle status: sha256 hex of Go json.Marshal(workStatusObject(status)).
 * Example: the status in fixtures cloudevents.agent.json -> "6170884280acbd9d5e69ac59a00ef7cf84d50669621643782e7a3f1ab05836cf".
 */
export function workStatusHash(status: ManifestBundleStatus): string {
  return sha256Hex(goJsonMarshal(workStatusObject(status)));
}

/**
 * The hash a server reports for a resource: EMPTY_STATUS_HASH when it has no status yet,
 * otherwise workStatusHash.
 * Example: `statusHash(null)` -> "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".
 */
export function statusHash(status: ManifestBundleStatus | null | undefined): string {
  return status === null || status === undefined ? EMPTY_STATUS_HASH : workStatusHash(status);
}
