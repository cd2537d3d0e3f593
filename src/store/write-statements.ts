// The multi-row SQL of the batch writer, one function per statement, raw SQL through the
// driver-neutral SqlExecutor (drizzle's builder costs ~30% on bulk writes, DESIGN.md).
//
// Parameter encoding: rows travel as ONE text parameter holding a JSON array, expanded with
// `json_to_recordset($1::text::json)`; id lists as `$1::text[]`. The `::text` cast makes both
// drivers send the string untouched (postgres.js would JSON-encode a string bound to a json
// parameter again). Payloads are stringified once, at submit, and spliced into the array text;
// a `json` record field keeps that text as is, which is what the `json` columns store.
// Measured against `unnest($1::text[], ...)` with payloads as text[] (bench/micro/batch-writer
// .bench.ts, 1,000 x 3 KB rows): within noise on PostgreSQL (+-10%), 5-40% faster on PGlite.
// Snowflakes go in and out as text (full 64 bits); timestamps come back as epoch milliseconds
// (float8), because drizzle's postgres-js driver turns the client's timestamptz parser off and
// the raw executor then sees strings.

import type { JsonObject } from "../cloudevents/types.ts";
import { assert } from "../assert.ts";
import type { Row, SqlExecutor } from "./database.ts";

/** The locked state of one row, read before deciding updates, statuses and deletes. */
export interface LockedRow {
  readonly id: string;
  readonly version: number;
  readonly consumerName: string;
  readonly source: string;
  readonly createdAt: Date;
  readonly deletedAt: Date | null;
  readonly statusSequenceId: bigint | null;
  /** The spec payload's `metadata` as JSON text (status locks only); undefined when absent. */
  readonly specMetadataJson: string | undefined;
}

// Rows are locked in id order so two writers locking overlapping sets cannot deadlock here.
const lockColumns = `id, version, consumer_name, source,
       (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms,
       (extract(epoch FROM deleted_at) * 1000)::float8 AS deleted_at_ms,
       status_sequence_id::text AS status_sequence_id`;
const lockSql = `SELECT ${lockColumns} FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;
// Statuses also need the spec's metadata, which the writer splices into the status JSON: doing
// that merge in SQL (jsonb ||) cost ~30% of a status flush on PostgreSQL (measured, 4 KB statuses).
const lockWithMetadataSql = `SELECT ${lockColumns}, (payload -> 'metadata')::text AS spec_metadata
FROM resources WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/**
 * Locks the existing rows among `ids` (FOR UPDATE) and returns their state by id; missing ids
 * are absent. `withSpecMetadata` also reads the spec payload's metadata (for statuses).
 * Example: `const rows = await lockRows(tx, ["a", "b"], false)`.
 */
export async function lockRows(tx: SqlExecutor, ids: readonly string[], withSpecMetadata: boolean): Promise<Map<string, LockedRow>> {
  const locked = new Map<string, LockedRow>();
  if (ids.length === 0) return locked;
  const rows = await tx.query(withSpecMetadata ? lockWithMetadataSql : lockSql, [ids]);
  assert(rows.length <= ids.length, "lockRows returned more rows than ids");
  for (const row of rows) {
    const id = String(row.id);
    const deletedAtMs = row.deleted_at_ms;
    const sequenceId = row.status_sequence_id;
    const metadata = row.spec_metadata;
    locked.set(id, {
      id,
      version: toVersion(row.version),
      consumerName: String(row.consumer_name),
      source: String(row.source),
      createdAt: new Date(Number(row.created_at_ms)),
      deletedAt: deletedAtMs === null || deletedAtMs === undefined ? null : new Date(Number(deletedAtMs)),
      statusSequenceId: sequenceId === null || sequenceId === undefined ? null : BigInt(String(sequenceId)),
      specMetadataJson: metadata === null || metadata === undefined ? undefined : String(metadata),
    });
  }
  return locked;
}

/** One row to insert; `ord` orders the rows so that, on a name clash, the earlier op wins. */
export interface InsertRow {
  readonly ord: number;
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly consumerName: string;
  readonly version: number;
  readonly payloadJson: string;
  /** payload.metadata as JSON text, undefined when absent (the `metadata` search column). */
  readonly metadataJson: string | undefined;
}

export type InsertOutcome =
  | { readonly ord: number; readonly inserted: true; readonly version: number; readonly createdAt: Date }
  | { readonly ord: number; readonly inserted: false; readonly consumerFound: boolean; readonly duplicate: boolean };

