// Pure helpers over JSON trees for the simulated cluster: equality, leaf paths, reading, removing
// and merging values at paths. Paths are encoded as JSON arrays of keys so any key is safe.

import type { JsonObject, JsonValue } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";

/**
 * A path encoded as the JSON text of its key list, e.g. `["spec","replicas"]`. The encoding
 * is unambiguous for any key, contains no raw newline (JSON escapes it), and a path's
 * descendants all start with `ancestorPrefix(path)`. Example: `'["metadata","labels","app.kubernetes.io/name"]'`.
 */
export type EncodedPath = string;

/**
 * True for a JSON object (not an array, not null).
 * Example: `isJsonObject({ a: 1 })` -> true; `isJsonObject([1])` -> false.
 */
export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep equality of two JSON values; object key order does not matter.
 * Example: `jsonEqual({ a: [1] }, { a: [1] })` -> true.
 */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

/**
 * Encodes a key list. Example: `encodePath(["spec", "replicas"])` -> `["spec","replicas"]`.
 */
export function encodePath(keys: readonly string[]): EncodedPath {
  return JSON.stringify(keys);
}

/**
 * Decodes an encoded path. Example: `decodePath('["a","b"]')` -> ["a", "b"].
 */
export function decodePath(path: EncodedPath): string[] {
  const keys: unknown = JSON.parse(path);
  assert(Array.isArray(keys), "an encoded path is a JSON array");
  return keys as string[];
}

/**
 * The prefix every strict descendant of `path` starts with.
 * Example: `ancestorPrefix('["spec"]')` -> `["spec",`.
 */
export function ancestorPrefix(path: EncodedPath): string {
  assert(path.endsWith("]"), "an encoded path ends with ]");
  return path === "[]" ? "[" : `${path.slice(0, -1)},`;
}

/**
 * The encoded strict ancestors of a path, nearest last, excluding the root.
 * Example: `ancestorsOf('["a","b","c"]')` -> [`["a"]`, `["a","b"]`].
 */
export function ancestorsOf(path: EncodedPath): EncodedPath[] {
  const keys = decodePath(path);
  const out: EncodedPath[] = [];
  for (let n = 1; n < keys.length; n++) out.push(encodePath(keys.slice(0, n)));
  return out;
}

/**
 * Human form of a path as Kubernetes prints conflicts. Example: `displayPath('["spec","replicas"]')` -> ".spec.replicas".
 */
export function displayPath(path: EncodedPath): string {
  return decodePath(path).map((k) => `.${k}`).join("");
}

/**
 * Collects the encoded leaf paths of `value` below `prefix` into `out`: scalars, lists and empty
 * maps are leaves (lists are atomic; see field-owners.ts).
 * Example: `leafPaths({ a: { b: 1, c: [] } }, [], out)` adds `["a","b"]` and `["a","c"]`.
 */
export function leafPaths(value: JsonValue, prefix: string[], out: EncodedPath[]): void {
  if (!isJsonObject(value) || (Object.keys(value).length === 0 && prefix.length > 0)) {
    out.push(encodePath(prefix));
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    prefix.push(key);
    leafPaths(child, prefix, out);
    prefix.pop();
  }
}

/**
 * The value at a path, or undefined when any step is missing or not a map.
 * Example: `valueAt({ a: { b: 2 } }, ["a", "b"])` -> 2.
 */
export function valueAt(root: JsonValue, keys: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of keys) {
    if (!isJsonObject(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Removes the value at a path, then removes the maps the removal left empty, up to and
 * including a top-level field (never the root). Returns whether something was removed.
 * Example: `removeAt(o = { a: { b: { c: 1 } }, d: 1 }, ["a", "b", "c"])` -> true; o becomes `{ d: 1 }`.
 */
export function removeAt(root: JsonObject, keys: readonly string[]): boolean {
  assert(keys.length > 0, "cannot remove the root");
  const parents: JsonObject[] = [root];
  for (let i = 0; i < keys.length - 1; i++) {
    const next = parents[i]![keys[i]!];
    if (!isJsonObject(next)) return false;
    parents.push(next);
  }
  const last = keys[keys.length - 1]!;
  if (!Object.hasOwn(parents[keys.length - 1]!, last)) return false;
  delete parents[keys.length - 1]![last];
  for (let depth = keys.length - 1; depth >= 1; depth--) {
    if (Object.keys(parents[depth]!).length > 0) break;
    delete parents[depth - 1]![keys[depth - 1]!];
  }
  return true;
}

/**
 * Merges `patch` into `target` in place: maps merge recursively, anything else (scalars,
 * lists, null) replaces the target value. Values are copied, never shared.
 * Example: `mergeInto(t = { a: { x: 1 } }, { a: { y: 2 } })` -> t is `{ a: { x: 1, y: 2 } }`.
 */
export function mergeInto(target: JsonObject, patch: JsonObject): void {
  for (const [key, value] of Object.entries(patch)) {
    const current = target[key];
    if (isJsonObject(value) && isJsonObject(current)) mergeInto(current, value);
    else target[key] = cloneJson(value);
  }
}

/**
 * A deep copy of a JSON value. Example: `cloneJson({ a: [1] })` -> a new `{ a: [1] }`.
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  return structuredClone(value);
}
