// Tests of snowflake sequence ids: fields of the fixture ids (node 1), parsing, sdk-go ordering and
// the strictly increasing generator under clock skew and step overflow.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import {
  compareSequenceIds,
  formatSnowflake,
  isSequenceIdNewer,
  makeSnowflake,
  parseSnowflake,
  SEQUENCE_ID_NODE,
  SNOWFLAKE_EPOCH_MS,
  snowflakeFields,
  SnowflakeGenerator,
} from "../../src/cloudevents/snowflake.ts";
import { cloudEventFixtures, expectMaestroError } from "./helpers.ts";

describe("snowflake ids", () => {
  test("fixture sequence ids come from node 1 at the event's time", () => {
    const withIds = cloudEventFixtures().filter(([, e]) => typeof e.sequenceid === "string");
    expect(withIds.length).toBeGreaterThanOrEqual(2);
    for (const [, evt] of withIds) {
      const f = snowflakeFields(parseSnowflake(evt.sequenceid as string));
      expect(f.node).toBe(SEQUENCE_ID_NODE);
      const eventMs = Date.parse(evt.time as string);
      expect(Math.abs(f.timeMs - eventMs)).toBeLessThan(1000);
    }
  });

  test("parse/format/fields/make round-trip", () => {
    const id = parseSnowflake("2000808179721572352");
    expect(formatSnowflake(id)).toBe("2000808179721572352");
    const f = snowflakeFields(id);
    expect(f).toEqual({ timeMs: 1765864817921, node: 1, step: 0 });
    expect(makeSnowflake(f)).toBe(id);
    expect(makeSnowflake({ timeMs: SNOWFLAKE_EPOCH_MS, node: 1, step: 0 })).toBe(4096n);
    expect(parseSnowflake("9223372036854775807")).toBe((1n << 63n) - 1n);
    expect(parseSnowflake("0")).toBe(0n);
  });

  test("parse rejects non-numeric, negative and overflowing text", () => {
    for (const bad of ["", "abc", "-1", "+1", " 1", "1 ", "1.5", "0x10", "9223372036854775808", "99999999999999999999"]) {
      expectMaestroError(() => parseSnowflake(bad), ErrorCode.BadRequest, "invalid sequence id");
    }
  });

  test("compareSequenceIds orders by time then step and needs the same node", () => {
    const t = 1765864817921;
    const a = makeSnowflake({ timeMs: t, node: 1, step: 5 });
    const b = makeSnowflake({ timeMs: t, node: 1, step: 6 });
    const c = makeSnowflake({ timeMs: t + 1, node: 1, step: 0 });
    expect(compareSequenceIds(a, b)).toBe(-1);
    expect(compareSequenceIds(b, a)).toBe(1);
    expect(compareSequenceIds(b, c)).toBe(-1);
    expect(compareSequenceIds(formatSnowflake(c), formatSnowflake(c))).toBe(0);
    expect(compareSequenceIds("2000808179721572352", "2000808179729960960")).toBe(-1);
    const other = makeSnowflake({ timeMs: t, node: 2, step: 0 });
    expectMaestroError(() => compareSequenceIds(a, other), ErrorCode.BadRequest, "are not from the same node");
  });

  test("isSequenceIdNewer follows sdk-go (empty last accepts)", () => {
    expect(isSequenceIdNewer("", "2000808179721572352")).toBe(true);
    expect(isSequenceIdNewer("2000808179721572352", "2000808179729960960")).toBe(true);
    expect(isSequenceIdNewer("2000808179729960960", "2000808179721572352")).toBe(false);
    expect(isSequenceIdNewer("2000808179729960960", "2000808179729960960")).toBe(false);
    expectMaestroError(() => isSequenceIdNewer("2000808179721572352", ""), ErrorCode.BadRequest);
  });
});

describe("SnowflakeGenerator", () => {
  test("increments the step within a millisecond and resets it on the next", () => {
    let now = 1765864817921;
    const gen = new SnowflakeGenerator(1, () => now);
    const first = snowflakeFields(gen.next());
    expect(first).toEqual({ timeMs: now, node: 1, step: 0 });
    expect(snowflakeFields(gen.next()).step).toBe(1);
    now += 1;
    expect(snowflakeFields(gen.next())).toEqual({ timeMs: now, node: 1, step: 0 });
  });

  test("stays strictly increasing past 4096 ids per ms and when the clock goes backwards", () => {
    let now = 1765864817921;
    const gen = new SnowflakeGenerator(1, () => now);
    let last = gen.next();
    for (let i = 0; i < 10_000; i++) {
      if (i === 5000) now -= 60_000; // NTP steps the clock back a minute
      const id = gen.next();
      expect(compareSequenceIds(last, id)).toBe(-1);
      last = id;
    }
    expect(snowflakeFields(last).timeMs).toBeGreaterThan(1765864817921);
    expect(snowflakeFields(last).node).toBe(1);
  });

  test("nextString is decimal and uses the real clock by default", () => {
    const gen = new SnowflakeGenerator();
    const id = gen.nextString();
    expect(id).toMatch(/^\d+$/);
    expect(Math.abs(snowflakeFields(BigInt(id)).timeMs - Date.now())).toBeLessThan(5000);
  });
});
