// Tests of ManifestBundleStatus validation (agent status and the relayed form with the spec),
// against the status fixtures and malformed shapes.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { parseManifestBundleStatus, parseManifestBundleStatusWithSpec } from "../../src/cloudevents/status-codec.ts";
import type { JsonValue } from "../../src/cloudevents/types.ts";
import { expectMaestroError, loadFixture, utf8 } from "./helpers.ts";

const applied = { type: "Applied", status: "True", lastTransitionTime: "2025-12-16T06:00:17Z", reason: "r", message: "m" };

function invalid(value: JsonValue, text: string): void {
  expectMaestroError(() => parseManifestBundleStatus(value), ErrorCode.Validation, text);
}

describe("parseManifestBundleStatus", () => {
  test("accepts the agent and relayed fixtures, from bytes too", () => {
    const agent = loadFixture("cloudevents.agent.json").data as JsonValue;
    expect(parseManifestBundleStatus(agent).conditions?.[0]?.type).toBe("Applied");
    expect(parseManifestBundleStatus(utf8(JSON.stringify(agent)))).toEqual(agent as never);
    const relayed = loadFixture("cloudevents.status.maestro.json").data as JsonValue;
    expect(parseManifestBundleStatusWithSpec(relayed).manifestBundle.manifests).toHaveLength(1);
  });

  test("conditions may be null or absent (read as null); resourceStatus is optional", () => {
    expect(parseManifestBundleStatus({ conditions: null }).conditions).toBeNull();
    expect(parseManifestBundleStatus({}).conditions).toBeNull();
    expect(parseManifestBundleStatus({ conditions: [applied], resourceStatus: [] }).resourceStatus).toEqual([]);
    expect(parseManifestBundleStatus({ conditions: [{ ...applied, type: "Deleted", reason: "ManifestsDeleted" }] })).toBeDefined();
  });

  test("conditions need a type and a True|False|Unknown status", () => {
    invalid("x", "manifest bundle status must be a JSON object");
    expectMaestroError(() => parseManifestBundleStatus(utf8("[")), ErrorCode.Validation, "failed to decode manifest bundle status");
    invalid({ conditions: {} }, "conditions: Invalid value: {}: must be a list of conditions or null");
    invalid({ conditions: ["x"] }, "conditions[0]: Invalid value");
    invalid({ conditions: [{ ...applied, type: "" }] }, "conditions[0].type: Required value: field not set");
    invalid({ conditions: [{ ...applied, status: undefined as unknown as JsonValue }] }, "conditions[0].status: Required value");
    invalid({ conditions: [{ ...applied, status: "Yes" }] }, 'conditions[0].status: Unsupported value: "Yes": supported values: "True", "False", "Unknown"');
    invalid({ conditions: [{ ...applied, observedGeneration: 1.5 }] }, "observedGeneration: Invalid value: 1.5: must be an integer");
    invalid({ conditions: [{ ...applied, reason: 1 }] }, "conditions[0].reason: Invalid value: 1: must be a string");
  });

  test("resourceStatus entries are checked", () => {
    invalid({ conditions: null, resourceStatus: {} }, "resourceStatus: Invalid value: {}: must be a list");
    invalid({ conditions: null, resourceStatus: [1] }, "resourceStatus[0]: Invalid value: 1");
    invalid({ conditions: null, resourceStatus: [{ resourceMeta: "x" }] }, "resourceStatus[0].resourceMeta: Invalid value");
    invalid({ conditions: null, resourceStatus: [{ statusFeedback: [] }] }, "resourceStatus[0].statusFeedback: Invalid value");
    invalid({ conditions: null, resourceStatus: [{ statusFeedback: { values: {} } }] }, "statusFeedback.values: Invalid value");
    invalid({ conditions: null, resourceStatus: [{ statusFeedback: { values: [{ name: "x" }] } }] }, "statusFeedback.values[0]: Invalid value");
    invalid({ conditions: null, resourceStatus: [{ conditions: [{ type: "Applied" }] }] }, "resourceStatus[0].conditions[0].status: Required value");
  });

  test("a relayed manifestBundle is validated; the WithSpec variant requires it", () => {
    invalid({ conditions: null, manifestBundle: { manifests: [{}] } }, "manifests[0].apiVersion: Required value");
    expectMaestroError(() => parseManifestBundleStatusWithSpec({ conditions: null }), ErrorCode.Validation, "manifestBundle: Required value");
  });
});
