// Patching a ManifestWork locally as sdk-go's utils.Patch does: the work as JSON, a merge or JSON
// patch applied, and the result read back as a ManifestWork (unknown fields dropped).

import { isJsonObject, type DeleteOption, type JsonObject, type JsonValue, type ManifestConfigOption } from "../cloudevents/mod.ts";
import { applyJsonPatch, applyMergePatch, createMergePatch, parseJsonPatch, PatchError } from "./json-patch.ts";
import type { ManifestWork, ManifestWorkSpec, ManifestWorkStatus } from "./manifest-work.ts";
import { objectMetaFromJson, type ObjectMeta } from "./object-meta.ts";

/** The patch types the Go client supports (types.MergePatchType, types.JSONPatchType). */
export type WorkPatchType = "merge" | "json";

/** Patch data: JSON text or an already-parsed value. */
export type PatchData = string | JsonValue;

function parseData(data: PatchData): JsonValue {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data) as JsonValue;
  } catch (err) {
    throw new PatchError(`invalid patch JSON: ${(err as Error).message}`);
  }
}

function specFromJson(value: JsonValue | undefined): ManifestWorkSpec {
  const spec = isJsonObject(value) ? value : {};
  const workload = isJsonObject(spec.workload) ? spec.workload : {};
  const manifests = workload.manifests ?? [];
  if (!Array.isArray(manifests) || !manifests.every(isJsonObject)) throw new PatchError("spec.workload.manifests must be a list of objects");
  const out: ManifestWorkSpec = { workload: { manifests: manifests as JsonObject[] } };
  if (isJsonObject(spec.deleteOption)) out.deleteOption = spec.deleteOption as unknown as DeleteOption;
  if (Array.isArray(spec.manifestConfigs)) out.manifestConfigs = spec.manifestConfigs as unknown as ManifestConfigOption[];
  if (isJsonObject(spec.executor)) out.executor = spec.executor;
  return out;
}

/**
 * Reads a patched JSON document back as a ManifestWork, keeping only ManifestWork fields.
 * Throws PatchError when it is not object-shaped or TypeError for wrongly typed metadata.
 * Example: `manifestWorkFromJson({ metadata: { name: "w" }, spec: { workload: { manifests: [] } } }).metadata.name` -> "w".
 */
export function manifestWorkFromJson(value: JsonValue): ManifestWork {
  if (!isJsonObject(value)) throw new PatchError("the patched work is not a JSON object");
  const work: ManifestWork = { metadata: objectMetaFromJson(value.metadata), spec: specFromJson(value.spec) };
  if (typeof value.apiVersion === "string") work.apiVersion = value.apiVersion;
  if (typeof value.kind === "string") work.kind = value.kind;
  if (isJsonObject(value.status)) work.status = value.status as unknown as ManifestWorkStatus;
  return work;
}

/**
 * Applies a merge patch (RFC 7386) or JSON patch (RFC 6902) to a copy of `work`.
 * Throws PatchError for a bad patch.
 * Example: `applyWorkPatch(work, "merge", { metadata: { labels: { a: "b" } } }).metadata.labels` -> `{ …, a: "b" }`.
 */
export function applyWorkPatch(work: ManifestWork, patchType: WorkPatchType, data: PatchData): ManifestWork {
  if (patchType !== "merge" && patchType !== "json") throw new PatchError(`unsupported patch type: ${String(patchType)}`);
  const doc = JSON.parse(JSON.stringify(work)) as JsonValue;
  const patch = parseData(data);
  const patched = patchType === "merge" ? applyMergePatch(doc, patch) : applyJsonPatch(doc, parseJsonPatch(patch));
  return manifestWorkFromJson(patched);
}

function patchView(meta: ObjectMeta, spec: ManifestWorkSpec, identity?: ObjectMeta): JsonObject {
  const m: ObjectMeta = identity === undefined
    ? {}
    : { uid: identity.uid, resourceVersion: identity.resourceVersion, generation: identity.generation };
  if (meta.labels && Object.keys(meta.labels).length > 0) m.labels = meta.labels;
  if (meta.annotations && Object.keys(meta.annotations).length > 0) m.annotations = meta.annotations;
  if (meta.ownerReferences && meta.ownerReferences.length > 0) m.ownerReferences = meta.ownerReferences;
  if (meta.finalizers && meta.finalizers.length > 0) m.finalizers = meta.finalizers;
  const s: JsonObject = { workload: { manifests: spec.workload.manifests ?? [] } };
  if (spec.deleteOption) s.deleteOption = spec.deleteOption as unknown as JsonObject;
  if (spec.manifestConfigs && spec.manifestConfigs.length > 0) s.manifestConfigs = spec.manifestConfigs as unknown as JsonValue[];
  if (spec.executor) s.executor = spec.executor;
  return JSON.parse(JSON.stringify({ metadata: m, spec: s })) as JsonObject;
}

/**
 * Maestro's Go ToWorkPatch: the merge patch that moves an existing work's labels, annotations,
 * finalizers, owner references and spec to those of `newWork`, pinned to the existing uid,
 * resourceVersion and generation (so a concurrent change fails as a Conflict). Throws PatchError
 * when the existing work has no generation.
 * Example: `await works.patch(name, "merge", toWorkPatch(await works.get(name), edited))`.
 */
export function toWorkPatch(existing: ManifestWork, newWork: ManifestWork): JsonValue {
  if (!existing.metadata.generation) throw new PatchError("the generation of existing work is zero");
  const before = patchView(existing.metadata, existing.spec);
  const after = patchView(newWork.metadata, newWork.spec, existing.metadata);
  return createMergePatch(before, after);
}
