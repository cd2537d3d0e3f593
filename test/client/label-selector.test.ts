// Label selectors: the apimachinery grammar, local matching, and Maestro's ToLabelSearch texts
// (the expected strings are those of Maestro's util_test.go plus Go-derived cases).

import { describe, expect, test } from "bun:test";
import { LabelSelectorError, matchesLabels, parseLabelSelector, toLabelSearch } from "../../src/client/label-selector.ts";

const P = "payload->'metadata'->'labels'";

describe("toLabelSearch (Go TestToLabelSearch cases)", () => {
  const cases: [string, string | undefined][] = [
    ["", undefined],
    ["a=b", `${P}@>'{"a":"b"}'`],
    ["a=b,c==d", `${P}@>'{"a":"b","c":"d"}'`],
    ["a!=b,c!=d", `${P}->>'a'<>'b' and ${P}->>'c'<>'d'`],
    ["a", `${P}->>'a'<>null`],
    ["env in (a)", `${P}->>'env'in('a')`],
    ["env notin (a)", `${P}->>'env'<>'a'`],
  ];
  for (const [selector, search] of cases) {
    test(JSON.stringify(selector), () => expect(toLabelSearch(selector)).toBe(search));
  }
});

describe("toLabelSearch: ordering and grouping as Go builds it", () => {
  test("equalities first (one containment), then in, then not-equals and notin, then exists", () => {
    expect(toLabelSearch("z, y notin (b,a), x!=1, w in (q,p), v=1, u==2")).toBe(
      [
        `${P}@>'{"u":"2","v":"1"}'`,
        `${P}->>'w'in('p','q')`,
        `${P}->>'x'<>'1'`,
        `${P}->>'y'<>'a'`,
        `${P}->>'y'<>'b'`,
        `${P}->>'z'<>null`,
      ].join(" and "),
    );
  });

  test("empty exact value", () => expect(toLabelSearch("a=")).toBe(`${P}@>'{"a":""}'`));
  test("prefixed keys", () => expect(toLabelSearch("example.com/tier=web")).toBe(`${P}@>'{"example.com/tier":"web"}'`));

  for (const unsupported of ["!a", "a>1", "a<1"]) {
    test(`${unsupported} is unsupported, as in Go`, () => expect(() => toLabelSearch(unsupported)).toThrow(/unsupported operator (!|gt|lt)/));
  }
});

describe("parseLabelSelector", () => {
  test("requirements are sorted by key, values sorted and unique", () => {
    expect(parseLabelSelector("b in (y,x,x), a=1").requirements).toEqual([
      { key: "a", operator: "=", values: ["1"] },
      { key: "b", operator: "in", values: ["x", "y"] },
    ]);
  });

  test("empty members of a value list", () => {
    expect(parseLabelSelector("a in (,x)").requirements[0]!.values).toEqual(["", "x"]);
    expect(parseLabelSelector("a in (x,)").requirements[0]!.values).toEqual(["", "x"]);
  });

  test("`in` and `notin` as keys and values", () => {
    expect(parseLabelSelector("in=notin").requirements).toEqual([{ key: "in", operator: "=", values: ["notin"] }]);
  });

  const bad = ["a in ()", "a in x", "=a", "a,", "a b", "a=b c", "a in (x y)", "-a=1", "a=b!", "a>x", "a=" + "x".repeat(64), ",a"];
  for (const text of bad) {
    test(`rejects ${JSON.stringify(text)}`, () => expect(() => parseLabelSelector(text)).toThrow(LabelSelectorError));
  }
});

describe("matchesLabels", () => {
  const labels = { app: "web", tier: "2" };
  const cases: [string, boolean][] = [
    ["", true],
    ["app=web", true],
    ["app==api", false],
    ["app!=api", true],
    ["missing!=x", true],
    ["app in (api,web)", true],
    ["app notin (web)", false],
    ["missing notin (web)", true],
    ["app", true],
    ["!app", false],
    ["!missing", true],
    ["tier>1", true],
    ["tier<2", false],
    ["app>1", false],
    ["app=web,tier=3", false],
  ];
  for (const [selector, expected] of cases) {
    test(`${JSON.stringify(selector)} -> ${expected}`, () => expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected));
  }
  test("no labels at all", () => expect(matchesLabels(parseLabelSelector("a!=b"), undefined)).toBe(true));
});
