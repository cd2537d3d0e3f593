// Tokenizer tests: token shapes, both quote-escaping styles, and the characters it refuses.

import { describe, expect, test } from "bun:test";
import { tokenize, type Token } from "../../../src/api/search/internal.ts";
import { thrown } from "./helpers.ts";

const tsl = (text: string): Token[] => tokenize(text, { search: text, backslashQuote: false });
const ocm = (text: string): Token[] => tokenize(text, { search: text, backslashQuote: true });
const kinds = (tokens: Token[]) => tokens.map((t) => (t.kind === "op" ? t.op : t.kind === "punct" ? t.text : t.kind));

describe("tokenize", () => {
  test("identifiers (dotted), strings, numbers, operators, punctuation and eof", () => {
    expect(kinds(tsl("resources.name='x' and version>=-1.5e3 or id in(1,2)"))).toEqual([
      "ident", "=", "string", "ident", "ident", ">=", "number", "ident", "ident", "ident", "(", "number", ",", "number", ")", "eof",
    ]);
  });

  test("longest operator wins: ->> over ->, <= and <> over <", () => {
    expect(kinds(ocm("payload->'a'->>'b'<>'c'"))).toEqual(["ident", "->", "string", "->>", "string", "<>", "string", "eof"]);
    expect(kinds(tsl("a<=1"))).toEqual(["ident", "<=", "number", "eof"]);
    expect(kinds(ocm(`p@>'{}'`))).toEqual(["ident", "@>", "string", "eof"]);
  });

  test("TSL strings escape ' as ''; a backslash is data", () => {
    const [, , s] = tsl(`a = 'it''s \\ fine'`);
    expect(s).toEqual({ kind: "string", value: "it's \\ fine", pos: 4 });
    const [, , t] = tsl(`a = 'ends with \\'`);
    expect(t).toMatchObject({ kind: "string", value: "ends with \\" });
  });

  test("ocm-common mode also takes \\' as an escaped quote", () => {
    const [, , s] = ocm(`a = 'it\\'s'`);
    expect(s).toMatchObject({ kind: "string", value: "it's" });
    expect(thrown(() => ocm(`a = 'ends with \\'`)).reason).toBe(`Failed to parse search query: a = 'ends with \\'`);
  });

  test("refuses characters outside the grammar with the search echoed", () => {
    for (const text of ["a;", "a -- b", "a /* b */", 'a = "x"', "a\u0000", "é", "a = 1 # x", "a & b", "a = ?", "a.", "[a]"]) {
      expect(thrown(() => tsl(text)).reason).toBe(`Failed to parse search query: ${text}`);
    }
  });

  test("the cause says where, for logs", () => {
    expect(thrown(() => tsl("name = 'x'; drop")).cause).toBe(`unexpected character ";" at offset 10`);
    expect(thrown(() => tsl("name = 'x")).cause).toBe("unterminated string at offset 7");
  });
});
