// Discovery for simulated clusters: one module-level table of built-in kinds shared by every
// cluster, and the mappings a CustomResourceDefinition object registers in its own cluster.

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import type { KubeObject, ResourceMapping } from "../cluster-client.ts";
import { isJsonObject } from "./json-tree.ts";

function mapping(group: string, version: string, kind: string, resource: string, namespaced: boolean): ResourceMapping {
  return Object.freeze({ group, version, kind, resource, namespaced });
}

/** The built-in kinds every simulated cluster serves, frozen and shared by all clusters. */
const BUILT_IN: readonly ResourceMapping[] = Object.freeze([
  mapping("", "v1", "ConfigMap", "configmaps", true),
  mapping("", "v1", "Secret", "secrets", true),
  mapping("", "v1", "Namespace", "namespaces", false),
  mapping("", "v1", "Pod", "pods", true),
  mapping("", "v1", "Service", "services", true),
  mapping("", "v1", "ServiceAccount", "serviceaccounts", true),
  mapping("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
  mapping("apps", "v1", "Deployment", "deployments", true),
  mapping("apps", "v1", "DaemonSet", "daemonsets", true),
  mapping("apps", "v1", "StatefulSet", "statefulsets", true),
  mapping("apps", "v1", "ReplicaSet", "replicasets", true),
  mapping("batch", "v1", "Job", "jobs", true),
  mapping("batch", "v1", "CronJob", "cronjobs", true),
  mapping("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
  mapping("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
  mapping("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
  mapping("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
  mapping("networking.k8s.io", "v1", "Ingress", "ingresses", true),
  mapping("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
]);

const builtInByKind = new Map<string, ResourceMapping>(BUILT_IN.map((m) => [kindKey(apiVersionOf(m), m.kind), m]));
const builtInByResource = new Map<string, ResourceMapping>(BUILT_IN.map((m) => [resourceId(m), m]));

/** The mapping of CustomResourceDefinition itself (creating one registers a kind). Example: `CRD_MAPPING.resource` -> "customresourcedefinitions". */
export const CRD_MAPPING: ResourceMapping = builtInByResource.get("apiextensions.k8s.io/customresourcedefinitions")!;
assert(CRD_MAPPING !== undefined, "the CRD kind is built in");

/**
 * The lookup key of a kind in a discovery table.
 * Example: `kindKey("apps/v1", "Deployment")` -> "apps/v1\nDeployment".
 */
export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}\n${kind}`;
}

/**
 * The version-independent identity of a resource, which is what objects are stored under.
 * Example: `resourceId({ group: "apps", resource: "deployments", … })` -> "apps/deployments".
 */
export function resourceId(m: Pick<ResourceMapping, "group" | "resource">): string {
  return `${m.group}/${m.resource}`;
}

/**
 * The apiVersion string of a mapping. Example: `apiVersionOf({ group: "", version: "v1", … })` -> "v1".
 */
export function apiVersionOf(m: Pick<ResourceMapping, "group" | "version">): string {
  return m.group === "" ? m.version : `${m.group}/${m.version}`;
}

/**
 * How Kubernetes names a resource in messages: `deployments.apps`, or `configmaps` for core.
 * Example: `qualifiedResource(deploymentMapping)` -> "deployments.apps".
 */
export function qualifiedResource(m: Pick<ResourceMapping, "group" | "resource">): string {
  return m.group === "" ? m.resource : `${m.resource}.${m.group}`;
}

/**
 * Every built-in mapping (shared, frozen). Example: `builtInMappings().length` -> 19.
 */
export function builtInMappings(): readonly ResourceMapping[] {
  return BUILT_IN;
}

/**
 * A built-in kind by apiVersion and kind, or undefined.
 * Example: `lookupBuiltInKind("apps/v1", "Deployment")?.resource` -> "deployments".
 */
export function lookupBuiltInKind(apiVersion: string, kind: string): ResourceMapping | undefined {
  return builtInByKind.get(kindKey(apiVersion, kind));
}

/**
 * A built-in resource by group and resource (any version), or undefined.
 * Example: `lookupBuiltInResource("apps", "deployments")?.kind` -> "Deployment".
 */
export function lookupBuiltInResource(group: string, resource: string): ResourceMapping | undefined {
  return builtInByResource.get(`${group}/${resource}`);
}

function stringField(object: JsonObject | undefined, key: string): string | undefined {
  const value = object?.[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * The mappings a CRD object registers: one per served version, or [] when the CRD lacks the
 * fields discovery needs (group, names.kind, names.plural, versions). Invalid CRDs are refused
 * at write time by `crdProblems`, so [] only happens for objects written before validation.
 * Example: `crdMappings(widgetCrd)` -> [{ group: "example.com", version: "v1", kind: "Widget", … }].
 */
export function crdMappings(crd: KubeObject): ResourceMapping[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : undefined;
  const names = isJsonObject(spec?.names) ? spec.names : undefined;
  const group = stringField(spec, "group");
  const kind = stringField(names, "kind");
  const plural = stringField(names, "plural");
  const versions = Array.isArray(spec?.versions) ? spec.versions : [];
  if (group === undefined || kind === undefined || plural === undefined) return [];
  const namespaced = spec?.scope !== "Cluster";
  const out: ResourceMapping[] = [];
  for (const v of versions) {
    const name = isJsonObject(v) ? stringField(v, "name") : undefined;
    if (name !== undefined && isJsonObject(v) && v.served !== false) out.push(mapping(group, name, kind, plural, namespaced));
  }
  return out;
}

/**
 * What is wrong with a CRD object for discovery (empty = fine): the fields `crdMappings` reads,
 * and the API server's rule that the name is `<plural>.<group>`.
 * Example: `crdProblems(crdNamedWrong)` -> ["metadata.name: Invalid value: …"].
 */
export function crdProblems(crd: KubeObject): string[] {
  const spec = isJsonObject(crd.spec) ? crd.spec : undefined;
  const names = isJsonObject(spec?.names) ? spec.names : undefined;
  const group = stringField(spec, "group");
  const plural = stringField(names, "plural");
  const problems: string[] = [];
  if (group === undefined) problems.push("spec.group: Required value");
  if (plural === undefined) problems.push("spec.names.plural: Required value");
  if (stringField(names, "kind") === undefined) problems.push("spec.names.kind: Required value");
  if (!Array.isArray(spec?.versions) || spec.versions.length === 0) problems.push("spec.versions: Invalid value: must have exactly one version marked as storage version");
  const name = isJsonObject(crd.metadata) ? crd.metadata.name : undefined;
  if (group !== undefined && plural !== undefined && name !== `${plural}.${group}`) {
    problems.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: must be spec.names.plural+"."+spec.group`);
  }
  return problems;
}
