// How a simulated cluster stores one object compactly: the written object as one JSON string
// (no server metadata, no simulated status) plus a few numbers; uids are derived, not stored.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import type { ResourceMapping } from "../cluster-client.ts";
import type { FieldOwners } from "./field-owners.ts";
import { isJsonObject } from "./json-tree.ts";
import { fnv32a } from "./status-common.ts";

/**
 * One stored object. Immutable: every write stores a new instance. A JSON string of a small
 * Deployment is ~500 B where the parsed tree is ~1 KB, and a string holds no references
 * for the garbage collector to trace.
 * Example: `new StoredObject("apps/deployments/default/web", deployments, '{"apiVersion":"apps/v1",…}', 5, 5, 1, t, t, undefined)`.
 */
export class StoredObject {
  constructor(
    /** objectKey() of the object: the table index compares it. */
    readonly key: string,
    /** The shared mapping of the object's resource (never a per-object copy). */
    readonly mapping: ResourceMapping,
    /** The object's JSON without uid, resourceVersion, generation, creationTimestamp, managedFields and server-owned status. */
    readonly body: string,
    /** The cluster's resourceVersion counter when the object was created; the uid derives from it. */
    readonly createdVersion: number,
    readonly resourceVersion: number,
    readonly generation: number,
    readonly createdAtMs: number,
    /** When the generation last changed; the status simulator times rollouts from it. */
    readonly changedAtMs: number,
    readonly owners: FieldOwners,
  ) {
    assert(resourceVersion >= createdVersion, "a resourceVersion never goes below the one at creation");
    assert(generation >= 1, "generation starts at 1");
  }

  /** The stored body, parsed into a fresh tree the caller may modify. */
  parse(): JsonObject {
    const value: unknown = JSON.parse(this.body);
    assert(isJsonObject(value as JsonObject), "a stored body is a JSON object");
    return value as JsonObject;
  }
}

/**
 * The map key of an object: resource identity (version-independent), namespace ("" when
 * cluster-scoped) and name. Kubernetes names and namespaces never contain "/".
 * Example: `objectKey(deployments, "default", "web")` -> "apps/deployments/default/web".
 */
export function objectKey(mapping: Pick<ResourceMapping, "group" | "resource">, namespace: string, name: string): string {
  return `${mapping.group}/${mapping.resource}/${namespace}/${name}`;
}

/**
 * Splits an object key back into its parts.
 * Example: `splitObjectKey("apps/deployments/default/web")` -> { resourceId: "apps/deployments", namespace: "default", name: "web" }.
 */
export function splitObjectKey(key: string): { resourceId: string; namespace: string; name: string } {
  const parts = key.split("/");
  assert(parts.length === 4, "an object key has four parts");
  return { resourceId: `${parts[0]}/${parts[1]}`, namespace: parts[2]!, name: parts[3]! };
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}

/**
 * The uid of the object a cluster created at `createdVersion`: a version-4-shaped UUID whose
 * first 20 hex digits hash the cluster name and whose last 12 are the version, so it is unique
 * within the cluster (versions never repeat), stable, and costs no memory.
 * Example: `objectUid("cluster-1", 5)` -> "xxxxxxxx-xxxx-4xxx-8xxx-000000000005" (hex digits from the name).
 */
export function objectUid(clusterName: string, createdVersion: number): string {
  assert(Number.isSafeInteger(createdVersion) && createdVersion > 0, "a created version is a positive integer");
  const a = hex8(fnv32a(clusterName));
  const b = hex8(fnv32a(`${clusterName}\u0000b`));
  const c = hex8(fnv32a(`${clusterName}\u0000c`));
  const variant = ((Number.parseInt(c[0]!, 16) & 0x3) | 0x8).toString(16);
  const tail = createdVersion.toString(16).padStart(12, "0");
  return `${a}-${b.slice(0, 4)}-4${b.slice(4, 7)}-${variant}${c.slice(1, 4)}-${tail}`;
}
