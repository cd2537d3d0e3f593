// The status simulator over a manual clock: each kind's status before and after the ready delay,
// update rollouts, and the values OCM's WellKnownStatus feedback rules read (maestro-wire.md 8).

import { describe, expect, test } from "bun:test";
import type { KubeObject } from "../../../src/agent/cluster-client.ts";
import { ManualClock, SimulatedCluster } from "../../../src/agent/simulated/mod.ts";
import { configMap, DELAY_MS, deployment, status, testCluster } from "./fixtures.ts";

type Json = Record<string, unknown>;

function conditionStatus(object: KubeObject | undefined, type: string): unknown {
  const conditions = (status(object).conditions ?? []) as Json[];
  return conditions.find((c) => c.type === type)?.status;
}

/** The values OCM's WellKnownStatus rules extract (rule.go), leaving out the ones not present. */
function wellKnown(object: KubeObject | undefined): Json {
  const s = status(object);
  const picks: Record<string, Json> = {
    Deployment: { ReadyReplicas: s.readyReplicas, Replicas: s.replicas, AvailableReplicas: s.availableReplicas },
    DaemonSet: { NumberReady: s.numberReady, DesiredNumberScheduled: s.desiredNumberScheduled, NumberAvailable: s.numberAvailable },
    Job: { JobComplete: conditionStatus(object, "Complete"), JobSucceeded: s.succeeded },
    Pod: { PodReady: conditionStatus(object, "Ready"), PodPhase: s.phase },
  };
  return Object.fromEntries(Object.entries(picks[String(object?.kind)] ?? {}).filter(([, v]) => v !== undefined));
}

