// Consumers (clusters) in the store: create, get, list, relabel and delete, with Maestro's rules
// and error texts (unique name -> 409, delete blocked by resources -> 403).

import { asc, eq, gt, sql } from "drizzle-orm";
import { Errors } from "../errors.ts";
import type { Orm } from "./database.ts";
import { listPage, type ListPage, type ListPageQuery } from "./list-page.ts";
import { SqlState, sqlMessage, sqlState } from "./pg-errors.ts";
import { consumers, type ConsumerRow } from "./schema.ts";

/**
 * Maestro's reason for a consumer delete blocked by its resources: pgx's `ERROR: <message>
 * (SQLSTATE <code>)` of the violation on Maestro's schema, recorded from the real server. Our
 * constraint is ON DELETE RESTRICT, for which PostgreSQL words the message differently ("violates
 * RESTRICT setting of foreign key constraint", SQLSTATE 23001), and PGlite's driver adds no
 * prefix or code; callers matching Maestro's text get Maestro's text.
 */
const consumerInUseReason =
  'Unable to delete Consumer: ERROR: update or delete on table "consumers" violates foreign key constraint "fk_resources_consumers" on table "resources" (SQLSTATE 23503)';

/** Input of a consumer create; name and labels already validated by the caller. */
export interface NewConsumer {
  readonly id: string;
  readonly name: string;
  readonly labels: Record<string, string> | null;
}

/**
 * Consumer persistence. Example:
 * `const repo = new ConsumerRepository(db.orm); await repo.create({ id, name: "cluster1", labels: null });`
 */
export class ConsumerRepository {
  constructor(private readonly orm: Orm) {}

  /** Inserts a consumer; a taken name or id is a 409 `This Consumer already exists`. */
  async create(input: NewConsumer): Promise<ConsumerRow> {
    try {
      const rows = await this.orm.insert(consumers).values(input).returning();
      return rows[0]!;
    } catch (err) {
      if (sqlState(err) === SqlState.uniqueViolation) throw Errors.conflict("This Consumer already exists");
      throw Errors.general(`Unable to create Consumer: ${sqlMessage(err)}`, err);
    }
  }

  /** The consumer with this id, or a 404 `Consumer with id='<id>' not found`. */
  async get(id: string): Promise<ConsumerRow> {
    const rows = await this.orm.select().from(consumers).where(eq(consumers.id, id)).limit(1);
    if (!rows[0]) throw Errors.notFound(`Consumer with id='${id}' not found`);
    return rows[0];
  }

  /** One page of consumers matching the compiled filter. */
  list(query: ListPageQuery): Promise<ListPage<ConsumerRow>> {
    return listPage(this.orm, consumers, query);
  }

  /**
   * Consumer names after `after` (exclusive; undefined = from the start) in name order, at most
   * `limit`: a keyset page, so walking 200,000 consumers costs 200 index range scans.
   * Example: `await repo.namesAfter(undefined, 1000)` -> ["cluster1", "cluster2", …].
   */
  async namesAfter(after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.orm
      .select({ name: consumers.name })
      .from(consumers)
      .where(after === undefined ? undefined : gt(consumers.name, after))
      .orderBy(asc(consumers.name))
      .limit(limit);
    return rows.map((row) => row.name);
  }

  /**
   * Replaces the labels (null clears them) and bumps updated_at, as Maestro's full save does.
   * A missing consumer is a 404.
   */
  async setLabels(id: string, labels: Record<string, string> | null): Promise<ConsumerRow> {
    const rows = await this.orm
      .update(consumers)
      .set({ labels, updatedAt: sql`now()` })
      .where(eq(consumers.id, id))
      .returning();
    if (!rows[0]) throw Errors.notFound(`Consumer with id='${id}' not found`);
    return rows[0];
  }

  /**
   * Hard-deletes the consumer. Resources that still reference it (soft-deleted ones too) block
   * the delete with 403 maestro-4 and Maestro's exact reason. Deleting a missing id is a no-op,
   * as in Maestro.
   */
  async delete(id: string): Promise<void> {
    try {
      await this.orm.delete(consumers).where(eq(consumers.id, id));
    } catch (err) {
      const state = sqlState(err);
      if (state === SqlState.foreignKeyViolation || state === SqlState.restrictViolation) throw Errors.forbidden(consumerInUseReason);
      throw Errors.general(`Unable to delete Consumer: ${sqlMessage(err)}`, err);
    }
  }
}
