// The `orderBy` list parameter: comma-separated `<field>` or `<field> asc|desc`, checked the way
// Maestro's cleanOrderBy checks it, with fields taken from the table's whitelist.

import { sql, type SQL } from "drizzle-orm";
import { assert } from "../../assert.ts";
import { Errors } from "../../errors.ts";
import { orderByTermsMax } from "../../limits.ts";
import { columnKind, type SearchTable } from "./tables.ts";

const NAME_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `orderBy` into ORDER BY terms for drizzle's `.orderBy(...)`. Blank text gives `[]`.
 * Like Maestro: items are split on `,`, trimmed of spaces, then split on one space; the
 * direction must be exactly `asc` or `desc`. Any bad item is 400 `bad order value '<item>'`
 * (the item as split, untrimmed, as Maestro echoes it). Any whitelisted column is orderable,
 * including JSON ones, because Maestro allows every column (ordered as jsonb: json has no order).
 * Example: `parseOrderBy("created_at desc, name", resourcesSearchTable)`.
 */
export function parseOrderBy(text: string, table: SearchTable): SQL[] {
  const trimmed = trimSpaces(text);
  if (trimmed === "") return [];
  const items = trimmed.split(",");
  assert(items.length >= 1, "split gives at least one item");
  if (items.length > orderByTermsMax) {
    throw Errors.badRequest(`bad order value '${trimmed}': more than ${orderByTermsMax} terms`);
  }
  return items.map((item) => orderTerm(item, table));
}

function orderTerm(item: string, table: SearchTable): SQL {
  const words = trimSpaces(item).split(" ");
  const direction = words.length === 1 ? "asc" : words.length === 2 ? words[1] : undefined;
  const column = orderColumn(words[0] ?? "", table);
  if (column === undefined || (direction !== "asc" && direction !== "desc")) {
    throw Errors.badRequest(`bad order value '${item}'`);
  }
  const order = direction === "asc" ? sql`ASC` : sql`DESC`;
  const ref = sql`${sql.identifier(table.name)}.${sql.identifier(column)}`;
  return columnKind(table, column) === "jsonb" ? sql`(${ref})::jsonb ${order}` : sql`${ref} ${order}`;
}

/** The whitelisted column a field name refers to, or undefined. Accepts `col` and `<table>.col`. */
function orderColumn(name: string, table: SearchTable): string | undefined {
  const parts = name.toLowerCase().split(".");
  if (parts.length > 2 || !parts.every((p) => NAME_PART.test(p))) return undefined;
  if (parts.length === 2 && parts[0] !== table.name) return undefined;
  const column = parts[parts.length - 1]!;
  return columnKind(table, column) === undefined ? undefined : column;
}

/** Go's `strings.Trim(s, " ")`: spaces only, not tabs or newlines. */
function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  return s.slice(start, end);
}
