// Shared pieces of the status simulator: the input every kind's simulator reads, conditions,
// RFC 3339 times, Kubernetes-style name hashes, and reading numbers out of a spec.

import type { JsonObject, JsonValue } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { isJsonObject } from "./json-tree.ts";

/**
 * What a kind's simulator sees: the stored object (without status) and the times that drive
 * the simulated controllers. Everything is a plain value, so a status is a pure function of it.
 * Example: `{ object, name: "web", uid, generation: 1, createdAtMs: t, changedAtMs: t, nowMs: t + 2000, readyDelayMs: 2000, nodeCount: 3 }`.
 */
export interface StatusInput {
  readonly object: JsonObject;
  readonly name: string;
  readonly uid: string;
  readonly generation: number;
  /** When the object was created. */
  readonly createdAtMs: number;
  /** When the generation last changed (the current rollout started); equals createdAtMs at first. */
  readonly changedAtMs: number;
  readonly nowMs: number;
  readonly readyDelayMs: number;
  readonly nodeCount: number;
}

/** A kind's simulated controller: the `.status` to show, or undefined for none. Example: `deploymentStatus`. */
export type StatusSimulator = (input: StatusInput) => JsonObject | undefined;

/**
 * RFC 3339 at second precision, as Kubernetes metav1.Time serializes.
 * Example: `rfc3339(0)` -> "1970-01-01T00:00:00Z".
 */
export function rfc3339(ms: number): string {
  assert(Number.isFinite(ms), "a time must be finite");
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * A status condition with Kubernetes' field order. `updateMs` adds `lastUpdateTime` (Deployment style).
 * Example: `condition("Ready", true, { transitionMs: 0 })` -> { type: "Ready", status: "True", lastTransitionTime: … }.
 */
export function condition(
  type: string, status: boolean, at: { transitionMs: number; updateMs?: number; reason?: string; message?: string },
): JsonObject {
  const out: JsonObject = { type, status: status ? "True" : "False" };
  if (at.updateMs !== undefined) out.lastUpdateTime = rfc3339(at.updateMs);
  out.lastTransitionTime = rfc3339(at.transitionMs);
  if (at.reason !== undefined) out.reason = at.reason;
  if (at.message !== undefined) out.message = at.message;
  return out;
}

/**
 * 32-bit FNV-1a of a string (Kubernetes hashes pod templates with FNV-32a).
 * Example: `fnv32a("")` -> 2166136261.
 */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * apimachinery rand.SafeEncodeString of a number's decimal digits: the look of a pod-template-hash
 * (`nginx-7c5ddbdf54`). Example: `safeEncode(123)` -> "567".
 */
export function safeEncode(value: number): string {
  const digits = String(value);
  let out = "";
  for (let i = 0; i < digits.length; i++) out += SAFE_ALPHABET[digits.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/**
 * The hash suffix a controller gives the pods or revisions of a template.
 * Example: `templateHash({ metadata: {}, spec: {} })` -> a short string like "6d4b75cb6d".
 */
export function templateHash(template: JsonValue | undefined): string {
  return safeEncode(fnv32a(JSON.stringify(template ?? null)));
}

/**
 * A non-negative integer at `object.spec[key]`, or `fallback` when absent or not a number.
 * Example: `specInt({ spec: { replicas: 3 } }, "replicas", 1)` -> 3.
 */
export function specInt(object: JsonObject, key: string, fallback: number): number {
  const spec = object.spec;
  const value = isJsonObject(spec) ? spec[key] : undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return fallback;
  return Math.floor(value);
}

/**
 * Copies `fields` into a new object without the zero numbers, as Go's `omitempty` drops them.
 * Example: `omitZero({ a: 0, b: 2 })` -> { b: 2 }.
 */
export function omitZero(fields: Readonly<Record<string, number>>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== 0) out[key] = value;
  return out;
}

/**
 * How many steps of `readyDelayMs` have fully passed since `sinceMs` (a zero delay counts as
 * infinitely many). Example: `stepsSince({ nowMs: 5000, readyDelayMs: 2000 }, 0)` -> 2.
 */
export function stepsSince(input: Pick<StatusInput, "nowMs" | "readyDelayMs">, sinceMs: number): number {
  const elapsed = input.nowMs - sinceMs;
  if (elapsed < 0) return 0;
  if (input.readyDelayMs <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.floor(elapsed / input.readyDelayMs);
}

/**
 * True when the current rollout is not the first one (the spec changed after creation), so the
 * previous pods are still serving while new ones start.
 * Example: `isUpdateRollout({ generation: 2, … })` -> true.
 */
export function isUpdateRollout(input: Pick<StatusInput, "generation">): boolean {
  return input.generation > 1;
}
