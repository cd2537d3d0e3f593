// Managed fields of simulated objects: which field manager owns which leaf path, stored compactly
// (usually one string or nothing per object), and the ownership bookkeeping of Update writes.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { decodePath, displayPath, type EncodedPath, jsonEqual, leafPaths, valueAt } from "./json-tree.ts";

// Simplifications versus Kubernetes' structured-merge-diff: ownership is tracked per leaf path
// (scalars, lists and empty maps); every list is atomic (Kubernetes merges list-maps such as
// `containers` by key and sets by value; here a list is replaced whole and owned whole);
// parent maps are not owned themselves and disappear when a removal empties them.

/**
 * The manager recorded for create (POST) and update (PUT) calls, which carry no field manager
 * in the ClusterClient interface (Kubernetes derives it from the client's user agent).
 * Example: `describeOwners(obj, undefined)[0].manager` -> "maestro-agent".
 */
export const UPDATE_FIELD_MANAGER = "maestro-agent";

/** How a manager came to own its fields, as in `metadata.managedFields[].operation`. Example: "Apply". */
export type FieldOperation = "Apply" | "Update";

/** One manager's fields in stored form: encoded leaf paths, sorted, joined by "\n". Example: `{ manager: "kubectl", operation: "Apply", paths: '["spec","replicas"]' }`. */
export interface StoredManagerFields {
  readonly manager: string;
  readonly operation: FieldOperation;
  readonly paths: string;
}

/**
 * The ownership of one object's fields in its most compact form:
 * - `undefined`: UPDATE_FIELD_MANAGER (operation Update) owns every tracked leaf;
 * - a string: that manager (operation Apply) owns every tracked leaf;
 * - a list: explicit sets (several managers, or one owning less than everything).
 * Example: an object created by apply with manager "work-agent" stores `"work-agent"`.
 */
export type FieldOwners = undefined | string | readonly StoredManagerFields[];

/** One manager's fields while being edited. Example: `{ manager: "m", operation: "Apply", paths: new Set(['["data","a"]']) }`. */
export interface OwnedFieldSet {
  readonly manager: string;
  readonly operation: FieldOperation;
  readonly paths: Set<EncodedPath>;
}

/** Top-level fields that are never owned: identity and status (status is a separate subresource). */
const UNTRACKED_TOP = new Set(["apiVersion", "kind", "status"]);
/** Metadata the server sets or that identifies the object; never owned by a manager. */
const UNTRACKED_META = new Set([
  "name", "namespace", "generateName", "uid", "resourceVersion", "generation", "creationTimestamp",
  "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink",
]);

/**
 * The leaf paths a manager can own in `body`, sorted.
 * Example: `trackedPaths({ kind: "ConfigMap", metadata: { name: "a" }, data: { k: "v" } })` -> [`["data","k"]`].
 */
export function trackedPaths(body: JsonObject): EncodedPath[] {
  const out: EncodedPath[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (UNTRACKED_TOP.has(key)) continue;
    if (key !== "metadata" || typeof value !== "object" || value === null || Array.isArray(value)) {
      leafPaths(value, [key], out);
      continue;
    }
    for (const [metaKey, metaValue] of Object.entries(value)) {
      if (!UNTRACKED_META.has(metaKey)) leafPaths(metaValue, ["metadata", metaKey], out);
    }
  }
  return out.sort();
}

/**
 * Expands stored ownership into editable sets for `body` (the object the owners describe).
 * Example: `materializeOwners("work-agent", body)` -> [{ manager: "work-agent", operation: "Apply", paths }].
 */
export function materializeOwners(owners: FieldOwners, body: JsonObject): OwnedFieldSet[] {
  if (owners === undefined) return [{ manager: UPDATE_FIELD_MANAGER, operation: "Update", paths: new Set(trackedPaths(body)) }];
  if (typeof owners === "string") return [{ manager: owners, operation: "Apply", paths: new Set(trackedPaths(body)) }];
  return owners.map((o) => ({
    manager: o.manager,
    operation: o.operation,
    paths: new Set(o.paths === "" ? [] : o.paths.split("\n")),
  }));
}

/**
 * Stores sets in the most compact form: drops empty sets and paths `body` no longer has, and
 * uses the one-owner forms when a single manager owns exactly every tracked leaf.
 * Example: `compressOwners([{ manager: "m", operation: "Apply", paths: all }], body)` -> "m".
 */
export function compressOwners(sets: readonly OwnedFieldSet[], body: JsonObject): FieldOwners {
  const kept: StoredManagerFields[] = [];
  for (const set of sets) {
    const paths = [...set.paths].filter((p) => valueAt(body, decodePath(p)) !== undefined).sort();
    if (paths.length > 0) kept.push({ manager: set.manager, operation: set.operation, paths: paths.join("\n") });
  }
  const only = kept.length === 1 ? kept[0]! : undefined;
  if (only !== undefined && only.paths === trackedPaths(body).join("\n")) {
    if (only.operation === "Update" && only.manager === UPDATE_FIELD_MANAGER) return undefined;
    if (only.operation === "Apply") return only.manager;
  }
  return kept;
}

/**
 * Ownership after a create or update (PUT) changed `before` into `after`: changed and new leaves
 * go to UPDATE_FIELD_MANAGER, other managers lose the leaves that changed or disappeared.
 * Update writes never conflict, as in Kubernetes.
 * Example: `ownersAfterUpdate(before, after, "work-agent")` -> explicit sets when a field changed.
 */
export function ownersAfterUpdate(before: JsonObject, after: JsonObject, owners: FieldOwners): FieldOwners {
  if (owners === undefined) return undefined;
  const sets = materializeOwners(owners, before);
  const afterLeaves = trackedPaths(after);
  const afterSet = new Set(afterLeaves);
  const same = (p: EncodedPath): boolean => {
    const keys = decodePath(p);
    return jsonEqual(valueAt(before, keys), valueAt(after, keys));
  };
  for (const set of sets) {
    for (const p of set.paths) if (!afterSet.has(p) || !same(p)) set.paths.delete(p);
  }
  let updater = sets.find((s) => s.manager === UPDATE_FIELD_MANAGER && s.operation === "Update");
  if (updater === undefined) {
    updater = { manager: UPDATE_FIELD_MANAGER, operation: "Update", paths: new Set() };
    sets.push(updater);
  }
  for (const p of afterLeaves) if (!same(p)) updater.paths.add(p);
  return compressOwners(sets, after);
}

/** One manager's fields in readable form. Example: `{ manager: "work-agent", operation: "Apply", fields: [".spec.replicas"] }`. */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: FieldOperation;
  /** Owned leaf paths as Kubernetes prints them, e.g. ".spec.replicas", sorted. */
  readonly fields: readonly string[];
}

/**
 * Readable ownership of an object.
 * Example: `describeOwners(body, "work-agent")` -> [{ manager: "work-agent", operation: "Apply", fields: [".spec.replicas", …] }].
 */
export function describeOwners(body: JsonObject, owners: FieldOwners): ManagedFieldsEntry[] {
  const sets = materializeOwners(owners, body);
  assert(sets.every((s) => s.manager !== ""), "every field set has a manager");
  return sets.map((s) => ({ manager: s.manager, operation: s.operation, fields: [...s.paths].sort().map(displayPath) }));
}