// Rows whose consumer is missing are filtered out before the insert, so a missing consumer is a
// per-row outcome rather than an FK failure of the whole statement. ON CONFLICT DO NOTHING (no
// target) skips rows clashing on id or name, including with rows earlier in this statement.
// `duplicate` looks at the snapshot for the consumer-missing rows, so that a duplicate id wins
// over a missing consumer as it does in PostgreSQL (unique index before the FK trigger).
const insertSql = `
WITH v AS (
  SELECT x.*, EXISTS (SELECT 1 FROM consumers c WHERE c.name = x.consumer_name) AS consumer_found
  FROM json_to_recordset($1::text::json)
    AS x(i int, id text, name text, source text, consumer_name text, version int8, payload json, metadata jsonb)
), ins AS (
  INSERT INTO resources (id, name, source, consumer_name, version, payload, metadata)
  SELECT v.id, v.name, v.source, v.consumer_name, v.version, v.payload, v.metadata FROM v WHERE v.consumer_found ORDER BY v.i
  ON CONFLICT DO NOTHING
  RETURNING id, version, (extract(epoch FROM created_at) * 1000)::float8 AS created_at_ms
)
SELECT v.i, ins.id IS NOT NULL AS inserted, ins.version, ins.created_at_ms, v.consumer_found,
       CASE WHEN ins.id IS NULL AND NOT v.consumer_found
            THEN EXISTS (SELECT 1 FROM resources r WHERE r.id = v.id OR r.name = v.name)
            ELSE false END AS duplicate
FROM v LEFT JOIN ins ON ins.id = v.id
ORDER BY v.i`;

/**
 * Inserts rows (ids unique within the call) and returns one outcome per row, in `ord` order.
 * Example: `await insertRows(tx, [{ ord: 0, id, name: id, source, consumerName, version: 1, payloadJson }])`.
 */
export async function insertRows(tx: SqlExecutor, rows: readonly InsertRow[]): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  const json = rows.map(
    (r) =>
      `{"i":${r.ord},"id":${JSON.stringify(r.id)},"name":${JSON.stringify(r.name)},"source":${JSON.stringify(r.source)},` +
      `"consumer_name":${JSON.stringify(r.consumerName)},"version":${r.version},"payload":${r.payloadJson}${metadataMember(r.metadataJson)}}`,
  );
  const result = await tx.query(insertSql, [`[${json.join(",")}]`]);
  assert(result.length === rows.length, "insertRows must return one outcome per row");
  return result.map((row): InsertOutcome => {
    const ord = Number(row.i);
    if (row.inserted === true) {
      return { ord, inserted: true, version: toVersion(row.version), createdAt: new Date(Number(row.created_at_ms)) };
    }
    return { ord, inserted: false, consumerFound: row.consumer_found === true, duplicate: row.duplicate === true };
  });
}

// The rows are locked and already checked; the version is bumped only when the payload changed,
// Maestro's rule. Maestro compares the decoded payloads (reflect.DeepEqual); this compares the
// JSON text, which is the same test for payloads encoded the same way (Go clients marshal maps
// with sorted keys; our codec keeps the client's order), and reads as "changed" for a payload that
// differs only in key order or spacing. json has no equality, and comparing as jsonb (parsing
// both sides) cost 30% of update throughput (bench/micro): docs/compatibility.md.
const updateSql = `
UPDATE resources r SET version = r.version + 1, payload = v.payload, metadata = v.metadata, updated_at = now()
FROM json_to_recordset($1::text::json) AS v(id text, payload json, metadata jsonb)
WHERE r.id = v.id AND r.payload::text <> v.payload::text
RETURNING r.id, r.version`;

/** A new payload for a locked row, with its metadata apart as in InsertRow. */
export interface PayloadRow {
  readonly id: string;
  readonly payloadJson: string;
  readonly metadataJson: string | undefined;
}

/**
 * Replaces payloads of locked rows and bumps their versions; returns the new version by id for
 * the rows that changed. Example: `await updatePayloads(tx, [{ id, payloadJson, metadataJson }])`.
 */
