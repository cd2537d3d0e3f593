// Validating reader for the status payload an agent publishes (ManifestBundleStatus), and the
// relayed form with the spec in front (ManifestBundleStatusWithSpec) that sources receive.

import { Errors } from "../errors.ts";
import { parseManifestBundle } from "./bundle-codec.ts";
import { isJsonObject, jsonInput, throwIfAny } from "./json-input.ts";
import type { FieldError } from "./k8s-validation.ts";
import type { ManifestBundleStatus, ManifestBundleStatusWithSpec } from "./manifest-bundle.ts";
import type { JsonObject, JsonValue } from "./types.ts";

const CONDITION_STATUSES = ["True", "False", "Unknown"];

function optionalOfType(obj: JsonObject, key: string, type: "string" | "number" | "object", path: string): FieldError[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  const ok = type === "object" ? isJsonObject(v) : typeof v === type;
  return ok ? [] : [{ path: `${path}.${key}`, type: "Invalid", value: v, detail: `must be a ${type === "object" ? "JSON object" : type}` }];
}

function validateCondition(c: JsonValue, path: string): FieldError[] {
  if (!isJsonObject(c)) return [{ path, type: "Invalid", value: c, detail: "condition must be a JSON object" }];
  const errs: FieldError[] = [];
  if (typeof c.type !== "string" || c.type === "") errs.push({ path: `${path}.type`, type: "Required", detail: "field not set" });
  if (typeof c.status !== "string" || !CONDITION_STATUSES.includes(c.status)) {
    const detail = `supported values: ${CONDITION_STATUSES.map((s) => JSON.stringify(s)).join(", ")}`;
    errs.push({ path: `${path}.status`, type: c.status === undefined ? "Required" : "Unsupported", value: c.status, detail });
  }
  const og = c.observedGeneration;
  if (og !== undefined && og !== null && !Number.isSafeInteger(og)) {
    errs.push({ path: `${path}.observedGeneration`, type: "Invalid", value: og, detail: "must be an integer" });
  }
  for (const key of ["lastTransitionTime", "reason", "message"]) errs.push(...optionalOfType(c, key, "string", path));
  return errs;
}

function validateConditions(v: JsonValue | undefined, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [{ path, type: "Invalid", value: v, detail: "must be a list of conditions or null" }];
  return v.flatMap((c, i) => validateCondition(c, `${path}[${i}]`));
}

function validateFeedback(v: JsonValue | undefined, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isJsonObject(v)) return [{ path, type: "Invalid", value: v, detail: "must be a JSON object" }];
  const values = v.values;
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values)) return [{ path: `${path}.values`, type: "Invalid", value: values, detail: "must be a list" }];
  return values.flatMap((fv, i): FieldError[] => {
    const at = `${path}.values[${i}]`;
    if (!isJsonObject(fv) || typeof fv.name !== "string" || !isJsonObject(fv.fieldValue) || typeof fv.fieldValue.type !== "string") {
      return [{ path: at, type: "Invalid", value: fv, detail: "must be {name, fieldValue: {type, …}}" }];
    }
    return [];
  });
}

function validateResourceStatus(v: JsonValue | undefined): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return [{ path: "resourceStatus", type: "Invalid", value: v, detail: "must be a list" }];
  return v.flatMap((m, i): FieldError[] => {
    const path = `resourceStatus[${i}]`;
    if (!isJsonObject(m)) return [{ path, type: "Invalid", value: m, detail: "must be a JSON object" }];
    return [
      ...optionalOfType(m, "resourceMeta", "object", path),
      ...validateFeedback(m.statusFeedback, `${path}.statusFeedback`),
      ...validateConditions(m.conditions, `${path}.conditions`),
    ];
  });
}

/**
 * Parses and validates an agent's status payload (bytes or parsed JSON): an object whose
 * `conditions` is a list (or null/absent, read as null) of conditions with a type and a
 * True|False|Unknown status, and whose optional `resourceStatus` is a list of per-manifest
 * statuses. A leading `manifestBundle` (relayed form) is validated as a spec. Other keys are
 * ignored, as Go ignores them. Throws MaestroError(Validation).
 * Example: `parseManifestBundleStatus(event.data!).conditions?.[0]?.type` -> "Applied".
 */
export function parseManifestBundleStatus(input: Uint8Array | JsonValue): ManifestBundleStatus {
  const value = jsonInput(input, "manifest bundle status");
  if (!isJsonObject(value)) throw Errors.validation("manifest bundle status must be a JSON object");
  throwIfAny([...validateConditions(value.conditions, "conditions"), ...validateResourceStatus(value.resourceStatus)]);
  if (value.manifestBundle !== undefined && value.manifestBundle !== null) parseManifestBundle(value.manifestBundle);
  const status = value.conditions === undefined ? { ...value, conditions: null } : value;
  return status as unknown as ManifestBundleStatus;
}

/**
 * Parses the relayed status a source receives: a status that must carry `manifestBundle`.
 * Example: `parseManifestBundleStatusWithSpec(data).manifestBundle.manifests.length` -> 1.
 */
export function parseManifestBundleStatusWithSpec(input: Uint8Array | JsonValue): ManifestBundleStatusWithSpec {
  const status = parseManifestBundleStatus(input) as Partial<ManifestBundleStatusWithSpec>;
  if (status.manifestBundle === undefined || status.manifestBundle === null) {
    throw Errors.validation("manifestBundle: Required value: field not set");
  }
  return status as ManifestBundleStatusWithSpec;
}
