// Simulated statuses of core and API kinds: Pod (Pending, then Running and Ready), Namespace,
// PersistentVolumeClaim (Pending, then Bound), Service and Ingress, CustomResourceDefinition.

import type { JsonObject, JsonValue } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { isJsonObject } from "./json-tree.ts";
import { condition, fnv32a, rfc3339, type StatusInput, stepsSince } from "./status-common.ts";

function listAt(object: JsonObject, key: string): JsonValue[] {
  const spec = object.spec;
  const value = isJsonObject(spec) ? spec[key] : undefined;
  return Array.isArray(value) ? value : [];
}

function stringOf(value: JsonValue | undefined, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function containerStatus(container: JsonValue, ready: boolean, startedMs: number): JsonObject {
  const c = isJsonObject(container) ? container : {};
  const state: JsonObject = ready ? { running: { startedAt: rfc3339(startedMs) } } : { waiting: { reason: "ContainerCreating" } };
  return {
    name: stringOf(c.name, ""), state, lastState: {}, ready, restartCount: 0,
    image: stringOf(c.image, ""), imageID: "", started: ready,
  };
}

function qosClass(containers: readonly JsonValue[]): string {
  const hasResources = containers.some((c) => isJsonObject(c) && isJsonObject(c.resources) && Object.keys(c.resources).length > 0);
  return hasResources ? "Burstable" : "BestEffort";
}

/**
 * A Pod's status: Pending with ContainerCreating containers, then (after the delay) Running with
 * every container ready. IPs are derived from the uid so they are stable and look real.
 * Example: after the delay -> `{ phase: "Running", conditions: [PodReadyToStartContainers, Initialized,
 * Ready, ContainersReady, PodScheduled], hostIP, podIP, startTime, containerStatuses, qosClass }`.
 */
export function podStatus(input: StatusInput): JsonObject {
  const ready = stepsSince(input, input.createdAtMs) >= 1;
  const readyMs = input.createdAtMs + input.readyDelayMs;
  const containers = listAt(input.object, "containers");
  const names = containers.map((c) => (isJsonObject(c) ? stringOf(c.name, "") : "")).join(" ");
  const notReady = { reason: "ContainersNotReady", message: `containers with unready status: [${names}]` };
  const at = { transitionMs: ready ? readyMs : input.createdAtMs };
  const hash = fnv32a(input.uid);
  const hostIP = `10.0.0.${10 + (hash % Math.max(1, input.nodeCount))}`;
  const podIP = `10.244.${(hash >>> 8) & 0xff}.${(hash & 0xfd) + 2}`;
  return {
    phase: ready ? "Running" : "Pending",
    conditions: [
      condition("PodReadyToStartContainers", ready, at),
      condition("Initialized", true, { transitionMs: input.createdAtMs }),
      condition("Ready", ready, ready ? at : { ...at, ...notReady }),
      condition("ContainersReady", ready, ready ? at : { ...at, ...notReady }),
      condition("PodScheduled", true, { transitionMs: input.createdAtMs }),
    ],
    hostIP, hostIPs: [{ ip: hostIP }], podIP, podIPs: [{ ip: podIP }],
    startTime: rfc3339(input.createdAtMs),
    containerStatuses: containers.map((c) => containerStatus(c, ready, readyMs)),
    qosClass: qosClass(containers),
  };
}

/**
 * A Namespace's status. Example: `namespaceStatus(input)` -> { phase: "Active" } ("Terminating" while finalizers hold a delete).
 */
export function namespaceStatus(input: StatusInput): JsonObject {
  const meta = input.object.metadata;
  const deleting = isJsonObject(meta) && typeof meta.deletionTimestamp === "string";
  return { phase: deleting ? "Terminating" : "Active" };
}

/**
 * A PersistentVolumeClaim's status: Pending, then Bound with the requested size after the delay.
 * Example: after the delay -> `{ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" } }`.
 */
export function persistentVolumeClaimStatus(input: StatusInput): JsonObject {
  if (stepsSince(input, input.createdAtMs) < 1) return { phase: "Pending" };
  const spec = isJsonObject(input.object.spec) ? input.object.spec : {};
  const resources = isJsonObject(spec.resources) ? spec.resources : {};
  const requests = isJsonObject(resources.requests) ? resources.requests : {};
  const status: JsonObject = { phase: "Bound", accessModes: listAt(input.object, "accessModes") };
  if (requests.storage !== undefined) status.capacity = { storage: requests.storage };
  return status;
}

/**
 * A Service's or an Ingress's status: an empty load balancer (no cloud provider here).
 * Example: `loadBalancerStatus(input)` -> { loadBalancer: {} }.
 */
export function loadBalancerStatus(input: StatusInput): JsonObject {
  assert(input.generation >= 1, "a stored object has a generation");
  return { loadBalancer: {} };
}

/**
 * A CRD's status: names accepted and Established at once (the API server needs milliseconds).
 * Example: `customResourceDefinitionStatus(input).conditions[1].type` -> "Established".
 */
export function customResourceDefinitionStatus(input: StatusInput): JsonObject {
  const spec = isJsonObject(input.object.spec) ? input.object.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const plural = stringOf(names.plural, "");
  const kind = stringOf(names.kind, "");
  const acceptedNames: JsonObject = { ...names, plural, singular: stringOf(names.singular, kind.toLowerCase()), kind };
  acceptedNames.listKind = stringOf(names.listKind, `${kind}List`);
  const versions = listAt(input.object, "versions").filter(isJsonObject);
  const storage = versions.find((v) => v.storage === true) ?? versions[0];
  const at = { transitionMs: input.createdAtMs };
  return {
    acceptedNames,
    conditions: [
      condition("NamesAccepted", true, { ...at, reason: "NoConflicts", message: "no conflicts found" }),
      condition("Established", true, { ...at, reason: "InitialNamesAccepted", message: "the initial names have been accepted" }),
    ],
    storedVersions: storage === undefined ? [] : [stringOf(storage.name, "")],
  };
}
