// Tests of OCM type strings: parsing and formatting `<group>.<version>.<resource>.<sub>.<action>`
// and data types, and the errors for malformed ones.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  EVENT_ACTIONS,
  formatEventDataType,
  formatEventType,
  HEARTBEAT_EVENT_TYPE,
  MANIFEST_BUNDLE_DATA_TYPE,
  MANIFEST_BUNDLE_DATA_TYPE_NAME,
  manifestBundleEventType,
  parseEventDataType,
  parseEventType,
  sameDataType,
} from "../../src/cloudevents/event-type.ts";
import { cloudEventFixtures, expectMaestroError } from "./helpers.ts";

const P = MANIFEST_BUNDLE_DATA_TYPE_NAME;

describe("parseEventType", () => {
  test("splits group, version, resource, sub-resource and action", () => {
    expect(parseEventType(`${P}.spec.create_request`)).toEqual({
      dataType: MANIFEST_BUNDLE_DATA_TYPE,
      subResource: "spec",
      action: "create_request",
    });
    expect(parseEventType("a.v1.things.status.resync_response")).toEqual({
      dataType: { group: "a", version: "v1", resource: "things" },
      subResource: "status",
      action: "resync_response",
    });
  });

  test("round-trips every action and sub-resource", () => {
    for (const action of EVENT_ACTIONS) {
      for (const sub of ["spec", "status"] as const) {
        const text = manifestBundleEventType(sub, action);
        expect(formatEventType(parseEventType(text))).toBe(text);
      }
    }
  });

  test("parses the type of every fixture event", () => {
    for (const [, evt] of cloudEventFixtures()) {
      const parsed = parseEventType(evt.type as string);
      expect(sameDataType(parsed.dataType, MANIFEST_BUNDLE_DATA_TYPE)).toBe(true);
    }
  });

  test("rejects too few parts, bad sub-resources, unknown actions and empty segments", () => {
    expectMaestroError(() => parseEventType("a.b.c.d"), ErrorCode.Validation, "unsupported cloudevents type format");
    expectMaestroError(() => parseEventType(""), ErrorCode.Validation, "unsupported cloudevents type format");
    expectMaestroError(() => parseEventType(`${P}.meta.create_request`), ErrorCode.Validation, "unsupported subresource meta");
    expectMaestroError(() => parseEventType(`${P}.spec.explode`), ErrorCode.Validation, "unsupported action explode");
    expectMaestroError(() => parseEventType(`${P}.spec.`), ErrorCode.Validation, "empty segment");
    expectMaestroError(() => parseEventType(`.v1.r.spec.create_request`), ErrorCode.Validation, "empty segment at position 0");
    expectMaestroError(() => parseEventType(`g..r.spec.create_request`), ErrorCode.Validation, "empty segment");
    expectMaestroError(() => parseEventType(HEARTBEAT_EVENT_TYPE), ErrorCode.Validation);
  });
});

describe("parseEventDataType", () => {
  test("keeps dots inside the group", () => {
    expect(parseEventDataType(P)).toEqual(MANIFEST_BUNDLE_DATA_TYPE);
    expect(formatEventDataType(MANIFEST_BUNDLE_DATA_TYPE)).toBe(P);
    expect(parseEventDataType("g.v.r")).toEqual({ group: "g", version: "v", resource: "r" });
  });

  test("needs at least three non-empty parts", () => {
    expectMaestroError(() => parseEventDataType("v1.things"), ErrorCode.Validation, "unsupported cloudevents data type format");
    expectMaestroError(() => parseEventDataType(""), ErrorCode.Validation, "data type");
    expectMaestroError(() => parseEventDataType("g.v."), ErrorCode.Validation, "empty segment");
  });

  test("sameDataType compares all three parts", () => {
    expect(sameDataType(parseEventDataType("g.v.r"), { group: "g", version: "v", resource: "x" })).toBe(false);
  });
});
