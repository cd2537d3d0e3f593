// The Consumer JSON of Maestro's REST API (maestro-wire.md 5.3): sorted snake_case keys,
// kind "Consumer", href under /api/maestro/v1/consumers, labels omitted when there are none.

import type { ConsumerRow } from "../../store/schema.ts";
import type { Consumer } from "../rest-model.ts";
import { rfc3339Nano } from "./time.ts";

/** Top-level keys of a Consumer, for `fields` validation. */
export const CONSUMER_KEYS = ["created_at", "href", "id", "kind", "labels", "name", "updated_at"] as const;

/**
 * Presents a stored consumer. Example: `presentConsumer(row).href === "/api/maestro/v1/consumers/" + row.id`.
 */
export function presentConsumer(row: ConsumerRow): Consumer {
  const labels = row.labels && Object.keys(row.labels).length > 0 ? row.labels : undefined;
  return {
    created_at: rfc3339Nano(row.createdAt),
    href: `/api/maestro/v1/consumers/${row.id}`,
    id: row.id,
    kind: "Consumer",
    ...(labels ? { labels } : {}),
    name: row.name,
    updated_at: rfc3339Nano(row.updatedAt),
  };
}
