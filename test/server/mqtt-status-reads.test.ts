// The store reads behind MQTT mode's status resync, against a real store (PGlite, or PostgreSQL
// with DATABASE_URL): consumer names in keyset pages, and each consumer's status hash sources
// in one query, hashed as the server does (agent hash verbatim, data hash, sha256("") without).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseManifestBundleStatus } from "../../src/cloudevents/status-codec.ts";
import { EMPTY_STATUS_HASH, workStatusHash } from "../../src/cloudevents/status-hash.ts";
import { serverStatusHash } from "../../src/server/agent-status-resync.ts";
import { BatchWriter } from "../../src/store/batch-writer.ts";
import { ConsumerRepository } from "../../src/store/consumer-repository.ts";
import type { Database } from "../../src/store/database.ts";
import { ResourceRepository } from "../../src/store/resource-repository.ts";
import { openTestDatabase, storeKind } from "../support/database.ts";
import { createConsumer, snowflake, specPayload, statusPayload } from "../store/batch-writer-helpers.ts";

let db: Database;
let writer: BatchWriter;
const names = ["sr-a", "sr-b", "sr-c", "sr-d", "sr-e"];

beforeAll(async () => {
  db = await openTestDatabase();
  writer = new BatchWriter(db);
  for (const name of names) await createConsumer(db, name);
  for (const [id, consumerName] of [["sr-1", "sr-a"], ["sr-2", "sr-a"], ["sr-3", "sr-a"], ["sr-4", "sr-b"]] as const) {
    await writer.submit({ kind: "create", id, source: "src", consumerName, version: 0, payload: specPayload(id, "v1") });
  }
  const status = (id: string, extra = {}) => ({ kind: "status", id, consumerName: id === "sr-4" ? "sr-b" : "sr-a", resourceVersion: 1, sequenceId: snowflake(Date.now()), status: statusPayload(id, "ok", extra), deleted: false }) as const;
  await writer.submit(status("sr-1", { statushash: "agent-sent-hash" }));
  await writer.submit(status("sr-2"));
  await writer.submit(status("sr-4", { statushash: "" }));
});

afterAll(async () => {
  await writer.close();
  await db.close();
});

describe(`status resync reads (${storeKind})`, () => {
  test("consumer names come in keyset pages, in name order", async () => {
    const repo = new ConsumerRepository(db.orm);
    expect(await repo.namesAfter(undefined, 2)).toEqual(["sr-a", "sr-b"]);
    expect(await repo.namesAfter("sr-b", 2)).toEqual(["sr-c", "sr-d"]);
    expect(await repo.namesAfter("sr-d", 2)).toEqual(["sr-e"]);
    expect(await repo.namesAfter("sr-e", 2)).toEqual([]);
  });

  test("each consumer's resources with what their hash needs; hashes as the server reports them", async () => {
    const byConsumer = await new ResourceRepository(db.orm).statusHashSources(["sr-a", "sr-b", "sr-c"]);
    expect(byConsumer.get("sr-c")).toEqual([]);
    const a = byConsumer.get("sr-a")!;
    expect(a.map((r) => r.id)).toEqual(["sr-1", "sr-2", "sr-3"]);
    expect(a[0]!.status).toEqual({ statushash: "agent-sent-hash" });
    expect(Object.keys(a[1]!.status!)).toEqual(["data"]);
    expect(a[2]!.status).toBeNull();
    const dataHash = workStatusHash(parseManifestBundleStatus(statusPayload("sr-2", "ok").data!));
    expect(a.map((r) => serverStatusHash(r.status))).toEqual(["agent-sent-hash", dataHash, EMPTY_STATUS_HASH]);
    // An empty statushash counts as none: the data is hashed.
    expect(Object.keys(byConsumer.get("sr-b")![0]!.status!)).toEqual(["data"]);
    expect((await new ResourceRepository(db.orm).statusHashSources([])).size).toBe(0);
  });
});
