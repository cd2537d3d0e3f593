// Request objects in, stored bodies out, and back: identity validation, stripping server-set
// metadata, and rendering a stored object with server metadata and its simulated status.

import type { JsonObject } from "../../cloudevents/types.ts";
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, validatePathSegmentName } from "../../cloudevents/mod.ts";
import type { KubeObject, ResourceMapping } from "../cluster-client.ts";
import { apiVersionOf } from "./discovery.ts";
import { badRequest, invalid } from "./errors.ts";
import { cloneJson, isJsonObject } from "./json-tree.ts";
import { rfc3339 } from "./status-common.ts";
import { serverOwnsStatus, simulateStatus } from "./status-sim.ts";
import { objectUid, type StoredObject } from "./stored-object.ts";

/** Metadata the server sets; whatever a request says about them is dropped from the body. */
const SERVER_METADATA = ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"];

/** The name and namespace a request addresses ("" namespace for cluster-scoped kinds). Example: `{ namespace: "default", name: "web" }`. */
export interface ObjectIdentity {
  readonly namespace: string;
  readonly name: string;
}

function nameProblems(mapping: ResourceMapping, name: string): string[] {
  if (mapping.group === "rbac.authorization.k8s.io") return validatePathSegmentName(name, "metadata.name").map((e) => e.detail ?? "");
  if (mapping.group === "" && mapping.resource === "namespaces") return isDns1123Label(name);
  if (mapping.group === "" && mapping.resource === "services") return isDns1035Label(name);
  return isDns1123Subdomain(name);
}

function checkTypeMeta(object: KubeObject, mapping: ResourceMapping): void {
  const apiVersion = apiVersionOf(mapping);
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (object.kind !== undefined && object.kind !== mapping.kind) {
    throw badRequest(`the kind in the data (${String(object.kind)}) does not match the expected kind (${mapping.kind})`);
  }
}

/**
 * Validates apiVersion/kind against the mapping and the name and namespace, returning the
 * identity. `generatedName` is used when the object has only `generateName` (create only).
 * Example: `identityOf(deployments, { metadata: { name: "web", namespace: "default" } })` -> { namespace: "default", name: "web" }.
 */
export function identityOf(mapping: ResourceMapping, object: KubeObject, generatedName?: (prefix: string) => string): ObjectIdentity {
  checkTypeMeta(object, mapping);
  const meta = isJsonObject(object.metadata) ? object.metadata : {};
  let name = typeof meta.name === "string" ? meta.name : "";
  if (name === "" && generatedName !== undefined && typeof meta.generateName === "string" && meta.generateName !== "") {
    name = generatedName(meta.generateName);
  }
  if (name === "") throw invalid(mapping.kind, "", ["metadata.name: Required value: name or generateName is required"]);
  const problems = nameProblems(mapping, name).map((p) => `metadata.name: Invalid value: ${JSON.stringify(name)}: ${p}`);
  let namespace = "";
  if (mapping.namespaced) {
    namespace = typeof meta.namespace === "string" ? meta.namespace : "";
    if (namespace === "") problems.push("metadata.namespace: Required value");
    else problems.push(...isDns1123Label(namespace).map((p) => `metadata.namespace: Invalid value: ${JSON.stringify(namespace)}: ${p}`));
  }
  if (problems.length > 0) throw invalid(mapping.kind, name, problems);
  return { namespace, name };
}

/**
 * The body to store for a request object: a deep copy with apiVersion/kind set, the identity
 * written in, server metadata removed, and `.status` removed when the server owns it.
 * Example: `toBody(deployments, obj, { namespace: "default", name: "web" })` -> { apiVersion: "apps/v1", kind: "Deployment", metadata: {…}, spec: {…} }.
 */
export function toBody(mapping: ResourceMapping, object: KubeObject, identity: ObjectIdentity): JsonObject {
  const copy = cloneJson(object);
  const meta = isJsonObject(copy.metadata) ? copy.metadata : {};
  for (const key of SERVER_METADATA) delete meta[key];
  delete meta.name;
  delete meta.namespace;
  const metadata: JsonObject = { name: identity.name };
  if (mapping.namespaced) metadata.namespace = identity.namespace;
  Object.assign(metadata, meta);
  const body: JsonObject = { apiVersion: apiVersionOf(mapping), kind: mapping.kind, metadata };
  for (const [key, value] of Object.entries(copy)) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    if (key === "status" && serverOwnsStatus(mapping)) continue;
    body[key] = value;
  }
  return body;
}

/** What rendering needs from the cluster besides the stored object. Example: `{ clusterName: "c1", nowMs, readyDelayMs: 2000, nodeCount: 3 }`. */
export interface RenderContext {
  readonly clusterName: string;
  readonly nowMs: number;
  readonly readyDelayMs: number;
  readonly nodeCount: number;
}

/**
 * A stored object as the API server returns it: server metadata in Kubernetes' order, the
 * requested version's apiVersion, and the simulated status computed for `ctx.nowMs`.
 * Example: `renderObject(entry, deployments, ctx).metadata.resourceVersion` -> "7".
 */
export function renderObject(entry: StoredObject, mapping: ResourceMapping, ctx: RenderContext): KubeObject {
  const body = entry.parse();
  const stored = isJsonObject(body.metadata) ? body.metadata : {};
  const uid = objectUid(ctx.clusterName, entry.createdVersion);
  const name = typeof stored.name === "string" ? stored.name : "";
  const metadata: JsonObject = { name };
  if (stored.generateName !== undefined) metadata.generateName = stored.generateName;
  if (stored.namespace !== undefined) metadata.namespace = stored.namespace;
  Object.assign(metadata, {
    uid, resourceVersion: String(entry.resourceVersion), generation: entry.generation,
    creationTimestamp: rfc3339(entry.createdAtMs),
  });
  for (const [key, value] of Object.entries(stored)) if (!(key in metadata)) metadata[key] = value;
  const out: KubeObject = { ...body, apiVersion: apiVersionOf(mapping), kind: mapping.kind, metadata };
  if (!serverOwnsStatus(mapping)) return out;
  delete out.status;
  const status = simulateStatus(mapping, {
    object: body, name, uid, generation: entry.generation, createdAtMs: entry.createdAtMs,
    changedAtMs: entry.changedAtMs, nowMs: ctx.nowMs, readyDelayMs: ctx.readyDelayMs, nodeCount: ctx.nodeCount,
  });
  if (status !== undefined) out.status = status;
  return out;
}

/**
 * The resourceVersion a request carries, or undefined when it carries none.
 * Example: `requestedVersion({ metadata: { resourceVersion: "7" } })` -> "7".
 */
export function requestedVersion(object: KubeObject): string | undefined {
  const meta = isJsonObject(object.metadata) ? object.metadata : undefined;
  const value = meta?.resourceVersion;
  return typeof value === "string" && value !== "" ? value : undefined;
}
