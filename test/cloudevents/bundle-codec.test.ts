// Tests of ManifestBundle validation: every rule of Maestro's validation.go with its message, the
// payload shape, duplicates, deleteOption and executer.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { parseManifestBundle, validateManifest } from "../../src/cloudevents/bundle-codec.ts";
import type { JsonObject, JsonValue } from "../../src/cloudevents/types.ts";
import { cloudEventFixtures, expectMaestroError, loadFixture, utf8 } from "./helpers.ts";

function deployment(overrides: JsonObject = {}, meta: JsonObject = {}): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "nginx", namespace: "default", ...meta },
    spec: { replicas: 1 },
    ...overrides,
  };
}

function bundle(...manifests: JsonValue[]): JsonObject {
  return { manifests };
}

function invalid(value: JsonValue, text: string): void {
  expectMaestroError(() => parseManifestBundle(value), ErrorCode.Validation, text);
}

describe("parseManifestBundle: accepted input", () => {
  test("every spec fixture's data is a valid bundle, from bytes or parsed JSON", () => {
    const specs = cloudEventFixtures().filter(([, e]) => (e.type as string).includes(".spec.") && !(e.type as string).endsWith("delete_request"));
    expect(specs.length).toBeGreaterThanOrEqual(4);
    for (const [, evt] of specs) {
      expect(parseManifestBundle(evt.data as JsonValue)).toBe(evt.data as never);
      expect(parseManifestBundle(utf8(JSON.stringify(evt.data)))).toEqual(evt.data as never);
    }
  });

  test("an empty manifest list is allowed; core group 'v1' and ClusterRole-style names are fine", () => {
    expect(parseManifestBundle({ manifests: [] }).manifests).toEqual([]);
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    const role = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "system:metrics-reader" } };
    expect(parseManifestBundle(bundle(cm, role)).manifests).toHaveLength(2);
  });

  test("same name with different kind or namespace is not a duplicate", () => {
    const a = deployment();
    const b = deployment({ kind: "StatefulSet" });
    const c = deployment({}, { namespace: "other" });
    expect(parseManifestBundle(bundle(a, b, c)).manifests).toHaveLength(3);
  });
});

