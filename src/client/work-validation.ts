// The checks sdk-go's work client runs before publishing (utils.Validate): uid, version, name and
// namespace as DNS labels, labels/annotations/finalizers, and the manifests themselves.

import {
  isDns1123Label,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateManifest,
  type FieldError,
  type JsonObject,
} from "../cloudevents/mod.ts";
import { workManifestsBytesMax } from "../limits.ts";
import type { ManifestWork } from "./manifest-work.ts";

function required(errs: FieldError[], path: string, value: string | undefined): void {
  if (value === undefined || value === "") errs.push({ path, type: "Required", detail: "field not set" });
}

function dnsLabel(errs: FieldError[], path: string, value: string | undefined): void {
  for (const m of isDns1123Label(value ?? "")) errs.push({ path, type: "Invalid", value: value ?? "", detail: m });
}

function manifestKey(m: JsonObject): string {
  const meta = (m.metadata ?? {}) as JsonObject;
  return `${String(m.apiVersion)}/${String(m.kind)}/${String(meta.namespace ?? "")}/${String(meta.name ?? "")}`;
}

/** sdk-go ManifestValidator: not empty, within 500 KiB in total, each valid, no duplicates. */
function validateManifests(work: ManifestWork): string | undefined {
  const manifests = work.spec?.workload?.manifests;
  if (!Array.isArray(manifests) || manifests.length === 0) return "Workload manifests should not be empty";
  const size = manifests.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m)), 0);
  if (size > workManifestsBytesMax) return `the size of manifests is ${size} bytes which exceeds the ${workManifestsBytesMax} limit`;
  const seen = new Set<string>();
  for (let i = 0; i < manifests.length; i++) {
    const errs = validateManifest(manifests[i]!, `manifests[${i}]`);
    if (errs.length > 0) return errs.map((e) => `${e.path}: ${e.detail ?? e.type}`).join("; ");
    const key = manifestKey(manifests[i]!);
    if (seen.has(key)) return `duplicate manifest at index ${i}: ${key}`;
    seen.add(key);
  }
  return undefined;
}

/**
 * The field errors sdk-go's Validate reports for a work about to be published (empty = valid).
 * Example: `validateWork({ metadata: { name: "w1", namespace: "c1", uid: "u", resourceVersion: "0" }, spec })` -> [].
 */
export function validateWork(work: ManifestWork): FieldError[] {
  const meta = work.metadata ?? {};
  const errs: FieldError[] = [];
  required(errs, "metadata.uid", meta.uid);
  required(errs, "metadata.resourceVersion", meta.resourceVersion);
  required(errs, "metadata.name", meta.name);
  dnsLabel(errs, "metadata.name", meta.name);
  required(errs, "metadata.namespace", meta.namespace);
  dnsLabel(errs, "metadata.namespace", meta.namespace);
  errs.push(...validateAnnotations(meta.annotations ?? {}, "metadata.annotations"));
  errs.push(...validateFinalizers(meta.finalizers ?? [], "metadata.finalizers"));
  errs.push(...validateLabels(meta.labels ?? {}, "metadata.labels"));
  const manifests = validateManifests(work);
  if (manifests !== undefined) errs.push({ path: "spec", type: "Invalid", value: "spec", detail: manifests });
  return errs;
}
