// The group-commit writer against a real store (PGlite, or PostgreSQL with DATABASE_URL): every
// write rule and its exact error text, same-id ordering inside one batch, batching, bounds,
// close(), and failure handling.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { JsonObject } from "../../src/cloudevents/types.ts";
import { ErrorCode, GrpcStatus, MaestroError } from "../../src/errors.ts";
import { BatchWriter, classifyDatabaseError } from "../../src/store/batch-writer.ts";
import type { Database } from "../../src/store/database.ts";
import type { StatusResult } from "../../src/store/write-ops.ts";
import { encodedBytes, encodeOp } from "../../src/store/write-batch.ts";
import { openTestDatabase } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import {
  countRows,
  createConsumer,
  expectMaestroError,
  failingDatabase,
  gatedDatabase,
  readRow,
  snowflake,
  specPayload,
  statusPayload,
} from "./batch-writer-helpers.ts";

let db: Database;
let writer: BatchWriter;

beforeAll(async () => {
  db = await openTestDatabase();
  writer = new BatchWriter(db);
  await createConsumer(db, "c1");
  await createConsumer(db, "c2");
});

afterAll(async () => {
  await writer.close();
  await db.close();
});

/** Creates `id` on consumer c1 at `version` and returns its payload. */
async function seed(id: string, version = 1) {
  const payload = specPayload(id, "seed");
  await writer.submit({ kind: "create", id, source: "src-a", consumerName: "c1", version, payload });
  return payload;
}

