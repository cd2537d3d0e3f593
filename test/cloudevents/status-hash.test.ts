// Golden tests of the sdk-go status hash (both fixture hashes reproduced) and of the Go typing and
// omitempty rules applied to the hashed ManifestWork status.

import { describe, expect, test } from "bun:test";
import { goJsonMarshal } from "../../src/cloudevents/go-json.ts";
import type { ManifestBundleStatus } from "../../src/cloudevents/manifest-bundle.ts";
import { EMPTY_STATUS_HASH, sha256Hex, statusHash, workStatusHash, workStatusObject } from "../../src/cloudevents/status-hash.ts";
import { loadFixture } from "./helpers.ts";

function fixtureStatus(name: string): ManifestBundleStatus {
  return loadFixture(name).data as ManifestBundleStatus;
}

describe("status hash (golden)", () => {
  test("reproduces the agent's statushash", () => {
    const evt = loadFixture("cloudevents.agent.json");
    expect(evt.statushash).toBe("6170884280acbd9d5e69ac59a00ef7cf84d50669621643782e7a3f1ab05836cf");
    expect(workStatusHash(fixtureStatus("cloudevents.agent.json"))).toBe(evt.statushash as string);
  });

  test("reproduces the relayed status' statushash (manifestBundle is not hashed)", () => {
    const evt = loadFixture("cloudevents.status.maestro.json");
    expect(statusHash(fixtureStatus("cloudevents.status.maestro.json"))).toBe("e3b23766bcdd155db51bf1d715bdf5224a06bdf597461b4f80bce8ba220121de");
    expect(evt.statushash).toBe("e3b23766bcdd155db51bf1d715bdf5224a06bdf597461b4f80bce8ba220121de");
  });

  test("the hashed object is the ManifestWork status: resourceStatus wraps the list in manifests", () => {
    const status = fixtureStatus("cloudevents.agent.json");
    const obj = workStatusObject(status);
    expect(Object.keys(obj)).toEqual(["conditions", "resourceStatus"]);
    expect((obj.resourceStatus as { manifests: unknown[] }).manifests).toHaveLength(1);
    const text = goJsonMarshal(obj);
    expect(text).toStartWith('{"conditions":[{"lastTransitionTime":"2025-12-16T06:00:17Z","message":"Apply manifest work complete","observedGeneration":1,');
    expect(text).toContain('"resourceStatus":{"manifests":[{"conditions":[');
    expect(text).toContain('"statusFeedback":{}');
    // Hashing the flat bundle status instead gives a different hash: the wrapper matters.
    expect(sha256Hex(goJsonMarshal(status as never))).not.toBe(workStatusHash(status));
  });

  test("matches the ManifestWork status in manifestwork.watched.json once its feedback is the same", () => {
    const work = loadFixture("manifestwork.watched.json") as { status: { conditions: never; resourceStatus: { manifests: never } } };
    const fromWork = sha256Hex(goJsonMarshal(work.status as never));
    const bundle: ManifestBundleStatus = { conditions: work.status.conditions, resourceStatus: work.status.resourceStatus.manifests };
    expect(workStatusHash(bundle)).toBe(fromWork);
  });
});

describe("Go typing and omitempty rules", () => {
  test("no status at all hashes the empty string; an empty status is {\"resourceStatus\":{}}", () => {
    expect(statusHash(null)).toBe(EMPTY_STATUS_HASH);
    expect(statusHash(undefined)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("")).toBe(EMPTY_STATUS_HASH);
    expect(goJsonMarshal(workStatusObject({ conditions: null }))).toBe('{"resourceStatus":{}}');
    expect(goJsonMarshal(workStatusObject({ conditions: [], resourceStatus: [] }))).toBe('{"resourceStatus":{}}');
  });

  test("conditions: observedGeneration 0 dropped, times normalised to UTC seconds, unknown fields dropped", () => {
    const status = {
      conditions: [{ type: "A", status: "True", observedGeneration: 0, lastTransitionTime: "2025-12-16T08:00:17.5+02:00", reason: "r", message: "<m>", extra: 1 }],
    } as unknown as ManifestBundleStatus;
    expect(goJsonMarshal(workStatusObject(status))).toBe(
      '{"conditions":[{"lastTransitionTime":"2025-12-16T06:00:17Z","message":"\\u003cm\\u003e","reason":"r","status":"True","type":"A"}],"resourceStatus":{}}',
    );
  });

  test("Go's zero time marshals as null; unparseable times are hashed as given", () => {
    const status = (t: string) => ({ conditions: [{ type: "A", status: "True", lastTransitionTime: t, reason: "", message: "" }] }) as ManifestBundleStatus;
    expect(goJsonMarshal(workStatusObject(status("0001-01-01T00:00:00Z")))).toContain('"lastTransitionTime":null');
    expect(goJsonMarshal(workStatusObject(status("garbage")))).toContain('"lastTransitionTime":"garbage"');
  });

  test("missing fields take Go zero values; feedback values keep set pointers only", () => {
    const status = {
      conditions: [{ type: "A", status: "True" }],
      resourceStatus: [{ resourceMeta: { kind: "Deployment" }, statusFeedback: { values: [{ name: "n", fieldValue: { type: "String", string: "" } }] } }],
    } as unknown as ManifestBundleStatus;
    expect(goJsonMarshal(workStatusObject(status))).toBe(
      '{"conditions":[{"lastTransitionTime":null,"message":"","reason":"","status":"True","type":"A"}],' +
        '"resourceStatus":{"manifests":[{"conditions":null,"resourceMeta":{"group":"","kind":"Deployment","name":"","namespace":"","ordinal":0,"resource":"","version":""},' +
        '"statusFeedback":{"values":[{"fieldValue":{"string":"","type":"String"},"name":"n"}]}}]}}',
    );
  });
});
