// The read side of resources: get one and list pages for REST (soft-deleted rows included, as
// in Maestro), and the per-consumer / per-source snapshots that resyncs and redelivery send.
// All writes go through the batch writer.

import { and, asc, eq, inArray, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import { Errors } from "../errors.ts";
import type { Orm } from "./database.ts";
import { listPage, listPageOf, type ListPage, type ListPageQuery } from "./list-page.ts";
import { resources, type ResourceRow } from "./schema.ts";

/** What an agent needs to receive a resource's spec again. */
export interface SpecRow {
  readonly id: string;
  readonly consumerName: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly deletedAt: Date | null;
  readonly payload: JsonObject;
}

/** What a source needs to receive a resource's status again. */
export interface StatusRow {
  readonly id: string;
  readonly status: JsonObject;
  /** The spec's ManifestBundle (payload.data), relayed as `manifestBundle`. */
  readonly specBundle: JsonValue | undefined;
}

/**
 * A resource as the REST API presents it, its JSON columns selected as text: the API cuts the
 * parts it shows out of that text instead of parsing and re-serialising megabytes of manifests
 * and statuses (a 600-bundle list is ~16 MB). The columns are PostgreSQL `json` (text kept as
 * written), so selecting them as text costs no conversion.
 */
export interface BundleRow {
  readonly id: string;
  readonly name: string;
  readonly consumerName: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly deletedAt: Date | null;
  /** The spec payload (structured CloudEvent JSON). */
  readonly payloadJson: string;
  /** The last stored status event, or null before the first. */
  readonly statusJson: string | null;
}

const bundleColumns = {
  id: resources.id,
  name: resources.name,
  consumerName: resources.consumerName,
  version: resources.version,
  createdAt: resources.createdAt,
  updatedAt: resources.updatedAt,
  deletedAt: resources.deletedAt,
  payloadJson: sql<string>`${resources.payload}::text`,
  statusJson: sql<string | null>`${resources.status}::text`,
};

const specColumns = {
  id: resources.id,
  consumerName: resources.consumerName,
  version: resources.version,
  createdAt: resources.createdAt,
  deletedAt: resources.deletedAt,
  payload: resources.payload,
};

/**
 * Resource reads. Example: `const rb = await new ResourceRepository(db.orm).get(id);`
 */
export class ResourceRepository {
  constructor(private readonly orm: Orm) {}

  /** The resource with this id (deleting ones too), or a 404 `Resource with id='<id>' not found`. */
  async get(id: string): Promise<ResourceRow> {
    const rows = await this.orm.select().from(resources).where(eq(resources.id, id)).limit(1);
    if (!rows[0]) throw Errors.notFound(`Resource with id='${id}' not found`);
    return rows[0];
  }

  /** One page of resources matching the compiled filter. */
  list(query: ListPageQuery): Promise<ListPage<ResourceRow>> {
    return listPage(this.orm, resources, query);
  }

  /** The REST view of one resource, or a 404 `Resource with id='<id>' not found`. */
  async getBundle(id: string): Promise<BundleRow> {
    const rows = await this.orm.select(bundleColumns).from(resources).where(eq(resources.id, id)).limit(1);
    if (!rows[0]) throw Errors.notFound(`Resource with id='${id}' not found`);
    return rows[0] as BundleRow;
  }

  /** One page of the REST view of resources. */
  listBundles(query: ListPageQuery): Promise<ListPage<BundleRow>> {
    return listPageOf<BundleRow>(this.orm, resources, query, bundleColumns);
  }

  /**
   * Every resource of each consumer, deleting ones included, whatever the source (spec resync,
   * 3.1), in one query: each name maps to its rows, oldest first (empty for none).
   */
  async specsForConsumers(consumerNames: readonly string[]): Promise<Map<string, SpecRow[]>> {
    const byConsumer = new Map<string, SpecRow[]>(consumerNames.map((name) => [name, []]));
    if (consumerNames.length === 0) return byConsumer;
    const rows = await this.orm
      .select(specColumns)
      .from(resources)
      .where(inArray(resources.consumerName, [...consumerNames]))
      .orderBy(asc(resources.createdAt));
    for (const row of rows) byConsumer.get(row.consumerName)?.push(row);
    return byConsumer;
  }

  /**
   * Every resource of each consumer (deleting ones included) with just what its status hash
   * needs, in one query: `{statushash}` when the agent sent one, else `{data}`, null without a
   * status (status resync to agents, 3.3). Each name maps to its rows, oldest first.
   */
  async statusHashSources(consumerNames: readonly string[]): Promise<Map<string, { id: string; status: JsonObject | null }[]>> {
    const byConsumer = new Map<string, { id: string; status: JsonObject | null }[]>(consumerNames.map((name) => [name, []]));
    if (consumerNames.length === 0) return byConsumer;
    const given = sql`NULLIF(${resources.status} ->> 'statushash', '')`;
    const rows = await this.orm
      .select({
        id: resources.id,
        consumerName: resources.consumerName,
        status: sql<JsonObject | null>`CASE WHEN ${resources.status} IS NULL THEN NULL
          WHEN ${given} IS NOT NULL THEN json_build_object('statushash', ${given})
          ELSE json_build_object('data', ${resources.status} -> 'data') END`,
      })
      .from(resources)
      .where(inArray(resources.consumerName, [...consumerNames]))
      .orderBy(asc(resources.createdAt));
    for (const row of rows) byConsumer.get(row.consumerName)?.push({ id: row.id, status: row.status });
    return byConsumer;
  }

  /** Every resource of a source that has a status, deleting ones included (status resync, 3.2). */
  async statusesForSource(source: string): Promise<StatusRow[]> {
    const rows = await this.orm
      .select({ id: resources.id, status: resources.status, specBundle: sql<JsonValue | null>`${resources.payload} -> 'data'` })
      .from(resources)
      .where(and(eq(resources.source, source), isNotNull(resources.status)));
    return rows.map((r) => ({ id: r.id, status: r.status!, specBundle: r.specBundle ?? undefined }));
  }

  /**
   * Resources whose current version has had no status for `olderThan` (never one, or one for
   * an older version), not deleting: candidates for redelivery, oldest change first.
   */
  undelivered(olderThan: Date, limit: number): Promise<SpecRow[]> {
    const noCurrentStatus = or(isNull(resources.statusVersion), ne(resources.statusVersion, resources.version));
    return this.orm
      .select(specColumns)
      .from(resources)
      .where(and(isNull(resources.deletedAt), lt(resources.updatedAt, olderThan), noCurrentStatus))
      .orderBy(asc(resources.updatedAt))
      .limit(limit);
  }

  /** Resources deleting for longer than `olderThan` whose agent has not confirmed: re-send the delete. */
  unconfirmedDeletes(olderThan: Date, limit: number): Promise<SpecRow[]> {
    return this.orm
      .select(specColumns)
      .from(resources)
      .where(lt(resources.deletedAt, olderThan))
      .orderBy(asc(resources.deletedAt))
      .limit(limit);
  }
}
