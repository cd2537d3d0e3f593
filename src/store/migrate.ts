// Applies the drizzle-kit migrations in drizzle/ to either driver. Runs at server start and by
// `maestro migrate`; on PostgreSQL an advisory lock keeps concurrent starts from racing.

import { join } from "node:path";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { Database } from "./database.ts";

/** The migrations folder, found relative to this file so any working directory works. */
export const migrationsFolder = join(import.meta.dir, "..", "..", "drizzle");

/** Key of the advisory lock held while migrating (any constant; "maestro" in ASCII). */
const migrationLockKey = 0x6d61657374726f;

/**
 * Brings the schema up to date. Idempotent: applied migrations are recorded in
 * `drizzle.__drizzle_migrations` and skipped. `folder` is for tests that migrate step by step.
 * Example: `await migrateDatabase(db)`.
 */
export async function migrateDatabase(db: Database, folder: string = migrationsFolder): Promise<void> {
  if (db.kind === "pglite") {
    await migratePglite(db.orm as unknown as PgliteDatabase, { migrationsFolder: folder });
    return;
  }
  await db.withExclusiveLock(migrationLockKey, () =>
    migratePostgres(db.orm as unknown as PostgresJsDatabase, { migrationsFolder: folder }),
  );
}
