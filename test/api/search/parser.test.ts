// Parser tests: every construct of the grammar, precedence (not > and > or), the Go client's
// exact texts, and every failure path, including hostile input that must end as a clean 400.

import { describe, expect, test } from "bun:test";
import type { FieldRef, SearchAst } from "../../../src/api/search/mod.ts";
import { parseSearch } from "../../../src/api/search/mod.ts";
import { searchDepthMax, searchInValuesMax, searchTextBytesMax } from "../../../src/limits.ts";
import { expectBadRequest, expectParseError, thrown } from "./helpers.ts";

const col = (column: string, display = column, table?: string): FieldRef => ({
  table,
  column,
  path: [],
  textKey: undefined,
  display,
});
const str = (value: string) => ({ kind: "string", value }) as const;
const num = (text: string) => ({ kind: "number", text }) as const;
const eq = (column: string, value: string): SearchAst => ({ kind: "compare", field: col(column), op: "=", value: str(value) });
const labels = (textKey: string | undefined): FieldRef => ({
  table: undefined,
  column: "payload",
  path: ["metadata", "labels"],
  textKey,
  display: "payload",
});

describe("parseSearch: predicates", () => {
  test("every comparison operator; != is normalised to <>", () => {
    for (const op of ["=", "<>", "<", "<=", ">", ">="] as const) {
      expect(parseSearch(`version ${op} 3`)).toEqual({ kind: "compare", field: col("version"), op, value: num("3") });
    }
    expect(parseSearch("name != 'a'")).toEqual({ kind: "compare", field: col("name"), op: "<>", value: str("a") });
  });

  test("strings: '' escapes a quote, everything else is data", () => {
    expect(parseSearch("name = 'it''s'")).toEqual(eq("name", "it's"));
    expect(parseSearch("name = ''")).toEqual(eq("name", ""));
    expect(parseSearch("name='a; DROP -- /* */ \\ \"'")).toEqual(eq("name", 'a; DROP -- /* */ \\ "'));
    expect(parseSearch("name = 'ünïcödé 🚀'")).toEqual(eq("name", "ünïcödé 🚀"));
  });

  test("numbers keep their source text, with sign, fraction and exponent", () => {
    for (const text of ["0", "42", "-7", "+7", "1.5", "1.", ".5", "1e3", "2.5E-2"]) {
      expect(parseSearch(`version = ${text}`)).toEqual({ kind: "compare", field: col("version"), op: "=", value: num(text) });
    }
  });

  test("[not] like / ilike", () => {
    expect(parseSearch("name like 'a%'")).toEqual({ kind: "like", field: col("name"), pattern: "a%", negated: false, caseInsensitive: false });
    expect(parseSearch("name ILIKE 'A_'")).toEqual({ kind: "like", field: col("name"), pattern: "A_", negated: false, caseInsensitive: true });
    expect(parseSearch("name not like 'x'")).toEqual({ kind: "like", field: col("name"), pattern: "x", negated: true, caseInsensitive: false });
    expect(parseSearch("name NOT ilike 'x'")).toEqual({ kind: "like", field: col("name"), pattern: "x", negated: true, caseInsensitive: true });
  });

  test("[not] in, including the empty list TSL allows and mixed literals", () => {
    expect(parseSearch("id in ('a', 'b')")).toEqual({ kind: "in", field: col("id"), values: [str("a"), str("b")], negated: false });
    expect(parseSearch("id not in ('a')")).toEqual({ kind: "in", field: col("id"), values: [str("a")], negated: true });
    expect(parseSearch("id in ()")).toEqual({ kind: "in", field: col("id"), values: [], negated: false });
    expect(parseSearch("version IN(1,2)")).toEqual({ kind: "in", field: col("version"), values: [num("1"), num("2")], negated: false });
  });

  test("[not] between binds its own `and`", () => {
    expect(parseSearch("version between 1 and 3")).toEqual({ kind: "between", field: col("version"), low: num("1"), high: num("3"), negated: false });
    expect(parseSearch("version not between 1 and 3 and name = 'x'")).toEqual({
      kind: "and",
      terms: [{ kind: "between", field: col("version"), low: num("1"), high: num("3"), negated: true }, eq("name", "x")],
    });
  });

  test("is [not] null, = null and <> null, and TSL's is [not] <literal>", () => {
    expect(parseSearch("deleted_at is null")).toEqual({ kind: "isNull", field: col("deleted_at"), negated: false });
    expect(parseSearch("deleted_at IS NOT NULL")).toEqual({ kind: "isNull", field: col("deleted_at"), negated: true });
    expect(parseSearch("status = null")).toEqual({ kind: "isNull", field: col("status"), negated: false });
    expect(parseSearch("status <> null")).toEqual({ kind: "isNull", field: col("status"), negated: true });
    expect(parseSearch("status != NULL")).toEqual({ kind: "isNull", field: col("status"), negated: true });
    expect(parseSearch("name is 'x'")).toEqual(eq("name", "x"));
    expect(parseSearch("name is not 'x'")).toEqual({ kind: "compare", field: col("name"), op: "<>", value: str("x") });
  });

  test("fields: table prefix and case are normalised, display keeps the original", () => {
    expect(parseSearch("resources.Name = 'x'")).toEqual({ kind: "compare", field: col("name", "resources.Name", "resources"), op: "=", value: str("x") });
    expect(parseSearch("CONSUMER_NAME = 'x'")).toEqual({ kind: "compare", field: col("consumer_name", "CONSUMER_NAME"), op: "=", value: str("x") });
  });

  test("keywords are case-insensitive", () => {
    expect(parseSearch("a = 'x' AnD b = 'y' Or NoT c = 'z'")).toEqual({
      kind: "or",
      terms: [{ kind: "and", terms: [eq("a", "x"), eq("b", "y")] }, { kind: "not", term: eq("c", "z") }],
    });
  });
});

