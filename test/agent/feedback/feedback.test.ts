// Status feedback as the OCM work agent computes it: WellKnownStatus for every known kind,
// JSONPaths typed values (Integer, String, Boolean, JsonRaw), size limit, version check, and the
// StatusFeedbackSynced reasons and messages. Includes a port of ocm statusfeedback/reader_test.go.

import { describe, expect, test } from "bun:test";
import { statusFeedback, valueByJsonPath, wellKnownPaths, type FeedbackOptions } from "../../../src/agent/feedback/mod.ts";
import { goErrorText } from "../../../src/agent/feedback/aggregate.ts";
import type { FeedbackRule, FeedbackValue } from "../../../src/cloudevents/manifest-bundle.ts";
import type { JsonObject } from "../../../src/cloudevents/types.ts";
import { daemonSet, deployment, job, pod } from "./fixtures.ts";

const options: FeedbackOptions = { jsonRawBytesMax: 1024 * 1024 };
const wellKnown: FeedbackRule[] = [{ type: "WellKnownStatus" }];
const paths = (...entries: [string, string, string?][]): FeedbackRule[] => [
  { type: "JSONPaths", jsonPaths: entries.map(([name, path, version]) => (version === undefined ? { name, path } : { name, path, version })) },
];
const int = (name: string, integer: number): FeedbackValue => ({ name, fieldValue: { type: "Integer", integer } });
const str = (name: string, string: string): FeedbackValue => ({ name, fieldValue: { type: "String", string } });
const bool = (name: string, boolean: boolean): FeedbackValue => ({ name, fieldValue: { type: "Boolean", boolean } });
const raw = (name: string, jsonRaw: string): FeedbackValue => ({ name, fieldValue: { type: "JsonRaw", jsonRaw } });

const SYNCED = { type: "StatusFeedbackSynced", status: "True", reason: "StatusFeedbackSynced", message: "" } as const;
const failed = (error: string) =>
  ({ type: "StatusFeedbackSynced", status: "False", reason: "StatusFeedbackSyncFailed", message: `Sync status feedback failed with error ${error}` }) as const;

describe("WellKnownStatus", () => {
  test("Deployment: ReadyReplicas, Replicas, AvailableReplicas", () => {
    const result = statusFeedback(deployment(), wellKnown, { group: "apps", kind: "Deployment" }, options);
    expect(result.values).toEqual([int("ReadyReplicas", 2), int("Replicas", 3), int("AvailableReplicas", 2)]);
    expect(result.synced).toEqual(SYNCED);
  });

  test("DaemonSet: NumberReady, DesiredNumberScheduled, NumberAvailable", () => {
    const result = statusFeedback(daemonSet(), wellKnown, { group: "apps", kind: "DaemonSet" }, options);
    expect(result.values).toEqual([int("NumberReady", 2), int("DesiredNumberScheduled", 3), int("NumberAvailable", 2)]);
    expect(result.synced).toEqual(SYNCED);
  });

  test("Job: JobComplete is the status of the Complete condition, JobSucceeded", () => {
    const result = statusFeedback(job(), wellKnown, { group: "batch", kind: "Job" }, options);
    expect(result.values).toEqual([str("JobComplete", "True"), int("JobSucceeded", 1)]);
    expect(wellKnownPaths({ group: "batch", version: "v1", kind: "Job" })[0]!.path).toBe('.status.conditions[?(@.type=="Complete")].status');
  });

  test("Pod: PodReady is the status of the Ready condition, PodPhase", () => {
    const result = statusFeedback(pod(), wellKnown, { group: "", kind: "Pod" }, options);
    expect(result.values).toEqual([str("PodReady", "False"), str("PodPhase", "Running")]);
    expect(result.synced).toEqual(SYNCED);
  });

  test("a running Job and a fresh Deployment report what exists, still synced", () => {
    const running = job();
    (running["status"] as JsonObject)["conditions"] = [];
    delete (running["status"] as JsonObject)["succeeded"];
    expect(statusFeedback(running, wellKnown, { group: "batch", kind: "Job" }, options)).toEqual({ values: [], synced: SYNCED });
    const fresh = deployment();
    fresh["status"] = { observedGeneration: 1, replicas: 1 };
    expect(statusFeedback(fresh, wellKnown, { group: "apps", kind: "Deployment" }, options).values).toEqual([int("Replicas", 1)]);
  });

  test("a kind OCM does not know fails with the GVK in Go's format", () => {
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "b" } };
    expect(statusFeedback(configMap, wellKnown, { group: "", kind: "ConfigMap" }, options)).toEqual({
      values: [],
      synced: failed("cannot find the wellknown statuses for resource with gvk /v1, Kind=ConfigMap"),
    });
  });

  test("the version is part of the match (OCM keys its table by GVK)", () => {
    const old = { ...deployment(), apiVersion: "apps/v1beta2" };
    expect(statusFeedback(old, wellKnown, { group: "apps", kind: "Deployment" }, options).synced)
      .toEqual(failed("cannot find the wellknown statuses for resource with gvk apps/v1beta2, Kind=Deployment"));
    expect(statusFeedback(old, wellKnown, { group: "apps", version: "v1", kind: "Deployment" }, options).synced).toEqual(SYNCED);
  });
});

