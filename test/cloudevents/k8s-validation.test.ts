// Tests of the Kubernetes name rules and field-error formatting, checked against apimachinery's
// exact message texts.

import { describe, expect, test } from "bun:test";
import {
  aggregateFieldErrors,
  formatFieldError,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  validateAnnotations,
  validateApiVersion,
  validateFinalizers,
  validateLabels,
  validatePathSegmentName,
} from "../../src/cloudevents/k8s-validation.ts";

describe("name rules (apimachinery messages)", () => {
  test("DNS-1123 label", () => {
    expect(isDns1123Label("default")).toEqual([]);
    expect(isDns1123Label("a.b")).toEqual(["must not contain dots"]);
    expect(isDns1123Label("Default")).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDns1123Label("a".repeat(64))).toEqual(["must be no more than 63 characters"]);
  });

  test("DNS-1123 subdomain and DNS-1035 label", () => {
    expect(isDns1123Subdomain("work.open-cluster-management.io")).toEqual([]);
    expect(isDns1123Subdomain("Apps")[0]).toContain("a lowercase RFC 1123 subdomain must consist of");
    expect(isDns1123Subdomain(`${"a".repeat(250)}.com`)[0]).toBe("must be no more than 253 characters");
    expect(isDns1035Label("v1beta1")).toEqual([]);
    expect(isDns1035Label("1v")[0]).toContain("(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  });

  test("qualified names and label values", () => {
    expect(isQualifiedName("app.kubernetes.io/name")).toEqual([]);
    expect(isQualifiedName("MyName")).toEqual([]);
    expect(isQualifiedName("/x")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("x/")[0]).toBe("name part must be non-empty");
    expect(isQualifiedName("a/b/c")[0]).toStartWith("a qualified name must consist of");
    expect(isQualifiedName("Bad_Prefix/x")[0]).toStartWith("prefix part a lowercase RFC 1123 subdomain");
    expect(isQualifiedName("-x")[0]).toStartWith("name part must consist of alphanumeric characters");
    expect(isQualifiedName("a".repeat(64))[0]).toBe("name part must be no more than 63 characters");
    expect(isValidLabelValue("")).toEqual([]);
    expect(isValidLabelValue("my_value")).toEqual([]);
    expect(isValidLabelValue("bad value")[0]).toStartWith("a valid label must be an empty string or consist of");
  });

  test("path segment names (any API server's rule)", () => {
    expect(validatePathSegmentName("system:metrics-reader", "metadata.name")).toEqual([]);
    expect(validatePathSegmentName("..", "n").map(formatFieldError)).toEqual(['n: Invalid value: "..": may not be \'..\'']);
    expect(validatePathSegmentName("a/b%", "n").length).toBe(2);
  });
});

describe("field errors", () => {
  test("format as Go's field.Error", () => {
    expect(formatFieldError({ path: "kind", type: "Required", detail: "field not set" })).toBe("kind: Required value: field not set");
    expect(formatFieldError({ path: "metadata.generateName", type: "Forbidden", detail: "field cannot be set" })).toBe(
      "metadata.generateName: Forbidden: field cannot be set",
    );
    expect(formatFieldError({ path: "apiVersion", type: "Invalid", value: "a/b/c", detail: "bad format" })).toBe('apiVersion: Invalid value: "a/b/c": bad format');
    expect(formatFieldError({ path: "m[1]", type: "Duplicate", value: "k" })).toBe('m[1]: Duplicate value: "k"');
    expect(formatFieldError({ path: "p", type: "Unsupported", value: "X", detail: 'supported values: "A"' })).toBe('p: Unsupported value: "X": supported values: "A"');
    expect(formatFieldError({ path: "p", type: "TooLong", detail: "must have at most 1 bytes" })).toBe("p: Too long: must have at most 1 bytes");
  });

  test("aggregate: one alone, several bracketed, duplicates removed", () => {
    const a = { path: "a", type: "Required", detail: "field not set" } as const;
    const b = { path: "b", type: "Required", detail: "field not set" } as const;
    expect(aggregateFieldErrors([a])).toBe("a: Required value: field not set");
    expect(aggregateFieldErrors([a, b, a])).toBe("[a: Required value: field not set, b: Required value: field not set]");
  });
});

describe("metadata validators", () => {
  test("apiVersion", () => {
    expect(validateApiVersion("v1", "apiVersion")).toEqual([]);
    expect(validateApiVersion("apps/v1", "apiVersion")).toEqual([]);
    expect(aggregateFieldErrors(validateApiVersion("", "apiVersion"))).toBe("apiVersion: Required value: field not set");
    expect(aggregateFieldErrors(validateApiVersion("a/b/c", "apiVersion"))).toBe('apiVersion: Invalid value: "a/b/c": bad format');
    expect(aggregateFieldErrors(validateApiVersion("/v1", "apiVersion"))).toBe('apiVersion: Invalid value: "/v1": group not set');
    expect(aggregateFieldErrors(validateApiVersion("apps/", "apiVersion"))).toBe('apiVersion: Invalid value: "apps/": version not set');
    expect(validateApiVersion("Apps/v1", "apiVersion")).toHaveLength(1);
    expect(validateApiVersion("apps/V1", "apiVersion")).toHaveLength(1);
  });

  test("labels, annotations, finalizers", () => {
    expect(validateLabels({ app: "nginx", "app.kubernetes.io/name": "" }, "l")).toEqual([]);
    expect(validateLabels({ "bad key": "v", k: "bad value" }, "l")).toHaveLength(2);
    expect(validateAnnotations({ "Example.com/Note": "anything at all" }, "a")).toEqual([]);
    expect(validateAnnotations({ "a b": "x" }, "a")).toHaveLength(1);
    const big = validateAnnotations({ k: "x".repeat(256 * 1024) }, "a");
    expect(big.map(formatFieldError)).toEqual(["a: Too long: must have at most 262144 bytes"]);
    expect(validateFinalizers(["cluster.open-cluster-management.io/manifest-work-cleanup", "orphan"], "f")).toEqual([]);
    expect(validateFinalizers(["bad finalizer"], "f")).toHaveLength(1);
    expect(aggregateFieldErrors(validateFinalizers(["orphan", "foregroundDeletion"], "f"))).toContain("cannot be both set");
  });
});
