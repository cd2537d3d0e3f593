// The ResourceBundle presenter cuts its parts out of the stored JSON text: the output must always
// be valid JSON with Maestro's keys in Maestro's order, whatever the stored text looks like.

import { describe, expect, test } from "bun:test";
import { presentResourceBundle, resourceBundleJson } from "../../../src/api/presenters/resource-bundle.ts";
import type { BundleRow } from "../../../src/store/resource-repository.ts";

// Spacing as jsonb prints it (rows migrated from jsonb keep it); new rows have none.
const payload = '{"id": "e1", "data": {"manifests": [{"kind": "ConfigMap"}], "deleteOption": "x"}, "metadata": {"name": "w", "labels": {"a": "b"}}}';

const base: BundleRow = {
  id: "r1",
  name: "r1",
  consumerName: "c1",
  version: 2,
  createdAt: new Date("2026-01-02T03:04:05.600Z"),
  updatedAt: new Date("2026-01-02T03:04:06Z"),
  deletedAt: null,
  payloadJson: payload,
  statusJson: null,
};

describe("resourceBundleJson", () => {
  test("without a status: defaults for absent or mistyped parts, times in Go's formats, Maestro's key order", () => {
    const text = resourceBundleJson(base);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(["consumer_name", "created_at", "delete_option", "href", "id", "kind", "manifest_configs", "manifests", "metadata", "name", "updated_at", "version"]);
    expect(parsed).toMatchObject({
      created_at: "2026-01-02T03:04:05.6Z",
      updated_at: "2026-01-02T03:04:06Z",
      delete_option: {},
      manifest_configs: [],
      manifests: [{ kind: "ConfigMap" }],
      metadata: { name: "w", labels: { a: "b" }, creationTimestamp: "2026-01-02T03:04:05Z" },
      href: "/api/maestro/v1/resource-bundles/r1",
      version: 2,
    });
    expect(presentResourceBundle(base)).toEqual(parsed);
  });

  test("with a status (string resourceversion, null conditions) and while deleting", () => {
    const status = '{"id":"s1","resourceversion":"2","sequenceid":"2000808179721572352","data":{"conditions":null,"resourceStatus":[{"resourceMeta":{"ordinal":0}}]}}';
    const row: BundleRow = { ...base, deletedAt: new Date("2026-01-03T00:00:00Z"), statusJson: status };
    const parsed = JSON.parse(resourceBundleJson(row));
    expect(parsed.deleted_at).toBe("2026-01-03T00:00:00Z");
    expect(parsed.metadata.deletionTimestamp).toBe("2026-01-03T00:00:00Z");
    expect(parsed.status).toEqual({ ObservedVersion: 2, SequenceID: "2000808179721572352", conditions: null, resourceStatus: [{ resourceMeta: { ordinal: 0 } }] });
  });

  test("a status without data: null conditions, no resourceStatus; an empty resourceStatus is left out", () => {
    const bare = JSON.parse(resourceBundleJson({ ...base, statusJson: '{"resourceversion":3}' }));
    expect(bare.status).toEqual({ ObservedVersion: 3, SequenceID: "", conditions: null });
    const empty = JSON.parse(resourceBundleJson({ ...base, statusJson: '{"data": {"conditions": [{"type": "Applied"}], "resourceStatus": [ ]}}' }));
    expect(empty.status).toEqual({ ObservedVersion: 0, SequenceID: "", conditions: [{ type: "Applied" }] });
  });

  test("names, ids and stored strings with quotes, escapes and unicode stay valid JSON", () => {
    const tricky = '{"metadata":{"name":"a\\"}b\\\\"},"data":{"manifests":[{"v":"]}\\"[{","w":"\u2028é"}]}}';
    const row: BundleRow = { ...base, id: 'we"ird\u2028id', name: "naïve \\ name", consumerName: 'c"1', payloadJson: tricky };
    const parsed = JSON.parse(resourceBundleJson(row));
    expect(parsed.id).toBe('we"ird\u2028id');
    expect(parsed.name).toBe("naïve \\ name");
    expect(parsed.metadata.name).toBe('a"}b\\');
    expect(parsed.manifests).toEqual([{ v: ']}"[{', w: "\u2028é" }]);
  });

  test("a payload without metadata or data presents empty parts", () => {
    const parsed = JSON.parse(resourceBundleJson({ ...base, payloadJson: "{}" }));
    expect(parsed).toMatchObject({ metadata: {}, manifests: [], manifest_configs: [], delete_option: {} });
  });
});
