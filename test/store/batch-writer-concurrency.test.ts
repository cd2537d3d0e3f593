// The batch writer under load and races: 10,000 concurrent creates with duplicates and updates
// mixed in, a consumer deleted in the middle of a flush (FK race), and two writers contending for
// the same rows. Runs on PGlite and, with DATABASE_URL, on PostgreSQL.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ErrorCode, MaestroError } from "../../src/errors.ts";
import { BatchWriter } from "../../src/store/batch-writer.ts";
import type { Database } from "../../src/store/database.ts";
import type { CreateOp, UpdateOp } from "../../src/store/write-ops.ts";
import { openTestDatabase, storeKind } from "../support/database.ts";
import { waitFor } from "../support/wait.ts";
import { countRows, createConsumer, expectMaestroError, specPayload } from "./batch-writer-helpers.ts";

let db: Database;
let writer: BatchWriter;

beforeAll(async () => {
  db = await openTestDatabase();
  writer = new BatchWriter(db);
  await createConsumer(db, "c1");
});

afterAll(async () => {
  await writer.close();
  await db.close();
});

/** A small deterministic PRNG (LCG) so a failure replays the same op order. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

type Expected = { ok: true; version: number } | { ok: false; code: ErrorCode; reason: string };

/** Applies ops one at a time to an in-memory model: the outcomes the writer must reproduce. */
function model(ops: readonly (CreateOp | UpdateOp)[], consumers: ReadonlySet<string>) {
  const rows = new Map<string, { version: number; marker: string }>();
  const expected: Expected[] = ops.map((op): Expected => {
    const row = rows.get(op.id);
    if (op.kind === "create") {
      if (row) return { ok: false, code: ErrorCode.Conflict, reason: "This Resource already exists" };
      if (!consumers.has(op.consumerName)) return { ok: false, code: ErrorCode.NotFound, reason: `Consumer with name='${op.consumerName}' not found` };
      rows.set(op.id, { version: op.version === 0 ? 1 : op.version, marker: String(op.payload.id) });
      return { ok: true, version: op.version === 0 ? 1 : op.version };
    }
    if (!row) return { ok: false, code: ErrorCode.NotFound, reason: `Resource with id='${op.id}' not found` };
    if (op.version !== 0 && op.version !== row.version) {
      return { ok: false, code: ErrorCode.Conflict, reason: `the resource version is not the latest, the latest version: ${row.version}` };
    }
    row.version += 1;
    row.marker = String(op.payload.id);
    return { ok: true, version: row.version };
  });
  return { rows, expected };
}

/** 10,000 creates (8,900 new ids, 1,000 duplicates, 100 for a missing consumer) plus 1,100 updates. */
function loadOps(prefix: string): (CreateOp | UpdateOp)[] {
  const rand = prng(42);
  const pick = (n: number) => Math.floor(rand() * n);
  const creates: CreateOp[] = [];
  const create = (id: string, consumerName: string, n: number): CreateOp => ({
    kind: "create",
    id,
    source: "load",
    consumerName,
    version: 0,
    payload: specPayload(id, `c${n}`, 300),
  });
  for (let i = 0; i < 8_900; i++) creates.push(create(`${prefix}${i}`, "c1", creates.length));
  for (let i = 0; i < 1_000; i++) creates.push(create(`${prefix}${pick(8_900)}`, "c1", creates.length));
  for (let i = 0; i < 100; i++) creates.push(create(`${prefix}nc-${i}`, "no-such-consumer", creates.length));
  // Shuffle (Fisher-Yates), so duplicates land in the same batch as their original or later.
  for (let i = creates.length - 1; i > 0; i--) {
    const j = pick(i + 1);
    [creates[i], creates[j]] = [creates[j]!, creates[i]!];
  }
  const ops: (CreateOp | UpdateOp)[] = [...creates];
  const update = (id: string, version: number, n: number): UpdateOp => ({ kind: "update", id, version, payload: specPayload(id, `u${n}`, 300) });
  // Updates go anywhere after the first create of their id: stale (version 5), current (1), or
  // of ids never created. Positions are drawn from the shuffled sequence, so many share a batch.
  const firstIndex = new Map<string, number>();
  ops.forEach((op, i) => firstIndex.has(op.id) || firstIndex.set(op.id, i));
  const inserts: { at: number; op: UpdateOp }[] = [];
  for (let i = 0; i < 1_000; i++) {
    const id = `${prefix}${pick(8_900)}`;
    const after = firstIndex.get(id)!;
    inserts.push({ at: after + 1 + pick(ops.length - after), op: update(id, i % 2 === 0 ? 5 : 1, i) });
  }
  for (let i = 0; i < 100; i++) inserts.push({ at: pick(ops.length), op: update(`${prefix}never-${i}`, 1, 2_000 + i) });
  inserts.sort((a, b) => b.at - a.at);
  for (const { at, op } of inserts) ops.splice(at, 0, op);
  return ops;
}