export async function updatePayloads(tx: SqlExecutor, rows: readonly PayloadRow[]): Promise<Map<string, number>> {
  const updated = new Map<string, number>();
  if (rows.length === 0) return updated;
  const json = rows.map((r) => `{"id":${JSON.stringify(r.id)},"payload":${r.payloadJson}${metadataMember(r.metadataJson)}}`);
  const result = await tx.query(updateSql, [`[${json.join(",")}]`]);
  for (const row of result) updated.set(String(row.id), toVersion(row.version));
  assert(updated.size === result.length, "updatePayloads returned an id twice");
  return updated;
}

// The status JSON arrives with the spec's metadata already spliced in (write-batch.ts). An equal
// status is not stored ("unchanged"), as Maestro's reflect.DeepEqual check; compared as text,
// since both sides come from the same encoder (an agent reordering keys costs one extra store).
const storeStatusSql = `
UPDATE resources r SET status = v.status, status_sequence_id = v.seq::int8, status_version = v.version, updated_at = now()
FROM json_to_recordset($1::text::json) AS v(id text, seq text, version int8, status json)
WHERE r.id = v.id AND r.status::text IS DISTINCT FROM v.status::text
RETURNING r.id, r.payload`;

/** One status to store: the event's sequenceid and resourceversion, and its JSON. */
export interface StatusRow {
  readonly id: string;
  readonly sequenceId: bigint;
  readonly resourceVersion: number;
  readonly statusJson: string;
}

/**
 * Stores statuses on locked rows and returns the spec payload by id for the rows stored (absent
 * = unchanged). Example: `await storeStatuses(tx, [{ id, sequenceId: 1n, resourceVersion: 1, statusJson }])`.
 */
export async function storeStatuses(tx: SqlExecutor, rows: readonly StatusRow[]): Promise<Map<string, JsonObject>> {
  const stored = new Map<string, JsonObject>();
  if (rows.length === 0) return stored;
  const json = rows.map(
    (r) => `{"id":${JSON.stringify(r.id)},"seq":"${r.sequenceId}","version":${r.resourceVersion},"status":${r.statusJson}}`,
  );
  const result = await tx.query(storeStatusSql, [`[${json.join(",")}]`]);
  for (const row of result) stored.set(String(row.id), toPayload(row));
  assert(stored.size === result.length, "storeStatuses returned an id twice");
  return stored;
}

const hardDeleteSql = `DELETE FROM resources WHERE id = ANY($1::text[]) RETURNING id, payload`;

/** Hard-deletes locked rows; returns their spec payloads by id. Example: `await hardDelete(tx, [id])`. */
export async function hardDelete(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, JsonObject>> {
  const deleted = new Map<string, JsonObject>();
  if (ids.length === 0) return deleted;
  const result = await tx.query(hardDeleteSql, [ids]);
  for (const row of result) deleted.set(String(row.id), toPayload(row));
  assert(deleted.size === ids.length, "hardDelete must delete every locked row");
  return deleted;
}

const softDeleteSql = `
UPDATE resources SET deleted_at = now()
WHERE id = ANY($1::text[]) AND deleted_at IS NULL
RETURNING id, (extract(epoch FROM deleted_at) * 1000)::float8 AS deleted_at_ms, payload`;

/**
 * Marks locked, not yet deleting rows as deleting; returns deleted_at and the spec payload by
 * id (the agent's delete_request carries the bundle, as Maestro's does).
 */
export async function softDelete(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, { deletedAt: Date; payload: JsonObject }>> {
  const marked = new Map<string, { deletedAt: Date; payload: JsonObject }>();
  if (ids.length === 0) return marked;
  const result = await tx.query(softDeleteSql, [ids]);
  for (const row of result) marked.set(String(row.id), { deletedAt: new Date(Number(row.deleted_at_ms)), payload: toPayload(row) });
  assert(marked.size === ids.length, "softDelete must mark every locked, undeleted row");
  return marked;
}

/** The `,"metadata":…` member of a row object; absent metadata is left out (NULL column). */
function metadataMember(metadataJson: string | undefined): string {
  return metadataJson === undefined ? "" : `,"metadata":${metadataJson}`;
}

function toVersion(value: unknown): number {
  const version = Number(value);
  assert(Number.isSafeInteger(version), "a stored version must be a safe integer");
  return version;
}

function toPayload(row: Row): JsonObject {
  const payload = row.payload;
  assert(typeof payload === "object" && payload !== null && !Array.isArray(payload), "a stored payload must be a JSON object");
  return payload as JsonObject;
}
