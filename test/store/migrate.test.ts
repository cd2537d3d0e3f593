// Migrations carry existing data forward: a database created by the first migration, holding
// rows written in its jsonb form, is migrated to the current schema with every value intact.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type Database } from "../../src/store/database.ts";
import { migrateDatabase, migrationsFolder } from "../../src/store/migrate.ts";
import { ResourceRepository } from "../../src/store/resource-repository.ts";
import { createScratchDatabase } from "../support/database.ts";

/** A copy of drizzle/ whose journal stops after the first `count` migrations. */
function firstMigrations(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), "maestro-migrations-"));
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

let db: Database;
let dropScratch: (() => Promise<void>) | undefined;
const initOnly = firstMigrations(1);

beforeAll(async () => {
  const scratch = await createScratchDatabase();
  dropScratch = scratch?.drop;
  db = await openDatabase(scratch ? { url: scratch.url } : {});
  await migrateDatabase(db, initOnly);
  await db.query(`INSERT INTO consumers (id, name) VALUES ('c1', 'cluster1')`);
  const payload = { id: "e1", metadata: { name: "w1", labels: { app: "web" } }, data: { manifests: [{ kind: "ConfigMap" }] } };
  const status = { id: "s1", resourceversion: 3, sequenceid: "77", data: { conditions: [{ type: "Applied" }] } };
  await db.query(
    `INSERT INTO resources (id, name, source, consumer_name, version, payload, status, status_sequence_id)
     VALUES ('r1', 'r1', 's1', 'cluster1', 3, $1::text::jsonb, $2::text::jsonb, 77),
            ('r2', 'r2', 's1', 'cluster1', 1, '{"id":"e2"}'::jsonb, '{"resourceversion":"x"}'::jsonb, NULL),
            ('r3', 'r3', 's1', 'cluster1', 1, '{"id":"e3","metadata":"odd"}'::jsonb, NULL, NULL)`,
    [JSON.stringify(payload), JSON.stringify(status)],
  );
  await migrateDatabase(db);
}, 60_000);

afterAll(async () => {
  await db?.close();
  await dropScratch?.();
  rmSync(initOnly, { recursive: true, force: true });
});

describe("0001_json_payloads", () => {
  test("payload and status become json with the same documents", async () => {
    const types = await db.query(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_name = 'resources' AND column_name IN ('payload', 'status', 'metadata', 'status_version') ORDER BY column_name`,
    );
    expect(types.map((t) => [t.column_name, t.data_type])).toEqual([["metadata", "jsonb"], ["payload", "json"], ["status", "json"], ["status_version", "bigint"]]);
    const rows = await db.query(`SELECT id, payload::text AS payload, status::text AS status FROM resources ORDER BY id`);
    expect(JSON.parse(String(rows[0]!.payload))).toEqual({ id: "e1", metadata: { name: "w1", labels: { app: "web" } }, data: { manifests: [{ kind: "ConfigMap" }] } });
    expect(JSON.parse(String(rows[0]!.status))).toMatchObject({ resourceversion: 3, sequenceid: "77" });
    expect(rows[2]!.status).toBeNull();
  });

  test("metadata and status_version are filled from the existing JSON; a non-numeric version stays NULL", async () => {
    const rows = await db.query(`SELECT id, metadata::text AS metadata, status_version::text AS v FROM resources ORDER BY id`);
    expect(rows.map((r) => [r.id, r.metadata === null ? null : JSON.parse(String(r.metadata)), r.v])).toEqual([
      ["r1", { name: "w1", labels: { app: "web" } }, "3"],
      ["r2", null, null],
      ["r3", "odd", null],
    ]);
  });

  test("the migrated rows serve the REST view and the redelivery scan", async () => {
    const repo = new ResourceRepository(db.orm);
    const bundle = await repo.getBundle("r1");
    expect(JSON.parse(bundle.payloadJson).metadata.labels).toEqual({ app: "web" });
    const undelivered = await repo.undelivered(new Date(Date.now() + 60_000), 10);
    // r1's status is for its current version; r2's cannot be read as a version; r3 has none.
    expect(undelivered.map((r) => r.id).sort()).toEqual(["r2", "r3"]);
  });
});
