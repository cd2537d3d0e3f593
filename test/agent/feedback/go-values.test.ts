// Go formatting helpers behind JSONPath messages and text output (fmt %v, %#U, type names) and
// the quoted-string rules of client-go's UnquoteExtend.

import { describe, expect, test } from "bun:test";
import { GoFloat, goFloatText, goMarshal, goRuneText, goSprint, goTypeName, isGoInt } from "../../../src/agent/feedback/go-values.ts";
import { unquoteExtend } from "../../../src/agent/feedback/jsonpath-unquote.ts";

describe("Go values", () => {
  test("fmt %v of float64 (strconv 'g', shortest)", () => {
    const cases: [number, string][] = [
      [1.5, "1.5"], [0.1, "0.1"], [123456.5, "123456.5"], [1234567.5, "1.2345675e+06"], [1e6, "1e+06"],
      [0.0001, "0.0001"], [0.00001, "1e-05"], [-2.5e-7, "-2.5e-07"], [1e21, "1e+21"], [1.5e300, "1.5e+300"], [0, "0"], [-0, "-0"],
    ];
    for (const [n, s] of cases) expect(goFloatText(n)).toBe(s);
  });

  test("int64 or float64, as Kubernetes' JSON decoder decides", () => {
    expect(isGoInt(3)).toBe(true);
    expect(isGoInt(-(2 ** 62))).toBe(true);
    expect(isGoInt(2 ** 63)).toBe(false);
    expect(isGoInt(1.5)).toBe(false);
    expect([goTypeName(1), goTypeName(1.5), goTypeName(new GoFloat(1)), goTypeName("s"), goTypeName(true), goTypeName([]), goTypeName({}), goTypeName(null)])
      .toEqual(["int64", "float64", "float64", "string", "bool", "[]interface {}", "map[string]interface {}", "<nil>"]);
  });

  test("fmt.Sprint of maps, slices and nil", () => {
    expect(goSprint({ b: [1, "x", null], a: { c: 1.5 } })).toBe("map[a:map[c:1.5] b:[1 x <nil>]]");
    expect(goSprint(new GoFloat(2))).toBe("2");
    expect(goSprint(false)).toBe("false");
  });

  test("json.Marshal with float literals", () => {
    expect(goMarshal([new GoFloat(1), "<"])).toBe('[1,"\\u003c"]');
    expect(goMarshal(new GoFloat(0.5))).toBe("0.5");
    expect(goMarshal({ z: 1, a: 2 })).toBe('{"a":2,"z":1}');
  });

  test("%#U", () => {
    expect(goRuneText(0x2a)).toBe("U+002A '*'");
    expect(goRuneText(0x09)).toBe("U+0009");
    expect(goRuneText(0x1f600)).toBe("U+1F600 '😀'");
    expect(goRuneText(0x20)).toBe("U+0020 ' '");
  });
});

describe("unquoteExtend", () => {
  test("double and single quotes, Go escapes", () => {
    expect(unquoteExtend('"plain"')).toBe("plain");
    expect(unquoteExtend("'single'")).toBe("single");
    expect(unquoteExtend("'it\\'s'")).toBe("it's");
    expect(unquoteExtend('"say \\"hi\\""')).toBe('say "hi"');
    expect(unquoteExtend('"\\a\\b\\f\\n\\r\\t\\v\\\\"')).toBe("\x07\b\f\n\r\t\v\\");
    expect(unquoteExtend('"\\x41\\u00e9\\U0001F600\\101"')).toBe("Aé😀A");
    expect(unquoteExtend('"\\xc3\\xa9"')).toBe("é");
    expect(unquoteExtend("'héllo ☃'")).toBe("héllo ☃");
    expect(unquoteExtend("''")).toBe("");
  });

  test("Go's ErrSyntax cases", () => {
    for (const bad of ["'", '"a\'', "`a`", '"\\q"', '"\\x4"', '"\\400"', '"\\ud800"', '"\\\'"', "'\\\"'", '"a"b"', '"\\']) {
      expect(unquoteExtend(bad)).toBeUndefined();
    }
  });
});
