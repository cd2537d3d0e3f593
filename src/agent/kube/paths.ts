// Pure URL paths of the Kubernetes API: discovery documents, collections and objects, built from
// a ResourceMapping the way client-go's REST client builds them (no I/O, no library import).

import { assert } from "../../assert.ts";
import { ClusterError, type ResourceMapping } from "../cluster-client.ts";

/** An apiVersion split into group ("" for the core group) and version. Example: `{ group: "apps", version: "v1" }`. */
export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

/**
 * Splits `apps/v1` into {group: "apps", version: "v1"} and `v1` into {group: "", version: "v1"};
 * a malformed apiVersion rejects with ClusterError reason "BadRequest" (it came from a manifest).
 * Example: `parseApiVersion("batch/v1").group === "batch"`.
 */
export function parseApiVersion(apiVersion: string): GroupVersion {
  const parts = apiVersion.split("/");
  const wellFormed = parts.every((p) => p.length > 0 && !/[\s?#%]/.test(p));
  if (!wellFormed || parts.length > 2) {
    throw new ClusterError("BadRequest", 400, `unexpected GroupVersion string: ${JSON.stringify(apiVersion)}`);
  }
  if (parts.length === 1) return { group: "", version: parts[0]! };
  return { group: parts[0]!, version: parts[1]! };
}

/**
 * The discovery document path of a group-version: `/api/v1` for the core group, else `/apis/<group>/<version>`.
 * Example: `groupVersionPath({ group: "apps", version: "v1" }) === "/apis/apps/v1"`.
 */
export function groupVersionPath(gv: GroupVersion): string {
  assert(gv.version.length > 0, "a group-version has a version");
  return gv.group === "" ? `/api/${gv.version}` : `/apis/${gv.group}/${gv.version}`;
}

/**
 * The collection path (POST target) of a resource; `namespace` is used only for namespaced resources.
 * Example: `collectionPath(deployments, "ns1") === "/apis/apps/v1/namespaces/ns1/deployments"`.
 */
export function collectionPath(mapping: ResourceMapping, namespace: string): string {
  assert(mapping.resource.length > 0, "a mapping names its resource");
  const base = groupVersionPath(mapping);
  if (!mapping.namespaced) return `${base}/${mapping.resource}`;
  if (namespace === "") {
    throw new ClusterError("BadRequest", 400, `${mapping.kind} is namespaced: a namespace is required`);
  }
  return `${base}/namespaces/${encodeURIComponent(namespace)}/${mapping.resource}`;
}

/**
 * The path of one object (GET/PUT/PATCH/DELETE target).
 * Example: `objectPath(configmaps, "ns1", "a") === "/api/v1/namespaces/ns1/configmaps/a"`.
 */
export function objectPath(mapping: ResourceMapping, namespace: string, name: string): string {
  if (name === "") throw new ClusterError("Invalid", 422, `${mapping.kind}: metadata.name is required`);
  return `${collectionPath(mapping, namespace)}/${encodeURIComponent(name)}`;
}
