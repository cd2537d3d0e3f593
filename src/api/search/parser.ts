// Recursive-descent parser from search text to SearchAst: a superset of TSL (Maestro's default
// search language) and of ocm-common's JSONB filters (used by Maestro when `->>`/`@>` appear).

/*
 * Grammar (keywords case-insensitive; precedence not > and > or; and/or chains are flattened):
 *   or        := and ("or" and)*
 *   and       := unary ("and" unary)*
 *   unary     := "not" unary | "(" or ")" | predicate
 *   predicate := field ( cmp (literal | "null") | "@>" string
 *              | ["not"] ("like" | "ilike") string
 *              | ["not"] "in" "(" [literal ("," literal)*] ")"
 *              | ["not"] "between" literal "and" literal
 *              | "is" ["not"] ("null" | literal) )
 *   field     := ident ["." ident] ("->" string)* ["->>" string]
 *   cmp       := "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
 *   literal   := string | number        string := '…' ('' or, in ocm-common mode, \' escapes a quote)
 */

import { assert } from "../../assert.ts";
import { Errors } from "../../errors.ts";
import { searchDepthMax, searchInValuesMax, searchJsonPathKeysMax, searchTextBytesMax } from "../../limits.ts";
import type { CompareOp, FieldRef, Literal, Predicate, SearchAst } from "./ast.ts";
import { normalizeJsonLiteral } from "./json-literal.ts";
import { syntaxError, tokenize, type Token } from "./lexer.ts";

const KEYWORDS = new Set(["and", "or", "not", "like", "ilike", "in", "between", "is", "null"]);
const COMPARE_OPS: ReadonlySet<string> = new Set(["=", "!=", "<>", "<", "<=", ">", ">="]);

/**
 * Parses a search expression. Throws MaestroError 400: `Failed to parse search query: <search>`
 * for any syntax error (the search echoed trimmed, as Maestro does), or a field-specific 400.
 * Blank text is a syntax error here; see `searchToSql` for "no filter".
 * Example: `parseSearch("source='s1' and (consumer_name='a' or consumer_name='b')")`.
 */
