// Public face of the search package: `search` text -> AST -> bound-parameter drizzle SQL for a
// whitelisted table, and `orderBy` text -> ORDER BY terms. Pure: no database access here.

import type { SQL } from "drizzle-orm";
import { compileSearch } from "./compile.ts";
import { parseSearch } from "./parser.ts";
import type { SearchTable } from "./tables.ts";

export type {
  And,
  Between,
  CompareOp,
  Comparison,
  Contains,
  FieldRef,
  InList,
  IsNull,
  Like,
  Literal,
  Not,
  Or,
  Predicate,
  SearchAst,
} from "./ast.ts";
export { compileSearch } from "./compile.ts";
export { parseOrderBy } from "./order-by.ts";
export { parseSearch } from "./parser.ts";
export {
  columnKind,
  consumersSearchTable,
  resourcesSearchTable,
  searchTables,
  type ColumnKind,
  type SearchTable,
  type SearchTableName,
} from "./tables.ts";

/**
 * Parses and compiles a `search` parameter in one step; blank text means "no filter" and gives
 * undefined (drizzle's `.where(undefined)` adds nothing). Throws MaestroError 400 on bad input.
 * Example: `orm.select().from(resources).where(searchToSql("source='s1'", resourcesSearchTable))`.
 */
export function searchToSql(text: string, table: SearchTable): SQL | undefined {
  if (text.trim() === "") return undefined;
  return compileSearch(parseSearch(text), table);
}
