// The search tokenizer: identifiers, single-quoted strings, numbers, operators and punctuation.
// Anything else (`;`, `--`, `/*`, `"`, NUL, non-ASCII outside quotes) is a syntax error.

import { assert } from "../../assert.ts";
import { Errors, type MaestroError } from "../../errors.ts";

/** Operators, longest spellings first where one is a prefix of another. Example: `"->>"`. */
export type OperatorText = "->>" | "->" | "@>" | "<>" | "<=" | ">=" | "!=" | "~=" | "~!" | "=" | "<" | ">";

/**
 * One token. `pos` is the UTF-16 offset in the search text, for error causes.
 * Example: `tokenize("a='x'", opts)` gives ident `a`, op `=`, string `x`, eof.
 */
export type Token =
  | { readonly kind: "ident"; readonly text: string; readonly pos: number }
  | { readonly kind: "string"; readonly value: string; readonly pos: number }
  | { readonly kind: "number"; readonly text: string; readonly pos: number }
  | { readonly kind: "op"; readonly op: OperatorText; readonly pos: number }
  | { readonly kind: "punct"; readonly text: "(" | ")" | ","; readonly pos: number }
  | { readonly kind: "eof"; readonly pos: number };

/** How to read the text. Example: `{ search: "a='x'", backslashQuote: false }`. */
export interface LexOptions {
  /** The search as echoed in errors (Maestro's trimmed text). */
  readonly search: string;
  /**
   * Also accept `\'` as an escaped quote inside strings. ocm-common's parser, which Maestro
   * uses when the search contains `->>` or `@>`, escapes quotes that way; TSL uses `''`.
   */
  readonly backslashQuote: boolean;
}

const OPERATORS: readonly OperatorText[] = ["->>", "->", "@>", "<>", "<=", ">=", "!=", "~=", "~!", "=", "<", ">"];
const IDENT = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const SPACE = /[ \t\r\n\v\f]+/y;

/**
 * The syntax error every tokenizer and parser failure becomes: 400 `Failed to parse search query: <search>`,
 * with the detail and offset as its cause (for logs, not for the client).
 * Example: `throw syntaxError(search, 7, "unterminated string")`.
 */
export function syntaxError(search: string, pos: number, detail: string): MaestroError {
  return Errors.searchParse(search, `${detail} at offset ${pos}`);
}

/**
 * Splits the text into tokens, ending with one `eof` token. Throws the 400 syntax error.
 * Example: `tokenize("version >= 2", { search: "version >= 2", backslashQuote: false })`.
 */
export function tokenize(text: string, options: LexOptions): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    SPACE.lastIndex = pos;
    if (SPACE.test(text)) {
      pos = SPACE.lastIndex;
      continue;
    }
    const token = readToken(text, pos, options);
    assert(token.end > pos, "the tokenizer must advance");
    tokens.push(token.token);
    pos = token.end;
  }
  tokens.push({ kind: "eof", pos: text.length });
  assert(tokens.length <= text.length + 1, "at most one token per character, plus eof");
  return tokens;
}

function readToken(text: string, pos: number, options: LexOptions): { token: Token; end: number } {
  const c = text.charAt(pos);
  if (c === "(" || c === ")" || c === ",") return { token: { kind: "punct", text: c, pos }, end: pos + 1 };
  if (c === "'") return readString(text, pos, options);
  for (const op of OPERATORS) {
    if (text.startsWith(op, pos)) return { token: { kind: "op", op, pos }, end: pos + op.length };
  }
  const number = matchAt(NUMBER, text, pos);
  if (number !== undefined) return { token: { kind: "number", text: number, pos }, end: pos + number.length };
  const ident = matchAt(IDENT, text, pos);
  if (ident !== undefined) return { token: { kind: "ident", text: ident, pos }, end: pos + ident.length };
  throw syntaxError(options.search, pos, `unexpected character ${JSON.stringify(c)}`);
}

function matchAt(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m ? m[0] : undefined;
}

/** Reads `'…'` with `''` (and, in ocm-common mode, `\'`) as an escaped quote. */
function readString(text: string, start: number, options: LexOptions): { token: Token; end: number } {
  let value = "";
  let pos = start + 1;
  for (;;) {
    const quote = text.indexOf("'", pos);
    if (quote < 0) throw syntaxError(options.search, start, "unterminated string");
    value += text.slice(pos, quote);
    if (options.backslashQuote && quote > pos && text.charAt(quote - 1) === "\\") {
      value = value.slice(0, -1) + "'";
      pos = quote + 1;
    } else if (text.charAt(quote + 1) === "'") {
      value += "'";
      pos = quote + 2;
    } else {
      pos = quote + 1;
      break;
    }
  }
  // PostgreSQL text cannot hold NUL; refusing it here keeps it a 400 instead of a driver error.
  if (value.includes("\u0000")) throw syntaxError(options.search, start, "NUL character in string");
  return { token: { kind: "string", value, pos: start }, end: pos };
}
