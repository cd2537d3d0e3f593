// One batch of resource writes inside one transaction: validation and encoding of each op (at
// submit), the split into rounds where each id appears once, and per round: lock the rows,
// decide with the pure rules of version-rules.ts, run one multi-row statement per kind.

import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import { assert } from "../assert.ts";
import { Errors, type MaestroError } from "../errors.ts";
import type { SqlExecutor } from "./database.ts";
import { checkSpecUpdate, createVersion, decideStatus, statusWithSpecMetadata, workMetadataWithTimes } from "./version-rules.ts";
import type { CreateOp, DeleteOp, StatusOp, StatusResource, StatusResult, UpdateOp, WriteOp, WriteResult } from "./write-ops.ts";
import {
  hardDelete,
  insertRows,
  lockRows,
  softDelete,
  storeStatuses,
  updatePayloads,
  type InsertRow,
  type LockedRow,
} from "./write-statements.ts";

/**
 * An op checked and serialized once, at submit; `json` is the payload JSON text, or for a status
 * its JSON without `metadata`, so the flush can splice in the spec's metadata without serializing
 * the status again. `metadataJson` is the op's `metadata` alone (a spec's goes to the search
 * column, a status's is used when the spec has none); undefined when absent.
 */
export type EncodedOp =
  | { readonly op: CreateOp; readonly name: string; readonly version: number; readonly json: string; readonly metadataJson: string | undefined }
  | { readonly op: UpdateOp; readonly json: string; readonly metadataJson: string | undefined }
  | { readonly op: DeleteOp; readonly json: "" }
  | { readonly op: StatusOp; readonly json: string; readonly metadataJson: string | undefined };

/** The outcome of one op: a result, or the MaestroError its caller gets. */
export type Settlement = { readonly ok: true; readonly value: WriteResult } | { readonly ok: false; readonly error: MaestroError };

/** Largest snowflake: ids are signed 64-bit integers in PostgreSQL (status_sequence_id int8). */
const sequenceIdMax = (1n << 63n) - 1n;

/**
 * Validates an op and serializes its JSON once. Throws MaestroError BadRequest on bad input, so
 * a bad op never reaches SQL. Example: `encodeOp({ kind: "delete", id: "a" })`.
 */
export function encodeOp(op: WriteOp): EncodedOp {
  requireText(op.id, "id");
  switch (op.kind) {
    case "create": {
      const name = op.name ?? op.id;
      requireText(name, "name");
      requireText(op.source, "source");
      requireText(op.consumerName, "consumer name");
      requireVersion(op.version, "version");
      return { op, name, version: createVersion(op.version), ...encodeSpec(op.payload) };
    }
    case "update":
      requireVersion(op.version, "version");
      return { op, ...encodeSpec(op.payload) };
    case "delete":
      return { op, json: "" };
    case "status":
      requireText(op.consumerName, "consumer name");
      requireVersion(op.resourceVersion, "resource version");
      if (typeof op.sequenceId !== "bigint" || op.sequenceId < 0n || op.sequenceId > sequenceIdMax) {
        throw Errors.badRequest(`the status sequence id of resource ${op.id} is not a 64-bit snowflake id`);
      }
      if (typeof op.deleted !== "boolean") throw Errors.badRequest(`the status of resource ${op.id} has no deleted flag`);
      return encodeStatus(op);
    default:
      throw Errors.badRequest(`unsupported resource write ${String((op as { kind: unknown }).kind)}`);
  }
}

function encodeSpec(payload: JsonObject): { json: string; metadataJson: string | undefined } {
  const json = stringifyObject(payload, "payload");
  const metadata = Object.hasOwn(payload, "metadata") ? payload.metadata : undefined;
  return { json, metadataJson: metadata === undefined ? undefined : stringifyJson(metadata, "payload metadata") };
}

function encodeStatus(op: StatusOp): EncodedOp {
  if (!Object.hasOwn(op.status ?? {}, "metadata")) return { op, json: stringifyObject(op.status, "status"), metadataJson: undefined };
  const { metadata, ...rest } = op.status;
  const metadataJson = metadata === undefined ? undefined : stringifyJson(metadata, "status metadata");
  return { op, json: stringifyObject(rest, "status"), metadataJson };
}

/** Bytes an encoded op adds to a batch (UTF-16 length: a cheap bound, not exact UTF-8 bytes). */
export function encodedBytes(encoded: EncodedOp): number {
  const metadata = "metadataJson" in encoded ? (encoded.metadataJson?.length ?? 0) : 0;
  return encoded.op.id.length + encoded.json.length + metadata;
}

/**
 * The JSON text of an object given without its `metadata` key plus that key's JSON text (none:
 * the object as is). The status-side twin of statusWithSpecMetadata: the spec's metadata wins,
 * else the status keeps its own. Example: `withMetadataJson('{"a":1}', '{"name":"w"}')`.
 */
export function withMetadataJson(restJson: string, metadataJson: string | undefined): string {
  assert(restJson.startsWith("{") && restJson.endsWith("}"), "a status is a JSON object");
  if (metadataJson === undefined) return restJson;
  return restJson === "{}" ? `{"metadata":${metadataJson}}` : `{"metadata":${metadataJson},${restJson.slice(1)}`;
}

