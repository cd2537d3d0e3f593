// SearchAst -> drizzle SQL for one table. Identifiers come only from the table's whitelist
// (rendered with sql.identifier); every user value, JSON key and pattern is a bound parameter.

import { sql, type SQL } from "drizzle-orm";
import { assert } from "../../assert.ts";
import { Errors } from "../../errors.ts";
import { searchDepthMax } from "../../limits.ts";
import type { CompareOp, FieldRef, Predicate, SearchAst } from "./ast.ts";
import { columnKind, jsonKeyColumn, type SearchTable } from "./tables.ts";
import { bindValue, type ValueKind } from "./values.ts";

/** A field resolved against a table: its SQL, what it yields, and its name for errors. */
interface ResolvedField {
  readonly sql: SQL;
  readonly kind: ValueKind | "jsonb";
  readonly name: string;
}

const OPERATORS: Readonly<Record<CompareOp, SQL>> = {
  "=": sql.raw("="),
  "<>": sql.raw("<>"),
  "<": sql.raw("<"),
  "<=": sql.raw("<="),
  ">": sql.raw(">"),
  ">=": sql.raw(">="),
};

// and/or nest one level per parenthesis or `not`, plus one where an `and` sits inside an `or`.
const astDepthMax = 2 * searchDepthMax + 2;

/**
 * Compiles a parsed search into a WHERE fragment for `table`. Throws 400 MaestroError for an
 * unknown field (`resources.foo is not a valid field name`), another table's prefix, or a
 * value that does not fit its field.
 * Example: `compileSearch(parseSearch("version > 1"), resourcesSearchTable)` renders
 * `"resources"."version" > $1::text::numeric` with params `["1"]`.
 */
export function compileSearch(ast: SearchAst, table: SearchTable): SQL {
  return compileNode(ast, table, 0);
}

function compileNode(node: SearchAst, table: SearchTable, depth: number): SQL {
  assert(depth <= astDepthMax, "search AST deeper than the parser allows");
  switch (node.kind) {
    case "and":
    case "or": {
      assert(node.terms.length >= 2, "and/or needs at least two terms");
      const terms = node.terms.map((t) => compileNode(t, table, depth + 1));
      return sql`(${sql.join(terms, node.kind === "and" ? sql` AND ` : sql` OR `)})`;
    }
    case "not": {
      const inner = compileNode(node.term, table, depth + 1);
      const grouped = node.term.kind === "and" || node.term.kind === "or";
      return grouped ? sql`NOT ${inner}` : sql`NOT (${inner})`;
    }
    default:
      return compilePredicate(node, table);
  }
}

function compilePredicate(node: Predicate, table: SearchTable): SQL {
  const field = resolveField(node.field, table);
  switch (node.kind) {
    case "compare":
      return sql`${field.sql} ${OPERATORS[node.op]} ${bindValue(node.value, scalarKind(field), field.name)}`;
    case "in": {
      const kind = scalarKind(field);
      if (node.values.length === 0) return node.negated ? sql`TRUE` : sql`FALSE`;
      const list = sql.join(node.values.map((v) => bindValue(v, kind, field.name)), sql`, `);
      return node.negated ? sql`${field.sql} NOT IN (${list})` : sql`${field.sql} IN (${list})`;
    }
    case "like": {
      if (field.kind !== "text") throw Errors.badRequest(`${field.name} is not a text field: like and ilike need text`);
      const op = sql.raw(`${node.negated ? "NOT " : ""}${node.caseInsensitive ? "ILIKE" : "LIKE"}`);
      return sql`${field.sql} ${op} ${node.pattern}`;
    }
    case "isNull":
      return node.negated ? sql`${field.sql} IS NOT NULL` : sql`${field.sql} IS NULL`;
    case "between": {
      const kind = scalarKind(field);
      const low = bindValue(node.low, kind, field.name);
      const high = bindValue(node.high, kind, field.name);
      return sql`${field.sql} ${sql.raw(node.negated ? "NOT BETWEEN" : "BETWEEN")} ${low} AND ${high}`;
    }
    case "contains":
      if (field.kind !== "jsonb") throw Errors.badRequest(`${field.name} is not a JSON value: @> needs one`);
      // A json column's value is cast; on jsonb the cast is a no-op.
      return sql`(${field.sql})::jsonb @> ${node.json}::text::jsonb`;
  }
}

/** The kind a literal must fit; a jsonb value can only be tested with @> or is [not] null. */
function scalarKind(field: ResolvedField): ValueKind {
  if (field.kind === "jsonb") {
    throw Errors.badRequest(`${field.name} is a JSON value: compare a key with ->> or test it with @>`);
  }
  return field.kind;
}

/**
 * Checks the field against the whitelist and renders `"table"."column" -> $k … ->> $k`; a first
 * key stored apart (tables.ts jsonKeyColumns) starts from its own column instead.
 */
function resolveField(field: FieldRef, table: SearchTable): ResolvedField {
  if (field.table !== undefined && field.table !== table.name) {
    // Maestro treats `other.col` as a join to a related table, and refuses unknown ones with this text.
    throw Errors.badRequest(`${field.table} is not a related resource of ${table.modelName}`);
  }
  const name = field.table === undefined ? `${table.name}.${field.display}` : field.display;
  const kind = columnKind(table, field.column);
  if (kind === undefined) throw Errors.badRequest(`${name} is not a valid field name`);
  const column = sql`${sql.identifier(table.name)}.${sql.identifier(field.column)}`;
  if (field.path.length === 0 && field.textKey === undefined) return { sql: column, kind, name };
  if (kind !== "jsonb") throw Errors.badRequest(`${name} is not a JSON field: -> and ->> need one`);
  const apart = field.path.length > 0 ? jsonKeyColumn(table, field.column, field.path[0]!) : undefined;
  const start = apart === undefined ? column : sql`${sql.identifier(table.name)}.${sql.identifier(apart)}`;
  const path = apart === undefined ? field.path : field.path.slice(1);
  const chunks: SQL[] = [start, ...path.map((key) => sql`-> ${key}`)];
  if (field.textKey !== undefined) chunks.push(sql`->> ${field.textKey}`);
  return { sql: sql.join(chunks, sql` `), kind: field.textKey === undefined ? "jsonb" : "text", name };
}
