// RFC 7386 merge patches, RFC 6902 JSON patches (including the RFC's appendix examples), merge
// patch creation, and patching a whole ManifestWork as the Go client does.

import { describe, expect, test } from "bun:test";
import type { JsonValue } from "../../src/cloudevents/mod.ts";
import { applyJsonPatch, applyMergePatch, createMergePatch, parseJsonPatch, parsePointer, PatchError } from "../../src/client/json-patch.ts";
import type { ManifestWork } from "../../src/client/manifest-work.ts";
import { applyWorkPatch, toWorkPatch } from "../../src/client/work-patch.ts";

describe("applyMergePatch (RFC 7386 appendix A)", () => {
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  cases.forEach(([target, patch, result], i) => {
    test(`case ${i + 1}`, () => {
      const before = structuredClone(target);
      expect(applyMergePatch(target, patch)).toEqual(result);
      expect(target).toEqual(before);
    });
  });
});

describe("applyJsonPatch (RFC 6902 appendix A)", () => {
  const ok: [string, JsonValue, JsonValue, JsonValue][] = [
    ["add object member", { foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { foo: "bar", baz: "qux" }],
    ["add array element", { foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }],
    ["remove object member", { baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }],
    ["remove array element", { foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }],
    ["replace a value", { baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }],
    ["move a value", { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } }],
    ["move an array element", { foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }], { foo: ["all", "cows", "eat", "grass"] }],
    ["test success", { baz: "qux", foo: ["a", 2, "c"] }, [{ op: "test", path: "/baz", value: "qux" }, { op: "test", path: "/foo/1", value: 2 }], { baz: "qux", foo: ["a", 2, "c"] }],
    ["add nested member", { foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], { foo: "bar", child: { grandchild: {} } }],
    ["add to a nonexistent target... no, to an existing array end", { foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }], { foo: ["bar", ["abc", "def"]] }],
    ["~ escapes", { "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }, { op: "replace", path: "/~1", value: 1 }], { "/": 1, "~1": 10 }],
    ["copy", { a: { b: 1 } }, [{ op: "copy", from: "/a", path: "/c" }], { a: { b: 1 }, c: { b: 1 } }],
    ["replace root", { a: 1 }, [{ op: "replace", path: "", value: [1] }], [1]],
  ];
  for (const [name, doc, patch, result] of ok) {
    test(name, () => expect(applyJsonPatch(doc, parseJsonPatch(patch))).toEqual(result));
  }

  const bad: [string, JsonValue, JsonValue][] = [
    ["test failure", { baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]],
    ["add to a nonexistent target", { foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }]],
    ["remove a missing member", { foo: "bar" }, [{ op: "remove", path: "/baz" }]],
    ["replace a missing member", { foo: "bar" }, [{ op: "replace", path: "/baz", value: 1 }]],
    ["array index out of range", { foo: [1] }, [{ op: "add", path: "/foo/2", value: 1 }]],
    ["leading zero index", { foo: [1, 2] }, [{ op: "remove", path: "/foo/01" }]],
    ["move into own child", { a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }]],
    ["unknown op", { a: 1 }, [{ op: "frob", path: "/a" }]],
    ["missing value", { a: 1 }, [{ op: "add", path: "/b" }]],
    ["not a list", { a: 1 }, { op: "add", path: "/b", value: 1 }],
    ["bad pointer", { a: 1 }, [{ op: "remove", path: "a" }]],
  ];
  for (const [name, doc, patch] of bad) {
    test(`${name} fails`, () => expect(() => applyJsonPatch(doc, parseJsonPatch(patch))).toThrow(PatchError));
  }

  test("a failing operation leaves the input untouched", () => {
    const doc = { a: 1, b: [1] };
    expect(() => applyJsonPatch(doc, parseJsonPatch([{ op: "remove", path: "/a" }, { op: "remove", path: "/zz" }]))).toThrow(PatchError);
    expect(doc).toEqual({ a: 1, b: [1] });
  });

  test("pointer tokens unescape ~1 before ~0", () => expect(parsePointer("/a~01/~1b")).toEqual(["a~1", "/b"]));
});

describe("createMergePatch", () => {
  test("sets, removes and recurses", () => {
    expect(createMergePatch({ a: 1, b: { c: 1, d: 2 }, e: [1] }, { b: { c: 1 }, e: [1], f: "x" })).toEqual({ a: null, b: { d: null }, f: "x" });
  });
  test("applying the created patch gives the modified document", () => {
    const original = { a: { b: [1, 2], c: "x" }, d: 1 };
    const modified = { a: { b: [2], e: { f: 1 } }, g: null };
    expect(applyMergePatch(original, createMergePatch(original, modified))).toEqual({ a: { b: [2], e: { f: 1 } } });
  });
});

const work: ManifestWork = {
  metadata: { name: "w1", namespace: "c1", uid: "u1", resourceVersion: "3", generation: 3, labels: { a: "1" } },
  spec: { workload: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" } }] } },
  status: { conditions: [] },
};

describe("applyWorkPatch", () => {
  test("merge patch of labels and spec, as JSON text or value", () => {
    const patch = { metadata: { labels: { a: null, b: "2" } }, spec: { deleteOption: { propagationPolicy: "Orphan" } } };
    for (const data of [patch, JSON.stringify(patch)]) {
      const patched = applyWorkPatch(work, "merge", data);
      expect(patched.metadata.labels).toEqual({ b: "2" });
      expect(patched.spec.deleteOption).toEqual({ propagationPolicy: "Orphan" });
      expect(patched.metadata.generation).toBe(3);
    }
    expect(work.metadata.labels).toEqual({ a: "1" });
  });

  test("JSON patch of a manifest", () => {
    const patched = applyWorkPatch(work, "json", [{ op: "add", path: "/spec/workload/manifests/0/data", value: { k: "v" } }]);
    expect(patched.spec.workload.manifests[0]!.data).toEqual({ k: "v" });
  });

  test("unknown fields are dropped as Go's unmarshal drops them", () => {
    const patched = applyWorkPatch(work, "merge", { metadata: { bogus: 1 }, extra: true });
    expect(Object.keys(patched.metadata)).not.toContain("bogus");
    expect(Object.keys(patched)).not.toContain("extra");
  });

  test("bad patches", () => {
    expect(() => applyWorkPatch(work, "merge", "{")).toThrow(PatchError);
    expect(() => applyWorkPatch(work, "merge", { spec: { workload: { manifests: "x" } } })).toThrow(PatchError);
    expect(() => applyWorkPatch(work, "strategic" as "merge", {})).toThrow("unsupported patch type");
  });
});

describe("toWorkPatch (Go ToWorkPatch)", () => {
  test("keeps the existing uid, resourceVersion and generation and patches labels and spec", () => {
    const edited = structuredClone(work);
    edited.metadata.labels = { b: "2" };
    edited.metadata.resourceVersion = "9";
    edited.spec.workload.manifests[0]!.data = { k: "v" };
    const patch = toWorkPatch(work, edited);
    expect(patch).toEqual({
      metadata: { uid: "u1", resourceVersion: "3", generation: 3, labels: { a: null, b: "2" } },
      spec: { workload: { manifests: edited.spec.workload.manifests } },
    } as never);
    expect(applyWorkPatch(work, "merge", patch).metadata).toMatchObject({ resourceVersion: "3", labels: { b: "2" } });
  });

  test("an existing work without generation is refused", () => {
    expect(() => toWorkPatch({ ...work, metadata: { resourceVersion: "0" } }, work)).toThrow("the generation of existing work is zero");
  });
});
