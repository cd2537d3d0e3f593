// The list envelope shared by every list endpoint: {items, kind, page, size, total}, where size is
// the number of items returned and total the number of matches; `fields` projects the items.

import { checkFields, projectItem } from "./fields.ts";

/** A Maestro list body. */
export interface ListJson<Item> {
  items: Item[];
  kind: string;
  page: number;
  size: number;
  total: number;
}

/**
 * Wraps presented items in the list envelope, projected when `fields` is given.
 * Example: `presentList("ConsumerList", 1, 3, items, undefined, CONSUMER_KEYS, "Consumer")`.
 */
export function presentList<Item extends object>(
  kind: string,
  page: number,
  total: number,
  items: Item[],
  projection: { fields: readonly string[] | undefined; modelKeys: readonly string[]; modelName: string },
): ListJson<Item | Record<string, unknown>> {
  const { fields, modelKeys, modelName } = projection;
  if (!fields) return { items, kind, page, size: items.length, total };
  checkFields(fields, modelKeys, modelName);
  const projected = items.map((item) => projectItem(item as Record<string, unknown>, fields));
  return { items: projected, kind, page, size: projected.length, total };
}
