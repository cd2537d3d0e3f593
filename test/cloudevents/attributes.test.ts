// Tests of the lenient extension readers (int or numeric string, timestamp or RFC3339 string)
// and of the typed attribute builders and canonical string forms.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  booleanAttr,
  bytesAttr,
  formatAttributeValue,
  integerAttr,
  parseIntegerText,
  readInteger,
  readOptionalInteger,
  readOptionalString,
  readOptionalTime,
  readString,
  readTime,
  stringAttr,
  timeAttr,
  uriAttr,
  uriRefAttr,
} from "../../src/cloudevents/attributes.ts";
import type { AttributeValue, CloudEvent } from "../../src/cloudevents/types.ts";
import { expectMaestroError } from "./helpers.ts";

function event(extensions: Record<string, AttributeValue>): CloudEvent {
  return { specversion: "1.0", id: "1", source: "s", type: "t", extensions };
}

describe("readers", () => {
  test("readString accepts string, uri and uriRef; missing is an error naming the extension", () => {
    expect(readString(event({ a: stringAttr("x") }), "a")).toBe("x");
    expect(readString(event({ a: uriAttr("https://e") }), "a")).toBe("https://e");
    expect(readString(event({ a: uriRefAttr("/r") }), "a")).toBe("/r");
    expect(readOptionalString(event({}), "a")).toBeUndefined();
    expectMaestroError(() => readString(event({}), "resourceid"), ErrorCode.Validation, 'missing required extension "resourceid"');
    expectMaestroError(() => readString(event({ a: integerAttr(1) }), "a"), ErrorCode.Validation, "must be a string, got a integer value");
  });

  test("readInteger accepts int32 values and decimal strings only", () => {
    expect(readInteger(event({ v: integerAttr(3) }), "v")).toBe(3);
    expect(readInteger(event({ v: stringAttr("1") }), "v")).toBe(1);
    expect(readInteger(event({ v: stringAttr("-7") }), "v")).toBe(-7);
    expect(readInteger(event({ v: stringAttr("+7") }), "v")).toBe(7);
    expect(readOptionalInteger(event({}), "v")).toBeUndefined();
    for (const bad of ["abc", "1.5", "", " 1", "1e3", "0x10", "2147483648", "99999999999"]) {
      expectMaestroError(() => readInteger(event({ v: stringAttr(bad) }), "v"), ErrorCode.Validation, bad === "2147483648" || bad === "99999999999" ? "" : "not a decimal integer");
    }
    expectMaestroError(() => parseIntegerText("v", "2147483648"), ErrorCode.Validation, "out of int32 range");
    expectMaestroError(() => readInteger(event({ v: booleanAttr(true) }), "v"), ErrorCode.Validation, "an integer or a numeric string");
    expectMaestroError(() => readInteger(event({}), "resourceversion"), ErrorCode.Validation, "resourceversion");
  });

  test("readTime accepts timestamps and RFC3339 strings", () => {
    const ts = { seconds: 1728986046, nanos: 582625606 };
    expect(readTime(event({ d: timeAttr(ts) }), "d")).toEqual(ts);
    expect(readTime(event({ d: stringAttr("2024-10-15T09:54:06.582625606Z") }), "d")).toEqual(ts);
    expect(readOptionalTime(event({}), "d")).toBeUndefined();
    expectMaestroError(() => readTime(event({ d: stringAttr("soon") }), "d"), ErrorCode.Validation, 'extension "d": invalid RFC3339');
    expectMaestroError(() => readTime(event({ d: integerAttr(5) }), "d"), ErrorCode.Validation, "timestamp or an RFC3339 string");
    expectMaestroError(() => readTime(event({}), "deletiontimestamp"), ErrorCode.Validation, "missing required extension");
  });
});

describe("builders and formatting", () => {
  test("builders tag kinds and check ranges", () => {
    expect(integerAttr(-5)).toEqual({ kind: "integer", value: -5 });
    expectMaestroError(() => integerAttr(2 ** 31), ErrorCode.BadRequest, "out of range");
    expectMaestroError(() => timeAttr({ seconds: 0, nanos: -1 }), ErrorCode.BadRequest, "invalid timestamp");
    expect(bytesAttr(new Uint8Array([1])).kind).toBe("bytes");
  });

  test("formatAttributeValue gives Go's canonical strings", () => {
    expect(formatAttributeValue(integerAttr(3))).toBe("3");
    expect(formatAttributeValue(booleanAttr(false))).toBe("false");
    expect(formatAttributeValue(timeAttr({ seconds: 1765864817, nanos: 921082037 }))).toBe("2025-12-16T06:00:17.921082037Z");
    expect(formatAttributeValue(bytesAttr(new Uint8Array([1, 2, 3])))).toBe("AQID");
    expect(formatAttributeValue(uriAttr("https://e"))).toBe("https://e");
    expect(formatAttributeValue(stringAttr("x"))).toBe("x");
  });
});
