// Discovery documents of the fake API server, shaped like a real kube-apiserver 1.30's answers
// (core/v1, apps/v1, batch/v1, with their subresources), trimmed to the fields clients read.

import type { JsonObject } from "../../../src/cloudevents/types.ts";

/** One APIResource entry. */
export interface FakeResource {
  readonly name: string;
  readonly singularName: string;
  readonly namespaced: boolean;
  readonly kind: string;
  readonly verbs: readonly string[];
}

const objectVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
const subVerbs = ["get", "patch", "update"];

function res(name: string, kind: string, namespaced: boolean, verbs: readonly string[] = objectVerbs): FakeResource {
  return { name, singularName: name.includes("/") ? "" : name.replace(/s$/, ""), namespaced, kind, verbs };
}

/**
 * The served group-versions and their resources, in kube-apiserver's (alphabetical) order.
 * Example: `initialResources()["apps/v1"]` lists deployments, deployments/scale, …
 */
export function initialResources(): Record<string, FakeResource[]> {
  return {
    v1: [
      res("configmaps", "ConfigMap", true),
      res("namespaces", "Namespace", false, ["create", "delete", "get", "list", "patch", "update", "watch"]),
      res("namespaces/status", "Namespace", false, subVerbs),
      res("pods", "Pod", true),
      res("pods/eviction", "Eviction", true, ["create"]),
      res("pods/status", "Pod", true, subVerbs),
      res("secrets", "Secret", true),
      res("services", "Service", true),
      res("services/status", "Service", true, subVerbs),
    ],
    "apps/v1": [
      res("daemonsets", "DaemonSet", true),
      res("daemonsets/status", "DaemonSet", true, subVerbs),
      res("deployments", "Deployment", true),
      res("deployments/scale", "Scale", true, subVerbs),
      res("deployments/status", "Deployment", true, subVerbs),
    ],
    "batch/v1": [res("jobs", "Job", true), res("jobs/status", "Job", true, subVerbs)],
  };
}

/** The APIResourceList document of one group-version. */
export function resourceList(groupVersion: string, resources: readonly FakeResource[]): JsonObject {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: resources.map((r) => ({ ...r, verbs: [...r.verbs] })),
  };
}

/** `GET /api`: the core APIVersions document. */
export function coreVersions(): JsonObject {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }] };
}

/** `GET /apis`: the APIGroupList of the non-core group-versions served. */
export function groupList(groupVersions: readonly string[]): JsonObject {
  const groups = groupVersions
    .filter((gv) => gv.includes("/"))
    .map((gv) => {
      const [name, version] = gv.split("/") as [string, string];
      const preferred = { groupVersion: gv, version };
      return { name, versions: [preferred], preferredVersion: preferred };
    });
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}
