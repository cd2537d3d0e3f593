// The searchable tables: the only identifiers a search or orderBy may name, and each column's
// kind, which decides how values are checked, bound and cast.

/**
 * How a column is compared. `jsonb` columns (JSON values, stored as json or jsonb) are reachable
 * only through `->`, `->>` and `@>` (and `is [not] null`). Example: `resources.version` is `"number"`.
 */
export type ColumnKind = "text" | "number" | "timestamp" | "jsonb";

/**
 * One searchable table: its SQL name, Maestro's Go model name (used in Maestro's error texts)
 * and its column whitelist.
 * Example: `resourcesSearchTable.columns.version === "number"`.
 */
export interface SearchTable {
  readonly name: string;
  readonly modelName: string;
  readonly columns: Readonly<Record<string, ColumnKind>>;
  /**
   * Top-level keys of JSON columns that are also stored apart, as jsonb: `column -> 'key'` reads
   * the apart column instead of the (large, json) column. Example: `{ payload: { metadata: "metadata" } }`.
   */
  readonly jsonKeyColumns?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The `resources` table (resource bundles). `status_sequence_id` is internal and not searchable. */
export const resourcesSearchTable: SearchTable = Object.freeze({
  name: "resources",
  modelName: "Resource",
  columns: Object.freeze({
    id: "text",
    name: "text",
    source: "text",
    consumer_name: "text",
    version: "number",
    type: "text",
    created_at: "timestamp",
    updated_at: "timestamp",
    deleted_at: "timestamp",
    payload: "jsonb",
    status: "jsonb",
  } satisfies Record<string, ColumnKind>),
  // Label selectors search payload->'metadata'->'labels' (the Go client's List).
  jsonKeyColumns: Object.freeze({ payload: Object.freeze({ metadata: "metadata" }) }),
});

/** The `consumers` table (clusters). */
export const consumersSearchTable: SearchTable = Object.freeze({
  name: "consumers",
  modelName: "Consumer",
  columns: Object.freeze({
    id: "text",
    name: "text",
    labels: "jsonb",
    created_at: "timestamp",
    updated_at: "timestamp",
  } satisfies Record<string, ColumnKind>),
});

/**
 * Both tables by SQL name.
 * Example: `searchTables["consumers"]` for `GET /consumers?search=…`.
 */
export const searchTables = Object.freeze({
  resources: resourcesSearchTable,
  consumers: consumersSearchTable,
});

/** A key of `searchTables`. */
export type SearchTableName = keyof typeof searchTables;

/**
 * The kind of `column` in `table`, or undefined when it is not searchable. Uses an own-property
 * check so names like `constructor` or `__proto__` never resolve.
 * Example: `columnKind(consumersSearchTable, "labels") === "jsonb"`.
 */
export function columnKind(table: SearchTable, column: string): ColumnKind | undefined {
  return Object.hasOwn(table.columns, column) ? table.columns[column] : undefined;
}

/**
 * The column holding `column -> key` apart, if the table has one.
 * Example: `jsonKeyColumn(resourcesSearchTable, "payload", "metadata") === "metadata"`.
 */
export function jsonKeyColumn(table: SearchTable, column: string, key: string): string | undefined {
  const keys = table.jsonKeyColumns;
  if (keys === undefined || !Object.hasOwn(keys, column)) return undefined;
  const apart = keys[column]!;
  return Object.hasOwn(apart, key) ? apart[key] : undefined;
}
