// Server-side apply on simulated objects: conflict detection between field managers, forced
// ownership transfer, removal of fields a manager stopped applying, and the merge itself.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import {
  compressOwners, type FieldOwners, materializeOwners, type OwnedFieldSet, trackedPaths,
} from "./field-owners.ts";
import {
  ancestorsOf, cloneJson, decodePath, displayPath, type EncodedPath, isJsonObject, jsonEqual, mergeInto, removeAt, valueAt,
} from "./json-tree.ts";

// Merge: maps merge recursively, lists and scalars are replaced (Kubernetes merges list-maps
// such as `containers` by their key; here the applied list wins whole). See field-owners.ts.

/** One field another manager owns with a different value than the apply request sets. Example: `{ manager: "kubectl", path: '["spec","replicas"]' }`. */
export interface FieldConflict {
  readonly manager: string;
  readonly path: EncodedPath;
}

/** An apply request against the stored state of one object (`current` undefined: not there yet). Example: `{ current, owners, applied, manager: "work-agent", force: false }`. */
export interface ApplyInput {
  readonly current: JsonObject | undefined;
  readonly owners: FieldOwners;
  /** The request object without server-set metadata; it is copied, never kept. */
  readonly applied: JsonObject;
  readonly manager: string;
  readonly force: boolean;
}

/** The new body and ownership, or the conflicts that refused the request. Example: `{ ok: true, body, owners: "work-agent" }`. */
export type ApplyOutcome =
  | { readonly ok: true; readonly body: JsonObject; readonly owners: FieldOwners }
  | { readonly ok: false; readonly conflicts: readonly FieldConflict[] };

/**
 * Plans a server-side apply. Pure: `current` is not modified.
 * Example: `planApply({ current, owners, applied, manager: "work-agent", force: false })`
 * -> `{ ok: false, conflicts: [{ manager: "kubectl", path: '["spec","replicas"]' }] }`.
 */
export function planApply(input: ApplyInput): ApplyOutcome {
  assert(input.manager !== "", "server-side apply needs a field manager");
  const appliedPaths = new Set(trackedPaths(input.applied));
  if (input.current === undefined) {
    const body = cloneJson(input.applied);
    const sets: OwnedFieldSet[] = [{ manager: input.manager, operation: "Apply", paths: appliedPaths }];
    return { ok: true, body, owners: compressOwners(sets, body) };
  }
  const sets = materializeOwners(input.owners, input.current);
  const mine = sets.find((s) => s.manager === input.manager && s.operation === "Apply");
  const others = sets.filter((s) => s !== mine);
  const conflicts = findConflicts(input.current, input.applied, appliedPaths, others);
  if (conflicts.length > 0 && !input.force) {
    return { ok: false, conflicts: conflicts.map((c) => ({ manager: c.set.manager, path: c.path })) };
  }
  for (const c of conflicts) c.set.paths.delete(c.path);
  const body = cloneJson(input.current);
  if (mine !== undefined) removeStale(body, mine.paths, appliedPaths, others);
  mergeInto(body, input.applied);
  const next = [...others, { manager: input.manager, operation: "Apply" as const, paths: appliedPaths }];
  return { ok: true, body, owners: compressOwners(next, body) };
}

interface OwnedConflict {
  readonly set: OwnedFieldSet;
  readonly path: EncodedPath;
}

/**
 * Fields of other managers the request would change: the same leaf with another value, a leaf
 * of theirs above an applied leaf that is not a map, or their leaves below an applied
 * non-empty-map value (a scalar or list replacing their subtree).
 */
function findConflicts(
  current: JsonObject, applied: JsonObject, appliedPaths: ReadonlySet<EncodedPath>, others: readonly OwnedFieldSet[],
): OwnedConflict[] {
  const found = new Map<string, OwnedConflict>();
  const add = (set: OwnedFieldSet, path: EncodedPath): void => {
    found.set(`${set.manager}\n${set.operation}\n${path}`, { set, path });
  };
  for (const set of others) {
    for (const p of appliedPaths) {
      const keys = decodePath(p);
      if (set.paths.has(p) && !jsonEqual(valueAt(current, keys), valueAt(applied, keys))) add(set, p);
      for (const a of ancestorsOf(p)) {
        if (set.paths.has(a) && !isJsonObject(valueAt(current, decodePath(a)))) add(set, a);
      }
    }
    for (const q of set.paths) {
      for (const a of ancestorsOf(q)) {
        if (appliedPaths.has(a) && !isEmptyMap(valueAt(applied, decodePath(a)))) add(set, q);
      }
    }
  }
  return [...found.values()];
}

function isEmptyMap(value: ReturnType<typeof valueAt>): boolean {
  return isJsonObject(value) && Object.keys(value).length === 0;
}

/**
 * Removes from `body` the leaves this manager owned before but no longer applies, unless the
 * request still sets something below them or another manager owns them (or something below).
 */
function removeStale(
  body: JsonObject, previous: ReadonlySet<EncodedPath>, appliedPaths: ReadonlySet<EncodedPath>, others: readonly OwnedFieldSet[],
): void {
  const appliedAncestors = new Set<EncodedPath>();
  for (const p of appliedPaths) for (const a of ancestorsOf(p)) appliedAncestors.add(a);
  const otherCovered = new Set<EncodedPath>();
  for (const set of others) {
    for (const q of set.paths) {
      otherCovered.add(q);
      for (const a of ancestorsOf(q)) otherCovered.add(a);
    }
  }
  for (const r of previous) {
    if (appliedPaths.has(r) || appliedAncestors.has(r) || otherCovered.has(r)) continue;
    removeAt(body, decodePath(r));
  }
}

/**
 * The message Kubernetes gives an apply conflict, listing each field once per manager.
 * Example: `conflictMessage([{ manager: "kubectl", path: '["spec","replicas"]' }], "apps/v1")`
 * -> 'Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas'.
 */
export function conflictMessage(conflicts: readonly FieldConflict[], apiVersion: string): string {
  assert(conflicts.length > 0, "a conflict message needs conflicts");
  const n = conflicts.length;
  const head = `Apply failed with ${n} conflict${n === 1 ? "" : "s"}`;
  if (n === 1) return `${head}: conflict with "${conflicts[0]!.manager}" using ${apiVersion}: ${displayPath(conflicts[0]!.path)}`;
  const lines = conflicts.map((c) => `- conflict with "${c.manager}" using ${apiVersion}: ${displayPath(c.path)}`);
  return `${head}:\n${lines.join("\n")}`;
}
