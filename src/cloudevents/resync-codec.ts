// Validating readers for the two resync payloads (maestro-wire.md 3.1, 3.2): the resource
// versions an agent holds and the status hashes a source holds.

import { Errors } from "../errors.ts";
import { isJsonObject, jsonInput, throwIfAny } from "./json-input.ts";
import type { FieldError } from "./k8s-validation.ts";
import type { SpecResyncRequest, StatusResyncRequest } from "./manifest-bundle.ts";
import type { JsonObject, JsonValue } from "./types.ts";

/** The entries of an optional list field; null or absent reads as empty, as Go reads a nil slice. */
function entries(obj: JsonObject, key: string): JsonValue[] {
  const v = obj[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throwIfAny([{ path: key, type: "Invalid", value: v, detail: "must be a list" }]);
  return v as JsonValue[];
}

function resourceId(entry: JsonObject, path: string, errs: FieldError[]): string {
  const id = entry.resourceID;
  if (typeof id === "string" && id !== "") return id;
  errs.push({ path: `${path}.resourceID`, type: "Required", detail: "field not set" });
  return "";
}

/**
 * Parses `{"resourceVersions":[{"resourceID","resourceVersion"}]}` (spec resync request from
 * an agent). Versions are integers (absent = 0); a null or absent list is empty.
 * Example: `parseSpecResyncRequest(data).resourceVersions[0]` -> `{ resourceID: "…", resourceVersion: 1 }`.
 */
export function parseSpecResyncRequest(input: Uint8Array | JsonValue): SpecResyncRequest {
  const value = jsonInput(input, "spec resync request");
  if (!isJsonObject(value)) throw Errors.validation("spec resync request must be a JSON object");
  const errs: FieldError[] = [];
  const resourceVersions = entries(value, "resourceVersions").map((e, i) => {
    const path = `resourceVersions[${i}]`;
    if (!isJsonObject(e)) {
      errs.push({ path, type: "Invalid", value: e, detail: "must be a JSON object" });
      return { resourceID: "", resourceVersion: 0 };
    }
    const version = e.resourceVersion ?? 0;
    if (!Number.isSafeInteger(version)) errs.push({ path: `${path}.resourceVersion`, type: "Invalid", value: version, detail: "must be an integer" });
    return { resourceID: resourceId(e, path, errs), resourceVersion: version as number };
  });
  throwIfAny(errs);
  return { resourceVersions };
}

/**
 * Parses `{"statusHashes":[{"resourceID","statusHash"}]}` (status resync request from a
 * source); an empty, null or absent list means "send every status".
 * Example: `parseStatusResyncRequest({ statusHashes: [] }).statusHashes` -> [].
 */
export function parseStatusResyncRequest(input: Uint8Array | JsonValue): StatusResyncRequest {
  const value = jsonInput(input, "status resync request");
  if (!isJsonObject(value)) throw Errors.validation("status resync request must be a JSON object");
  const errs: FieldError[] = [];
  const statusHashes = entries(value, "statusHashes").map((e, i) => {
    const path = `statusHashes[${i}]`;
    if (!isJsonObject(e)) {
      errs.push({ path, type: "Invalid", value: e, detail: "must be a JSON object" });
      return { resourceID: "", statusHash: "" };
    }
    const hash = e.statusHash ?? "";
    if (typeof hash !== "string") errs.push({ path: `${path}.statusHash`, type: "Invalid", value: hash, detail: "must be a string" });
    return { resourceID: resourceId(e, path, errs), statusHash: typeof hash === "string" ? hash : "" };
  });
  throwIfAny(errs);
  return { statusHashes };
}
