// Shared fixtures of the batch writer tests: payloads, snowflakes, consumers, gated databases.

import { expect } from "bun:test";
import type { JsonObject } from "../../src/cloudevents/types.ts";
import { MaestroError, type ErrorCode } from "../../src/errors.ts";
import type { Database, SqlExecutor } from "../../src/store/database.ts";
import { rejectedMaestroError } from "../support/errors.ts";

/** A spec payload shaped like a source CloudEvent; `marker` tells versions apart. */
export function specPayload(id: string, marker: string, manifestBytes = 100): JsonObject {
  return {
    specversion: "1.0",
    id: `evt-${marker}`,
    source: "test-source",
    type: "io.open-cluster-management.works.v1alpha1.manifestbundles.spec.create_request",
    resourceid: id,
    metadata: { name: id, namespace: "ns", labels: { marker } },
    data: { manifests: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "default" }, data: { k: "x".repeat(manifestBytes) } }] },
  };
}

/** A status payload shaped like an agent's status CloudEvent. */
export function statusPayload(id: string, marker: string, extra: JsonObject = {}): JsonObject {
  return {
    specversion: "1.0",
    id: `status-${marker}`,
    source: "agent",
    resourceid: id,
    metadata: { name: "agent-side-name" },
    data: { conditions: [{ type: "Applied", status: "True", reason: marker }] },
    ...extra,
  };
}

/** A snowflake id laid out as bwmarrin/snowflake: ms since epoch, node, step. */
export function snowflake(ms: number, node = 1, step = 0): bigint {
  return (BigInt(ms) << 22n) | (BigInt(node) << 12n) | BigInt(step);
}

export async function createConsumer(db: Database, name: string): Promise<void> {
  await db.query("INSERT INTO consumers (id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING", [name]);
}

const rfc3339Seconds = `'YYYY-MM-DD"T"HH24:MI:SS"Z"'`;

/**
 * The stored row, with the snowflake as text for exact comparisons, and `created` / `deleted`
 * as RFC 3339 seconds in UTC (how work metadata carries them).
 */
export async function readRow(db: Database, id: string): Promise<Record<string, unknown> | undefined> {
  const rows = await db.query(
    `SELECT id, name, source, consumer_name, version, type, payload, metadata, status, status_sequence_id::text AS seq,
            status_version::int AS status_version,
            deleted_at IS NOT NULL AS deleting,
            to_char(created_at AT TIME ZONE 'UTC', ${rfc3339Seconds}) AS created,
            to_char(deleted_at AT TIME ZONE 'UTC', ${rfc3339Seconds}) AS deleted
     FROM resources WHERE id = $1`,
    [id],
  );
  return rows[0];
}

export async function countRows(db: Database, idPrefix: string): Promise<number> {
  const rows = await db.query("SELECT count(*)::int AS n FROM resources WHERE id LIKE $1", [`${idPrefix}%`]);
  return Number(rows[0]!.n);
}

/** Asserts a rejection with a MaestroError of this code and exact reason. */
export async function expectMaestroError(promise: Promise<unknown>, code: ErrorCode, reason: string): Promise<MaestroError> {
  const maestroError = await rejectedMaestroError(promise);
  expect({ code: maestroError.code, reason: maestroError.reason }).toEqual({ code, reason });
  return maestroError;
}

/**
 * A database whose transactions wait for `open()` while closed, so a test can hold a flush in
 * flight and look at what queues behind it.
 */
export function gatedDatabase(db: Database): { db: Database; close(): void; open(): void } {
  let release: (() => void) | undefined;
  let gate: Promise<void> = Promise.resolve();
  const gated: Database = {
    ...db,
    transaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => {
      await gate;
      return db.transaction(fn);
    },
  };
  return {
    db: gated,
    close: () => {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    open: () => release?.(),
  };
}

/** A database whose next `failures` transactions throw `error` before touching the store. */
export function failingDatabase(db: Database, error: unknown, failures: number): Database {
  let left = failures;
  return {
    ...db,
    transaction: async <T>(fn: (tx: SqlExecutor) => Promise<T>) => {
      if (left > 0) {
        left -= 1;
        throw error;
      }
      return db.transaction(fn);
    },
  };
}
