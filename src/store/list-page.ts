// One paged list query for any table: count of all matches plus one page of rows, with a
// filter and ordering compiled elsewhere (api/search) as bound-parameter SQL fragments.

import { count, type SQL } from "drizzle-orm";
import type { PgTable, SelectedFields } from "drizzle-orm/pg-core";
import type { Orm } from "./database.ts";

/** What a list endpoint asks of the store. `size` 0 fetches no rows but still counts. */
export interface ListPageQuery {
  readonly page: number;
  readonly size: number;
  readonly where: SQL | undefined;
  readonly orderBy: readonly SQL[];
}

/** One page and the total number of matching rows. */
export interface ListPage<Row> {
  readonly rows: Row[];
  readonly total: number;
}

/**
 * Counts the matches and fetches rows `(page-1)*size … page*size-1` in the given order.
 * Example: `await listPage(orm, consumers, { page: 1, size: 100, where: undefined, orderBy: [] })`.
 */
export async function listPage<T extends PgTable>(orm: Orm, table: T, query: ListPageQuery): Promise<ListPage<T["$inferSelect"]>> {
  return listPageOf<T["$inferSelect"]>(orm, table, query);
}

/**
 * listPage with chosen columns (e.g. JSON sub-documents selected as text).
 * Example: `await listPageOf<{ id: string }>(orm, resources, query, { id: resources.id })`.
 */
export async function listPageOf<Row>(orm: Orm, table: PgTable, query: ListPageQuery, columns?: SelectedFields): Promise<ListPage<Row>> {
  const counted = await orm.select({ n: count() }).from(table).where(query.where);
  const total = Number(counted[0]?.n ?? 0);
  if (query.size === 0 || total === 0) return { rows: [], total };
  const offset = (query.page - 1) * query.size;
  if (offset >= total) return { rows: [], total };
  const select = columns ? orm.select(columns) : orm.select();
  const rows = await select.from(table).where(query.where).orderBy(...query.orderBy).limit(query.size).offset(offset);
  return { rows: rows as Row[], total };
}
