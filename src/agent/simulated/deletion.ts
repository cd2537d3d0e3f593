// Deletes in a simulated cluster: finalizers hold an object until removed; otherwise it goes at
// once, with its dependents (by ownerReference unless Orphan), a Namespace's or a CRD's objects.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import type { PropagationPolicy } from "../cluster-client.ts";
import { CRD_MAPPING, resourceId } from "./discovery.ts";
import { isJsonObject } from "./json-tree.ts";
import { rfc3339 } from "./status-common.ts";
import { splitObjectKey, type StoredObject } from "./stored-object.ts";

// Simplifications: Foreground and Background both delete dependents immediately (no
// foregroundDeletion finalizer, no blockOwnerDeletion wait); owner references match by uid
// anywhere in the cluster (Kubernetes requires the owner in the same namespace or cluster-scoped).

/** What deletion needs from the cluster that stores the objects. Example: SimulatedCluster's private `deletionHost()`. */
export interface DeletionHost {
  get(key: string): StoredObject | undefined;
  /** A snapshot of every object key. */
  keys(): string[];
  remove(key: string): void;
  /** Stores a new body for an existing object as an update would (resourceVersion +1). */
  rewrite(key: string, entry: StoredObject, body: JsonObject): void;
  uidOf(entry: StoredObject): string;
  nowMs(): number;
}

interface Removed {
  readonly key: string;
  readonly entry: StoredObject;
  readonly body: JsonObject;
  readonly uid: string;
}

function metadataOf(body: JsonObject): JsonObject {
  return isJsonObject(body.metadata) ? body.metadata : {};
}

function hasFinalizers(body: JsonObject): boolean {
  const finalizers = metadataOf(body).finalizers;
  return Array.isArray(finalizers) && finalizers.length > 0;
}

/**
 * True when a stored body is marked for deletion and nothing holds it any more, so the next
 * step is the actual removal. Example: `isReleased(bodyWithDeletionTimestampAndNoFinalizers)` -> true.
 */
export function isReleased(body: JsonObject): boolean {
  return typeof metadataOf(body).deletionTimestamp === "string" && !hasFinalizers(body);
}

/** Sets deletionTimestamp on an object its finalizers hold, once. */
function markDeleting(host: DeletionHost, key: string, entry: StoredObject, body: JsonObject): void {
  const meta = metadataOf(body);
  if (typeof meta.deletionTimestamp === "string") return;
  meta.deletionTimestamp = rfc3339(host.nowMs());
  meta.deletionGracePeriodSeconds = 0;
  host.rewrite(key, entry, body);
}

/**
 * Deletes one object with a propagation policy. Returns false when it did not exist.
 * Example: `deleteObject(host, "apps/deployments/default/web", "Background")` -> true.
 */
export function deleteObject(host: DeletionHost, key: string, policy: PropagationPolicy): boolean {
  const entry = host.get(key);
  if (entry === undefined) return false;
  const body = entry.parse();
  const uid = host.uidOf(entry);
  if (policy === "Orphan") orphanDependents(host, uid);
  if (hasFinalizers(body)) {
    markDeleting(host, key, entry, body);
    return true;
  }
  host.remove(key);
  collectGarbage(host, { key, entry, body, uid }, policy !== "Orphan");
  return true;
}

/**
 * Removes what goes with the removed objects, one level at a time (one scan of the cluster per
 * level, not per object): contents of removed Namespaces and CRDs, and objects owned by a
 * removed uid. Dependents held by finalizers are only marked; they cascade when released.
 */
function collectGarbage(host: DeletionHost, first: Removed, followOwnersFirst: boolean): void {
  let level: Removed[] = [first];
  let followOwners = followOwnersFirst;
  while (level.length > 0) {
    const isDependent = dependentTest(level, followOwners);
    const next: Removed[] = [];
    for (const key of host.keys()) {
      const entry = host.get(key);
      if (entry === undefined || !isDependent(key, entry)) continue;
      const body = entry.parse();
      if (hasFinalizers(body)) {
        markDeleting(host, key, entry, body);
        continue;
      }
      host.remove(key);
      next.push({ key, entry, body, uid: host.uidOf(entry) });
    }
    assert(next.every((r) => host.get(r.key) === undefined), "every collected object is gone");
    level = next;
    followOwners = true;
  }
}

/** A test for "goes with one of `level`": in a removed Namespace, of a removed CRD, or owned. */
function dependentTest(level: readonly Removed[], followOwners: boolean): (key: string, entry: StoredObject) => boolean {
  const namespaces = new Set<string>();
  const resources = new Set<string>();
  const uids = new Set<string>();
  for (const removed of level) {
    const { resourceId: rid, name } = splitObjectKey(removed.key);
    if (rid === "/namespaces") namespaces.add(name);
    if (rid === resourceId(CRD_MAPPING)) resources.add(servedResourceId(removed.body));
    if (followOwners) uids.add(removed.uid);
  }
  const byKey = namespaces.size > 0 || resources.size > 0;
  return (key, entry) => {
    if (byKey) {
      const parts = splitObjectKey(key);
      if (namespaces.has(parts.namespace) || resources.has(parts.resourceId)) return true;
    }
    if (uids.size === 0 || !entry.body.includes(OWNER_REFERENCES_JSON)) return false;
    return ownerUids(entry.parse()).some((uid) => uids.has(uid));
  };
}

/** Objects without owners skip parsing: their JSON never contains this key. */
const OWNER_REFERENCES_JSON = '"ownerReferences"';

function servedResourceId(crd: JsonObject): string {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  return `${String(spec.group)}/${String(names.plural)}`;
}

function ownerUids(body: JsonObject): string[] {
  const refs = metadataOf(body).ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.flatMap((r) => (isJsonObject(r) && typeof r.uid === "string" ? [r.uid] : []));
}

function ownerIndex(body: JsonObject, uid: string): number {
  const refs = metadataOf(body).ownerReferences;
  if (!Array.isArray(refs)) return -1;
  return refs.findIndex((r) => isJsonObject(r) && r.uid === uid);
}

/** Removes the owner references to `uid` from every object that has one. */
function orphanDependents(host: DeletionHost, uid: string): void {
  for (const key of host.keys()) {
    const entry = host.get(key);
    if (entry === undefined || !entry.body.includes(uid)) continue;
    const body = entry.parse();
    if (ownerIndex(body, uid) < 0) continue;
    const meta = metadataOf(body);
    const refs = (meta.ownerReferences as JsonObject[]).filter((r) => !(isJsonObject(r) && r.uid === uid));
    if (refs.length > 0) meta.ownerReferences = refs;
    else delete meta.ownerReferences;
    host.rewrite(key, entry, body);
  }
}
