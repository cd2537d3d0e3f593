// jsonMembers finds an object's members in its text: every span must slice out exactly the
// value JSON.parse sees, for any JSON, spacing and escapes included.

import { describe, expect, test } from "bun:test";
import { jsonKind, jsonMembers, memberText } from "../../../src/api/presenters/json-members.ts";

function spans(text: string, from = 0): Record<string, unknown> {
  const members = jsonMembers(text, from);
  if (members === undefined) return {};
  return Object.fromEntries([...members.keys()].map((key) => [key, JSON.parse(memberText(text, members, key)!)]));
}

describe("jsonMembers", () => {
  test("each member's span parses to the value JSON.parse gives", () => {
    const values = [
      { a: 1, b: "two", c: [1, [2, { d: "]" }]], e: { f: { g: null } }, h: true, i: false, j: -1.5e3, k: "" },
      { "q\"uo}te": "back\\slash\\", "u\u2028": "\u0000\ud83d\ude00", nested: '{"not":"parsed"}' },
      {},
    ];
    for (const value of values) {
      expect(spans(JSON.stringify(value))).toEqual(value);
      expect(spans(JSON.stringify(value, null, 2))).toEqual(value);
    }
  });

  test("whitespace around tokens, a nested object from an offset, a later duplicate key wins", () => {
    const text = ' \n{ "a" :\t[ 1 , 2 ] ,"b":{ "c" : "d" } , "a" : 3 }\r\n';
    expect(spans(text)).toEqual({ a: 3, b: { c: "d" } });
    const b = jsonMembers(text)!.get("b")!;
    expect(spans(text, b.start)).toEqual({ c: "d" });
  });

  test("a value that is not an object has no members", () => {
    for (const text of ["[1]", '"s"', "3", "null", ""]) expect(jsonMembers(text)).toBeUndefined();
  });

  test("jsonKind and memberText of absent members", () => {
    const text = '{"o":{},"a":[],"s":"x","n":null}';
    const members = jsonMembers(text);
    expect(["o", "a", "s", "n", "missing"].map((k) => jsonKind(memberText(text, members, k)))).toEqual(["object", "array", "other", "other", undefined]);
    expect(memberText(text, undefined, "o")).toBeUndefined();
  });

  test("truncated text fails an assertion instead of returning a wrong span", () => {
    for (const text of ['{"a":"x', '{"a":[1,', '{"a"', '{"a":1']) expect(() => jsonMembers(text)).toThrow();
  });
});

describe("jsonMembers descending into one member", () => {
  test("the named object member carries its own members, scanned in the same pass", () => {
    const text = '{"data": {"x": [1, {"y": "}"}], "z": null}, "after": 1, "other": {"q": 2}}';
    const members = jsonMembers(text, 0, "data")!;
    const data = members.get("data")!;
    expect(JSON.parse(text.slice(data.start, data.end))).toEqual({ x: [1, { y: "}" }], z: null });
    expect(spans(text, data.start)).toEqual({ x: [1, { y: "}" }], z: null });
    expect([...data.members!.keys()]).toEqual(["x", "z"]);
    expect(JSON.parse(memberText(text, data.members, "x")!)).toEqual([1, { y: "}" }]);
    expect(members.get("other")!.members).toBeUndefined();
    expect(JSON.parse(memberText(text, members, "after")!)).toBe(1);
  });

  test("a named member that is not an object is a plain span", () => {
    const text = '{"data": [1, 2], "b": {}}';
    expect(jsonMembers(text, 0, "data")!.get("data")).toEqual({ start: 9, end: 15 });
    expect(jsonMembers('{"data":{}}', 0, "data")!.get("data")!.members!.size).toBe(0);
  });
});
