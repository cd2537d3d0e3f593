// Go's encoding/json output for JSON-decoded values (map keys sorted, compact, HTML-safe
// escaping), so hashes and stored strings match what Go computes byte for byte.

import { Errors } from "../errors.ts";
import { jsonDepthMax } from "../limits.ts";
import type { JsonValue } from "./types.ts";

/** Characters JSON.stringify leaves alone but Go rewrites: HTML-sensitive, JS line separators, lone surrogates. */
const GO_SPECIAL = /[<>&\u2028\u2029\ud800-\udfff]/;
const GO_ESCAPES: Readonly<Record<string, string>> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * A JSON string literal as Go's json.Marshal writes it: `<`, `>`, `&`, U+2028 and U+2029
 * escaped as \u00XX/\u20XX, control characters as JSON.stringify does (Go >= 1.22 agrees,
 * including \b and \f), other non-ASCII raw. Lone surrogates (which Go decodes to U+FFFD) become U+FFFD.
 * Example: `goJsonString("a<b")` -> `"a\u003cb"` (with the quotes).
 */
export function goJsonString(text: string): string {
  if (!GO_SPECIAL.test(text)) return JSON.stringify(text);
  return JSON.stringify(text.toWellFormed()).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/**
 * A number as Go prints a float64 decoded from JSON: JS and Go agree on the shortest
 * round-trip digits and on switching to exponent form below 1e-6 and from 1e21; only -0 differs.
 * Non-finite numbers have no JSON form and throw MaestroError(BadRequest).
 * Example: `goJsonNumber(1e-7)` -> "1e-7"; `goJsonNumber(-0)` -> "-0".
 */
export function goJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw Errors.badRequest(`json: unsupported value: ${n}`);
  if (n === 0 && Object.is(n, -0)) return "-0";
  return String(n);
}

/**
 * Orders strings by their UTF-8 bytes, as Go's sort of map keys does (UTF-16 order differs
 * only when a surrogate pair meets a code unit in U+E000-U+FFFF).
 * Example: `["\uffff", "\u{10000}"].sort(compareGoStrings)` keeps U+FFFF first.
 */
export function compareGoStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && ca <= 0xdfff) ca += 0x10000;
    if (cb >= 0xd800 && cb <= 0xdfff) cb += 0x10000;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

function writeValue(value: JsonValue | undefined, depth: number, out: string[]): void {
  if (depth > jsonDepthMax) throw Errors.badRequest(`json: nested deeper than ${jsonDepthMax} levels`);
  if (value === null || value === undefined) out.push("null");
  else if (typeof value === "string") out.push(goJsonString(value));
  else if (typeof value === "number") out.push(goJsonNumber(value));
  else if (typeof value === "boolean") out.push(value ? "true" : "false");
  else if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      writeValue(value[i], depth + 1, out);
    }
    out.push("]");
  } else {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort(compareGoStrings);
    out.push("{");
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) out.push(",");
      out.push(goJsonString(keys[i]!), ":");
      writeValue(value[keys[i]!], depth + 1, out);
    }
    out.push("}");
  }
}

/**
 * The careful writer: every string, number and key rendered by the Go rules above. Exact for
 * all inputs; goJsonMarshal uses it when the fast path cannot be exact.
 * Example: `goJsonMarshalCareful({ "10": 1, "9": 2 })` -> `{"10":1,"9":2}`.
 */
export function goJsonMarshalCareful(value: JsonValue): string {
  const out: string[] = [];
  writeValue(value, 0, out);
  return out.join("");
}

/** Thrown inside sortedCopy when JSON.stringify cannot render a value exactly as Go does. */
const NEEDS_CAREFUL = Symbol("needs the careful writer");
/** Keys JS objects keep in numeric order ahead of all others, whatever the insertion order. */
const INDEX_LIKE_KEY = /^(?:0|[1-9]\d*)$/;
const GO_HTML = /[<>&\u2028\u2029]/g;

/** A copy with keys inserted in Go order, strings made well-formed; throws NEEDS_CAREFUL otherwise. */
function sortedCopy(value: JsonValue | undefined, depth: number): unknown {
  if (depth > jsonDepthMax) throw Errors.badRequest(`json: nested deeper than ${jsonDepthMax} levels`);
  if (typeof value === "string") return value.isWellFormed() ? value : value.toWellFormed();
  if (typeof value === "number") {
    if (!Number.isFinite(value) || Object.is(value, -0)) throw NEEDS_CAREFUL;
    return value;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => sortedCopy(v, depth + 1) ?? null);
  const keys = Object.keys(value).sort(compareGoStrings);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (INDEX_LIKE_KEY.test(k) || k === "__proto__" || !k.isWellFormed()) throw NEEDS_CAREFUL;
    const v = value[k];
    if (v !== undefined) out[k] = sortedCopy(v, depth + 1);
  }
  return out;
}

/**
 * `json.Marshal` of a Go value decoded from JSON (maps, slices, float64, string, bool, nil):
 * keys sorted at every level, compact, Go escaping. Object members that are `undefined` are
 * dropped, as JSON.stringify drops them. Throws MaestroError(BadRequest) past jsonDepthMax.
 * Fast path: copy with sorted keys, native JSON.stringify, then Go's HTML escapes (those
 * characters can only occur inside string literals); ~4x faster than the careful writer, which
 * takes over for index-like keys ("10" sorts before "9" in Go, after it in a JS object), keys
 * with lone surrogates, a `__proto__` key, -0 and non-finite numbers.
 * Example: `goJsonMarshal({ b: 1, a: "<" })` -> `{"a":"\u003c","b":1}`.
 */
export function goJsonMarshal(value: JsonValue): string {
  let copy: unknown;
  try {
    copy = sortedCopy(value, 0);
  } catch (err) {
    if (err === NEEDS_CAREFUL) return goJsonMarshalCareful(value);
    throw err;
  }
  const text = JSON.stringify(copy);
  return text.replace(GO_HTML, (c) => GO_ESCAPES[c]!);
}
