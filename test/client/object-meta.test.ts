// ObjectMeta JSON as Go's json.Marshal writes it (struct order, omitempty, sorted maps) and the
// checked reader.

import { describe, expect, test } from "bun:test";
import type { JsonObject } from "../../src/cloudevents/mod.ts";
import { objectMetaFromJson, objectMetaJson } from "../../src/client/object-meta.ts";

describe("objectMetaJson", () => {
  test("struct field order whatever the input order; empty fields omitted", () => {
    const text = objectMetaJson({
      finalizers: ["f"],
      labels: { b: "2", a: "1" },
      generation: 2,
      name: "w",
      namespace: "",
      annotations: {},
      uid: "u",
      resourceVersion: "2",
      deletionGracePeriodSeconds: 0,
      creationTimestamp: "2025-12-16T08:00:17.5+02:00",
      ownerReferences: [{ uid: "o", name: "n", kind: "K", apiVersion: "v1", controller: true }],
    });
    expect(text).toBe(
      '{"name":"w","uid":"u","resourceVersion":"2","generation":2,"creationTimestamp":"2025-12-16T06:00:17Z",' +
        '"deletionGracePeriodSeconds":0,"labels":{"a":"1","b":"2"},' +
        '"ownerReferences":[{"apiVersion":"v1","kind":"K","name":"n","uid":"o","controller":true}],"finalizers":["f"]}',
    );
  });

  test("an empty ObjectMeta is {}", () => expect(objectMetaJson({})).toBe("{}"));
  test("Go escaping", () => expect(objectMetaJson({ name: "a&b" })).toBe('{"name":"a\\u0026b"}'));
});

describe("objectMetaFromJson", () => {
  test("keeps known fields, drops unknown and null ones", () => {
    expect(objectMetaFromJson({ name: "w", foo: 1, deletionTimestamp: null, generation: 2 })).toEqual({ name: "w", generation: 2 });
  });
  test("absent metadata is empty", () => expect(objectMetaFromJson(undefined)).toEqual({}));
  const bads: JsonObject[] = [{ name: 1 }, { labels: { a: 1 } }, { generation: "1" }, { finalizers: "x" }, { ownerReferences: [1] }];
  for (const bad of bads) {
    test(`rejects ${JSON.stringify(bad)}`, () => expect(() => objectMetaFromJson(bad)).toThrow(TypeError));
  }
  test("rejects a non-object", () => expect(() => objectMetaFromJson([])).toThrow(TypeError));
});
