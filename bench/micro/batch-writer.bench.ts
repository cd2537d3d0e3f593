// Micro-benchmark of the group-commit writer: flush throughput (rows/s) for creates, spec updates
// and status updates of ~3 KB payloads, on PGlite and (when DATABASE_URL is set) PostgreSQL,
// plus the two parameter encodings and the cost of the lock read, measured at statement level.
// A plain timed script: mitata's per-iteration model fits synchronous functions, while one
// iteration here is thousands of rows through a database with state carried between phases.
//
//   npx bun bench/micro/batch-writer.bench.ts                      # PGlite only
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx bun bench/micro/batch-writer.bench.ts
//
// Options (env): BENCH_ROWS (ops per phase, default 20000), BENCH_REPEATS (default 3).

import { cpus } from "node:os";
import type { JsonObject } from "../../src/cloudevents/types.ts";
import { BatchWriter } from "../../src/store/batch-writer.ts";
import type { Database } from "../../src/store/database.ts";
import { openTestDatabase } from "../../test/support/database.ts";

const rowsPerPhase = Number(process.env.BENCH_ROWS ?? 20_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);

/** A ~3 KB spec CloudEvent: three ConfigMaps, as a typical small ManifestWork. */
function specPayload(id: string, generation: number): JsonObject {
  const manifests = [0, 1, 2].map((k) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `cm-${k}`, namespace: "default", labels: { app: "bench", generation: String(generation) } },
    data: { config: "x".repeat(700) },
  }));
  return {
    specversion: "1.0",
    id: crypto.randomUUID(),
    source: "bench-source",
    type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.update_request",
    time: new Date().toISOString(),
    datacontenttype: "application/json",
    resourceid: id,
    resourceversion: generation,
    clustername: "cluster-1",
    metadata: { name: id, namespace: "cluster-1", labels: { bench: "true" } },
    data: { manifests, deleteOption: { propagationPolicy: "Foreground" }, manifestConfigs: [] },
  };
}

/** A ~3 KB status CloudEvent: conditions and per-manifest status feedback. */
function statusPayload(id: string, sequenceId: bigint): JsonObject {
  const manifests = [0, 1, 2].map((k) => ({
    resourceMeta: { ordinal: k, group: "", version: "v1", kind: "ConfigMap", resource: "configmaps", name: `cm-${k}`, namespace: "default" },
    conditions: [
      { type: "Applied", status: "True", reason: "AppliedManifestComplete", message: "Apply manifest complete".padEnd(200, "."), lastTransitionTime: new Date().toISOString() },
      { type: "Available", status: "True", reason: "ResourceAvailable", message: "Resource is available".padEnd(200, "."), lastTransitionTime: new Date().toISOString() },
    ],
    statusFeedback: { values: [{ name: "status", fieldValue: { type: "JsonRaw", jsonRaw: "{}".padEnd(300, " ") } }] },
  }));
  return {
    specversion: "1.0",
    id: crypto.randomUUID(),
    source: "cluster-1-work-agent",
    type: "io.open-cluster-management.works.v1alpha1.manifestbundles.status.update_request",
    resourceid: id,
    resourceversion: 1,
    clustername: "cluster-1",
    originalsource: "maestro",
    sequenceid: sequenceId.toString(),
    data: { conditions: [{ type: "Applied", status: "True", reason: "AppliedManifestWorkComplete" }], resourceStatus: { manifests } },
  };
}

interface PhaseResult {
  readonly rowsPerSecond: number;
  readonly rowsPerFlush: number;
}

/** Submits `count` ops at once and measures until the last one settles. */
async function runPhase(db: Database, makeOp: (i: number) => Parameters<BatchWriter["submit"]>[0], count: number): Promise<PhaseResult> {
  const writer = new BatchWriter(db);
  const ops = Array.from({ length: count }, (_, i) => makeOp(i));
  const started = performance.now();
  await Promise.all(ops.map((op) => writer.submit(op)));
  const seconds = (performance.now() - started) / 1000;
  const stats = writer.stats;
  await writer.close();
  return { rowsPerSecond: count / seconds, rowsPerFlush: stats.rowsPerFlush };
}