describe("Deployment", () => {
  test("not ready during the delay, then Available with every replica ready", async () => {
    const { cluster, clock, m } = await testCluster();
    await cluster.create(m.deployment!, deployment("web", 3));
    clock.advance(DELAY_MS - 1);
    const early = await cluster.get(m.deployment!, "default", "web");
    expect(status(early)).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3 });
    expect(wellKnown(early)).toEqual({ Replicas: 3 });
    expect(conditionStatus(early, "Available")).toBe("False");
    expect((status(early).conditions as Json[])[1]).toMatchObject({ type: "Progressing", status: "True", reason: "ReplicaSetUpdated" });
    clock.advance(1);
    const ready = await cluster.get(m.deployment!, "default", "web");
    expect(wellKnown(ready)).toEqual({ ReadyReplicas: 3, Replicas: 3, AvailableReplicas: 3 });
    expect((status(ready).conditions as Json[])).toEqual([
      { type: "Available", status: "True", lastUpdateTime: "2025-01-01T00:00:02Z", lastTransitionTime: "2025-01-01T00:00:02Z", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
      expect.objectContaining({ type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: expect.stringMatching(/^ReplicaSet "web-[a-z0-9]+" has successfully progressed\.$/) }),
    ]);
    expect(status(ready).unavailableReplicas).toBeUndefined();
  });

  test("an update rollout keeps old replicas available while new ones start; observedGeneration follows", async () => {
    const { cluster, clock, m } = await testCluster();
    const created = await cluster.create(m.deployment!, deployment("web", 2, "nginx:1"));
    clock.advance(10_000);
    await cluster.update(m.deployment!, { ...created, spec: deployment("web", 2, "nginx:2").spec! });
    const rolling = await cluster.get(m.deployment!, "default", "web");
    expect(status(rolling)).toMatchObject({ observedGeneration: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(status(rolling).updatedReplicas).toBeUndefined();
    expect(conditionStatus(rolling, "Available")).toBe("True");
    clock.advance(DELAY_MS);
    expect(status(await cluster.get(m.deployment!, "default", "web"))).toMatchObject({ updatedReplicas: 2, readyReplicas: 2 });
  });

  test("zero replicas is Available at once with no counts", async () => {
    const { cluster, m } = await testCluster();
    const created = await cluster.create(m.deployment!, deployment("idle", 0));
    expect(wellKnown(created)).toEqual({});
    expect(conditionStatus(created, "Available")).toBe("True");
  });
});

describe("other workloads", () => {
  test("DaemonSet schedules on nodeCount nodes and becomes ready after the delay", async () => {
    const clock = new ManualClock(0);
    const cluster = new SimulatedCluster({ name: "c", now: clock.now, nodeCount: 5, readyDelayMs: 1_000 });
    const mapping = await cluster.resolve("apps/v1", "DaemonSet");
    const ds = { ...deployment("agent"), kind: "DaemonSet", spec: { selector: {}, template: {} } };
    delete (ds.spec as Json).replicas;
    const early = await cluster.create(mapping, ds);
    expect(wellKnown(early)).toEqual({ NumberReady: 0, DesiredNumberScheduled: 5 });
    expect(status(early)).toMatchObject({ currentNumberScheduled: 5, numberMisscheduled: 0, numberUnavailable: 5, updatedNumberScheduled: 5 });
    clock.advance(1_000);
    expect(wellKnown(await cluster.get(mapping, "default", "agent"))).toEqual({ NumberReady: 5, DesiredNumberScheduled: 5, NumberAvailable: 5 });
  });

  test("StatefulSet starts pods in order, one per delay", async () => {
    const { cluster, clock, m } = await testCluster();
    await cluster.create(m.statefulSet!, { ...deployment("db", 3), kind: "StatefulSet" });
    const at = async (): Promise<Json> => status(await cluster.get(m.statefulSet!, "default", "db"));
    expect(await at()).toMatchObject({ replicas: 1, availableReplicas: 0, collisionCount: 0 });
    clock.advance(DELAY_MS * 2);
    expect(await at()).toMatchObject({ replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 3, updatedReplicas: 3 });
    clock.advance(DELAY_MS);
    const done = await at();
    expect(done).toMatchObject({ readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    expect(done.currentRevision).toBe(done.updateRevision);
  });

  test("StatefulSet and DaemonSet update rollouts replace one pod per delay, one pod down meanwhile", async () => {
    const { cluster, clock, m } = await testCluster();
    const sts = await cluster.create(m.statefulSet!, { ...deployment("db", 3, "pg:15"), kind: "StatefulSet" });
    const ds = await cluster.create(m.daemonSet!, { ...deployment("agent", 1, "agent:1"), kind: "DaemonSet" });
    clock.advance(60_000);
    await cluster.update(m.statefulSet!, { ...sts, spec: deployment("db", 3, "pg:16").spec! });
    await cluster.update(m.daemonSet!, { ...ds, spec: deployment("agent", 1, "agent:2").spec! });
    clock.advance(DELAY_MS);
    const rolling = status(await cluster.get(m.statefulSet!, "default", "db"));
    expect(rolling).toMatchObject({ observedGeneration: 2, replicas: 3, readyReplicas: 2, updatedReplicas: 1, currentReplicas: 2 });
    expect(rolling.currentRevision).not.toBe(rolling.updateRevision);
    expect(status(await cluster.get(m.daemonSet!, "default", "agent"))).toMatchObject({ numberReady: 2, updatedNumberScheduled: 1, numberUnavailable: 1 });
    clock.advance(DELAY_MS * 2);
    const done = status(await cluster.get(m.statefulSet!, "default", "db"));
    expect(done).toMatchObject({ readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
    expect(done.currentRevision).toBe(done.updateRevision);
    expect(status(await cluster.get(m.daemonSet!, "default", "agent"))).toMatchObject({ numberReady: 3, numberAvailable: 3, updatedNumberScheduled: 3 });
  });

  test("ReplicaSet reports all replicas ready after the delay", async () => {
    const { cluster, clock, m } = await testCluster();
    const created = await cluster.create(m.replicaSet!, { ...deployment("rs", 4), kind: "ReplicaSet" });
    expect(status(created)).toEqual({ replicas: 4, fullyLabeledReplicas: 4, observedGeneration: 1 });
    clock.advance(DELAY_MS);
    expect(status(await cluster.get(m.replicaSet!, "default", "rs"))).toEqual({ replicas: 4, fullyLabeledReplicas: 4, readyReplicas: 4, availableReplicas: 4, observedGeneration: 1 });
  });

  test("Job runs waves of `parallelism` pods, then reports Complete with succeeded = completions", async () => {
    const { cluster, clock, m } = await testCluster();
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "migrate", namespace: "default" }, spec: { completions: 3, parallelism: 2, template: {} } };
    const started = await cluster.create(m.job!, job);
    expect(status(started)).toMatchObject({ active: 2, startTime: "2025-01-01T00:00:00Z" });
    expect(wellKnown(started)).toEqual({});
    clock.advance(DELAY_MS);
    const half = await cluster.get(m.job!, "default", "migrate");
    expect(status(half)).toMatchObject({ active: 1, succeeded: 2 });
    clock.advance(DELAY_MS);
    const done = await cluster.get(m.job!, "default", "migrate");
    expect(wellKnown(done)).toEqual({ JobComplete: "True", JobSucceeded: 3 });
    expect(status(done)).toMatchObject({ completionTime: "2025-01-01T00:00:04Z", ready: 0 });
    expect(status(done).active).toBeUndefined();
    expect((status(done).conditions as Json[]).map((c) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
  });

  test("Pod is Pending with ContainerCreating, then Running and Ready", async () => {
    const { cluster, clock, m } = await testCluster();
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "app", image: "busybox" }] } };
    const pending = await cluster.create(m.pod!, pod);
    expect(wellKnown(pending)).toEqual({ PodReady: "False", PodPhase: "Pending" });
    expect((status(pending).containerStatuses as Json[])[0]).toMatchObject({ name: "app", ready: false, state: { waiting: { reason: "ContainerCreating" } } });
    clock.advance(DELAY_MS);
    const running = await cluster.get(m.pod!, "default", "p");
    expect(wellKnown(running)).toEqual({ PodReady: "True", PodPhase: "Running" });
    expect(status(running)).toMatchObject({ qosClass: "BestEffort", startTime: "2025-01-01T00:00:00Z" });
    expect(String(status(running).podIP)).toMatch(/^10\.244\.\d+\.\d+$/);
  });
});

describe("simple kinds", () => {
  test("Namespace Active, Service/Ingress empty load balancer, CronJob {}, PVC Bound after the delay", async () => {
    const { cluster, clock, m } = await testCluster();
    expect(status(await cluster.create(m.namespace!, { metadata: { name: "ns" } }))).toEqual({ phase: "Active" });
    expect(status(await cluster.create(m.service!, { metadata: { name: "svc", namespace: "default" }, spec: { ports: [{ port: 80 }] } }))).toEqual({ loadBalancer: {} });
    expect(status(await cluster.create(m.ingress!, { metadata: { name: "ing", namespace: "default" }, spec: {} }))).toEqual({ loadBalancer: {} });
    expect((await cluster.create(m.cronJob!, { metadata: { name: "cj", namespace: "default" }, spec: { schedule: "* * * * *" } })).status).toEqual({});
    const pvc = { metadata: { name: "data", namespace: "default" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } };
    expect(status(await cluster.create(m.pvc!, pvc))).toEqual({ phase: "Pending" });
    clock.advance(DELAY_MS);
    expect(status(await cluster.get(m.pvc!, "default", "data"))).toEqual({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" } });
  });

  test("ConfigMap and Secret have no status", async () => {
    const { cluster, m } = await testCluster();
    expect((await cluster.create(m.configMap!, configMap())).status).toBeUndefined();
    expect((await cluster.create(m.secret!, { metadata: { name: "s", namespace: "default" }, data: {} })).status).toBeUndefined();
  });
});

describe("determinism", () => {
  test("the same writes at the same clock give identical objects (and statuses) in clusters of the same name", async () => {
    const run = async (): Promise<KubeObject[]> => {
      const { cluster, clock, m } = await testCluster("same");
      await cluster.create(m.deployment!, deployment());
      await cluster.create(m.pod!, { metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "a", image: "x" }] } });
      clock.advance(DELAY_MS / 2);
      return [(await cluster.get(m.deployment!, "default", "web"))!, (await cluster.get(m.pod!, "default", "p"))!];
    };
    expect(await run()).toEqual(await run());
  });

  test("a zero ready delay makes everything ready at once", async () => {
    const clock = new ManualClock(0);
    const cluster = new SimulatedCluster({ name: "fast", now: clock.now, readyDelayMs: 0 });
    const mapping = await cluster.resolve("apps/v1", "Deployment");
    expect(wellKnown(await cluster.create(mapping, deployment("web", 2)))).toEqual({ ReadyReplicas: 2, Replicas: 2, AvailableReplicas: 2 });
  });
});
