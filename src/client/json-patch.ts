// The two patch formats the Go work client applies locally before publishing an update:
// JSON merge patch (RFC 7386) and JSON patch (RFC 6902, with RFC 6901 pointers). Pure.

import { isJsonObject, type JsonObject, type JsonValue } from "../cloudevents/mod.ts";

/** A patch that cannot be applied (bad operation, missing path, failed test). Example: `applyJsonPatch({}, [{ op: "remove", path: "/a" }])` throws it. */
export class PatchError extends Error {
  override readonly name = "PatchError";
}

/**
 * RFC 7386: objects merge recursively, `null` removes a member, anything else replaces.
 * The target is not modified. Example: `applyMergePatch({ a: 1, b: 2 }, { b: null, c: 3 })` -> `{ a: 1, c: 3 }`.
 */
export function applyMergePatch(target: JsonValue, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key] ?? null, value);
  }
  return out;
}

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: JsonValue }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/**
 * Splits an RFC 6901 pointer into unescaped tokens ("" is the whole document).
 * Example: `parsePointer("/metadata/labels/a~1b")` -> ["metadata", "labels", "a/b"].
 */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split("/").map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function arrayIndex(arr: JsonValue[], token: string, forInsert: boolean, pointer: string): number {
  if (forInsert && token === "-") return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`invalid array index ${JSON.stringify(token)} in ${pointer}`);
  const i = Number(token);
  if (i > arr.length || (!forInsert && i === arr.length)) throw new PatchError(`array index ${i} out of range in ${pointer}`);
  return i;
}

/** The container holding the pointer's last token, and that token. */
function parentOf(doc: JsonValue, pointer: string): { parent: JsonValue; key: string } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError("the operation needs a path below the root");
  let node: JsonValue = doc;
  for (const token of tokens.slice(0, -1)) node = child(node, token, pointer);
  return { parent: node, key: tokens[tokens.length - 1]! };
}

function child(node: JsonValue, token: string, pointer: string): JsonValue {
  if (Array.isArray(node)) return node[arrayIndex(node, token, false, pointer)]!;
  if (isJsonObject(node) && Object.hasOwn(node, token)) return node[token]!;
  throw new PatchError(`path ${pointer} does not exist`);
}

/** The value at a pointer; throws PatchError when absent. Example: `getPointer({ a: [1] }, "/a/0")` -> 1. */
export function getPointer(doc: JsonValue, pointer: string): JsonValue {
  let node = doc;
  for (const token of parsePointer(pointer)) node = child(node, token, pointer);
  return node;
}

function add(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  if (pointer === "") return value;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else if (isJsonObject(parent)) parent[key] = value;
  else throw new PatchError(`cannot add below a non-container at ${pointer}`);
  return doc;
}

function remove(doc: JsonValue, pointer: string): { doc: JsonValue; removed: JsonValue } {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) return { doc, removed: parent.splice(arrayIndex(parent, key, false, pointer), 1)[0]! };
  if (!isJsonObject(parent) || !Object.hasOwn(parent, key)) throw new PatchError(`path ${pointer} does not exist`);
  const removed = parent[key]!;
  delete parent[key];
  return { doc, removed };
}

function replace(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  if (pointer === "") return value;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false, pointer)] = value;
  else if (isJsonObject(parent) && Object.hasOwn(parent, key)) parent[key] = value;
  else throw new PatchError(`path ${pointer} does not exist`);
  return doc;
}

function deepEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]!));
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!));
}

function applyOne(doc: JsonValue, op: JsonPatchOperation): JsonValue {
  switch (op.op) {
    case "add": return add(doc, op.path, structuredClone(op.value));
    case "remove": return remove(doc, op.path).doc;
    case "replace": return replace(doc, op.path, structuredClone(op.value));
    case "move": {
      if (op.path.startsWith(`${op.from}/`)) throw new PatchError(`cannot move ${op.from} into its own child ${op.path}`);
      const { doc: rest, removed } = remove(doc, op.from);
      return add(rest, op.path, removed);
    }
    case "copy": return add(doc, op.path, structuredClone(getPointer(doc, op.from)));
    case "test": {
      if (!deepEqual(getPointer(doc, op.path), op.value)) throw new PatchError(`test failed at ${op.path}`);
      return doc;
    }
  }
}

/**
 * Checks that a value is a list of RFC 6902 operations and returns it typed.
 * Example: `parseJsonPatch([{ op: "remove", path: "/a" }])`.
 */
export function parseJsonPatch(value: JsonValue): JsonPatchOperation[] {
  if (!Array.isArray(value)) throw new PatchError("a JSON patch must be a list of operations");
  return value.map((raw, i) => {
    if (!isJsonObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new PatchError(`operation ${i} needs string "op" and "path"`);
    }
    if (["add", "replace", "test"].includes(raw.op) && !Object.hasOwn(raw, "value")) throw new PatchError(`operation ${i} (${raw.op}) needs "value"`);
    if (["move", "copy"].includes(raw.op) && typeof raw.from !== "string") throw new PatchError(`operation ${i} (${raw.op}) needs "from"`);
    if (!["add", "remove", "replace", "move", "copy", "test"].includes(raw.op)) throw new PatchError(`unsupported operation ${JSON.stringify(raw.op)}`);
    return raw as unknown as JsonPatchOperation;
  });
}

/**
 * RFC 6902: applies the operations in order to a copy of `doc`; the first failure throws
 * PatchError and nothing is applied.
 * Example: `applyJsonPatch({ a: 1 }, [{ op: "replace", path: "/a", value: 2 }])` -> `{ a: 2 }`.
 */
export function applyJsonPatch(doc: JsonValue, operations: readonly JsonPatchOperation[]): JsonValue {
  let out = structuredClone(doc);
  for (const op of operations) out = applyOne(out, op);
  return out;
}

/**
 * RFC 7386 merge patch that turns `original` into `modified` (evanphx CreateMergePatch): changed
 * or added members set, removed members null, nested objects diffed, arrays replaced whole.
 * Example: `createMergePatch({ a: 1, b: { c: 1, d: 2 } }, { b: { c: 1 } })` -> `{ a: null, b: { d: null } }`.
 */
export function createMergePatch(original: JsonValue, modified: JsonValue): JsonValue {
  if (!isJsonObject(original) || !isJsonObject(modified)) return structuredClone(modified);
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) if (!Object.hasOwn(modified, key)) patch[key] = null;
  for (const [key, value] of Object.entries(modified)) {
    const before = original[key];
    if (before === undefined) patch[key] = structuredClone(value);
    else if (isJsonObject(before) && isJsonObject(value)) {
      const inner = createMergePatch(before, value);
      if (isJsonObject(inner) && Object.keys(inner).length > 0) patch[key] = inner;
    } else if (!deepEqual(before, value)) patch[key] = structuredClone(value);
  }
  return patch;
}