async function benchWriter(db: Database): Promise<void> {
  await db.query("INSERT INTO consumers (id, name) VALUES ('cluster-1', 'cluster-1') ON CONFLICT DO NOTHING");
  // Warm-up: JIT, statement plans, the first pages of each index.
  await runPhase(db, (i) => ({ kind: "create", id: `warm-${i}`, source: "bench", consumerName: "cluster-1", version: 0, payload: specPayload(`warm-${i}`, 1) }), 2_000);
  const results: Record<string, PhaseResult[]> = { create: [], update: [], status: [] };
  let sequence = 1_000_000n;
  for (let r = 0; r < repeats; r++) {
    const id = (i: number) => `r${r}-${i}`;
    results.create!.push(
      await runPhase(db, (i) => ({ kind: "create", id: id(i), source: "bench", consumerName: "cluster-1", version: 0, payload: specPayload(id(i), 1) }), rowsPerPhase),
    );
    results.update!.push(await runPhase(db, (i) => ({ kind: "update", id: id(i), version: 1, payload: specPayload(id(i), 2) }), rowsPerPhase));
    results.status!.push(
      await runPhase(
        db,
        (i) => {
          sequence += 1n;
          const sequenceId = (sequence << 22n) | (1n << 12n);
          return { kind: "status", id: id(i), consumerName: "cluster-1", resourceVersion: 2, sequenceId, status: statusPayload(id(i), sequenceId), deleted: false };
        },
        rowsPerPhase,
      ),
    );
  }
  for (const [kind, runs] of Object.entries(results)) {
    const rates = runs.map((x) => x.rowsPerSecond);
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
    console.log(
      `  writer ${kind.padEnd(7)} median ${fmt(median)} rows/s  (runs: ${rates.map(fmt).join(", ")}; ${fmt(runs[0]!.rowsPerFlush)} rows/flush)`,
    );
  }
}

/** Statement-level comparison: one JSON array parameter vs one array parameter per column. */
async function benchEncodings(db: Database): Promise<void> {
  const batch = 1_000;
  const batches = Math.max(3, Math.floor(rowsPerPhase / batch / 2));
  const recordset = `INSERT INTO resources (id, name, source, consumer_name, version, payload)
    SELECT v.id, v.id, 'bench', 'cluster-1', 1, v.payload
    FROM json_to_recordset($1::text::json) AS v(i int, id text, payload json) ORDER BY v.i
    ON CONFLICT DO NOTHING RETURNING id`;
  const unnest = `INSERT INTO resources (id, name, source, consumer_name, version, payload)
    SELECT v.id, v.id, 'bench', 'cluster-1', 1, v.payload::json
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS v(id, payload, i) ORDER BY v.i
    ON CONFLICT DO NOTHING RETURNING id`;
  const time = async (name: string, params: (b: number) => unknown[], sql: string) => {
    let ms = 0;
    for (let b = 0; b < batches; b++) {
      const started = performance.now();
      await db.transaction((tx) => tx.query(sql, params(b)));
      ms += performance.now() - started;
    }
    console.log(`  insert ${name.padEnd(30)} ${fmt((batch * batches) / (ms / 1000))} rows/s`);
  };
  const ids = (tag: string, b: number) => Array.from({ length: batch }, (_, i) => `${tag}-${b}-${i}`);
  const payloads = (b: number) => ids("p", b).map((id) => JSON.stringify(specPayload(id, 1)));
  for (const round of [1, 2]) {
    await time(`json_to_recordset (run ${round})`, (b) => {
      const texts = payloads(b);
      return [`[${ids(`rs${round}`, b).map((id, i) => `{"i":${i},"id":${JSON.stringify(id)},"payload":${texts[i]}}`).join(",")}]`];
    }, recordset);
    await time(`unnest text[] (run ${round})`, (b) => [ids(`un${round}`, b), payloads(b)], unnest);
  }
  // The writer locks rows (SELECT ... FOR UPDATE) before deciding; this is what that read costs
  // next to the UPDATE it guards.
  const lock = `SELECT id, version, deleted_at FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;
  const update = `UPDATE resources r SET version = r.version + 1, payload = v.payload
    FROM json_to_recordset($1::text::json) AS v(id text, payload json) WHERE r.id = v.id RETURNING r.id`;
  let lockMs = 0;
  let updateMs = 0;
  for (let b = 0; b < batches; b++) {
    const batchIds = ids("rs1", b);
    const texts = payloads(b);
    const json = `[${batchIds.map((id, i) => `{"id":${JSON.stringify(id)},"payload":${texts[i]}}`).join(",")}]`;
    await db.transaction(async (tx) => {
      const t0 = performance.now();
      await tx.query(lock, [batchIds]);
      const t1 = performance.now();
      await tx.query(update, [json]);
      lockMs += t1 - t0;
      updateMs += performance.now() - t1;
    });
  }
  console.log(`  lock read: ${(lockMs / batches).toFixed(1)} ms per 1,000 rows vs ${(updateMs / batches).toFixed(1)} ms for the UPDATE`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

console.log(`batch writer micro-benchmark: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, Bun ${Bun.version}, ${rowsPerPhase} ops/phase, ${repeats} runs`);
for (const useUrl of process.env.DATABASE_URL ? [false, true] : [false]) {
  const saved = process.env.DATABASE_URL;
  if (!useUrl) delete process.env.DATABASE_URL;
  const db = await openTestDatabase();
  if (saved !== undefined) process.env.DATABASE_URL = saved;
  console.log(`${db.kind}:`);
  try {
    await benchWriter(db);
    await benchEncodings(db);
  } finally {
    await db.close();
  }
}
