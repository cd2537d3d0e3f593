// Test databases: a fresh PostgreSQL database per call when DATABASE_URL is set (created from
// that URL, dropped on close), else an in-memory PGlite. Both migrated with the real migrations.

import postgres from "postgres";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { migrateDatabase } from "../../src/store/migrate.ts";

/** Which store the test run uses, for test names and skip messages. */
export const storeKind: "postgres" | "pglite" = process.env.DATABASE_URL ? "postgres" : "pglite";

/**
 * Opens an isolated, migrated database. On PostgreSQL each call gets its own database named
 * `maestro_test_<pid>_<n>` so test files never see each other's rows; close() drops it.
 * Example: `const db = await openTestDatabase(); afterAll(() => db.close());`
 */
export async function openTestDatabase(): Promise<Database> {
  const scratch = await createScratchDatabase();
  if (!scratch) {
    const db = await openDatabase({});
    await migrateDatabase(db);
    return db;
  }
  const db = await openDatabase({ url: scratch.url });
  await migrateDatabase(db);
  return {
    ...db,
    close: async () => {
      await db.close();
      await scratch.drop();
    },
  };
}

/**
 * With DATABASE_URL set: creates an empty PostgreSQL database `maestro_test_<pid>_<n>` and
 * returns its URL and a drop function (for tests that start a server process on it).
 * Without DATABASE_URL: undefined (the caller uses PGlite).
 */
export async function createScratchDatabase(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) return undefined;
  const name = `maestro_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  return {
    url: dbUrl.toString(),
    drop: async () => {
      const dropper = postgres(url, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}
