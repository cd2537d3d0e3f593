// Tests of RFC3339Nano formatting and parsing (Go-compatible), including the exact round trip of
// a nanosecond timestamp and every rejected form.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  compareTimestamps,
  formatTimestamp,
  formatTimestampSeconds,
  parseTimestamp,
  TIMESTAMP_SECONDS_MAX,
  TIMESTAMP_SECONDS_MIN,
  timestampFromDate,
  timestampFromMillis,
  timestampNow,
  timestampProblem,
  timestampToDate,
} from "../../src/cloudevents/time.ts";
import { expectMaestroError } from "./helpers.ts";

describe("formatTimestamp", () => {
  test("round-trips Go's nanosecond timestamp exactly", () => {
    const text = "2025-12-16T06:00:17.921082037Z";
    const ts = parseTimestamp(text);
    expect(ts).toEqual({ seconds: 1765864817, nanos: 921082037 });
    expect(formatTimestamp(ts)).toBe(text);
  });

  test("trims trailing zeros and omits a zero fraction, like RFC3339Nano", () => {
    expect(formatTimestamp({ seconds: 1765864817, nanos: 771003000 })).toBe("2025-12-16T06:00:17.771003Z");
    expect(formatTimestamp({ seconds: 1765864817, nanos: 500000000 })).toBe("2025-12-16T06:00:17.5Z");
    expect(formatTimestamp({ seconds: 1765864817, nanos: 0 })).toBe("2025-12-16T06:00:17Z");
    expect(formatTimestamp({ seconds: 0, nanos: 1 })).toBe("1970-01-01T00:00:00.000000001Z");
  });

  test("handles the ends of the four-digit-year range and pre-epoch instants", () => {
    expect(formatTimestamp({ seconds: TIMESTAMP_SECONDS_MIN, nanos: 0 })).toBe("0000-01-01T00:00:00Z");
    expect(formatTimestamp({ seconds: TIMESTAMP_SECONDS_MAX, nanos: 999999999 })).toBe("9999-12-31T23:59:59.999999999Z");
    expect(formatTimestamp({ seconds: -1, nanos: 0 })).toBe("1969-12-31T23:59:59Z");
    expect(formatTimestamp({ seconds: 951782400, nanos: 0 })).toBe("2000-02-29T00:00:00Z");
  });

  test("rejects invalid timestamps with a typed error", () => {
    expectMaestroError(() => formatTimestamp({ seconds: 0, nanos: 1_000_000_000 }), ErrorCode.BadRequest, "nanos");
    expectMaestroError(() => formatTimestamp({ seconds: 0, nanos: -1 }), ErrorCode.BadRequest, "nanos");
    expectMaestroError(() => formatTimestamp({ seconds: 1.5, nanos: 0 }), ErrorCode.BadRequest, "integer");
    expectMaestroError(() => formatTimestamp({ seconds: TIMESTAMP_SECONDS_MAX + 1, nanos: 0 }), ErrorCode.BadRequest, "0000-9999");
  });

  test("formatTimestampSeconds truncates to whole seconds (metav1.Time)", () => {
    expect(formatTimestampSeconds({ seconds: 1765864817, nanos: 999999999 })).toBe("2025-12-16T06:00:17Z");
  });
});

