// The paging and projection arguments shared by both list endpoints: page, size and fields,
// parsed with Maestro's defaults and clamping, and clear 400s where Maestro would misbehave.

import { Errors } from "../errors.ts";
import { listSizeDefault, listSizeMax } from "../limits.ts";

/** Parsed list arguments; `search`/`orderBy` stay text until compiled against a table. */
export interface ListArgs {
  readonly page: number;
  readonly size: number;
  readonly search: string;
  readonly orderBy: string;
  /** Projection: top-level or dotted field paths, `id` always included; undefined = whole items. */
  readonly fields: readonly string[] | undefined;
}

function parseInteger(name: string, raw: string): number {
  if (!/^[+-]?\d+$/.test(raw)) throw Errors.badRequest(`Invalid ${name} parameter: '${raw}' is not an integer`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw Errors.badRequest(`Invalid ${name} parameter: '${raw}' is out of range`);
  return n;
}

/**
 * Reads page/size/search/orderBy/fields from a query string (first value of each, trimmed, as
 * Go's `params.Get`). size < 0 or > 65500 is clamped to 65500 and 0 fetches no rows (Maestro's
 * rules); a page below 1 or a non-numeric page/size is a 400 (Maestro would fail in SQL).
 * Example: `parseListArgs(new URL(req.url).searchParams)`.
 */
export function parseListArgs(params: URLSearchParams): ListArgs {
  const get = (k: string) => (params.get(k) ?? "").trim();
  const pageText = get("page");
  const page = pageText === "" ? 1 : parseInteger("page", pageText);
  if (page < 1) throw Errors.badRequest(`Invalid page parameter: ${page} is less than 1`);
  const sizeText = get("size");
  let size = sizeText === "" ? listSizeDefault : parseInteger("size", sizeText);
  if (size < 0 || size > listSizeMax) size = listSizeMax;
  if (!Number.isSafeInteger((page - 1) * size)) throw Errors.badRequest(`Invalid page parameter: ${page} is out of range`);
  const fieldsText = get("fields");
  let fields: string[] | undefined;
  if (fieldsText !== "") {
    const list = fieldsText.split(",").map((f) => f.trim()).filter((f) => f !== "");
    if (list.length > 0) fields = list.includes("id") ? list : [...list, "id"];
  }
  return { page, size, search: get("search"), orderBy: get("orderBy"), fields };
}