describe("JSONPaths values, typed as OCM types them", () => {
  const d = deployment();
  const kind = { group: "apps", kind: "Deployment" };

  test("int64 -> Integer, string -> String, bool -> Boolean", () => {
    const result = statusFeedback(pod(), paths(["restarts", ".status.containerStatuses[1].restartCount"], ["ip", ".status.podIP"], ["started", ".status.containerStatuses[0].started"]), { group: "", kind: "Pod" }, options);
    expect(result.values).toEqual([int("restarts", 3), str("ip", "10.244.1.17"), bool("started", true)]);
    expect(result.synced).toEqual(SYNCED);
  });

  test("a map -> JsonRaw with Go's key order and escaping", () => {
    const result = statusFeedback(d, paths(["labels", ".metadata.labels"], ["message", '.status.conditions[?(@.type=="Progressing")]']), kind, options);
    expect(result.values[0]).toEqual(raw("labels", '{"app":"nginx","app.kubernetes.io/name":"nginx"}'));
    expect(JSON.parse(result.values[1]!.fieldValue.jsonRaw!)).toEqual((d["status"] as { conditions: JsonObject[] }).conditions[1]);
    expect(result.values[1]!.fieldValue.jsonRaw!.startsWith('{"lastTransitionTime":"2025-12-16T05:59:40Z","lastUpdateTime"')).toBe(true);
    const html = statusFeedback({ a: { b: "<&>" } }, paths(["a", ".a"]), kind, options);
    expect(html.values).toEqual([raw("a", '{"b":"\\u003c\\u0026\\u003e"}')]);
  });

  test("a list -> JsonRaw; several matches -> one JsonRaw list", () => {
    const result = statusFeedback(d, paths(["images", ".spec.template.spec.containers[*].image"], ["ports", ".spec.template.spec.containers[0].ports"]), kind, options);
    expect(result.values).toEqual([raw("images", '["nginx:1.27","busybox:1.36"]'), raw("ports", '[{"containerPort":80,"protocol":"TCP"}]')]);
  });

  test("a float -> JsonRaw (Go decodes it as float64); null and missing -> no value", () => {
    const result = statusFeedback({ a: 1.5, b: null, c: 1e20 }, paths(["a", ".a"], ["b", ".b"], ["missing", ".x.y"], ["c", ".c"]), kind, options);
    expect(result.values).toEqual([raw("a", "1.5"), raw("c", "100000000000000000000")]);
    expect(result.synced).toEqual(SYNCED);
  });

  test("the whole .status of a Deployment", () => {
    const result = statusFeedback(d, paths(["status", ".status"]), kind, options);
    expect(result.values).toHaveLength(1);
    expect(JSON.parse(result.values[0]!.fieldValue.jsonRaw!)).toEqual(d["status"]);
  });

  test("a value larger than jsonRawBytesMax (UTF-8 bytes) fails; smaller ones still report", () => {
    const big = { a: { text: "é".repeat(60) }, n: 7 }; // 120 bytes of é, 60 UTF-16 units
    const result = statusFeedback(big, paths(["a", ".a"], ["n", ".n"]), kind, { jsonRawBytesMax: 100 });
    expect(result.values).toEqual([int("n", 7)]);
    expect(result.synced).toEqual(failed("the length of returned json raw string for name a is larger than the maximum length 100"));
    expect(statusFeedback(big, paths(["a", ".a"]), kind, { jsonRawBytesMax: 131 }).values).toHaveLength(1);
    expect(statusFeedback(big, paths(["a", ".a"]), kind, { jsonRawBytesMax: 130 }).synced.reason).toBe("StatusFeedbackSyncFailed");
  });

  test("with the RawFeedbackJsonString gate off, maps fail and several matches take the first", () => {
    const off = { jsonRawBytesMax: 1024, rawFeedbackJsonString: false };
    const result = statusFeedback(d, paths(["labels", ".metadata.labels"], ["images", ".spec.template.spec.containers[*].image"], ["f", ".status.conditions"]), kind, off);
    expect(result.values).toEqual([str("images", "nginx:1.27")]);
    expect(result.synced).toEqual(failed(
      "[the type map[string]interface {} of the value for labels is not found, the type []interface {} of the value for f is not found]",
    ));
    expect(valueByJsonPath({ a: 2.5 }, "a", ".a", off)).toEqual({ error: "the type float64 of the value for a is not found" });
  });

  test("a version that does not match the object's fails that path only", () => {
    const result = statusFeedback(d, paths(["available", ".status.conditions", "v1beta1"], ["replicas", ".status.replicas"], ["ok", ".status.replicas", "v1"]), kind, options);
    expect(result.values).toEqual([int("replicas", 3), int("ok", 3)]);
    expect(result.synced).toEqual(failed("version set in the path available is not matched for the related resource"));
  });

  test("syntax and evaluation errors carry OCM's wrapping and client-go's text", () => {
    const result = statusFeedback(d, paths(["bad", ".status.conditions[?(@.type=="], ["oob", ".status.conditions[5]"], ["braced", "{.status}"]), kind, options);
    expect(result.values).toEqual([]);
    expect(result.synced).toEqual(failed(
      "[failed to parse json path .status.conditions[?(@.type== of bad with error: unterminated filter, " +
        "failed to find value for oob with error: array index out of bounds: index 5, length 2, " +
        "failed to parse json path {.status} of braced with error: unrecognized character in action: U+007B '{']",
    ));
  });
});

