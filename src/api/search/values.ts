// Literal values checked against the kind of the field they meet, and bound as parameters with
// an explicit `::text::<type>` cast (so neither driver re-serialises them by a guessed type).

import { sql, type SQL } from "drizzle-orm";
import { Errors, type MaestroError } from "../../errors.ts";
import { searchNumberCharsMax } from "../../limits.ts";
import type { Literal } from "./ast.ts";

/** What a literal is compared with: text (text columns and `->>` paths), a number or a timestamp. Example: `"timestamp"`. */
export type ValueKind = "text" | "number" | "timestamp";

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?$/;
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Binds `literal` for a comparison with a field of `kind`; `field` names it in errors.
 * Text takes strings and numbers (a number keeps its source text, as ocm-common binds it);
 * numbers take numeric literals or numeric strings (`::numeric`, exact for any int8);
 * timestamps take RFC 3339 or `YYYY-MM-DD` strings (zone-less ones are UTC; `::timestamptz`).
 * Throws 400 `invalid value for <field>: …` when the literal does not fit.
 * Example: `bindValue({ kind: "string", value: "2024-01-01" }, "timestamp", "resources.created_at")`.
 */
export function bindValue(literal: Literal, kind: ValueKind, field: string): SQL {
  const text = literal.kind === "string" ? literal.value : literal.text;
  switch (kind) {
    case "text":
      return sql`${text}`;
    case "number":
      return sql`${numericText(text, field)}::text::numeric`;
    case "timestamp":
      if (literal.kind !== "string") throw invalidValue(field, text, "is not an RFC 3339 timestamp or a YYYY-MM-DD date");
      return sql`${timestampText(text, field)}::text::timestamptz`;
  }
}

function numericText(text: string, field: string): string {
  const m = NUMERIC.exec(text);
  const exponent = m?.[1] === undefined ? 0 : Number(m[1]);
  // Number() bounds the magnitude (no Infinity), the length bounds the precision PostgreSQL must hold.
  if (!m || text.length > searchNumberCharsMax || Math.abs(exponent) > 308 || !Number.isFinite(Number(text))) {
    throw invalidValue(field, text, "is not a number");
  }
  return text;
}

/** Validates a timestamp literal field by field and returns it in a form PostgreSQL parses identically. */
function timestampText(text: string, field: string): string {
  const m = TIMESTAMP.exec(text);
  if (!m) throw invalidValue(field, text, "is not an RFC 3339 timestamp or a YYYY-MM-DD date");
  const [, y, mo, d, h = "00", mi = "00", s = "00", frac = "", zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  const zoneOk = zone === undefined || /^[Zz]$/.test(zone) || zoneInRange(zone);
  const valid =
    year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth &&
    Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59 && zoneOk;
  if (!valid) throw invalidValue(field, text, "is not a valid date and time");
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone ?? "Z"}`;
}

function zoneInRange(zone: string): boolean {
  const digits = zone.slice(1).replace(":", "");
  return Number(digits.slice(0, 2)) <= 15 && Number(digits.slice(2) || "0") <= 59;
}

function invalidValue(field: string, text: string, why: string): MaestroError {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return Errors.badRequest(`invalid value for ${field}: '${shown}' ${why}`);
}
