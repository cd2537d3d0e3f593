// Quoted strings in JSONPath templates: client-go's UnquoteExtend, which is Go's strconv.Unquote
// (all of Go's escapes) extended to single-quoted strings of any length.

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 0x5c };
const HEX_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const decoder = new TextDecoder();

/**
 * Unquotes `"…"` or `'…'` as client-go does; `undefined` where Go answers ErrSyntax (bad
 * escape, unescaped quote inside, mismatched quotes). `\x` escapes are raw bytes, decoded as UTF-8.
 * Example: `unquoteExtend("'it\\'s'")` -> "it's"; `unquoteExtend('"a\\tb"')` -> "a\tb".
 */
export function unquoteExtend(quoted: string): string | undefined {
  if (quoted.length < 2) return undefined;
  const quote = quoted[0]!;
  if (quote !== quoted.at(-1) || (quote !== '"' && quote !== "'")) return undefined;
  const body = quoted.slice(1, -1);
  if (!body.includes("\\") && !body.includes(quote)) return body;
  const bytes: number[] = [];
  let i = 0;
  while (i < body.length) {
    const next = unquoteChar(body, i, quote, bytes);
    if (next === undefined) return undefined;
    i = next;
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** One character or escape at `i` (strconv.UnquoteChar), appended as UTF-8; the next index. */
function unquoteChar(s: string, i: number, quote: string, bytes: number[]): number | undefined {
  const c = s[i]!;
  if (c === quote) return undefined;
  if (c !== "\\") {
    const cp = s.codePointAt(i)!;
    pushRune(bytes, cp);
    return i + (cp > 0xffff ? 2 : 1);
  }
  const e = s[i + 1];
  if (e === undefined) return undefined;
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) {
    bytes.push(simple);
    return i + 2;
  }
  const hexLength = HEX_DIGITS[e];
  if (hexLength !== undefined) return unquoteHex(s, i + 2, hexLength, e === "x", bytes);
  if (e >= "0" && e <= "7") {
    const digits = s.slice(i + 1, i + 4);
    if (!/^[0-7]{3}$/.test(digits)) return undefined;
    const value = parseInt(digits, 8);
    if (value > 255) return undefined;
    bytes.push(value);
    return i + 4;
  }
  if ((e === "'" || e === '"') && e === quote) {
    bytes.push(e.charCodeAt(0));
    return i + 2;
  }
  return undefined;
}

function unquoteHex(s: string, from: number, length: number, isByte: boolean, bytes: number[]): number | undefined {
  const digits = s.slice(from, from + length);
  if (digits.length < length || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  const value = parseInt(digits, 16);
  if (isByte) bytes.push(value);
  else if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return undefined;
  else pushRune(bytes, value);
  return from + length;
}

/** Appends a code point as UTF-8 (a lone surrogate, which Go never sees, as U+FFFD). */
function pushRune(bytes: number[], cp: number): void {
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x80) bytes.push(cp);
  else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
  else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}