export function parseSearch(text: string): SearchAst {
  const search = text.trim();
  const bytes = Buffer.byteLength(search, "utf8");
  if (bytes > searchTextBytesMax) {
    throw Errors.badRequest(`Failed to parse search query: the query is ${bytes} bytes, over the ${searchTextBytesMax}-byte limit`);
  }
  if (search === "") throw syntaxError(search, 0, "empty search");
  // Maestro hands texts containing `->>` or `@>` to ocm-common's parser, whose strings escape `'` as `\'`.
  const backslashQuote = search.includes("->>") || search.includes("@>");
  const parser = new Parser(tokenize(search, { search, backslashQuote }), search);
  return parser.parseAll();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly search: string,
  ) {
    assert(tokens.at(-1)?.kind === "eof", "the token list ends with eof");
  }

  parseAll(): SearchAst {
    const ast = this.parseOr();
    const last = this.peek();
    if (last.kind !== "eof") throw this.unexpected(last);
    assert(this.depth === 0, "every nesting level entered was left");
    return ast;
  }

  private parseOr(): SearchAst {
    const terms = [this.parseAnd()];
    while (this.acceptKeyword("or")) terms.push(this.parseAnd());
    return terms.length === 1 ? terms[0]! : { kind: "or", terms };
  }

  private parseAnd(): SearchAst {
    const terms = [this.parseUnary()];
    while (this.acceptKeyword("and")) terms.push(this.parseUnary());
    return terms.length === 1 ? terms[0]! : { kind: "and", terms };
  }

  private parseUnary(): SearchAst {
    const token = this.peek();
    if (isKeyword(token, "not")) {
      this.enter(token);
      this.index++;
      const term = this.parseUnary();
      this.depth--;
      return { kind: "not", term };
    }
    if (token.kind === "punct" && token.text === "(") {
      this.enter(token);
      this.index++;
      const inner = this.parseOr();
      this.expectPunct(")");
      this.depth--;
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Predicate {
    const field = this.parseField();
    const token = this.next();
    if (token.kind === "op") return this.parseOperator(field, token);
    if (isKeyword(token, "is")) return this.parseIs(field);
    if (isKeyword(token, "not")) {
      const after = this.next();
      return this.parseKeywordPredicate(field, after, true);
    }
    return this.parseKeywordPredicate(field, token, false);
  }

  private parseOperator(field: FieldRef, token: Token & { kind: "op" }): Predicate {
    if (token.op === "@>") {
      if (field.textKey !== undefined) throw this.unexpected(token);
      return { kind: "contains", field, json: normalizeJsonLiteral(this.expectString()) };
    }
    // TSL parses regular-expression operators but its SQL walker refuses them with this text.
    if (token.op === "~=") throw Errors.badRequest("un supported operand: $regex");
    if (token.op === "~!") throw Errors.badRequest("un supported operand: $nregex");
    if (!COMPARE_OPS.has(token.op)) throw this.unexpected(token);
    const op: CompareOp = token.op === "!=" ? "<>" : (token.op as CompareOp);
    if (isKeyword(this.peek(), "null")) {
      const nullToken = this.next();
      if (op !== "=" && op !== "<>") throw this.unexpected(nullToken);
      return { kind: "isNull", field, negated: op === "<>" };
    }
    return { kind: "compare", field, op, value: this.parseLiteral() };
  }

  private parseIs(field: FieldRef): Predicate {
    const negated = this.acceptKeyword("not");
    if (this.acceptKeyword("null")) return { kind: "isNull", field, negated };
    // TSL's `x is 'v'` / `x is not 'v'` mean equality and inequality.
    return { kind: "compare", field, op: negated ? "<>" : "=", value: this.parseLiteral() };
  }

  private parseKeywordPredicate(field: FieldRef, token: Token, negated: boolean): Predicate {
    if (isKeyword(token, "like") || isKeyword(token, "ilike")) {
      const caseInsensitive = isKeyword(token, "ilike");
      return { kind: "like", field, pattern: this.expectString(), negated, caseInsensitive };
    }
    if (isKeyword(token, "in")) return { kind: "in", field, values: this.parseList(), negated };
    if (isKeyword(token, "between")) {
      const low = this.parseLiteral();
      const and = this.next();
      if (!isKeyword(and, "and")) throw this.unexpected(and);
      return { kind: "between", field, low, high: this.parseLiteral(), negated };
    }
    throw this.unexpected(token);
  }

  private parseList(): Literal[] {
    this.expectPunct("(");
    const values: Literal[] = [];
    if (this.acceptPunct(")")) return values;
    for (;;) {
      if (values.length === searchInValuesMax) throw this.unexpected(this.peek(), `more than ${searchInValuesMax} values in a list`);
      values.push(this.parseLiteral());
      if (this.acceptPunct(")")) return values;
      this.expectPunct(",");
    }
  }

  private parseField(): FieldRef {
    const token = this.next();
    if (token.kind !== "ident" || KEYWORDS.has(token.text.toLowerCase())) throw this.unexpected(token);
    const parts = token.text.toLowerCase().split(".");
    // Maestro's getField: more than one dot is refused with this text.
    if (parts.length > 2) throw Errors.badRequest(`${token.text} is not a valid field name`);
    const table = parts.length === 2 ? parts[0] : undefined;
    const column = parts[parts.length - 1]!;
    const path: string[] = [];
    let textKey: string | undefined;
    for (let t = this.peek(); t.kind === "op" && (t.op === "->" || t.op === "->>"); t = this.peek()) {
      this.index++;
      if (path.length === searchJsonPathKeysMax) throw this.unexpected(t, `more than ${searchJsonPathKeysMax} JSON keys`);
      const key = this.expectString();
      if (t.op === "->>") {
        textKey = key;
        break;
      }
      path.push(key);
    }
    return { table, column, path, textKey, display: token.text };
  }

  private parseLiteral(): Literal {
    const token = this.next();
    if (token.kind === "string") return { kind: "string", value: token.value };
    if (token.kind === "number") return { kind: "number", text: token.text };
    throw this.unexpected(token);
  }

  private expectString(): string {
    const token = this.next();
    if (token.kind !== "string") throw this.unexpected(token);
    return token.value;
  }

  private expectPunct(text: "(" | ")" | ","): void {
    const token = this.next();
    if (token.kind !== "punct" || token.text !== text) throw this.unexpected(token);
  }

  private acceptPunct(text: "(" | ")" | ","): boolean {
    const token = this.peek();
    if (token.kind !== "punct" || token.text !== text) return false;
    this.index++;
    return true;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!isKeyword(this.peek(), keyword)) return false;
    this.index++;
    return true;
  }

  private enter(token: Token): void {
    this.depth++;
    if (this.depth > searchDepthMax) throw syntaxError(this.search, token.pos, `nested deeper than ${searchDepthMax} levels`);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== "eof") this.index++;
    return token;
  }

  private unexpected(token: Token, why?: string) {
    return syntaxError(this.search, token.pos, why ?? `unexpected ${describe(token)}`);
  }
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.kind === "ident" && token.text.toLowerCase() === keyword;
}

function describe(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of search";
    case "ident":
      return `word ${JSON.stringify(token.text)}`;
    case "string":
      return "string";
    case "number":
      return `number ${token.text}`;
    case "op":
      return `operator ${token.op}`;
    case "punct":
      return `'${token.text}'`;
  }
}
