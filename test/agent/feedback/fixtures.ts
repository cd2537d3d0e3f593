// Realistic objects as the API server returns them (a Deployment, a DaemonSet, a Job and a Pod,
// with status), shared by the JSONPath and feedback tests. Fresh copies on every call.

import type { JsonObject } from "../../../src/cloudevents/types.ts";

/** A Deployment two minutes after a rollout: 3 wanted, 2 ready, Available and Progressing. */
export function deployment(): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "nginx",
      namespace: "default",
      uid: "8f1d2c3e-aaaa-bbbb-cccc-1234567890ab",
      generation: 4,
      labels: { app: "nginx", "app.kubernetes.io/name": "nginx" },
      annotations: { "deployment.kubernetes.io/revision": "2" },
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "nginx" } },
      template: {
        metadata: { labels: { app: "nginx" } },
        spec: {
          containers: [
            { name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }] },
            { name: "sidecar", image: "busybox:1.36", args: ["sleep", "infinity"] },
          ],
        },
      },
    },
    status: {
      observedGeneration: 4,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 2,
      unavailableReplicas: 1,
      conditions: [
        {
          type: "Available",
          status: "True",
          lastUpdateTime: "2025-12-16T06:00:17Z",
          lastTransitionTime: "2025-12-16T06:00:17Z",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        },
        {
          type: "Progressing",
          status: "True",
          lastUpdateTime: "2025-12-16T06:01:02Z",
          lastTransitionTime: "2025-12-16T05:59:40Z",
          reason: "NewReplicaSetAvailable",
          message: 'ReplicaSet "nginx-5d8f7b8c9" has successfully progressed.',
        },
      ],
    },
  };
}

/** A DaemonSet on 3 nodes, 2 of them ready. */
export function daemonSet(): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "fluentd", namespace: "kube-system" },
    spec: { selector: { matchLabels: { app: "fluentd" } } },
    status: {
      currentNumberScheduled: 3,
      desiredNumberScheduled: 3,
      numberAvailable: 2,
      numberMisscheduled: 0,
      numberReady: 2,
      numberUnavailable: 1,
      observedGeneration: 1,
      updatedNumberScheduled: 3,
    },
  };
}

/** A finished Job: Complete and SuccessCriteriaMet, 1 pod succeeded. */
export function job(): JsonObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "pi", namespace: "default" },
    spec: { backoffLimit: 4, completions: 1, parallelism: 1 },
    status: {
      startTime: "2025-12-16T06:00:00Z",
      completionTime: "2025-12-16T06:00:31Z",
      succeeded: 1,
      ready: 0,
      terminating: 0,
      uncountedTerminatedPods: {},
      conditions: [
        { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", lastProbeTime: "2025-12-16T06:00:31Z", lastTransitionTime: "2025-12-16T06:00:31Z" },
        { type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods", lastProbeTime: "2025-12-16T06:00:31Z", lastTransitionTime: "2025-12-16T06:00:31Z" },
      ],
    },
  };
}

/** A running Pod with two containers, one not ready yet. */
export function pod(): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "nginx-5d8f7b8c9-x2x7z", namespace: "default", labels: { app: "nginx" } },
    spec: {
      nodeName: "worker-1",
      containers: [
        { name: "nginx", image: "nginx:1.27" },
        { name: "sidecar", image: "busybox:1.36" },
      ],
    },
    status: {
      phase: "Running",
      podIP: "10.244.1.17",
      podIPs: [{ ip: "10.244.1.17" }, { ip: "fd00::17" }],
      qosClass: "BestEffort",
      conditions: [
        { type: "PodReadyToStartContainers", status: "True" },
        { type: "Initialized", status: "True" },
        { type: "Ready", status: "False", reason: "ContainersNotReady", message: "containers with unready status: [sidecar]" },
        { type: "ContainersReady", status: "False", reason: "ContainersNotReady" },
        { type: "PodScheduled", status: "True" },
      ],
      containerStatuses: [
        { name: "nginx", ready: true, restartCount: 0, started: true, state: { running: { startedAt: "2025-12-16T06:00:10Z" } } },
        { name: "sidecar", ready: false, restartCount: 3, started: false, state: { waiting: { reason: "CrashLoopBackOff" } } },
      ],
    },
  };
}
