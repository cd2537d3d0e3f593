// Opens the store: real PostgreSQL through postgres.js when a URL is given, embedded PGlite
// otherwise. Both expose the same drizzle handle and the same raw executor for hot statements.

import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { dbPoolConnectionsMax } from "../limits.ts";
import * as schema from "./schema.ts";

/** A drizzle handle over either driver, typed by our schema. */
export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A row of a raw query: column name to value, as the driver parsed it. */
export type Row = Record<string, unknown>;

/**
 * Runs raw SQL with positional `$n` parameters. Used for the multi-row statements of the batch
 * writer, where drizzle's builder costs ~30% (DESIGN.md). Parameter values are strings, numbers,
 * booleans, null or arrays of those; cast JSON explicitly in SQL (`$1::text::jsonb`).
 * Timestamps differ by driver (drizzle turns postgres.js's timestamptz parser off, PGlite
 * returns Dates), so select them as numbers (`extract(epoch from t) * 1000`) in raw SQL.
 */
export interface SqlExecutor {
  query<R extends Row = Row>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * An open store. `orm` for ordinary queries, `query`/`transaction` for hand-written SQL.
 * Example: `const db = await openDatabase({ url: process.env.DATABASE_URL }); await db.close();`
 */
export interface Database extends SqlExecutor {
  readonly kind: "postgres" | "pglite";
  readonly orm: Orm;
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs fn while holding a cluster-wide advisory lock (PostgreSQL session lock on a reserved
   * connection), so that e.g. two servers starting at once do not migrate concurrently.
   * PGlite has one connection and one process, so it just runs fn.
   */
  withExclusiveLock<T>(key: number, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** `postgres://…`; when absent, embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; absent = in memory. Ignored with a URL. */
  dataDir?: string | undefined;
  /** postgres.js pool size. */
  poolMax?: number;
}

/** Opens PostgreSQL (with `url`) or PGlite (without). Does not migrate: see migrate.ts. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.url) return openPostgres(options.url, options.poolMax ?? dbPoolConnectionsMax);
  return openPglite(options.dataDir);
}

function openPostgres(url: string, poolMax: number): Database {
  const client = postgres(url, {
    // withExclusiveLock pins one connection while the locked work runs on another: two at least.
    max: Math.max(2, poolMax),
    onnotice: () => {},
    // int8 columns (versions, counts) come back as numbers like PGlite returns them; snowflake
    // ids are selected as text where their full 64 bits matter.
    types: {
      bigint: { to: 20, from: [20], serialize: (v: unknown) => String(v), parse: (v: string) => Number(v) },
    },
  });
  const orm = drizzlePostgres({ client, schema }) as unknown as Orm;
  const executor = (sql: postgres.Sql | postgres.TransactionSql): SqlExecutor => ({
    query: async <R extends Row>(text: string, params: readonly unknown[] = []) =>
      (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as R[],
  });
  return {
    kind: "postgres",
    orm,
    ...executor(client),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) =>
      client.begin((tx) => fn(executor(tx))) as Promise<T>,
    withExclusiveLock: async <T>(key: number, fn: () => Promise<T>) => {
      const reserved = await client.reserve();
      try {
        await reserved`SELECT pg_advisory_lock(${key})`;
        try {
          return await fn();
        } finally {
          await reserved`SELECT pg_advisory_unlock(${key})`;
        }
      } finally {
        reserved.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string | undefined): Promise<Database> {
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const orm = drizzlePglite({ client, schema }) as unknown as Orm;
  type Queryable = Pick<PGlite, "query">;
  const executor = (pg: Queryable): SqlExecutor => ({
    query: async <R extends Row>(text: string, params: readonly unknown[] = []) =>
      (await pg.query<R>(text, params as unknown[])).rows,
  });
  return {
    kind: "pglite",
    orm,
    ...executor(client),
    transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => client.transaction((tx) => fn(executor(tx))),
    withExclusiveLock: <T>(_key: number, fn: () => Promise<T>) => fn(),
    close: () => client.close(),
  };
}
