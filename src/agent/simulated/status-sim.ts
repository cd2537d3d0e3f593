// The status simulator: one module-level table from resource to its simulated controller (the
// built-in kinds, plus the two Open Cluster Management hub kinds ARO-HCP applies), shared by
// every cluster; statuses are computed on read, never stored or timed.

import type { JsonObject } from "../../cloudevents/types.ts";
import type { ResourceMapping } from "../cluster-client.ts";
import { lookupBuiltInResource, resourceId } from "./discovery.ts";
import { cronJobStatus, jobStatus } from "./status-batch.ts";
import type { StatusInput, StatusSimulator } from "./status-common.ts";
import {
  customResourceDefinitionStatus, loadBalancerStatus, namespaceStatus, persistentVolumeClaimStatus, podStatus,
} from "./status-core.ts";
import { MANAGED_CLUSTER_RESOURCE, MANIFEST_WORK_RESOURCE, managedClusterStatus, manifestWorkStatus } from "./status-ocm.ts";
import { daemonSetStatus, deploymentStatus, replicaSetStatus, statefulSetStatus } from "./status-workloads.ts";

const SIMULATORS: ReadonlyMap<string, StatusSimulator> = new Map<string, StatusSimulator>([
  ["apps/deployments", deploymentStatus],
  ["apps/replicasets", replicaSetStatus],
  ["apps/statefulsets", statefulSetStatus],
  ["apps/daemonsets", daemonSetStatus],
  ["batch/jobs", jobStatus],
  ["batch/cronjobs", cronJobStatus],
  ["/pods", podStatus],
  ["/namespaces", namespaceStatus],
  ["/persistentvolumeclaims", persistentVolumeClaimStatus],
  ["/services", loadBalancerStatus],
  ["networking.k8s.io/ingresses", loadBalancerStatus],
  ["apiextensions.k8s.io/customresourcedefinitions", customResourceDefinitionStatus],
  [MANAGED_CLUSTER_RESOURCE, managedClusterStatus],
  [MANIFEST_WORK_RESOURCE, manifestWorkStatus],
]);

/**
 * Whether the server owns `.status` of this resource: true for every built-in kind (written
 * status is dropped, as the status subresource or an unknown field would be) and for the
 * simulated OCM kinds (ManagedCluster, ManifestWork: their status subresource drops it, and the
 * simulated spoke watcher writes it); false for other custom resources, whose status is stored
 * as written (the simulator runs no controller for them).
 * Example: `serverOwnsStatus(deploymentMapping)` -> true.
 */
export function serverOwnsStatus(mapping: Pick<ResourceMapping, "group" | "resource">): boolean {
  return lookupBuiltInResource(mapping.group, mapping.resource) !== undefined || SIMULATORS.has(resourceId(mapping));
}

/**
 * The simulated `.status` of an object, or undefined when its kind has none (ConfigMap, Secret,
 * RBAC, custom resources other than ManagedCluster and ManifestWork…) or none yet.
 * Example: `simulateStatus(deploymentMapping, input)?.readyReplicas` -> 3 once the delay passed.
 */
export function simulateStatus(mapping: Pick<ResourceMapping, "group" | "resource">, input: StatusInput): JsonObject | undefined {
  const simulator = SIMULATORS.get(resourceId(mapping));
  return simulator === undefined ? undefined : simulator(input);
}