/**
 * Applies ops in submission order inside `tx` and returns one settlement per op. The k-th op of
 * an id runs in round k, so several ops on one id see each other's effects exactly as if they
 * were applied one at a time. Throws only on database errors (the caller retries or splits).
 * Example: `const out = await db.transaction((tx) => applyBatch(tx, encoded))`.
 */
export async function applyBatch(tx: SqlExecutor, ops: readonly EncodedOp[]): Promise<Settlement[]> {
  assert(ops.length > 0, "a batch has at least one op");
  const out: (Settlement | undefined)[] = new Array(ops.length);
  for (const round of splitRounds(ops)) await applyRound(tx, ops, round, out);
  return out.map((settlement) => {
    assert(settlement !== undefined, "every op of a batch is settled");
    return settlement;
  });
}

/** Round k holds the indexes of the k-th op of each id, in submission order. */
export function splitRounds(ops: readonly EncodedOp[]): number[][] {
  const seen = new Map<string, number>();
  const rounds: number[][] = [];
  ops.forEach((encoded, index) => {
    const round = seen.get(encoded.op.id) ?? 0;
    seen.set(encoded.op.id, round + 1);
    (rounds[round] ??= []).push(index);
  });
  return rounds;
}

type Out = (Settlement | undefined)[];
type Picked<O extends WriteOp> = { readonly index: number; readonly encoded: Extract<EncodedOp, { readonly op: O }> };

async function applyRound(tx: SqlExecutor, ops: readonly EncodedOp[], round: readonly number[], out: Out): Promise<void> {
  const creates: Picked<CreateOp>[] = [];
  const updates: Picked<UpdateOp>[] = [];
  const statuses: Picked<StatusOp>[] = [];
  const deletes: Picked<DeleteOp>[] = [];
  for (const index of round) {
    const encoded = ops[index];
    assert(encoded !== undefined, "a round index points into the batch");
    if (encoded.op.kind === "create") creates.push({ index, encoded } as Picked<CreateOp>);
    else if (encoded.op.kind === "update") updates.push({ index, encoded } as Picked<UpdateOp>);
    else if (encoded.op.kind === "status") statuses.push({ index, encoded } as Picked<StatusOp>);
    else deletes.push({ index, encoded } as Picked<DeleteOp>);
  }
  // Spec rows and status rows are locked by two reads because only statuses need the spec's
  // metadata; batches are mostly one or the other, so this is usually one statement.
  const locked = await lockRows(tx, [...updates, ...deletes].map((p) => p.encoded.op.id), false);
  const lockedForStatus = await lockRows(tx, statuses.map((p) => p.encoded.op.id), true);
  await applyCreates(tx, creates, out);
  await applyUpdates(tx, updates, locked, out);
  await applyStatuses(tx, statuses, lockedForStatus, out);
  await applyDeletes(tx, deletes, locked, out);
}

async function applyCreates(tx: SqlExecutor, creates: readonly Picked<CreateOp>[], out: Out): Promise<void> {
  if (creates.length === 0) return;
  const rows: InsertRow[] = creates.map(({ index, encoded }) => {
    const { op, name, version } = encoded;
    return { ord: index, id: op.id, name, source: op.source, consumerName: op.consumerName, version, payloadJson: encoded.json, metadataJson: encoded.metadataJson };
  });
  const outcomes = await insertRows(tx, rows);
  const byIndex = new Map(creates.map((p) => [p.index, p.encoded.op]));
  for (const outcome of outcomes) {
    const op = byIndex.get(outcome.ord);
    assert(op !== undefined, "an insert outcome belongs to a create of this round");
    if (outcome.inserted) {
      out[outcome.ord] = { ok: true, value: { id: op.id, version: outcome.version, createdAt: outcome.createdAt } };
    } else if (outcome.consumerFound || outcome.duplicate) {
      out[outcome.ord] = { ok: false, error: Errors.resourceAlreadyExists() };
    } else {
      out[outcome.ord] = { ok: false, error: Errors.consumerNameNotFound(op.consumerName) };
    }
  }
}

async function applyUpdates(
  tx: SqlExecutor,
  updates: readonly Picked<UpdateOp>[],
  locked: ReadonlyMap<string, LockedRow>,
  out: Out,
): Promise<void> {
  const accepted: { index: number; id: string; payloadJson: string; metadataJson: string | undefined; current: LockedRow }[] = [];
  for (const { index, encoded } of updates) {
    const { op } = encoded;
    const current = locked.get(op.id);
    const error = checkSpecUpdate(op.id, op.version, current && { version: current.version, deleting: current.deletedAt !== null });
    if (error !== null) out[index] = { ok: false, error };
    else if (current !== undefined) accepted.push({ index, id: op.id, payloadJson: encoded.json, metadataJson: encoded.metadataJson, current });
  }
  if (accepted.length === 0) return;
  const updated = await updatePayloads(tx, accepted);
  for (const { index, id, current } of accepted) {
    const version = updated.get(id);
    assert(version === undefined || version === current.version + 1, "an accepted update bumps the locked version by one");
    out[index] = {
      ok: true,
      value: { id, version: version ?? current.version, changed: version !== undefined, consumerName: current.consumerName, createdAt: current.createdAt },
    };
  }
}