describe("batch writer under load", () => {
  test(`10,000 concurrent creates with duplicates and stale updates mixed in (${storeKind})`, async () => {
    const prefix = "load-";
    const ops = loadOps(prefix);
    expect(ops.filter((op) => op.kind === "create")).toHaveLength(10_000);
    const { rows, expected } = model(ops, new Set(["c1"]));
    const before = writer.stats;

    const settled = await Promise.allSettled(ops.map((op) => writer.submit(op)));

    let accepted = 0;
    let rejected = 0;
    settled.forEach((outcome, i) => {
      const want = expected[i]!;
      if (want.ok) {
        accepted += 1;
        if (outcome.status !== "fulfilled") throw new Error(`op ${i} (${ops[i]!.kind} ${ops[i]!.id}) failed: ${String(outcome.reason)}`);
        expect((outcome.value as { version: number }).version).toBe(want.version);
      } else {
        rejected += 1;
        if (outcome.status !== "rejected") throw new Error(`op ${i} (${ops[i]!.kind} ${ops[i]!.id}) should have failed with ${want.reason}`);
        expect(outcome.reason).toBeInstanceOf(MaestroError);
        const error = outcome.reason as MaestroError;
        expect({ code: error.code, reason: error.reason }).toEqual({ code: want.code, reason: want.reason });
      }
    });
    // The mix really exercised every rule.
    expect(accepted).toBeGreaterThan(9_000);
    expect(rejected).toBeGreaterThan(1_000);
    expect(expected.filter((e) => !e.ok && e.reason.startsWith("the resource version is not the latest"))).not.toHaveLength(0);

    // Every accepted create is stored exactly once, with the winning payload and final version.
    expect(await countRows(db, prefix)).toBe(rows.size);
    const stored = await db.query<{ id: string; version: number; marker: string }>(
      "SELECT id, version, payload->>'id' AS marker FROM resources WHERE id LIKE $1",
      [`${prefix}%`],
    );
    expect(stored).toHaveLength(rows.size);
    for (const row of stored) {
      const want = rows.get(row.id);
      expect({ id: row.id, version: Number(row.version), marker: row.marker }).toEqual({
        id: row.id,
        version: want!.version,
        marker: want!.marker,
      });
    }
    const after = writer.stats;
    expect(after.rowsCommitted - before.rowsCommitted).toBe(ops.length);
    expect(after.splits).toBe(before.splits);
    // Group commit happened: far fewer flushes than ops, none over the cap.
    expect(after.flushes - before.flushes).toBeLessThan(ops.length / 100);
    expect(after.batchRowsMax).toBeLessThanOrEqual(1_000);
  });
});