describe("parseManifestBundle: rejected input", () => {
  test("not JSON, not an object", () => {
    expectMaestroError(() => parseManifestBundle(utf8("{")), ErrorCode.Validation, "failed to decode manifest bundle");
    invalid([], "manifest bundle must be a JSON object");
  });

  test("unknown top-level keys pass through, as Go ignores them", () => {
    const bundle = { manifests: [], workload: { x: 1 } };
    expect(parseManifestBundle(bundle)).toBe(bundle as never);
  });

  test("manifests missing or not a list", () => {
    invalid({}, "manifests: Required value: field not set");
    invalid({ manifests: null }, "manifests: Required value");
    invalid({ manifests: {} }, "manifests: Invalid value: {}: must be a list of objects");
  });

  test("manifest shape, apiVersion, kind and name (Maestro's messages)", () => {
    invalid(bundle("x"), 'manifests[0]: Invalid value: "x": manifest must be a JSON object');
    invalid(bundle(deployment({ apiVersion: "" })), "manifests[0].apiVersion: Required value: field not set");
    invalid(bundle(deployment({ apiVersion: 1 })), "manifests[0].apiVersion: Required value: field not set");
    invalid(bundle(deployment({ apiVersion: "a/b/c" })), 'manifests[0].apiVersion: Invalid value: "a/b/c": bad format');
    invalid(bundle(deployment({ apiVersion: "Apps/v1" })), "a lowercase RFC 1123 subdomain");
    invalid(bundle(deployment({ apiVersion: "apps/1" })), "a DNS-1035 label");
    invalid(bundle(deployment({ kind: "" })), "manifests[0].kind: Required value: field not set");
    invalid(bundle(deployment({ metadata: [] })), "manifests[0].metadata: Invalid value: []: must be a JSON object");
    invalid(bundle(deployment({ metadata: undefined as unknown as JsonValue })), "manifests[0].metadata.name: Required value: field not set");
    invalid(bundle(deployment({}, { name: "" })), "manifests[0].metadata.name: Required value: field not set");
    invalid(bundle(deployment({}, { name: "a/b" })), "may not contain '/'");
  });

  test("namespace must be a DNS-1123 label", () => {
    invalid(bundle(deployment({}, { namespace: "Default" })), 'manifests[0].metadata.namespace: Invalid value: "Default": a lowercase RFC 1123 label');
    invalid(bundle(deployment({}, { namespace: "a.b" })), "must not contain dots");
  });

  test("forbidden metadata fields", () => {
    invalid(bundle(deployment({}, { generateName: "x-" })), "manifests[0].metadata.generateName: Forbidden: field cannot be set");
    invalid(bundle(deployment({}, { resourceVersion: "5" })), "manifests[0].metadata.resourceVersion: Forbidden: field cannot be set");
    invalid(bundle(deployment({}, { deletionGracePeriodSeconds: 0 })), "metadata.deletionGracePeriodSeconds: Forbidden");
  });

  test("labels, annotations and finalizers", () => {
    invalid(bundle(deployment({}, { labels: { "bad key": "v" } })), 'manifests[0].metadata.labels: Invalid value: "bad key": name part must consist of');
    invalid(bundle(deployment({}, { labels: { k: "bad value" } })), 'manifests[0].metadata.labels: Invalid value: "bad value": a valid label must be');
    invalid(bundle(deployment({}, { labels: { k: 1 } })), "metadata.labels: Invalid value: {\"k\":1}: must be a map of string to string");
    invalid(bundle(deployment({}, { labels: ["x"] })), "must be a map of string to string");
    invalid(bundle(deployment({}, { annotations: { "a b": "x" } })), 'manifests[0].metadata.annotations: Invalid value: "a b"');
    invalid(bundle(deployment({}, { annotations: { k: "x".repeat(300 * 1024) } })), "metadata.annotations: Too long: must have at most 262144 bytes");
    invalid(bundle(deployment({}, { finalizers: ["bad finalizer"] })), 'manifests[0].metadata.finalizers: Invalid value: "bad finalizer"');
    invalid(bundle(deployment({}, { finalizers: "x" })), "must be a list of strings");
  });

  test("several problems in one manifest are reported together", () => {
    const err = expectMaestroError(() => parseManifestBundle(bundle({ metadata: { generateName: "x" } })), ErrorCode.Validation);
    expect(err.reason).toStartWith("[manifests[0].apiVersion: Required value: field not set, manifests[0].kind: Required value");
    expect(err.reason).toContain("generateName: Forbidden");
  });

  test("the first bad manifest is the one reported", () => {
    invalid(bundle(deployment(), deployment({ kind: "" }), deployment({ apiVersion: "" })), "manifests[1].kind");
  });

  test("duplicates by apiVersion + kind + namespace + name", () => {
    // Maestro's own text (pkg/services/validation.go ValidateManifestBundle).
    invalid(bundle(deployment(), deployment({ spec: {} })), "duplicate manifest for resource default/nginx with resource type apps/v1.Deployment");
  });

  test("deleteOption.propagationPolicy", () => {
    for (const p of ["Foreground", "Orphan", "SelectivelyOrphan"]) {
      expect(parseManifestBundle({ manifests: [], deleteOption: { propagationPolicy: p } }).deleteOption?.propagationPolicy).toBe(p as never);
    }
    expect(parseManifestBundle({ manifests: [], deleteOption: {} })).toBeDefined();
    invalid({ manifests: [], deleteOption: { propagationPolicy: "Background" } }, 'deleteOption.propagationPolicy: Unsupported value: "Background": supported values: "Foreground", "Orphan", "SelectivelyOrphan"');
    invalid({ manifests: [], deleteOption: "Orphan" }, "deleteOption: Invalid value");
  });

  test("executer must be an object", () => {
    expect(parseManifestBundle({ manifests: [], executer: { subject: { type: "ServiceAccount" } } })).toBeDefined();
    invalid({ manifests: [], executer: "me" }, "executer: Invalid value");
  });

  test("validateManifest returns the error list for one object", () => {
    expect(validateManifest(loadFixture("manifestwork.json").spec as JsonValue, "m")).not.toEqual([]);
    expect(validateManifest(deployment(), "m")).toEqual([]);
  });
});
