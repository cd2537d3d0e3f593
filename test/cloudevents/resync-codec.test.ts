// Tests of the spec and status resync payload readers (empty lists allowed) and their errors.
// Fixture: example.cloudevent-status-resync.json.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { parseSpecResyncRequest, parseStatusResyncRequest } from "../../src/cloudevents/resync-codec.ts";
import type { JsonValue } from "../../src/cloudevents/types.ts";
import { expectMaestroError, loadFixture, utf8 } from "./helpers.ts";

describe("parseSpecResyncRequest", () => {
  test("reads versions; null, absent or empty lists are empty", () => {
    const data: JsonValue = { resourceVersions: [{ resourceID: "a", resourceVersion: 3 }, { resourceID: "b" }] };
    expect(parseSpecResyncRequest(data)).toEqual({ resourceVersions: [{ resourceID: "a", resourceVersion: 3 }, { resourceID: "b", resourceVersion: 0 }] });
    expect(parseSpecResyncRequest(utf8(JSON.stringify(data))).resourceVersions).toHaveLength(2);
    expect(parseSpecResyncRequest({}).resourceVersions).toEqual([]);
    expect(parseSpecResyncRequest({ resourceVersions: null }).resourceVersions).toEqual([]);
  });

  test("rejects bad shapes", () => {
    const bad = (v: JsonValue, text: string) => expectMaestroError(() => parseSpecResyncRequest(v), ErrorCode.Validation, text);
    bad([], "spec resync request must be a JSON object");
    bad({ resourceVersions: {} }, "resourceVersions: Invalid value: {}: must be a list");
    bad({ resourceVersions: [1] }, "resourceVersions[0]: Invalid value: 1");
    bad({ resourceVersions: [{ resourceVersion: 1 }] }, "resourceVersions[0].resourceID: Required value");
    bad({ resourceVersions: [{ resourceID: "a", resourceVersion: "1" }] }, 'resourceVersions[0].resourceVersion: Invalid value: "1": must be an integer');
    expectMaestroError(() => parseSpecResyncRequest(utf8("nope")), ErrorCode.Validation, "failed to decode spec resync request");
  });
});

describe("parseStatusResyncRequest", () => {
  test("the fixture's empty list is allowed (send everything)", () => {
    expect(parseStatusResyncRequest(loadFixture("example.cloudevent-status-resync.json").data as JsonValue)).toEqual({ statusHashes: [] });
    expect(parseStatusResyncRequest({ statusHashes: null })).toEqual({ statusHashes: [] });
    expect(parseStatusResyncRequest({ statusHashes: [{ resourceID: "a", statusHash: "h" }] }).statusHashes[0]).toEqual({ resourceID: "a", statusHash: "h" });
  });

  test("rejects bad shapes", () => {
    const bad = (v: JsonValue, text: string) => expectMaestroError(() => parseStatusResyncRequest(v), ErrorCode.Validation, text);
    bad("x", "status resync request must be a JSON object");
    bad({ statusHashes: "x" }, "statusHashes: Invalid value");
    bad({ statusHashes: [null] }, "statusHashes[0]: Invalid value: null");
    bad({ statusHashes: [{ statusHash: "h" }] }, "statusHashes[0].resourceID: Required value");
    bad({ statusHashes: [{ resourceID: "a", statusHash: 5 }] }, "statusHashes[0].statusHash: Invalid value: 5");
  });
});
