// How Maestro's Go work client finds a source's works over REST: the search texts it builds and
// its pager (pages of at most 400, `limit`/`continue` mapped onto size/page).

import { workListPageSizeMax, workListPagesMax } from "../limits.ts";
import type { RequestOptions } from "./rest-client.ts";
import type { ListParams, ResourceBundle, ResourceBundleList } from "./rest-types.ts";

/** The namespace value that means "every namespace" (Go's metav1.NamespaceAll). */
export const ALL_NAMESPACES = "";

/**
 * The search of List and Watch: `source='<s>'`, then ` and consumer_name='<ns>'` unless all
 * namespaces, then ` and <label search>` when there is one.
 * Example: `workSearch("s1", "c1", undefined)` -> "source='s1' and consumer_name='c1'".
 */
export function workSearch(sourceId: string, namespace: string, labelSearch: string | undefined): string {
  const parts = [`source='${sourceId}'`];
  if (namespace !== ALL_NAMESPACES) parts.push(`consumer_name='${namespace}'`);
  if (labelSearch !== undefined && labelSearch !== "") parts.push(labelSearch);
  return parts.join(" and ");
}

/**
 * Go's ToSyncSearch, the re-list after a reconnect: `source='<s>' and (consumer_name='a' or …)`,
 * or just `source='<s>'` when any watched namespace is all namespaces.
 * Example: `syncSearch("s1", ["a", "b"])` -> "source='s1' and (consumer_name='a' or consumer_name='b')".
 */
export function syncSearch(sourceId: string, namespaces: readonly string[]): string {
  if (namespaces.includes(ALL_NAMESPACES)) return `source='${sourceId}'`;
  return `source='${sourceId}' and (${namespaces.map((ns) => `consumer_name='${ns}'`).join(" or ")})`;
}

/** What the pager needs from the REST client. */
export interface BundleLister {
  listResourceBundles(params: ListParams, options?: RequestOptions): Promise<ResourceBundleList>;
}

/** Kubernetes-style list options: `limit` 0 = all; `continue` = the page number a previous list returned. */
export interface PageOptions {
  readonly limit?: number;
  readonly continue?: string;
}

/** The items of a paged list and the `continue` token ("" when nothing is left). */
export interface PagedBundles {
  readonly items: ResourceBundle[];
  readonly continue: string;
}

/** Page size for a limit: Go's pageSize (0 or above the maximum -> the maximum). Example: `pageSizeFor(0)` -> 400. */
export function pageSizeFor(limit: number): number {
  return limit === 0 || limit > workListPageSizeMax ? workListPageSizeMax : limit;
}

function firstPage(token: string | undefined): number {
  if (token === undefined || token === "") return 1;
  if (!/^[+-]?\d+$/.test(token)) throw new RangeError(`a page number is required, got ${JSON.stringify(token)}`);
  const page = Number(token);
  if (page < 0) throw new RangeError(`an invalid page number ${page}`);
  return page;
}

/**
 * Go's pageList: GET pages of pageSizeFor(limit) from page `continue` (default 1) until a short
 * page; with a limit, stop once `limit` items are listed and return the next page number as
 * `continue` when more remain. Like Go, a limit above 400 that is not reached exactly lists
 * to the end. At most limits.workListPagesMax pages. Throws RangeError on bad options.
 * Example: `await pageBundles(rest, "source='s1'", { limit: 10 })` -> `{ items: [...10], continue: "2" }`.
 */
export async function pageBundles(lister: BundleLister, search: string, options: PageOptions = {}, request?: RequestOptions): Promise<PagedBundles> {
  let page = firstPage(options.continue);
  const limit = options.limit ?? 0;
  if (limit < 0 || !Number.isInteger(limit)) throw new RangeError("limit cannot be less than 0");
  const size = pageSizeFor(limit);
  const offset = (page - 1) * size;
  const items: ResourceBundle[] = [];
  let listed = 0;
  for (let pages = 0; pages < workListPagesMax; pages++) {
    const list = await lister.listResourceBundles({ search, page, size }, request);
    items.push(...list.items);
    listed += list.size;
    page++;
    if (list.size < size) return { items, continue: "" };
    if (limit !== 0 && listed === limit) return { items, continue: listed + offset < list.total ? String(page) : "" };
  }
  throw new RangeError(`listing ${JSON.stringify(search)} did not end within ${workListPagesMax} pages`);
}