describe("StatusFeedbackSynced reasons", () => {
  const kind = { group: "apps", kind: "Deployment" };
  test("no rules: NoStatusFeedbackSynced, True, no message", () => {
    const none = { type: "StatusFeedbackSynced", status: "True", reason: "NoStatusFeedbackSynced", message: "" } as const;
    expect(statusFeedback(deployment(), undefined, kind, options)).toEqual({ values: [], synced: none });
    expect(statusFeedback(deployment(), [], kind, options)).toEqual({ values: [], synced: none });
  });

  test("rules that find nothing: StatusFeedbackSynced (OCM no longer reports NoStatusFeedbackSynced then)", () => {
    expect(statusFeedback(deployment(), paths(["x", ".status.nothing"]), kind, options)).toEqual({ values: [], synced: SYNCED });
    expect(statusFeedback(deployment(), [{ type: "JSONPaths" }], kind, options)).toEqual({ values: [], synced: SYNCED });
  });

  test("errors from several rules flatten into one list, repeated messages once", () => {
    const rules: FeedbackRule[] = [...wellKnown, ...paths(["a", ".a["]), ...paths(["a", ".a["], ["b", ".b["])];
    const result = statusFeedback({ kind: "ConfigMap", apiVersion: "v1" }, rules, { group: "", kind: "ConfigMap" }, options);
    expect(result.synced.message).toBe(
      "Sync status feedback failed with error [cannot find the wellknown statuses for resource with gvk /v1, Kind=ConfigMap, " +
        "failed to parse json path .a[ of a with error: unterminated array, failed to parse json path .b[ of b with error: unterminated array]",
    );
  });

  test("Go's aggregate text: one error as itself, nested aggregates flattened, duplicates dropped", () => {
    expect(goErrorText({ errors: [{ errors: ["a", "b"] }] })).toBe("[a, b]");
    expect(goErrorText({ errors: ["a", { errors: ["a"] }] })).toBe("a");
    expect(goErrorText({ errors: ["x", { errors: ["y", "x"] }, "z"] })).toBe("[x, y, z]");
  });
});

