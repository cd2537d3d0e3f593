// Turns parsed list arguments into the store's page query: the search text compiled to a
// bound-parameter filter and the orderBy text to ORDER BY terms, both over one table's whitelist.

import type { ListPageQuery } from "../store/list-page.ts";
import type { ListArgs } from "./list-args.ts";
import { parseOrderBy, searchTables, searchToSql, type SearchTableName } from "./search/mod.ts";

/**
 * Compiles a list request for a table. Bad search or orderBy text throws a 400 MaestroError.
 * Example: `compileListQuery(parseListArgs(params), "consumers")`.
 */
export function compileListQuery(args: ListArgs, table: SearchTableName): ListPageQuery {
  const searchTable = searchTables[table];
  return {
    page: args.page,
    size: args.size,
    where: searchToSql(args.search, searchTable),
    orderBy: parseOrderBy(args.orderBy, searchTable),
  };
}