describe("races", () => {
  test("a consumer deleted between the existence check and the FK check fails only its creates", async () => {
    await createConsumer(db, "fk-victim");
    // The trigger deletes the consumer inside the insert, after the statement's existence check
    // ran and before the FK check: the same window a concurrent DELETE hits.
    await db.query(`CREATE FUNCTION test_delete_consumer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM consumers WHERE name = NEW.consumer_name; RETURN NEW; END $$`);
    await db.query(`CREATE TRIGGER test_fk_race BEFORE INSERT ON resources FOR EACH ROW
      WHEN (NEW.consumer_name = 'fk-victim') EXECUTE FUNCTION test_delete_consumer()`);
    try {
      const splitsBefore = writer.stats.splits;
      const create = (id: string, consumerName: string) =>
        writer.submit({ kind: "create", id, source: "s", consumerName, version: 0, payload: specPayload(id, "x") });
      const innocents = Array.from({ length: 40 }, (_, i) => create(`fk-${i}`, "c1"));
      const victim = create("fk-victim-row", "fk-victim");
      const more = Array.from({ length: 40 }, (_, i) => create(`fk-more-${i}`, "c1"));
      await expectMaestroError(victim, ErrorCode.NotFound, "Consumer with name='fk-victim' not found");
      const results = await Promise.all([...innocents, ...more]);
      expect(results.every((r) => r.version === 1)).toBe(true);
      expect(await countRows(db, "fk-")).toBe(80);
      expect(writer.stats.splits).toBeGreaterThan(splitsBefore);
    } finally {
      await db.query("DROP TRIGGER test_fk_race ON resources");
      await db.query("DROP FUNCTION test_delete_consumer()");
    }
  });

  test.skipIf(storeKind !== "postgres")("a consumer deleted by a concurrent transaction fails only its creates (PostgreSQL only: PGlite has one connection, so no concurrent transaction)", async () => {
    await createConsumer(db, "race-victim");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let deleted = false;
    const deleter = db.transaction(async (tx) => {
      await tx.query("DELETE FROM consumers WHERE name = $1", ["race-victim"]);
      deleted = true;
      await gate;
    });
    await waitFor(() => deleted);
    const splitsBefore = writer.stats.splits;
    const create = (id: string, consumerName: string) =>
      writer.submit({ kind: "create", id, source: "s", consumerName, version: 0, payload: specPayload(id, "x") });
    const innocents = Array.from({ length: 30 }, (_, i) => create(`race-${i}`, "c1"));
    const victim = create("race-victim-row", "race-victim");
    // The flush saw the consumer (the delete is not committed) and now waits on its row lock.
    await waitFor(async () => {
      const rows = await db.query("SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted");
      return Number(rows[0]!.n) > 0;
    });
    release();
    await deleter;
    await expectMaestroError(victim, ErrorCode.NotFound, "Consumer with name='race-victim' not found");
    expect((await Promise.all(innocents)).every((r) => r.version === 1)).toBe(true);
    expect(await countRows(db, "race-")).toBe(30);
    // The FK failure hit the whole batch, which was split to find the one create it belongs to.
    expect(writer.stats.splits).toBeGreaterThan(splitsBefore);
  });

  test("two writers updating the same rows concurrently lose no update", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `two-${i}`);
    await Promise.all(ids.map((id) => writer.submit({ kind: "create", id, source: "s", consumerName: "c1", version: 0, payload: specPayload(id, "v1") })));
    const a = new BatchWriter(db, { batchRowsMax: 50 });
    const b = new BatchWriter(db, { batchRowsMax: 50 });
    const updates = Array.from({ length: 400 }, (_, i) => {
      const id = ids[i % ids.length]!;
      return (i % 2 === 0 ? a : b).submit({ kind: "update", id, version: 0, payload: specPayload(id, `u${i}`) });
    });
    const results = await Promise.all(updates);
    // Each id got 20 updates; together they must have produced exactly versions 2..21.
    for (const id of ids) {
      const versions = results.filter((r) => r.id === id).map((r) => r.version).sort((x, y) => x - y);
      expect(versions).toEqual(Array.from({ length: 20 }, (_, k) => k + 2));
    }
    const rows = await db.query<{ version: number }>("SELECT version FROM resources WHERE id LIKE 'two-%'");
    expect(rows.every((r) => Number(r.version) === 21)).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});