describe("parseSearch: JSON paths and containment (the Go client's label selectors)", () => {
  test("equality selector: @> with a JSON object, normalised", () => {
    expect(parseSearch(`payload->'metadata'->'labels'@>'{"app":"test"}'`)).toEqual({ kind: "contains", field: labels(undefined), json: '{"app":"test"}' });
    expect(parseSearch(`payload -> 'metadata' -> 'labels' @> '{ "a" : "b", "c":"d" }'`)).toEqual({
      kind: "contains",
      field: labels(undefined),
      json: '{"a":"b","c":"d"}',
    });
  });

  test("not-equals, exists, in and not-in selectors", () => {
    expect(parseSearch(`payload->'metadata'->'labels'->>'a'<>'b'`)).toEqual({ kind: "compare", field: labels("a"), op: "<>", value: str("b") });
    expect(parseSearch(`payload->'metadata'->'labels'->>'a'<>null`)).toEqual({ kind: "isNull", field: labels("a"), negated: true });
    expect(parseSearch(`payload->'metadata'->'labels'->>'env'in('a','b')`)).toEqual({ kind: "in", field: labels("env"), values: [str("a"), str("b")], negated: false });
    expect(parseSearch(`payload->'metadata'->'labels'->>'env' not in ('a')`)).toEqual({ kind: "in", field: labels("env"), values: [str("a")], negated: true });
  });

  test("the full List() search: source, consumer and a selector joined with and", () => {
    const text =
      `source='s1' and consumer_name='cluster1' and payload->'metadata'->'labels'@>'{"a":"b"}' and ` +
      `payload->'metadata'->'labels'->>'c'<>'d' and payload->'metadata'->'labels'->>'e'<>null`;
    expect(parseSearch(text)).toEqual({
      kind: "and",
      terms: [
        eq("source", "s1"),
        eq("consumer_name", "cluster1"),
        { kind: "contains", field: labels(undefined), json: '{"a":"b"}' },
        { kind: "compare", field: labels("c"), op: "<>", value: str("d") },
        { kind: "isNull", field: labels("e"), negated: true },
      ],
    });
  });

  test("the Sync() search: source and an or-group of consumers", () => {
    expect(parseSearch("source='s1' and (consumer_name='a' or consumer_name='b')")).toEqual({
      kind: "and",
      terms: [eq("source", "s1"), { kind: "or", terms: [eq("consumer_name", "a"), eq("consumer_name", "b")] }],
    });
  });

  test("->> directly on a column, label keys with / and ., and ocm-common's \\' escape", () => {
    expect(parseSearch("labels->>'example.com/env' = 'prod'")).toEqual({
      kind: "compare",
      field: { table: undefined, column: "labels", path: [], textKey: "example.com/env", display: "labels" },
      op: "=",
      value: str("prod"),
    });
    expect(parseSearch("labels->>'k' = 'it\\'s'")).toEqual({
      kind: "compare",
      field: { table: undefined, column: "labels", path: [], textKey: "k", display: "labels" },
      op: "=",
      value: str("it's"),
    });
  });

  test("a JSON key or value that looks like SQL stays data", () => {
    expect(parseSearch(`payload->'x\\' OR \\'1\\'=\\'1'->>'foo' = 'bar'`)).toEqual({
      kind: "compare",
      field: { table: undefined, column: "payload", path: ["x' OR '1'='1"], textKey: "foo", display: "payload" },
      op: "=",
      value: str("bar"),
    });
  });
});

