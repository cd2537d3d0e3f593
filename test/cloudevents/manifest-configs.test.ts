// Tests of manifestConfigs validation: resource identifiers, feedback rules, update strategies,
// condition rules and scrape types.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { parseManifestBundle } from "../../src/cloudevents/bundle-codec.ts";
import { aggregateFieldErrors } from "../../src/cloudevents/k8s-validation.ts";
import { validateManifestConfigs } from "../../src/cloudevents/manifest-configs.ts";
import type { JsonValue } from "../../src/cloudevents/types.ts";
import { expectMaestroError } from "./helpers.ts";

const id = { group: "apps", resource: "deployments", name: "nginx", namespace: "default" };

function errors(configs: JsonValue): string {
  return aggregateFieldErrors(validateManifestConfigs(configs));
}

describe("validateManifestConfigs", () => {
  test("accepts the shapes of maestro-wire.md 2.4", () => {
    const full: JsonValue = [{
      resourceIdentifier: id,
      feedbackRules: [{ type: "WellKnownStatus" }, { type: "JSONPaths", jsonPaths: [{ name: "status", path: ".status", version: "v1" }] }],
      updateStrategy: { type: "ServerSideApply", serverSideApply: { force: true, fieldManager: "m", ignoreFields: [{ condition: "OnSpokeChange", jsonPaths: [".spec.replicas"] }] } },
      conditionRules: [{ condition: "Complete", type: "CEL", celExpressions: ["true"] }],
      feedbackScrapeType: "Watch",
    }];
    expect(validateManifestConfigs(full)).toEqual([]);
    expect(validateManifestConfigs(undefined)).toEqual([]);
    expect(validateManifestConfigs(null)).toEqual([]);
    expect(validateManifestConfigs([{ resourceIdentifier: { resource: "configmaps", name: "c" }, updateStrategy: {} }])).toEqual([]);
  });

  test("resourceIdentifier needs resource and name", () => {
    expect(errors([{}])).toBe("manifestConfigs[0].resourceIdentifier: Required value: resourceIdentifier with resource and name");
    expect(errors([{ resourceIdentifier: { name: "x" } }])).toBe("manifestConfigs[0].resourceIdentifier.resource: Required value: field not set");
    expect(errors([{ resourceIdentifier: { resource: "r", name: "" } }])).toBe("manifestConfigs[0].resourceIdentifier.name: Required value: field not set");
    expect(errors([{ resourceIdentifier: { resource: "r", name: 5 } }])).toContain("must be a string");
    expect(errors([{ resourceIdentifier: { resource: "r", name: "n", group: 1 } }])).toContain("resourceIdentifier.group");
  });

  test("feedback rule types and JSON paths", () => {
    expect(errors([{ resourceIdentifier: id, feedbackRules: [{ type: "Everything" }] }])).toBe(
      'manifestConfigs[0].feedbackRules[0].type: Unsupported value: "Everything": supported values: "WellKnownStatus", "JSONPaths"',
    );
    expect(errors([{ resourceIdentifier: id, feedbackRules: [{}] }])).toContain("feedbackRules[0].type: Required value");
    expect(errors([{ resourceIdentifier: id, feedbackRules: [{ type: "JSONPaths", jsonPaths: [{ name: "s" }] }] }])).toContain("jsonPaths[0].path: Required value");
    expect(errors([{ resourceIdentifier: id, feedbackRules: "x" }])).toContain("feedbackRules: Invalid value");
  });

  test("update strategy, condition rules, scrape type", () => {
    expect(errors([{ resourceIdentifier: id, updateStrategy: { type: "Replace" } }])).toContain('updateStrategy.type: Unsupported value: "Replace"');
    expect(errors([{ resourceIdentifier: id, updateStrategy: [] }])).toContain("updateStrategy: Invalid value");
    expect(errors([{ resourceIdentifier: id, updateStrategy: { type: "ServerSideApply", serverSideApply: 1 } }])).toContain("serverSideApply: Invalid value");
    expect(errors([{ resourceIdentifier: id, updateStrategy: { serverSideApply: { ignoreFields: [{ condition: "Always" }] } } }])).toContain("ignoreFields[0].condition");
    expect(errors([{ resourceIdentifier: id, conditionRules: [{ type: "CEL" }] }])).toContain("conditionRules[0].condition: Required value");
    expect(errors([{ resourceIdentifier: id, conditionRules: [{ condition: "Complete", type: "Magic" }] }])).toContain("conditionRules[0].type: Unsupported value");
    expect(errors([{ resourceIdentifier: id, feedbackScrapeType: "Push" }])).toContain('feedbackScrapeType: Unsupported value: "Push"');
    expect(errors(["x"])).toBe('manifestConfigs[0]: Invalid value: "x": must be a JSON object');
    expect(errors({})).toBe("manifestConfigs: Invalid value: {}: must be a list of objects");
  });

  test("parseManifestBundle surfaces config errors as Validation", () => {
    expectMaestroError(
      () => parseManifestBundle({ manifests: [], manifestConfigs: [{ resourceIdentifier: id, updateStrategy: { type: "X" } }] }),
      ErrorCode.Validation,
      "manifestConfigs[0].updateStrategy.type",
    );
  });
});