describe("ocm statusfeedback/reader_test.go", () => {
  const deploymentJson = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "test" }, status: { readyReplicas: 1, replicas: 2, conditions: [{ type: "Available", status: "true" }] } };
  const multiCondition = {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "test" },
    status: { readyReplicas: 1, replicas: 2, conditions: [{ type: "Cond1", status: "true" }, { type: "Cond2", status: "false" }, { type: "Cond3", status: "true" }] },
  };
  const unknownGroup = { ...deploymentJson, apiVersion: "extensions/v1" };
  const jobJson = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "test" }, status: { conditions: [{ status: "True", type: "Complete" }], succeeded: 1 } };
  const podJson = { apiVersion: "v1", kind: "Pod", metadata: { name: "test" }, status: { conditions: [{ status: "False", type: "Ready" }], phase: "Succeeded" } };
  const deploy = { group: "apps", kind: "Deployment" };
  const gateOff = { jsonRawBytesMax: 1024, rawFeedbackJsonString: false };
  const gateOn = { jsonRawBytesMax: 1024, rawFeedbackJsonString: true };

  const cases: { name: string; object: JsonObject; kind: { group: string; kind: string }; rules: FeedbackRule[]; opts: FeedbackOptions; error: boolean; values: FeedbackValue[] }[] = [
    { name: "deployment values", object: deploymentJson, kind: deploy, rules: wellKnown, opts: gateOff, error: false, values: [int("ReadyReplicas", 1), int("Replicas", 2)] },
    { name: "deployment jsonpaths", object: deploymentJson, kind: deploy, rules: paths(["available", '.status.conditions[?(@.type=="Available")].status ']), opts: gateOff, error: false, values: [str("available", "true")] },
    { name: "wrong return type", object: deploymentJson, kind: deploy, rules: paths(["available", ".status.conditions"], ["replicas", ".status.replicas"]), opts: gateOff, error: true, values: [int("replicas", 2)] },
    { name: "mismatched gvk", object: unknownGroup, kind: { group: "extensions", kind: "Deployment" }, rules: wellKnown, opts: gateOff, error: true, values: [] },
    { name: "wrong version set for jsonpaths", object: deploymentJson, kind: deploy, rules: paths(["available", ".status.conditions", "v1beta1"], ["replicas", ".status.replicas"]), opts: gateOff, error: true, values: [int("replicas", 2)] },
    { name: "Job values", object: jobJson, kind: { group: "batch", kind: "Job" }, rules: wellKnown, opts: gateOff, error: false, values: [str("JobComplete", "True"), int("JobSucceeded", 1)] },
    { name: "Pod values", object: podJson, kind: { group: "", kind: "Pod" }, rules: wellKnown, opts: gateOff, error: false, values: [str("PodReady", "False"), str("PodPhase", "Succeeded")] },
    { name: "rawjson value format", object: podJson, kind: { group: "", kind: "Pod" }, rules: paths(["conditions", ".status.conditions"]), opts: gateOn, error: false, values: [raw("conditions", '[{"status":"False","type":"Ready"}]')] },
    { name: "filtered rawjson value format", object: multiCondition, kind: deploy, rules: paths(["conditions", '.status.conditions[?(@.status=="true")].type']), opts: gateOn, error: false, values: [raw("conditions", '["Cond1","Cond3"]')] },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = statusFeedback(c.object, c.rules, c.kind, c.opts);
      expect(result.values).toEqual(c.values);
      expect(result.synced.status).toBe(c.error ? "False" : "True");
    });
  }
});