async function applyStatuses(
  tx: SqlExecutor,
  statuses: readonly Picked<StatusOp>[],
  locked: ReadonlyMap<string, LockedRow>,
  out: Out,
): Promise<void> {
  const toStore: { index: number; op: StatusOp; current: LockedRow; statusJson: string }[] = [];
  const toDelete: { index: number; op: StatusOp; current: LockedRow }[] = [];
  for (const { index, encoded } of statuses) {
    const { op } = encoded;
    const current = locked.get(op.id);
    const decision = decideStatus(op, current);
    if (decision.action === "reject") out[index] = { ok: false, error: decision.error };
    else if (decision.action === "ignore") out[index] = { ok: true, value: ignoredStatus(op.id, decision.reason, current) };
    else if (current === undefined) assert(false, "a stored or deleted status has a locked row");
    else if (decision.action === "delete") toDelete.push({ index, op, current });
    else toStore.push({ index, op, current, statusJson: withMetadataJson(encoded.json, specMetadataJson(current) ?? encoded.metadataJson) });
  }
  const stored = await storeStatuses(
    tx,
    toStore.map((s) => ({ id: s.op.id, sequenceId: s.op.sequenceId, resourceVersion: s.op.resourceVersion, statusJson: s.statusJson })),
  );
  for (const { index, op, current } of toStore) {
    const payload = stored.get(op.id);
    out[index] = {
      ok: true,
      value: payload === undefined ? ignoredStatus(op.id, "unchanged", current) : { outcome: "stored", resource: statusResource(op, current, payload) },
    };
  }
  const deleted = await hardDelete(tx, toDelete.map((d) => d.op.id));
  for (const { index, op, current } of toDelete) {
    const payload = deleted.get(op.id);
    assert(payload !== undefined, "every locked row of a Deleted status is deleted");
    out[index] = { ok: true, value: { outcome: "deleted", resource: statusResource(op, current, payload) } };
  }
}

async function applyDeletes(
  tx: SqlExecutor,
  deletes: readonly Picked<DeleteOp>[],
  locked: ReadonlyMap<string, LockedRow>,
  out: Out,
): Promise<void> {
  const toMark: { index: number; id: string }[] = [];
  for (const { index, encoded } of deletes) {
    const id = encoded.op.id;
    const current = locked.get(id);
    if (current === undefined) out[index] = { ok: true, value: { id, found: false, deletedAt: null, changed: false } };
    else if (current.deletedAt !== null) out[index] = { ok: true, value: { id, found: true, deletedAt: current.deletedAt, changed: false } };
    else toMark.push({ index, id });
  }
  const marked = await softDelete(tx, toMark.map((m) => m.id));
  for (const { index, id } of toMark) {
    const mark = marked.get(id);
    const current = locked.get(id);
    assert(mark !== undefined && current !== undefined, "every locked, undeleted row is marked");
    const spec = { consumerName: current.consumerName, version: current.version, createdAt: current.createdAt, payload: mark.payload };
    out[index] = { ok: true, value: { id, found: true, deletedAt: mark.deletedAt, changed: true, spec } };
  }
}

/** The locked row's spec metadata with its timestamps synced (statusWithSpecMetadata's value), as JSON text. */
function specMetadataJson(current: LockedRow): string | undefined {
  if (current.specMetadataJson === undefined) return undefined;
  return JSON.stringify(workMetadataWithTimes(JSON.parse(current.specMetadataJson) as JsonValue, current));
}

function ignoredStatus(id: string, reason: Extract<StatusResult, { outcome: "ignored" }>["reason"], current: LockedRow | undefined): StatusResult {
  const found =
    current === undefined
      ? null
      : { version: current.version, source: current.source, consumerName: current.consumerName, statusSequenceId: current.statusSequenceId };
  return { outcome: "ignored", id, reason, current: found };
}

function statusResource(op: StatusOp, current: LockedRow, payload: JsonObject): StatusResource {
  return {
    id: op.id,
    source: current.source,
    consumerName: current.consumerName,
    version: current.version,
    payload,
    status: statusWithSpecMetadata(op.status, payload, current),
  };
}

function requireText(value: unknown, what: string): asserts value is string {
  if (typeof value !== "string" || value.length === 0) throw Errors.badRequest(`the resource ${what} must be a non-empty string`);
}

function requireVersion(value: unknown, what: string): void {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw Errors.badRequest(`the resource ${what} must be a non-negative integer, got ${String(value)}`);
  }
}

function stringifyObject(value: unknown, what: string): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw Errors.badRequest(`the resource ${what} must be a JSON object`);
  }
  return stringifyJson(value, what);
}

function stringifyJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw Errors.badRequest(`the resource ${what} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (json === undefined) throw Errors.badRequest(`the resource ${what} is not valid JSON`);
  return json;
}
