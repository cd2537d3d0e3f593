// Simulated controllers of apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet.
// Each status is a pure function of the object and the times in StatusInput (no timers).

import type { JsonObject } from "../../cloudevents/types.ts";
import { assert } from "../../assert.ts";
import { isJsonObject } from "./json-tree.ts";
import {
  condition, fnv32a, isUpdateRollout, omitZero, safeEncode, specInt, type StatusInput, stepsSince, templateHash,
} from "./status-common.ts";

// Model: a first rollout has no ready pods until `readyDelayMs` after creation (StatefulSets
// start one pod per delay, in order); an update rollout keeps the previous pods serving while
// the new ones start, so readiness stays up and `updated*` counts grow. Fields that are zero
// are omitted where Kubernetes' Go types say `omitempty`.

function podTemplate(object: JsonObject): JsonObject | undefined {
  const spec = object.spec;
  return isJsonObject(spec) && isJsonObject(spec.template) ? spec.template : undefined;
}

/**
 * A Deployment's status: replicas, updated/ready/available counts and the Available and
 * Progressing conditions with Kubernetes' reasons and messages.
 * Example: 3 replicas, 1 s after creation with a 2 s delay -> `{ observedGeneration: 1, replicas: 3,
 * updatedReplicas: 3, unavailableReplicas: 3, conditions: [Available=False, Progressing=True] }`.
 */
export function deploymentStatus(input: StatusInput): JsonObject {
  const desired = specInt(input.object, "replicas", 1);
  const done = desired === 0 || stepsSince(input, input.changedAtMs) >= 1;
  const update = isUpdateRollout(input);
  const ready = done || update ? desired : 0;
  const updated = done || !update ? desired : 0;
  const readyAtMs = input.changedAtMs + input.readyDelayMs;
  const firstReadyMs = desired === 0 && !update ? input.createdAtMs : input.createdAtMs + input.readyDelayMs;
  const replicaSet = `${input.name}-${templateHash(podTemplate(input.object))}`;
  const available = ready >= desired;
  const counts = omitZero({
    observedGeneration: input.generation, replicas: desired, updatedReplicas: updated,
    readyReplicas: ready, availableReplicas: ready, unavailableReplicas: desired - ready,
  });
  const availableAtMs = available ? firstReadyMs : input.createdAtMs;
  counts.conditions = [
    condition("Available", available, {
      updateMs: availableAtMs, transitionMs: availableAtMs,
      reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
      message: available ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
    }),
    condition("Progressing", true, {
      updateMs: done ? readyAtMs : input.changedAtMs, transitionMs: input.createdAtMs,
      reason: done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
      message: done ? `ReplicaSet "${replicaSet}" has successfully progressed.` : `ReplicaSet "${replicaSet}" is progressing.`,
    }),
  ];
  return counts;
}

/**
 * A ReplicaSet's status: all pods ready after the delay.
 * Example: 2 replicas after the delay -> `{ replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 }`.
 */
export function replicaSetStatus(input: StatusInput): JsonObject {
  const desired = specInt(input.object, "replicas", 1);
  const ready = stepsSince(input, input.changedAtMs) >= 1 || isUpdateRollout(input) ? desired : 0;
  const status: JsonObject = { replicas: desired };
  Object.assign(status, omitZero({ fullyLabeledReplicas: desired, readyReplicas: ready, availableReplicas: ready }));
  status.observedGeneration = input.generation;
  return status;
}

/**
 * A StatefulSet's status with ordered rollout: one pod becomes ready per delay (first rollout),
 * or one pod is replaced per delay (update rollout, the replaced pod not ready meanwhile).
 * `currentRevision` during an update is a stand-in: the simulator does not keep old templates.
 * Example: 3 replicas, 2.5 delays after creation -> `{ replicas: 3, readyReplicas: 2, availableReplicas: 2, … }`.
 */
export function statefulSetStatus(input: StatusInput): JsonObject {
  const desired = specInt(input.object, "replicas", 1);
  const steps = stepsSince(input, input.changedAtMs);
  const hash = templateHash(podTemplate(input.object));
  const updateRevision = `${input.name}-${hash}`;
  let created = Math.min(desired, steps + 1);
  let ready = Math.min(desired, steps);
  let updated = created;
  let current = created;
  let currentRevision = updateRevision;
  if (isUpdateRollout(input)) {
    created = desired;
    updated = Math.min(desired, steps);
    current = desired - updated;
    ready = updated < desired ? desired - 1 : desired;
    if (updated < desired) currentRevision = `${input.name}-${safeEncode(fnv32a(`${hash}/${input.generation - 1}`))}`;
    else current = desired;
  }
  assert(ready <= desired, "a StatefulSet never has more ready pods than replicas");
  const status: JsonObject = omitZero({ observedGeneration: input.generation });
  status.replicas = created;
  Object.assign(status, omitZero({ readyReplicas: ready, currentReplicas: current, updatedReplicas: updated }));
  Object.assign(status, { currentRevision, updateRevision, collisionCount: 0, availableReplicas: ready });
  return status;
}

/**
 * A DaemonSet's status on `nodeCount` nodes (no node selectors or taints are simulated).
 * Example: 3 nodes after the delay -> `{ currentNumberScheduled: 3, numberMisscheduled: 0,
 * desiredNumberScheduled: 3, numberReady: 3, observedGeneration: 1, updatedNumberScheduled: 3, numberAvailable: 3 }`.
 */
export function daemonSetStatus(input: StatusInput): JsonObject {
  const nodes = input.nodeCount;
  const steps = stepsSince(input, input.changedAtMs);
  let ready = steps >= 1 ? nodes : 0;
  let updated = nodes;
  if (isUpdateRollout(input)) {
    updated = Math.min(nodes, steps);
    ready = updated < nodes ? nodes - 1 : nodes;
  }
  const status: JsonObject = { currentNumberScheduled: nodes, numberMisscheduled: 0, desiredNumberScheduled: nodes, numberReady: ready };
  status.observedGeneration = input.generation;
  Object.assign(status, omitZero({ updatedNumberScheduled: updated, numberAvailable: ready, numberUnavailable: nodes - ready }));
  return status;
}