describe("create", () => {
  test("stores name = id, version 0 as 1, and the payload", async () => {
    const payload = specPayload("cr-1", "v1");
    const result = await writer.submit({ kind: "create", id: "cr-1", source: "src-a", consumerName: "c1", version: 0, payload });
    expect(result.id).toBe("cr-1");
    expect(result.version).toBe(1);
    expect(result.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(result.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await readRow(db, "cr-1")).toEqual({
      id: "cr-1",
      name: "cr-1",
      source: "src-a",
      consumer_name: "c1",
      version: 1,
      type: "",
      payload,
      metadata: payload.metadata,
      status: null,
      seq: null,
      status_version: null,
      deleting: false,
      created: expect.any(String),
      deleted: null,
    });
  });

  test("keeps a non-zero version and an explicit name", async () => {
    const result = await writer.submit({
      kind: "create",
      id: "cr-2",
      name: "cr-2-name",
      source: "src-a",
      consumerName: "c1",
      version: 7,
      payload: specPayload("cr-2", "v7"),
    });
    expect(result.version).toBe(7);
    const row = await readRow(db, "cr-2");
    expect(row?.name).toBe("cr-2-name");
    expect(row?.version).toBe(7);
  });

  test("rejects an existing id with Conflict 'This Resource already exists'", async () => {
    await seed("cr-3");
    const error = await expectMaestroError(
      writer.submit({ kind: "create", id: "cr-3", source: "src-b", consumerName: "c1", version: 0, payload: specPayload("cr-3", "dup") }),
      ErrorCode.Conflict,
      "This Resource already exists",
    );
    expect(error.message).toBe("maestro-6: This Resource already exists");
    expect((await readRow(db, "cr-3"))?.source).toBe("src-a");
  });

  test("rejects an existing name under another id", async () => {
    await seed("cr-4");
    await expectMaestroError(
      writer.submit({ kind: "create", id: "cr-4-other", name: "cr-4", source: "s", consumerName: "c1", version: 0, payload: specPayload("x", "x") }),
      ErrorCode.Conflict,
      "This Resource already exists",
    );
    expect(await readRow(db, "cr-4-other")).toBeUndefined();
  });

  test("of two creates of one id or name in one batch, the first submitted wins", async () => {
    const op = (id: string, name: string, marker: string) =>
      writer.submit({ kind: "create", id, name, source: "s", consumerName: "c1", version: 0, payload: specPayload(id, marker) });
    const results = await Promise.allSettled([op("cr-5", "cr-5", "first"), op("cr-5", "cr-5", "second"), op("cr-5b", "cr-5", "third")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(((await readRow(db, "cr-5"))?.payload as { id: string }).id).toBe("evt-first");
    expect(await readRow(db, "cr-5b")).toBeUndefined();
  });

  test("a missing consumer fails only that create, with NotFound naming the consumer", async () => {
    const ok = writer.submit({ kind: "create", id: "cr-6a", source: "s", consumerName: "c1", version: 0, payload: specPayload("cr-6a", "a") });
    const missing = writer.submit({ kind: "create", id: "cr-6b", source: "s", consumerName: "nope", version: 0, payload: specPayload("cr-6b", "b") });
    const ok2 = writer.submit({ kind: "create", id: "cr-6c", source: "s", consumerName: "c2", version: 0, payload: specPayload("cr-6c", "c") });
    await expectMaestroError(missing, ErrorCode.NotFound, "Consumer with name='nope' not found");
    expect((await ok).version).toBe(1);
    expect((await ok2).version).toBe(1);
    expect(await countRows(db, "cr-6")).toBe(2);
  });

  test("a duplicate id wins over a missing consumer (as PostgreSQL's unique check runs first)", async () => {
    await seed("cr-7");
    await expectMaestroError(
      writer.submit({ kind: "create", id: "cr-7", source: "s", consumerName: "nope", version: 0, payload: specPayload("cr-7", "x") }),
      ErrorCode.Conflict,
      "This Resource already exists",
    );
  });

  test("rejects bad input with BadRequest before any SQL", async () => {
    const bad = [
      { kind: "create", id: "", source: "s", consumerName: "c1", version: 0, payload: {} },
      { kind: "create", id: "b1", source: "s", consumerName: "c1", version: -1, payload: {} },
      { kind: "create", id: "b2", source: "s", consumerName: "c1", version: 1.5, payload: {} },
      { kind: "create", id: "b3", source: "s", consumerName: "c1", version: 0, payload: [] },
      { kind: "update", id: "b4", version: 0, payload: null },
      { kind: "status", id: "b5", consumerName: "c1", resourceVersion: 1, sequenceId: 5, status: {}, deleted: false },
      { kind: "status", id: "b6", consumerName: "c1", resourceVersion: 1, sequenceId: 1n << 63n, status: {}, deleted: false },
      { kind: "rename", id: "b7" },
    ];
    for (const op of bad) {
      const error = await writer.submit(op as never).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(MaestroError);
      expect((error as MaestroError).code).toBe(ErrorCode.BadRequest);
    }
  });
});

describe("update", () => {
  test("a missing id is NotFound with Maestro's text", async () => {
    await expectMaestroError(
      writer.submit({ kind: "update", id: "up-missing", version: 1, payload: specPayload("up-missing", "x") }),
      ErrorCode.NotFound,
      "Resource with id='up-missing' not found",
    );
  });

  test("the current version bumps it by one and replaces the payload", async () => {
    await seed("up-1", 4);
    const payload = specPayload("up-1", "v5");
    expect(await writer.submit({ kind: "update", id: "up-1", version: 4, payload })).toMatchObject({ id: "up-1", version: 5, changed: true, consumerName: "c1", createdAt: expect.any(Date) });
    const row = await readRow(db, "up-1");
    expect(row?.version).toBe(5);
    expect(row?.payload).toEqual(payload);
    expect(row?.metadata).toEqual({ name: "up-1", namespace: "ns", labels: { marker: "v5" } });
  });

  test("a payload without metadata clears the searchable metadata; one with other key order is a change", async () => {
    const seeded = await seed("up-6", 1);
    const { metadata: _, ...bare } = seeded;
    expect((await writer.submit({ kind: "update", id: "up-6", version: 1, payload: bare })).version).toBe(2);
    expect((await readRow(db, "up-6"))?.metadata).toBeNull();
    // Compared as JSON text (docs/compatibility.md): the same members in another order bump the version.
    const reordered = Object.fromEntries(Object.entries(bare).reverse());
    expect(await writer.submit({ kind: "update", id: "up-6", version: 2, payload: reordered })).toMatchObject({ version: 3, changed: true });
  });

  test("version 0 skips the optimistic check", async () => {
    await seed("up-2", 3);
    expect((await writer.submit({ kind: "update", id: "up-2", version: 0, payload: specPayload("up-2", "any") })).version).toBe(4);
  });

  test("a stale version is a Conflict naming the latest version, and changes nothing", async () => {
    await seed("up-3", 2);
    const error = await expectMaestroError(
      writer.submit({ kind: "update", id: "up-3", version: 1, payload: specPayload("up-3", "stale") }),
      ErrorCode.Conflict,
      "the resource version is not the latest, the latest version: 2",
    );
    expect(error.message).toBe("maestro-6: the resource version is not the latest, the latest version: 2");
    expect((await readRow(db, "up-3"))?.version).toBe(2);
  });

  test("a resource under deletion is a Conflict, even with the right version", async () => {
    await seed("up-4", 1);
    await writer.submit({ kind: "delete", id: "up-4" });
    await expectMaestroError(
      writer.submit({ kind: "update", id: "up-4", version: 1, payload: specPayload("up-4", "late") }),
      ErrorCode.Conflict,
      "the resource is under deletion, id: up-4",
    );
  });

  test("an unchanged payload keeps the version (Maestro's DeepEqual check)", async () => {
    const payload = await seed("up-5", 1);
    expect(await writer.submit({ kind: "update", id: "up-5", version: 1, payload })).toMatchObject({ id: "up-5", version: 1, changed: false, consumerName: "c1" });
    expect((await readRow(db, "up-5"))?.version).toBe(1);
  });
});

describe("delete", () => {
  test("sets deleted_at once; a repeated delete is a no-op returning the same time", async () => {
    await seed("del-1");
    const first = await writer.submit({ kind: "delete", id: "del-1" });
    expect(first.found).toBe(true);
    expect(first.changed).toBe(true);
    expect(first.deletedAt).toBeInstanceOf(Date);
    // The delete that marks the row returns the spec its agent's delete_request needs.
    expect(first.found && first.spec).toMatchObject({ consumerName: "c1", version: 1, payload: specPayload("del-1", "seed") });
    expect(first.found && first.spec?.createdAt).toBeInstanceOf(Date);
    const again = await writer.submit({ kind: "delete", id: "del-1" });
    expect(again).toEqual({ id: "del-1", found: true, deletedAt: first.deletedAt as Date, changed: false });
    const row = await readRow(db, "del-1");
    expect(row?.deleting).toBe(true);
    expect(row?.version).toBe(1);
  });

  test("a missing id is a no-op the caller can tell apart", async () => {
    expect(await writer.submit({ kind: "delete", id: "del-missing" })).toEqual({ id: "del-missing", found: false, deletedAt: null, changed: false });
  });
});

describe("status", () => {
  const status = (id: string, over: Partial<{ consumerName: string; resourceVersion: number; sequenceId: bigint; deleted: boolean; marker: string }> = {}) =>
    writer.submit({
      kind: "status",
      id,
      consumerName: over.consumerName ?? "c1",
      resourceVersion: over.resourceVersion ?? 1,
      sequenceId: over.sequenceId ?? snowflake(1_000),
      status: statusPayload(id, over.marker ?? "s"),
      deleted: over.deleted ?? false,
    });

  test("a missing row is ignored, not an error", async () => {
    expect(await status("st-missing")).toEqual({ outcome: "ignored", id: "st-missing", reason: "missing", current: null });
  });

  test("another consumer is rejected with BadRequest", async () => {
    await seed("st-1");
    await expectMaestroError(status("st-1", { consumerName: "c2" }), ErrorCode.BadRequest, "unmatched consumer name c2 for resource st-1");
  });

  test("stores a newer status of the current version with the spec's metadata and the full 64-bit sequence id", async () => {
    const payload = await seed("st-2", 3);
    const sequenceId = (1n << 62n) | (1n << 12n) | 5n;
    const result = await status("st-2", { resourceVersion: 3, sequenceId, marker: "applied" });
    expect(result.outcome).toBe("stored");
    if (result.outcome !== "stored") return;
    const row = await readRow(db, "st-2");
    const expected = { ...statusPayload("st-2", "applied"), metadata: { ...(payload.metadata as JsonObject), creationTimestamp: row?.created as string } };
    expect(result.resource).toEqual({ id: "st-2", source: "src-a", consumerName: "c1", version: 3, payload, status: expected });
    expect(row?.status).toEqual(expected);
    expect(row?.seq).toBe(sequenceId.toString());
    expect(row?.status_version).toBe(3);
    expect(row?.version).toBe(3);
  });

  test("without spec metadata the status keeps its own", async () => {
    const payload = specPayload("st-3", "nometa");
    delete payload.metadata;
    await writer.submit({ kind: "create", id: "st-3", source: "s", consumerName: "c1", version: 1, payload });
    await status("st-3");
    expect(((await readRow(db, "st-3"))?.status as { metadata: unknown }).metadata).toEqual({ name: "agent-side-name" });
  });

  test("a status without metadata gets the spec's", async () => {
    const payload = await seed("st-3b");
    const bare = statusPayload("st-3b", "bare");
    delete bare.metadata;
    const result = await writer.submit({ kind: "status", id: "st-3b", consumerName: "c1", resourceVersion: 1, sequenceId: snowflake(1_000), status: bare, deleted: false });
    const row = await readRow(db, "st-3b");
    const expected = { ...bare, metadata: { ...(payload.metadata as JsonObject), creationTimestamp: row?.created as string } };
    expect(result.outcome === "stored" && result.resource.status).toEqual(expected);
    expect(row?.status).toEqual(expected);
  });

  // Regression (interop): Maestro's Go source client takes a watched work's creation and
  // deletion times from the status event's metadata, which Maestro fills from the row
  // (`syncTimestampsFromResourceMeta`); a DELETED watch event without deletionTimestamp broke
  // its users' "work deleted" checks.
  test("the status metadata carries the row's creationTimestamp, and deletionTimestamp while deleting", async () => {
    const payload = specPayload("st-3c", "times");
    payload.metadata = { name: "w", creationTimestamp: null, labels: { a: "b" } };
    await writer.submit({ kind: "create", id: "st-3c", source: "src-a", consumerName: "c1", version: 1, payload });
    const stored = await status("st-3c", { sequenceId: snowflake(1_000), marker: "live" });
    const live = await readRow(db, "st-3c");
    expect(live?.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const liveMetadata = { name: "w", creationTimestamp: live?.created as string, labels: { a: "b" } };
    expect(stored.outcome === "stored" && stored.resource.status.metadata).toEqual(liveMetadata);
    expect((live?.status as JsonObject).metadata).toEqual(liveMetadata);

    await writer.submit({ kind: "delete", id: "st-3c" });
    const deleting = await readRow(db, "st-3c");
    expect(deleting?.deleted).toMatch(/Z$/);
    const gone = await status("st-3c", { sequenceId: snowflake(2_000), deleted: true, marker: "gone" });
    expect(gone.outcome === "deleted" && gone.resource.status.metadata).toEqual({ ...liveMetadata, deletionTimestamp: deleting?.deleted as string });
  });

  test("a status for another version is ignored as stale", async () => {
    await seed("st-4", 2);
    const result = await status("st-4", { resourceVersion: 1 });
    expect(result).toEqual({ outcome: "ignored", id: "st-4", reason: "stale-version", current: { version: 2, source: "src-a", consumerName: "c1", statusSequenceId: null } });
    expect((await readRow(db, "st-4"))?.status).toBeNull();
  });

  test("an older or equal sequence id is ignored and keeps the stored status", async () => {
    await seed("st-5");
    expect((await status("st-5", { sequenceId: snowflake(2_000), marker: "new" })).outcome).toBe("stored");
    for (const sequenceId of [snowflake(2_000), snowflake(1_999, 1, 4095)]) {
      const result = await status("st-5", { sequenceId, marker: "old" });
      expect(result.outcome === "ignored" && result.reason).toBe("older-sequence");
    }
    const row = await readRow(db, "st-5");
    expect(row?.seq).toBe(snowflake(2_000).toString());
    expect((row?.status as { id: string }).id).toBe("status-new");
  });

  test("a sequence id from another node is a General error with Maestro's text", async () => {
    await seed("st-6");
    await status("st-6", { sequenceId: snowflake(2_000, 1) });
    await expectMaestroError(
      status("st-6", { sequenceId: snowflake(3_000, 2) }),
      ErrorCode.General,
      "Unable to compare sequence IDs: maestro-9: Sequence IDs are not from the same node",
    );
  });

  test("an identical status JSON under a newer sequence id is ignored as unchanged", async () => {
    await seed("st-7");
    expect((await status("st-7", { sequenceId: snowflake(5_000) })).outcome).toBe("stored");
    const again = await status("st-7", { sequenceId: snowflake(6_000) });
    expect(again.outcome === "ignored" && again.reason).toBe("unchanged");
    expect((await readRow(db, "st-7"))?.seq).toBe(snowflake(5_000).toString());
  });

  test("Deleted=True hard-deletes the row whatever its version and returns what the source needs", async () => {
    const payload = await seed("st-8", 4);
    await writer.submit({ kind: "delete", id: "st-8" });
    const row = await readRow(db, "st-8");
    const result = await status("st-8", { resourceVersion: 1, sequenceId: snowflake(1), deleted: true, marker: "gone" });
    expect(result.outcome).toBe("deleted");
    if (result.outcome !== "deleted") return;
    expect(result.resource).toEqual({
      id: "st-8",
      source: "src-a",
      consumerName: "c1",
      version: 4,
      payload,
      status: {
        ...statusPayload("st-8", "gone"),
        metadata: { ...(payload.metadata as JsonObject), creationTimestamp: row?.created as string, deletionTimestamp: row?.deleted as string },
      },
    });
    expect(await readRow(db, "st-8")).toBeUndefined();
  });

  test("a status of a resource under deletion is still stored (Maestro does not check)", async () => {
    await seed("st-9");
    await writer.submit({ kind: "delete", id: "st-9" });
    expect((await status("st-9")).outcome).toBe("stored");
  });
});

describe("group commit", () => {
  test("ops on one id in one batch apply in submission order, as if one at a time", async () => {
    const id = "ord-1";
    const flushesBefore = writer.stats.flushes;
    const p = (n: number) => specPayload(id, `p${n}`);
    const settled = await Promise.allSettled([
      writer.submit({ kind: "create", id, source: "src-o", consumerName: "c1", version: 0, payload: p(1) }), // v1
      writer.submit({ kind: "update", id, version: 1, payload: p(2) }), // v2
      writer.submit({ kind: "update", id, version: 1, payload: p(3) }), // stale
      writer.submit({ kind: "update", id, version: 0, payload: p(4) }), // v3
      writer.submit({ kind: "status", id, consumerName: "c1", resourceVersion: 3, sequenceId: snowflake(10), status: statusPayload(id, "a"), deleted: false }),
      writer.submit({ kind: "status", id, consumerName: "c1", resourceVersion: 3, sequenceId: snowflake(9), status: statusPayload(id, "b"), deleted: false }),
      writer.submit({ kind: "delete", id }),
      writer.submit({ kind: "update", id, version: 3, payload: p(5) }), // deleting
      writer.submit({ kind: "delete", id }),
      writer.submit({ kind: "status", id, consumerName: "c1", resourceVersion: 3, sequenceId: snowflake(11), status: statusPayload(id, "c"), deleted: true }),
      writer.submit({ kind: "update", id, version: 0, payload: p(6) }), // missing
      writer.submit({ kind: "delete", id }), // missing
      writer.submit({ kind: "create", id, source: "src-o", consumerName: "c1", version: 9, payload: p(7) }), // re-created
    ]);
    expect(writer.stats.flushes).toBe(flushesBefore + 1);
    const value = (i: number) => (settled[i] as PromiseFulfilledResult<unknown>).value;
    const reason = (i: number) => ((settled[i] as PromiseRejectedResult).reason as MaestroError).reason;
    expect(settled.map((s) => s.status)).toEqual([
      "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled", "fulfilled",
      "rejected", "fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled",
    ]);
    expect(value(1)).toMatchObject({ id, version: 2, changed: true });
    expect(reason(2)).toBe("the resource version is not the latest, the latest version: 2");
    expect(value(3)).toMatchObject({ id, version: 3, changed: true });
    expect((value(4) as StatusResult).outcome).toBe("stored");
    expect(value(5)).toMatchObject({ outcome: "ignored", reason: "older-sequence" });
    expect(value(6)).toMatchObject({ found: true, changed: true });
    expect(reason(7)).toBe("the resource is under deletion, id: ord-1");
    expect(value(8)).toMatchObject({ found: true, changed: false });
    expect(value(9)).toMatchObject({ outcome: "deleted", resource: { version: 3, payload: p(4) } });
    expect(reason(10)).toBe("Resource with id='ord-1' not found");
    expect(value(11)).toEqual({ id, found: false, deletedAt: null, changed: false });
    expect(value(12)).toMatchObject({ id, version: 9 });
    const row = await readRow(db, id);
    expect(row).toMatchObject({ version: 9, payload: p(7), status: null, deleting: false });
  });

  test("ops submitted while a flush is in flight form the next batch", async () => {
    const gate = gatedDatabase(db);
    const gated = new BatchWriter(gate.db);
    gate.close();
    const first = gated.submit({ kind: "create", id: "grow-0", source: "s", consumerName: "c1", version: 0, payload: specPayload("grow-0", "x") });
    await waitFor(() => gated.stats.flushes === 1);
    const rest = Array.from({ length: 200 }, (_, i) =>
      gated.submit({ kind: "create", id: `grow-${i + 1}`, source: "s", consumerName: "c1", version: 0, payload: specPayload("g", "x") }),
    );
    expect(gated.stats.queueRows).toBe(200);
    gate.open();
    await Promise.all([first, ...rest]);
    expect(gated.stats).toMatchObject({ flushes: 2, batchRowsLast: 200, batchRowsMax: 200, rowsCommitted: 201, queueRows: 0, queueBytes: 0 });
    expect(await countRows(db, "grow-")).toBe(201);
    await gated.close();
  });

  test("a flush takes at most batchRowsMax ops and batchBytesMax payload bytes", async () => {
    const byRows = new BatchWriter(db, { batchRowsMax: 100 });
    await Promise.all(
      Array.from({ length: 450 }, (_, i) =>
        byRows.submit({ kind: "create", id: `cap-r-${i}`, source: "s", consumerName: "c1", version: 0, payload: specPayload("x", "x") }),
      ),
    );
    expect(byRows.stats).toMatchObject({ flushes: 5, batchRowsMax: 100, batchRowsLast: 50, rowsCommitted: 450 });
    await byRows.close();

    const payload = specPayload("cap-b", "x", 1_000);
    const bytes = encodedBytes(encodeOp({ kind: "create", id: "cap-b-0", source: "s", consumerName: "c1", version: 0, payload }));
    const byBytes = new BatchWriter(db, { batchBytesMax: 3 * bytes + 3 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => byBytes.submit({ kind: "create", id: `cap-b-${i}`, source: "s", consumerName: "c1", version: 0, payload })),
    );
    expect(byBytes.stats).toMatchObject({ flushes: 4, batchRowsMax: 3, batchRowsLast: 1, rowsCommitted: 10 });
    expect(await countRows(db, "cap-")).toBe(460);
    await byBytes.close();
  });

  test("a full queue rejects submits with a retryable error; the queued ones still commit", async () => {
    const gate = gatedDatabase(db);
    const small = new BatchWriter(gate.db, { queueRowsMax: 10 });
    gate.close();
    const op = (i: number) => small.submit({ kind: "create", id: `qf-${i}`, source: "s", consumerName: "c1", version: 0, payload: specPayload("q", "q") });
    const inFlight = op(0);
    await waitFor(() => small.stats.flushes === 1);
    const queued = Array.from({ length: 10 }, (_, i) => op(i + 1));
    const error = await expectMaestroError(op(11), ErrorCode.General, "the resource write queue is full, retry later");
    expect(error.grpcStatus).toBe(GrpcStatus.Unavailable);
    expect(small.stats.queueFullRejections).toBe(1);
    gate.open();
    await Promise.all([inFlight, ...queued]);
    expect(await countRows(db, "qf-")).toBe(11);
    await small.close();
  });

  test("the queue is bounded by bytes too", async () => {
    const gate = gatedDatabase(db);
    const payload = specPayload("qb", "x", 1_000);
    const bytes = encodedBytes(encodeOp({ kind: "create", id: "qb-0", source: "s", consumerName: "c1", version: 0, payload }));
    const small = new BatchWriter(gate.db, { queueBytesMax: 2 * bytes + 2 });
    gate.close();
    const op = (i: number) => small.submit({ kind: "create", id: `qb-${i}`, source: "s", consumerName: "c1", version: 0, payload });
    const inFlight = op(0);
    await waitFor(() => small.stats.flushes === 1);
    const queued = [op(1), op(2)];
    await expectMaestroError(op(3), ErrorCode.General, "the resource write queue is full, retry later");
    gate.open();
    await Promise.all([inFlight, ...queued]);
    await small.close();
  });

  test("close() refuses new ops, flushes the queued ones, then resolves", async () => {
    const gate = gatedDatabase(db);
    const closing = new BatchWriter(gate.db);
    gate.close();
    const op = (i: number) => closing.submit({ kind: "create", id: `cl-${i}`, source: "s", consumerName: "c1", version: 0, payload: specPayload("c", "c") });
    const inFlight = op(0);
    await waitFor(() => closing.stats.flushes === 1);
    const queued = Array.from({ length: 5 }, (_, i) => op(i + 1));
    let closed = false;
    const closePromise = closing.close().then(() => {
      closed = true;
    });
    expect(closing.close()).toBe(closing.close());
    const refused = await expectMaestroError(op(99), ErrorCode.General, "the resource writer is closed");
    expect(refused.grpcStatus).toBe(GrpcStatus.Unavailable);
    expect(closed).toBe(false);
    gate.open();
    await closePromise;
    // Every queued op settled before close() resolved.
    const results = await Promise.all([inFlight, ...queued]);
    expect(results.map((r) => r.version)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await countRows(db, "cl-")).toBe(6);
    expect(closing.stats.flushes).toBe(2);
  });

  test("close() of an idle writer resolves at once", async () => {
    const idle = new BatchWriter(db);
    await idle.close();
    await expectMaestroError(idle.submit({ kind: "delete", id: "x" }), ErrorCode.General, "the resource writer is closed");
  });
});

describe("failures", () => {
  test("an op the database refuses fails alone; the rest of its batch commits", async () => {
    const bad = specPayload("fx-bad", "x");
    // PostgreSQL's jsonb refuses \u0000 in strings: the whole statement fails, so the batch is split.
    bad.data = { text: "nul\u0000byte" };
    const splitsBefore = writer.stats.splits;
    const ops = Array.from({ length: 20 }, (_, i) =>
      writer.submit({ kind: "create", id: `fx-${i}`, source: "s", consumerName: "c1", version: 0, payload: i === 13 ? bad : specPayload("fx", "ok") }),
    );
    const settled = await Promise.allSettled(ops);
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(19);
    const failed = settled[13] as PromiseRejectedResult;
    expect(failed.status).toBe("rejected");
    expect(failed.reason).toBeInstanceOf(MaestroError);
    expect((failed.reason as MaestroError).code).toBe(ErrorCode.General);
    expect((failed.reason as MaestroError).reason).toStartWith("Unable to create Resource: ");
    expect(writer.stats.splits).toBeGreaterThan(splitsBefore);
    expect(await countRows(db, "fx-")).toBe(19);
  });

  test("a lost connection fails the batch with a retryable error, without splitting", async () => {
    const lost = Object.assign(new Error("write CONNECTION_CLOSED 127.0.0.1:5432"), { code: "CONNECTION_CLOSED" });
    const failing = new BatchWriter(failingDatabase(db, lost, 1));
    const ops = [0, 1, 2].map((i) =>
      failing.submit({ kind: "create", id: `lost-${i}`, source: "s", consumerName: "c1", version: 0, payload: specPayload("l", "l") }),
    );
    for (const op of ops) {
      const error = await expectMaestroError(op, ErrorCode.General, "Unable to write resources: write CONNECTION_CLOSED 127.0.0.1:5432");
      expect(error.grpcStatus).toBe(GrpcStatus.Unavailable);
    }
    expect(failing.stats).toMatchObject({ transactions: 1, splits: 0, rowsFailed: 3 });
    await failing.close();
  });

  test("serialization failures and deadlocks are retried as a whole batch", async () => {
    const conflict = Object.assign(new Error("could not serialize access"), { code: "40001" });
    const retrying = new BatchWriter(failingDatabase(db, conflict, 2));
    const result = await retrying.submit({ kind: "create", id: "retry-1", source: "s", consumerName: "c1", version: 0, payload: specPayload("r", "r") });
    expect(result.version).toBe(1);
    expect(retrying.stats).toMatchObject({ transactions: 3, splits: 0, rowsCommitted: 1 });
    await retrying.close();
  });

  test("errors are classified by SQLSTATE", () => {
    expect(classifyDatabaseError({ code: "40P01" })).toBe("transient");
    expect(classifyDatabaseError({ code: "08006" })).toBe("unavailable");
    expect(classifyDatabaseError({ code: "57P01" })).toBe("unavailable");
    expect(classifyDatabaseError(new Error("PGlite is closed"))).toBe("unavailable");
    expect(classifyDatabaseError({ code: "23503" })).toBe("statement");
    expect(classifyDatabaseError({ code: "22P05" })).toBe("statement");
  });

  test("counters add up", () => {
    const s = writer.stats;
    expect(s.flushes).toBeGreaterThan(0);
    expect(s.transactions).toBeGreaterThanOrEqual(s.flushes);
    expect(s.rowsRejected).toBeGreaterThan(0);
    expect(s.rowsPerFlush).toBeCloseTo((s.rowsCommitted + s.rowsFailed) / s.flushes);
    expect(s.queueRows).toBe(0);
  });
});
