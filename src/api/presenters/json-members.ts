// Finds the members of a JSON object in its text without parsing the values: the REST presenter
// cuts manifests and statuses out of the stored JSON and splices them into the response as is.

import { assert } from "../../assert.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Where one member's value lies in the text: `text.slice(start, end)` is its JSON. */
export interface ValueSpan {
  readonly start: number;
  readonly end: number;
  /** The value's own members, when it is the object jsonMembers was asked to descend into. */
  readonly members?: Map<string, ValueSpan>;
}

/** An object's members by key; undefined when the value was not an object. */
export type JsonMembers = Map<string, ValueSpan> | undefined;

/**
 * The members of the JSON object starting at `from` (leading whitespace allowed), as key ->
 * value span; a later duplicate key wins, as in JSON.parse. Undefined when the value there is
 * not an object. The member named `descendInto`, when an object, gets its own members in the
 * same pass (the presenter needs `data`'s, and scanning megabytes twice cost 2x). The text must
 * be valid JSON (it comes from the database's json column, which PostgreSQL validated on
 * write); the scan only asserts the structure it relies on.
 * Example: `jsonMembers('{"a":[1,2],"b":{}}').get("a")` -> `{ start: 5, end: 10 }`.
 */
export function jsonMembers(text: string, from = 0, descendInto?: string): JsonMembers {
  const i = skipSpace(text, from);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  return scanObject(text, i, descendInto).members;
}

/** Scans the object whose `{` is at `open`; returns its members and the index past its `}`. */
function scanObject(text: string, open: number, descendInto: string | undefined): { members: Map<string, ValueSpan>; end: number } {
  const members = new Map<string, ValueSpan>();
  let i = skipSpace(text, open + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return { members, end: i + 1 };
  for (;;) {
    assert(text.charCodeAt(i) === QUOTE, "a JSON object key is a string");
    const keyEnd = endOfString(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    assert(text.charCodeAt(i) === COLON, "a JSON object key is followed by a colon");
    const start = skipSpace(text, i + 1);
    if (key === descendInto && text.charCodeAt(start) === OPEN_BRACE) {
      const inner = scanObject(text, start, undefined);
      members.set(key, { start, end: inner.end, members: inner.members });
      i = skipSpace(text, inner.end);
    } else {
      const end = endOfValue(text, start);
      members.set(key, { start, end });
      i = skipSpace(text, end);
    }
    const next = text.charCodeAt(i);
    if (next === CLOSE_BRACE) return { members, end: i + 1 };
    assert(next === COMMA, "JSON object members are separated by commas");
    i = skipSpace(text, i + 1);
  }
}

/** The JSON text of a member's value, or undefined when the member is absent. */
export function memberText(text: string, members: JsonMembers, key: string): string | undefined {
  const span = members?.get(key);
  return span === undefined ? undefined : text.slice(span.start, span.end);
}

/** The first character of a JSON value's text: `{` object, `[` array, `"` string... */
export function jsonKind(valueText: string | undefined): "object" | "array" | "other" | undefined {
  if (valueText === undefined) return undefined;
  const c = valueText.charCodeAt(0);
  return c === OPEN_BRACE ? "object" : c === OPEN_BRACKET ? "array" : "other";
}

/** Index just past the string whose opening quote is at `i`. Jumps quote to quote with indexOf. */
function endOfString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    assert(quote >= 0, "a JSON string is terminated");
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Index just past the value starting at `i`. Nested objects and arrays are skipped by depth. */
function endOfValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return endOfString(text, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        j = endOfString(text, j);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return j + 1;
      j++;
    }
    assert(false, "a JSON object or array is closed");
  }
  // A number, true, false or null: runs to the next delimiter or whitespace.
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) break;
    j++;
  }
  assert(j > i, "a JSON value is not empty");
  return j;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
  return i;
}
