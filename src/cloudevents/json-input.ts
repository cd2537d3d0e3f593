// Shared helpers of the payload validators: JSON input from bytes or values, object checks, and
// turning collected field errors into one MaestroError(Validation).

import { Errors } from "../errors.ts";
import { aggregateFieldErrors, type FieldError } from "./k8s-validation.ts";
import type { JsonObject, JsonValue } from "./types.ts";

const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * True for a JSON object (not null, not an array).
 * Example: `isJsonObject([])` -> false.
 */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Turns event data (bytes, or an already-parsed value) into a JSON value; bad JSON is a
 * MaestroError(Validation) naming `what`.
 * Example: `jsonInput(new TextEncoder().encode("{}"), "manifest bundle")` -> `{}`.
 */
export function jsonInput(input: Uint8Array | JsonValue, what: string): JsonValue {
  if (!(input instanceof Uint8Array)) return input;
  try {
    return JSON.parse(utf8Decoder.decode(input)) as JsonValue;
  } catch (err) {
    throw Errors.validation(`failed to decode ${what}: ${(err as Error).message}`);
  }
}

/**
 * Throws MaestroError(Validation) with Go's aggregate text when `errs` is not empty.
 * Example: `throwIfAny([{ path: "kind", type: "Required", detail: "field not set" }])` throws "kind: Required value: field not set".
 */
export function throwIfAny(errs: readonly FieldError[]): void {
  if (errs.length > 0) throw Errors.validation(aggregateFieldErrors(errs));
}