describe("parseTimestamp", () => {
  test("accepts numeric offsets and normalises to UTC", () => {
    expect(parseTimestamp("2025-12-16T08:00:17.5+02:00")).toEqual({ seconds: 1765864817, nanos: 500000000 });
    expect(parseTimestamp("2025-12-16T01:30:17-04:30")).toEqual({ seconds: 1765864817, nanos: 0 });
    expect(parseTimestamp("2025-12-16T06:00:17+00:00")).toEqual(parseTimestamp("2025-12-16T06:00:17Z"));
  });

  test("accepts 1 to 9 fraction digits", () => {
    for (let n = 1; n <= 9; n++) {
      const ts = parseTimestamp(`1970-01-01T00:00:00.${"1".repeat(n)}Z`);
      expect(ts.nanos).toBe(Number("1".repeat(n).padEnd(9, "0")));
    }
  });

  test("accepts leap days, rejects impossible dates", () => {
    expect(formatTimestamp(parseTimestamp("2024-02-29T00:00:00Z"))).toBe("2024-02-29T00:00:00Z");
    expectMaestroError(() => parseTimestamp("2023-02-29T00:00:00Z"), ErrorCode.BadRequest, "day out of range");
    expectMaestroError(() => parseTimestamp("1900-02-29T00:00:00Z"), ErrorCode.BadRequest, "day");
    expectMaestroError(() => parseTimestamp("2025-04-31T00:00:00Z"), ErrorCode.BadRequest, "day");
    expectMaestroError(() => parseTimestamp("2025-13-01T00:00:00Z"), ErrorCode.BadRequest, "month");
    expectMaestroError(() => parseTimestamp("2025-00-01T00:00:00Z"), ErrorCode.BadRequest, "month");
    expectMaestroError(() => parseTimestamp("2025-01-01T24:00:00Z"), ErrorCode.BadRequest, "hour");
    expectMaestroError(() => parseTimestamp("2025-01-01T00:60:00Z"), ErrorCode.BadRequest, "minute");
    expectMaestroError(() => parseTimestamp("2025-01-01T00:00:60Z"), ErrorCode.BadRequest, "second");
    expectMaestroError(() => parseTimestamp("2025-01-01T00:00:00+24:00"), ErrorCode.BadRequest, "offset hour");
    expectMaestroError(() => parseTimestamp("2025-01-01T00:00:00+01:60"), ErrorCode.BadRequest, "offset minute");
  });

  test("rejects garbage with the offending text in the message", () => {
    const bad = [
      "",
      "abc",
      "2025-12-16",
      "2025-12-16 06:00:17Z",
      "2025-12-16t06:00:17Z",
      "2025-12-16T06:00:17z",
      "2025-12-16T06:00:17",
      "2025-12-16T06:00:17.Z",
      "2025-12-16T06:00:17.1234567890Z",
      "2025-12-16T06:00:17+0200",
      "25-12-16T06:00:17Z",
      " 2025-12-16T06:00:17Z",
      "2025-12-16T06:00:17Z ",
      "+2025-12-16T06:00:17Z",
    ];
    for (const text of bad) expectMaestroError(() => parseTimestamp(text), ErrorCode.BadRequest, JSON.stringify(text));
  });

  test("rejects instants that move outside years 0000-9999 after the offset", () => {
    expectMaestroError(() => parseTimestamp("0000-01-01T00:00:00+01:00"), ErrorCode.BadRequest, "instant");
    expectMaestroError(() => parseTimestamp("9999-12-31T23:59:59-01:00"), ErrorCode.BadRequest, "instant");
  });

  test("parse/format agree with Date for many instants", () => {
    for (let ms = -2e12; ms < 4e12; ms += 7_777_777_777) {
      const iso = new Date(ms).toISOString();
      const ts = parseTimestamp(iso);
      expect(ts).toEqual(timestampFromMillis(ms));
      expect(timestampToDate(ts).getTime()).toBe(ms);
    }
  });
});

describe("helpers", () => {
  test("timestampFromDate / timestampFromMillis keep nanos non-negative", () => {
    expect(timestampFromDate(new Date(1500))).toEqual({ seconds: 1, nanos: 500000000 });
    expect(timestampFromMillis(-1)).toEqual({ seconds: -1, nanos: 999000000 });
  });

  test("timestampNow uses the injected clock", () => {
    expect(timestampNow(() => 1765864817921)).toEqual({ seconds: 1765864817, nanos: 921000000 });
    const now = timestampNow();
    expect(timestampProblem(now)).toBeUndefined();
  });

  test("compareTimestamps orders by seconds then nanos", () => {
    expect(compareTimestamps({ seconds: 1, nanos: 0 }, { seconds: 0, nanos: 5 })).toBe(1);
    expect(compareTimestamps({ seconds: 1, nanos: 1 }, { seconds: 1, nanos: 2 })).toBe(-1);
    expect(compareTimestamps({ seconds: 1, nanos: 2 }, { seconds: 1, nanos: 2 })).toBe(0);
  });
});
