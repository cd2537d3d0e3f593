// Resource reads against a real store (PGlite, or PostgreSQL with DATABASE_URL): the batched
// spec-resync read returns each consumer's rows (deleting ones included), oldest first.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BatchWriter } from "../../src/store/batch-writer.ts";
import type { Database } from "../../src/store/database.ts";
import { ResourceRepository } from "../../src/store/resource-repository.ts";
import { openTestDatabase } from "../support/database.ts";
import { createConsumer, specPayload } from "./batch-writer-helpers.ts";

let db: Database;
let writer: BatchWriter;
let repo: ResourceRepository;

beforeAll(async () => {
  db = await openTestDatabase();
  writer = new BatchWriter(db);
  repo = new ResourceRepository(db.orm);
  for (const name of ["rr-a", "rr-b", "rr-empty"]) await createConsumer(db, name);
  // One at a time so created_at orders them.
  for (const [id, consumerName] of [["rr-1", "rr-a"], ["rr-2", "rr-b"], ["rr-3", "rr-a"], ["rr-4", "rr-a"]] as const) {
    await writer.submit({ kind: "create", id, source: id === "rr-2" ? "src-2" : "src-1", consumerName, version: 0, payload: specPayload(id, "v1") });
  }
  await writer.submit({ kind: "delete", id: "rr-4" });
});

afterAll(async () => {
  await writer.close();
  await db.close();
});

describe("specsForConsumers", () => {
  test("maps every asked consumer to its rows, oldest first, deleting rows and every source included", async () => {
    const byConsumer = await repo.specsForConsumers(["rr-a", "rr-b", "rr-empty", "rr-unknown"]);
    expect([...byConsumer.keys()].sort()).toEqual(["rr-a", "rr-b", "rr-empty", "rr-unknown"]);
    expect(byConsumer.get("rr-a")!.map((r) => r.id)).toEqual(["rr-1", "rr-3", "rr-4"]);
    expect(byConsumer.get("rr-a")!.find((r) => r.id === "rr-4")!.deletedAt).not.toBeNull();
    expect(byConsumer.get("rr-b")!.map((r) => [r.id, r.consumerName, r.version])).toEqual([["rr-2", "rr-b", 1]]);
    expect(byConsumer.get("rr-empty")).toEqual([]);
    expect(byConsumer.get("rr-unknown")).toEqual([]);
    expect((byConsumer.get("rr-b")![0]!.payload as { resourceid: string }).resourceid).toBe("rr-2");
  });

  test("an empty list asks nothing", async () => {
    expect((await repo.specsForConsumers([])).size).toBe(0);
  });
});
