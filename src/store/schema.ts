// The drizzle schema: consumers (clusters), resources (bundles with versions, soft delete and
// last status) and server_instances (liveness). drizzle-kit generates drizzle/ from this file.

import { sql } from "drizzle-orm";
import { bigint, boolean, foreignKey, index, json, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
};

/** A managed cluster. `name` is the routing key everywhere (clustername, FK of resources). */
export const consumers = pgTable("consumers", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique("idx_consumers_name"),
  /** `{"k":"v"}` or NULL when the consumer has no labels. */
  labels: jsonb("labels").$type<Record<string, string>>(),
  ...timestamps,
});

/**
 * A resource bundle. `payload` is the source's CloudEvent in structured JSON (extensions as
 * top-level keys, `metadata` as an object, `data` the ManifestBundle); `status` the last
 * accepted agent status event in the same form. `deleted_at` set = deleting (soft delete):
 * the row is hard-deleted only when the agent confirms with Deleted=True.
 * payload and status are `json`, not `jsonb`: the text is kept as written, so REST lists read it
 * back without jsonb's binary-to-text conversion (3x slower on 16 MB of HyperShift bundles,
 * bench/RESULTS.md). `metadata` is the payload's metadata apart, as jsonb, so that label
 * searches (`payload->'metadata'->'labels'`, api/search) read a small column, not the payload.
 */
export const resources = pgTable(
  "resources",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    source: text("source").notNull(),
    consumerName: text("consumer_name").notNull(),
    version: bigint("version", { mode: "number" }).notNull(),
    /** Always "" today; kept because Maestro's table and search grammar have it. */
    type: text("type").notNull().default(""),
    payload: json("payload").$type<JsonObject>().notNull(),
    status: json("status").$type<JsonObject>(),
    /** payload.metadata (any JSON value; NULL when absent), written with the payload. */
    metadata: jsonb("metadata").$type<JsonValue>(),
    /** The snowflake `sequenceid` of the stored status, so "newer" is one integer comparison. */
    statusSequenceId: bigint("status_sequence_id", { mode: "bigint" }),
    /** The stored status's `resourceversion`: the redelivery scan compares it with `version`. */
    statusVersion: bigint("status_version", { mode: "number" }),
    ...timestamps,
    deletedAt: timestamp("deleted_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("idx_resources_name").on(t.name),
    index("idx_resources_source").on(t.source),
    index("idx_resources_consumer_name").on(t.consumerName),
    index("idx_resources_deleted_at").on(t.deletedAt).where(sql`${t.deletedAt} IS NOT NULL`),
    foreignKey({ name: "fk_resources_consumers", columns: [t.consumerName], foreignColumns: [consumers.name] })
      .onDelete("restrict")
      .onUpdate("restrict"),
  ],
);

/** One row per server process: its heartbeat and readiness (drives /healthcheck). */
export const serverInstances = pgTable("server_instances", {
  id: text("id").primaryKey(),
  lastHeartbeat: timestamp("last_heartbeat", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  ready: boolean("ready").notNull().default(false),
  ...timestamps,
});

export type ConsumerRow = typeof consumers.$inferSelect;
export type ResourceRow = typeof resources.$inferSelect;
export type ServerInstanceRow = typeof serverInstances.$inferSelect;