describe("parseSearch: precedence and grouping", () => {
  test("and binds tighter than or", () => {
    expect(parseSearch("a='1' or b='2' and c='3'")).toEqual({ kind: "or", terms: [eq("a", "1"), { kind: "and", terms: [eq("b", "2"), eq("c", "3")] }] });
    expect(parseSearch("a='1' and b='2' or c='3'")).toEqual({ kind: "or", terms: [{ kind: "and", terms: [eq("a", "1"), eq("b", "2")] }, eq("c", "3")] });
  });

  test("not binds tighter than and", () => {
    expect(parseSearch("not a='1' and b='2'")).toEqual({ kind: "and", terms: [{ kind: "not", term: eq("a", "1") }, eq("b", "2")] });
    expect(parseSearch("not (a='1' and b='2')")).toEqual({ kind: "not", term: { kind: "and", terms: [eq("a", "1"), eq("b", "2")] } });
    expect(parseSearch("not not a='1'")).toEqual({ kind: "not", term: { kind: "not", term: eq("a", "1") } });
  });

  test("parentheses override, and chains flatten", () => {
    expect(parseSearch("(a='1' or b='2') and c='3'")).toEqual({ kind: "and", terms: [{ kind: "or", terms: [eq("a", "1"), eq("b", "2")] }, eq("c", "3")] });
    expect(parseSearch("((a='1'))")).toEqual(eq("a", "1"));
    expect(parseSearch("a='1' and b='2' and c='3' and d='4'")).toEqual({ kind: "and", terms: ["a", "b", "c", "d"].map((k, i) => eq(k, String(i + 1))) });
  });

  test("surrounding whitespace of any kind is ignored", () => {
    expect(parseSearch(" \t\n a = '1'\r\n ")).toEqual(eq("a", "1"));
  });
});

describe("parseSearch: errors are 400 maestro-21", () => {
  const bad = [
    "garbage",
    "name",
    "name =",
    "name = 'x' and",
    "= 'x'",
    "name = = 'x'",
    "name 'x'",
    "(name = 'x'",
    "name = 'x')",
    "()",
    "name in 'x'",
    "name in ('a',)",
    "name in ('a' 'b')",
    "name in (",
    "name like 5",
    "name like null",
    "version between 1 or 3",
    "version between 1 and",
    "version < null",
    "name = true",
    "name = x",
    "name == 'x'",
    "not",
    "name not = 'x'",
    "name is",
    "name is not",
    "and = 'x'",
    '"name" = \'x\'',
    "`name` = 'x'",
    "name.",
    "payload->'a' ->> 'b' @> '{}'",
    "payload->metadata = 'x'",
    "payload->'a'->",
    "payload @> x",
    "name = 'x' name = 'y'",
  ];
  for (const search of bad) {
    test(`rejects ${JSON.stringify(search)}`, () => {
      expectParseError(() => parseSearch(search), search.trim());
    });
  }

  test("echoes the trimmed search, as Maestro does", () => {
    expectParseError(() => parseSearch("  garbage  "), "garbage");
    // Maestro's own test (pkg/services/generic_test.go) expects exactly this error string.
    expect(thrown(() => parseSearch("garbage")).message).toBe("maestro-21: Failed to parse search query: garbage");
  });

  test("blank text is a parse error (searchToSql treats it as no filter)", () => {
    expectParseError(() => parseSearch("   "), "");
  });

  test("more than one dot is Maestro's `is not a valid field name`", () => {
    expectBadRequest(() => parseSearch("a.b.c = 'x'"), "a.b.c is not a valid field name");
  });

  test("TSL's regular-expression operators get TSL's walker error", () => {
    expectBadRequest(() => parseSearch("name ~= 'x'"), "un supported operand: $regex");
    expectBadRequest(() => parseSearch("name ~! 'x'"), "un supported operand: $nregex");
  });

  test("a bad @> JSON literal is a 400 naming the JSON", () => {
    expect(thrown(() => parseSearch(`payload @> '{"a":'`)).reason).toStartWith("the search json is invalid: ");
    expect(thrown(() => parseSearch(`labels @> '{"a":"\\u0000"}'`)).reason).toBe("the search json is invalid: a string holds a NUL character");
    expect(thrown(() => parseSearch(`labels @> '{"a":"\\ud800"}'`)).reason).toBe("the search json is invalid: a string holds an unpaired surrogate");
    expect(thrown(() => parseSearch(`labels @> '[1e400]'`)).reason).toBe("the search json is invalid: a number is out of range");
    expect(thrown(() => parseSearch(`labels @> '${"[".repeat(40)}${"]".repeat(40)}'`)).reason).toBe("the search json is invalid: nested deeper than 32 levels");
  });
});

