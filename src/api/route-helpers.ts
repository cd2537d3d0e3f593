// Pieces every resource route shares: reading the `{id}` path variable, and the list endpoint
// (parse list args, compile search/orderBy for the table, fetch a page, present, project).

import { Errors } from "../errors.ts";
import type { ListPage, ListPageQuery } from "../store/list-page.ts";
import { parseListArgs } from "./list-args.ts";
import { compileListQuery } from "./list-query.ts";
import { presentList } from "./presenters/list.ts";
import { jsonResponse, jsonTextResponse } from "./responses.ts";
import type { SearchTableName } from "./search/mod.ts";

/**
 * The `{id}` path variable; Elysia gives undefined/null when it is empty or badly %-escaped.
 * Example: `pathId(params.id, "consumer")`.
 */
export function pathId(id: string | undefined | null, what: string): string {
  if (!id) throw Errors.badRequest(`the ${what} id in the path is empty or badly escaped`);
  return id;
}

/** How one list endpoint reads and presents its table. */
export interface ListEndpoint<Row, Item extends object> {
  readonly table: SearchTableName;
  readonly kind: string;
  readonly modelName: string;
  readonly modelKeys: readonly string[];
  list(query: ListPageQuery): Promise<ListPage<Row>>;
  present(row: Row): Item;
  /** The item as JSON text, when the endpoint can splice it without building objects. */
  presentJson?(row: Row): string;
}

/**
 * Answers a list request: Maestro's envelope over one page, projected by `fields`.
 * Example: `.get("/api/maestro/v1/consumers", ({ request }) => listResponse(request, consumerList))`.
 */
export async function listResponse<Row, Item extends object>(request: Request, endpoint: ListEndpoint<Row, Item>): Promise<Response> {
  const args = parseListArgs(new URL(request.url).searchParams);
  const page = await endpoint.list(compileListQuery(args, endpoint.table));
  if (!args.fields && endpoint.presentJson) {
    // Same envelope as presentList, assembled as text around the items' own JSON.
    const items = page.rows.map((row) => endpoint.presentJson!(row));
    const text = `{"items":[${items.join(",")}],"kind":${JSON.stringify(endpoint.kind)},"page":${args.page},"size":${items.length},"total":${page.total}}`;
    return jsonTextResponse(request, 200, text);
  }
  const items = page.rows.map((row) => endpoint.present(row));
  const projection = { fields: args.fields, modelKeys: endpoint.modelKeys, modelName: endpoint.modelName };
  return jsonResponse(request, 200, presentList(endpoint.kind, args.page, page.total, items, projection));
}
