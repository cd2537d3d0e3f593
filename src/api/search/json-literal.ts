// Validation of the JSON literal after `@>`: it must parse, stay shallow, and hold nothing that
// PostgreSQL's jsonb input refuses (NUL, lone surrogates, huge numbers): a 400 here, not a 500.

import { Errors, type MaestroError } from "../../errors.ts";
import { searchJsonDepthMax } from "../../limits.ts";

/**
 * Parses and re-serialises the JSON text of a `@>` literal (the canonical form is what gets
 * bound). Throws 400 `the search json is invalid: …` when it cannot be used.
 * Example: `normalizeJsonLiteral('{ "app": "test" }')` returns `{"app":"test"}`.
 */
export function normalizeJsonLiteral(text: string): string {
  const depth = nestingDepth(text);
  if (depth > searchJsonDepthMax) throw invalidJson(`nested deeper than ${searchJsonDepthMax} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalidJson(err instanceof Error ? err.message : "not JSON");
  }
  checkValue(value, 0);
  return JSON.stringify(value);
}

function invalidJson(detail: string): MaestroError {
  return Errors.badRequest(`the search json is invalid: ${detail}`);
}

/** Bracket depth outside strings, counted before JSON.parse so a 16 KB `[[[[…` never recurses deeply. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

function checkValue(value: unknown, depth: number): void {
  if (depth > searchJsonDepthMax) throw invalidJson(`nested deeper than ${searchJsonDepthMax} levels`);
  if (typeof value === "string") return checkString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidJson("a number is out of range");
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) checkValue(item, depth + 1);
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      checkString(key);
      checkValue(item, depth + 1);
    }
  }
}

/** NUL and unpaired surrogates are valid in JS strings but refused by PostgreSQL's jsonb. */
function checkString(s: string): void {
  if (s.includes("\u0000")) throw invalidJson("a string holds a NUL character");
  if (!s.isWellFormed()) throw invalidJson("a string holds an unpaired surrogate");
}
