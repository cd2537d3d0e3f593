// Tests of UUID v4/v5 and the sdk-go resource id derivation, against the golden id from the
// Maestro Go client example.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { isUuid, NAMESPACE_OID, uuidV4, uuidV5, workResourceId } from "../../src/cloudevents/ids.ts";
import { expectMaestroError, loadFixture } from "./helpers.ts";

describe("ids", () => {
  test("workResourceId reproduces the id the Go client computed (golden)", () => {
    expect(
      workResourceId("mw-client-example", "7ff1a8f4-8811-49b4-8c19-9271bc51975e", "e44ec579-9646-549a-b679-db8d19d6da37"),
    ).toBe("55c61e54-a3f6-563d-9fec-b1fe297bdfdb");
    const fixture = loadFixture("cloudevents.grpcclient.json");
    expect(fixture.resourceid).toBe("55c61e54-a3f6-563d-9fec-b1fe297bdfdb");
  });

  test("uuidV5 matches RFC 4122 test vectors", () => {
    // python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org")
    expect(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org")).toBe("886313e1-3b8a-5372-9b90-0c9aee199e5d");
    const id = uuidV5(NAMESPACE_OID, "x");
    expect(id[14]).toBe("5");
    expect("89ab").toContain(id[19]!);
    expect(uuidV5(NAMESPACE_OID.toUpperCase(), "x")).toBe(id);
  });

  test("uuidV5 rejects a malformed namespace", () => {
    expectMaestroError(() => uuidV5("not-a-uuid", "x"), ErrorCode.BadRequest, "invalid UUID");
  });

  test("uuidV4 is random and version 4", () => {
    const a = uuidV4();
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe("4");
    expect(uuidV4()).not.toBe(a);
    expect(isUuid("55c61e54a3f6563d9fecb1fe297bdfdb")).toBe(false);
  });
});
