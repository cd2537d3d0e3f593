// Validating reader for the spec payload a source publishes: the ManifestBundle shape plus the
// per-manifest rules of Maestro's pkg/services/validation.go (status: status-codec.ts).

import { Errors } from "../errors.ts";
import { isJsonObject, jsonInput, throwIfAny } from "./json-input.ts";
import {
  validateAnnotations,
  validateApiVersion,
  validateFinalizers,
  validateLabels,
  validatePathSegmentName,
  isDns1123Label,
  type FieldError,
} from "./k8s-validation.ts";
import type { ManifestBundle } from "./manifest-bundle.ts";
import { validateManifestConfigs } from "./manifest-configs.ts";
import type { JsonObject, JsonValue } from "./types.ts";

const PROPAGATION_POLICIES = ["Foreground", "Orphan", "SelectivelyOrphan"];
const FORBIDDEN_METADATA = ["generateName", "resourceVersion", "deletionGracePeriodSeconds"];

/** A string map (labels, annotations): returns it, or records a type error and returns undefined. */
function stringMap(v: JsonValue | undefined, path: string, errs: FieldError[]): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (isJsonObject(v) && Object.values(v).every((x) => typeof x === "string")) return v as Record<string, string>;
  errs.push({ path, type: "Invalid", value: v, detail: "must be a map of string to string" });
  return undefined;
}

function stringList(v: JsonValue | undefined, path: string, errs: FieldError[]): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  errs.push({ path, type: "Invalid", value: v, detail: "must be a list of strings" });
  return undefined;
}

function text(v: JsonValue | undefined): string {
  return typeof v === "string" ? v : "";
}

function validateMetadata(meta: JsonObject, path: string, errs: FieldError[]): void {
  const name = text(meta.name);
  if (name === "") errs.push({ path: `${path}.name`, type: "Required", detail: "field not set" });
  else errs.push(...validatePathSegmentName(name, `${path}.name`));
  const namespace = text(meta.namespace);
  if (namespace !== "") {
    for (const m of isDns1123Label(namespace)) errs.push({ path: `${path}.namespace`, type: "Invalid", value: namespace, detail: m });
  }
  for (const field of FORBIDDEN_METADATA) {
    const v = meta[field];
    if (v !== undefined && v !== null && v !== "") errs.push({ path: `${path}.${field}`, type: "Forbidden", detail: "field cannot be set" });
  }
  const annotations = stringMap(meta.annotations, `${path}.annotations`, errs);
  if (annotations) errs.push(...validateAnnotations(annotations, `${path}.annotations`));
  const finalizers = stringList(meta.finalizers, `${path}.finalizers`, errs);
  if (finalizers) errs.push(...validateFinalizers(finalizers, `${path}.finalizers`));
  const labels = stringMap(meta.labels, `${path}.labels`, errs);
  if (labels) errs.push(...validateLabels(labels, `${path}.labels`));
}

/**
 * Maestro's ValidateObject for one manifest: apiVersion, kind, metadata.name, namespace,
 * forbidden metadata fields, annotations, finalizers, labels. Paths are prefixed with `path`.
 * Example: `validateManifest({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, "manifests[0]")` -> [].
 */
export function validateManifest(manifest: JsonValue, path: string): FieldError[] {
  if (!isJsonObject(manifest)) return [{ path, type: "Invalid", value: manifest, detail: "manifest must be a JSON object" }];
  const errs = validateApiVersion(text(manifest.apiVersion), `${path}.apiVersion`);
  if (text(manifest.kind) === "") errs.push({ path: `${path}.kind`, type: "Required", detail: "field not set" });
  const meta = manifest.metadata;
  if (meta !== undefined && meta !== null && !isJsonObject(meta)) {
    errs.push({ path: `${path}.metadata`, type: "Invalid", value: meta, detail: "must be a JSON object" });
  } else validateMetadata(isJsonObject(meta) ? meta : {}, `${path}.metadata`, errs);
  return errs;
}

/** Maestro's duplicate key (apiVersion/kind/namespace/name) and its error text. */
function duplicateCheck(m: JsonObject): { key: string; message: string } {
  const meta = isJsonObject(m.metadata) ? m.metadata : {};
  const [apiVersion, kind, ns, name] = [text(m.apiVersion), text(m.kind), text(meta.namespace), text(meta.name)];
  return {
    key: `${apiVersion}/${kind}/${ns}/${name}`,
    message: `duplicate manifest for resource ${ns}/${name} with resource type ${apiVersion}.${kind}`,
  };
}

function validateManifests(manifests: JsonValue | undefined): void {
  if (manifests === undefined || manifests === null) {
    throwIfAny([{ path: "manifests", type: "Required", detail: "field not set" }]);
  }
  if (!Array.isArray(manifests)) {
    return throwIfAny([{ path: "manifests", type: "Invalid", value: manifests, detail: "must be a list of objects" }]);
  }
  const seen = new Set<string>();
  manifests.forEach((m, i) => {
    throwIfAny(validateManifest(m, `manifests[${i}]`));
    const { key, message } = duplicateCheck(m as JsonObject);
    if (seen.has(key)) throw Errors.validation(message);
    seen.add(key);
  });
}

function validateDeleteOption(v: JsonValue | undefined): FieldError[] {
  if (v === undefined || v === null) return [];
  if (!isJsonObject(v)) return [{ path: "deleteOption", type: "Invalid", value: v, detail: "must be a JSON object" }];
  const policy = v.propagationPolicy;
  if (policy === undefined || (typeof policy === "string" && PROPAGATION_POLICIES.includes(policy))) return [];
  const supported = PROPAGATION_POLICIES.map((p) => JSON.stringify(p)).join(", ");
  return [{ path: "deleteOption.propagationPolicy", type: "Unsupported", value: policy, detail: `supported values: ${supported}` }];
}

/**
 * Parses and validates a spec payload (bytes or parsed JSON) into a ManifestBundle: an object
 * with a `manifests` list (may be empty) of valid, unique manifests, an optional valid
 * deleteOption, manifestConfigs and executer (other keys pass through untouched, as in Go). The returned bundle is the
 * input object itself (no copy). Throws MaestroError(Validation) with the first problem found.
 * Example: `parseManifestBundle(event.data!).manifests.length` -> 1.
 */
export function parseManifestBundle(input: Uint8Array | JsonValue): ManifestBundle {
  const value = jsonInput(input, "manifest bundle");
  if (!isJsonObject(value)) throw Errors.validation("manifest bundle must be a JSON object");
  // Keys beyond manifests/deleteOption/manifestConfigs/executer are kept, not refused: Go decodes the bundle ignoring unknown keys,
  // and a newer sdk-go adding a field must keep working against this server.
  validateManifests(value.manifests);
  throwIfAny(validateDeleteOption(value.deleteOption));
  throwIfAny(validateManifestConfigs(value.manifestConfigs));
  const executer = value.executer;
  if (executer !== undefined && executer !== null && !isJsonObject(executer)) {
    throwIfAny([{ path: "executer", type: "Invalid", value: executer, detail: "must be a JSON object" }]);
  }
  return value as unknown as ManifestBundle;
}
