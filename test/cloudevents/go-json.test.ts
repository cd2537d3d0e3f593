// Tests of the Go-compatible JSON writer: escaping, number formatting, key order, and agreement of
// the fast path with the careful writer on fixtures, edge cases and random trees.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/errors.ts";
import { compareGoStrings, goJsonMarshal, goJsonMarshalCareful, goJsonNumber, goJsonString } from "../../src/cloudevents/go-json.ts";
import { jsonDepthMax } from "../../src/limits.ts";
import type { JsonValue } from "../../src/cloudevents/types.ts";
import { cloudEventFixtures, expectMaestroError, FIXTURES_DIR } from "./helpers.ts";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

describe("goJsonString", () => {
  test("escapes like Go's encoding/json", () => {
    expect(goJsonString("a<b>&c")).toBe('"a\\u003cb\\u003e\\u0026c"');
    expect(goJsonString("\u2028\u2029")).toBe('"\\u2028\\u2029"');
    expect(goJsonString('q"\\')).toBe('"q\\"\\\\"');
    expect(goJsonString("\b\f\n\r\t\u0001\u001f")).toBe('"\\b\\f\\n\\r\\t\\u0001\\u001f"');
    expect(goJsonString("é☃𝄞\u007f")).toBe('"é☃𝄞\u007f"');
    expect(goJsonString("x\ud800y")).toBe('"x\ufffdy"');
    expect(goJsonString("<\ud800")).toBe('"\\u003c\ufffd"');
  });
});

describe("goJsonNumber", () => {
  test("matches Go's float64 formatting", () => {
    const cases: [number, string][] = [
      [0, "0"], [-0, "-0"], [1, "1"], [-1.5, "-1.5"], [0.1, "0.1"], [1e20, "100000000000000000000"],
      [1e21, "1e+21"], [1.5e300, "1.5e+300"], [0.000001, "0.000001"], [1e-7, "1e-7"], [1.5e-10, "1.5e-10"],
      [9007199254740993, "9007199254740992"],
    ];
    for (const [n, s] of cases) expect(goJsonNumber(n)).toBe(s);
    expectMaestroError(() => goJsonNumber(Number.NaN), ErrorCode.BadRequest, "unsupported value");
    expectMaestroError(() => goJsonNumber(Infinity), ErrorCode.BadRequest, "unsupported value");
  });
});

describe("goJsonMarshal", () => {
  test("sorts keys at every level, compact", () => {
    expect(goJsonMarshal({ b: { d: 1, c: [{ z: null, a: true }] }, a: "x" })).toBe('{"a":"x","b":{"c":[{"a":true,"z":null}],"d":1}}');
    expect(goJsonMarshal([])).toBe("[]");
    expect(goJsonMarshal({})).toBe("{}");
    expect(goJsonMarshal(null)).toBe("null");
  });

  test("drops undefined members like JSON.stringify", () => {
    expect(goJsonMarshal({ a: undefined, b: 1 } as unknown as JsonValue)).toBe('{"b":1}');
  });

  test("sorts keys by UTF-8 bytes, not UTF-16 units", () => {
    const keys = ["\uffff", "\u{10000}", "a", "B", "é"];
    expect([...keys].sort(compareGoStrings)).toEqual(["B", "a", "é", "\uffff", "\u{10000}"]);
    expect(compareGoStrings("ab", "a")).toBeGreaterThan(0);
    expect(compareGoStrings("a", "a")).toBe(0);
  });

  test("refuses nesting past jsonDepthMax", () => {
    let deep: JsonValue = 1;
    for (let i = 0; i <= jsonDepthMax + 1; i++) deep = [deep];
    expectMaestroError(() => goJsonMarshal(deep), ErrorCode.BadRequest, "nested deeper");
  });
});

describe("fast path agrees with the careful writer", () => {
  test("on every fixture file", () => {
    for (const f of readdirSync(FIXTURES_DIR).filter((n) => n.endsWith(".json"))) {
      const value = JSON.parse(readFileSync(join(FIXTURES_DIR, f), "utf8")) as JsonValue;
      expect(goJsonMarshal(value)).toBe(goJsonMarshalCareful(value));
    }
    expect(cloudEventFixtures().length).toBeGreaterThan(0);
  });

  test("on the cases the fast path hands over", () => {
    const tricky: JsonValue[] = [
      { "10": 1, "9": 2, a: 3, "-x": 4 },
      { a: -0, b: [0, -0] },
      JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as JsonValue,
      { "k\ud800": "v\udc00", "<&>": "\u2028\u2029" },
      { "\uffff": 1, "\u{10000}": 2, é: 3 },
      [null, true, false, "", 1.5e-7, 1e21, { z: { y: { x: [] } } }],
    ];
    for (const value of tricky) expect(goJsonMarshal(value)).toBe(goJsonMarshalCareful(value));
    expect(goJsonMarshal({ "10": 1, "9": 2 })).toBe('{"10":1,"9":2}');
    expect(goJsonMarshal({ a: -0 })).toBe('{"a":-0}');
    expectMaestroError(() => goJsonMarshal({ a: Number.NaN }), ErrorCode.BadRequest, "unsupported value");
  });

  test("on random JSON trees", () => {
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const alphabet = ["a", "B", "<", "&", "\u2028", "é", "9", "10", "\ud83d\ude00", "\ud800", "_", "\"", "\n"];
    const str = () => Array.from({ length: rand(4) }, () => alphabet[rand(alphabet.length)]).join("");
    const tree = (depth: number): JsonValue => {
      const kind = rand(depth > 3 ? 4 : 6);
      if (kind === 0) return str();
      if (kind === 1) return rand(2) === 0 ? rand(1000) - 500 : (rand(1e6) - 5e5) / 997;
      if (kind === 2) return rand(2) === 0;
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: rand(4) }, () => tree(depth + 1));
      const obj: Record<string, JsonValue> = {};
      for (let i = rand(5); i > 0; i--) obj[str()] = tree(depth + 1);
      return obj;
    };
    for (let i = 0; i < 500; i++) {
      const value = tree(0);
      expect(goJsonMarshal(value)).toBe(goJsonMarshalCareful(value));
    }
  });
});
