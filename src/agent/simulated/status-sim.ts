// The status simulator: one module-level table from built-in resource to its simulated
// controller, shared by every cluster; statuses are computed on read, never stored or timed.

import type { JsonObject } from "../../cloudevents/types.ts";
import type { ResourceMapping } from "../cluster-client.ts";
import { lookupBuiltInResource, resourceId } from "./discovery.ts";
import { cronJobStatus, jobStatus } from "./status-batch.ts";
import type { StatusInput, StatusSimulator } from "./status-common.ts";
import {
  customResourceDefinitionStatus, loadBalancerStatus, namespaceStatus, persistentVolumeClaimStatus, podStatus,
} from "./status-core.ts";
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
]);

/**
 * Whether the server owns `.status` of this resource: true for every built-in kind (written
 * status is dropped, as the status subresource or an unknown field would be); false for custom
 * resources, whose status is stored as written (the simulator runs no controller for them).
 * Example: `serverOwnsStatus(deploymentMapping)` -> true.
 */
export function serverOwnsStatus(mapping: Pick<ResourceMapping, "group" | "resource">): boolean {
  return lookupBuiltInResource(mapping.group, mapping.resource) !== undefined;
}

/**
 * The simulated `.status` of an object, or undefined when its kind has none (ConfigMap, Secret,
 * RBAC, custom resources…).
 * Example: `simulateStatus(deploymentMapping, input)?.readyReplicas` -> 3 once the delay passed.
 */
export function simulateStatus(mapping: Pick<ResourceMapping, "group" | "resource">, input: StatusInput): JsonObject | undefined {
  const simulator = SIMULATORS.get(resourceId(mapping));
  return simulator === undefined ? undefined : simulator(input);
}