describe("parseSearch: limits", () => {
  test(`nesting up to ${searchDepthMax} parentheses parses, one more does not`, () => {
    const nest = (n: number) => `${"(".repeat(n)}a='1'${")".repeat(n)}`;
    expect(parseSearch(nest(searchDepthMax))).toEqual(eq("a", "1"));
    expectParseError(() => parseSearch(nest(searchDepthMax + 1)), nest(searchDepthMax + 1));
  });

  test("not counts as nesting", () => {
    const nots = (n: number) => `${"not ".repeat(n)}a='1'`;
    expect(parseSearch(nots(searchDepthMax)).kind).toBe("not");
    expectParseError(() => parseSearch(nots(searchDepthMax + 1)), nots(searchDepthMax + 1).trim());
  });

  test(`an in-list holds up to ${searchInValuesMax} values`, () => {
    const list = (n: number) => `id in (${Array.from({ length: n }, () => "'x'").join(",")})`;
    const ast = parseSearch(list(searchInValuesMax));
    expect(ast.kind === "in" && ast.values.length).toBe(searchInValuesMax);
    expectParseError(() => parseSearch(list(searchInValuesMax + 1)), list(searchInValuesMax + 1));
  });

  test("text over the byte limit is refused without echoing it", () => {
    const long = `name = '${"x".repeat(searchTextBytesMax)}'`;
    const err = thrown(() => parseSearch(long));
    expect(err.code).toBe(21);
    expect(err.reason).toBe(`Failed to parse search query: the query is ${searchTextBytesMax + 9} bytes, over the ${searchTextBytesMax}-byte limit`);
  });

  test("the byte limit counts UTF-8 bytes, not characters", () => {
    const chars = Math.floor(searchTextBytesMax / 4);
    expect(() => parseSearch(`name = '${"🚀".repeat(chars - 3)}'`)).not.toThrow();
    expect(thrown(() => parseSearch(`name = '${"🚀".repeat(chars)}'`)).reason).toContain("-byte limit");
  });
});

describe("parseSearch: hostile input ends as a clean 400", () => {
  const hostile: Record<string, string> = {
    "unterminated quote": "name = 'abc",
    "unterminated after an escaped quote": "name = 'abc''",
    "lone quote": "'",
    "NUL outside a string": "name\u0000 = 'x'",
    "NUL inside a string": "name = 'a\u0000b'",
    "NUL inside a JSON key": "payload->'a\u0000'->>'b' = 'c'",
    "statement separator": "name = 'x'; DROP TABLE resources",
    "line comment": "name = 'x' -- and more",
    "block comment": "name = 'x' /* comment */",
    "the classic injection": "'; DROP TABLE resources; --",
    "injection after a value": "name = 'x'' OR ''1''=''1' OR 1=1",
    "unicode identifier": "nämé = 'x'",
    "unicode operator": "name ≠ 'x'",
    "non-breaking space": "name\u00a0= 'x'",
    "double-quoted identifier": '"resources"."name" = \'x\'',
    "casts": "name::text = 'x'",
    "function call": "lower(name) = 'x'",
    "subquery": "id in (select id from consumers)",
    "dollar quoting": "name = $$x$$",
    "positional parameter": "name = $1",
  };
  for (const [what, search] of Object.entries(hostile)) {
    test(what, () => {
      const err = thrown(() => parseSearch(search));
      expect(err.code).toBe(21);
      expect(err.httpStatus).toBe(400);
    });
  }

  test("1 MB of parentheses", () => {
    expect(thrown(() => parseSearch("(".repeat(1 << 20))).code).toBe(21);
    expect(thrown(() => parseSearch(`${"(".repeat(5000)}a='1'${")".repeat(5000)}`)).code).toBe(21);
  });

  test("16 KB of nested JSON brackets", () => {
    expect(thrown(() => parseSearch(`labels @> '${"[".repeat(8000)}${"]".repeat(8000)}'`)).code).toBe(21);
  });

  test("an injection inside a quoted value is only a value", () => {
    expect(parseSearch("name = '''; DROP TABLE resources; --'")).toEqual(eq("name", "'; DROP TABLE resources; --"));
  });

  test("random token soup never escapes as anything but MaestroError", () => {
    const vocabulary = ["(", ")", "'", "''", "'x'", "name", "payload", "->", "->>", "@>", "=", "<>", "!=", "<", "and", "or", "not", "in", "like",
      "between", "is", "null", ",", "1", "-1", ".5", "1e9", ";", "--", "/*", "*/", "\\", "\u0000", "é", " ", "{", "}", '"', "::", "$1"];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 3000; i++) {
      const length = 1 + Math.floor(random() * 12);
      const text = Array.from({ length }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(random() < 0.5 ? " " : "");
      try {
        parseSearch(text);
      } catch (err) {
        expect(err).toHaveProperty("name", "MaestroError");
      }
    }
  });
});
