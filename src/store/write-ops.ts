// The operations the batch writer accepts and what each one resolves to. Types only, so callers
// (gRPC handlers, REST, status pipeline) can import them without pulling in the writer.

import type { JsonObject } from "../cloudevents/types.ts";
import type { StatusIgnoreReason } from "./version-rules.ts";

/**
 * Insert a resource. Rejects with Conflict `This Resource already exists` (id or name taken) or
 * NotFound `Consumer with name='<c>' not found`.
 * Example: `{ kind: "create", id, source: "mw-client", consumerName: "cluster1", version: 0, payload }`.
 */
export interface CreateOp {
  readonly kind: "create";
  readonly id: string;
  /** Defaults to `id`. */
  readonly name?: string | undefined;
  readonly source: string;
  readonly consumerName: string;
  /** The event's `resourceversion`: 0 stores 1, anything else is stored as given. */
  readonly version: number;
  /** The source's CloudEvent in structured JSON. */
  readonly payload: JsonObject;
}

export interface CreateResult {
  readonly id: string;
  readonly version: number;
  readonly createdAt: Date;
}

/**
 * Replace a resource's payload and bump its version. Rejects with NotFound (missing), Conflict
 * `the resource is under deletion, id: <id>` or Conflict `the resource version is not the
 * latest, the latest version: <n>`.
 * Example: `{ kind: "update", id, version: 3, payload }`.
 */
export interface UpdateOp {
  readonly kind: "update";
  readonly id: string;
  /** The version the source last saw; 0 = no optimistic check (use the stored one). */
  readonly version: number;
  readonly payload: JsonObject;
}

export interface UpdateResult {
  readonly id: string;
  /** The version after the update (stored + 1), or the stored one when nothing changed. */
  readonly version: number;
  /** False when the payload equals the stored one: Maestro then keeps the version. */
  readonly changed: boolean;
  /** The row's consumer and creation time, for the spec event to its agent. */
  readonly consumerName: string;
  readonly createdAt: Date;
}

/**
 * Soft delete: set deleted_at once. Never rejects for missing or already-deleting rows.
 * Example: `{ kind: "delete", id }`.
 */
export interface DeleteOp {
  readonly kind: "delete";
  readonly id: string;
}

/** The spec a soft delete marked, for the delete_request to its agent. */
export interface DeletedSpec {
  readonly consumerName: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly payload: JsonObject;
}

export type DeleteResult =
  /**
   * The row exists; `changed` is true when this op set deleted_at (then `spec` is the row it
   * marked), false when it was set before.
   */
  | { readonly id: string; readonly found: true; readonly deletedAt: Date; readonly changed: boolean; readonly spec?: DeletedSpec }
  | { readonly id: string; readonly found: false; readonly deletedAt: null; readonly changed: false };

/**
 * An agent's status report for one resource.
 * Example: `{ kind: "status", id, consumerName: "cluster1", resourceVersion: 2, sequenceId: 1851...n, status, deleted: false }`.
 */
export interface StatusOp {
  readonly kind: "status";
  readonly id: string;
  /** The event's `clustername`; must equal the resource's consumer. */
  readonly consumerName: string;
  /** The event's `resourceversion`. */
  readonly resourceVersion: number;
  /** The event's `sequenceid` (snowflake, full 64 bits). */
  readonly sequenceId: bigint;
  /** The status CloudEvent in structured JSON (metadata is replaced by the spec's on store). */
  readonly status: JsonObject;
  /** Top-level condition Deleted=True: hard-delete the row. */
  readonly deleted: boolean;
}

/** The resource a stored or deleting status belongs to, for the fanout to its source. */
export interface StatusResource {
  readonly id: string;
  readonly source: string;
  readonly consumerName: string;
  readonly version: number;
  /** The spec payload. */
  readonly payload: JsonObject;
  /** The status as stored (or, for "deleted", as it would have been): spec metadata applied. */
  readonly status: JsonObject;
}

export type StatusResult =
  | { readonly outcome: "stored"; readonly resource: StatusResource }
  | { readonly outcome: "deleted"; readonly resource: StatusResource }
  | {
      readonly outcome: "ignored";
      readonly id: string;
      readonly reason: StatusIgnoreReason;
      /** The row as found, or null when it is missing. */
      readonly current: {
        readonly version: number;
        readonly source: string;
        readonly consumerName: string;
        /** The stored status's sequence id (null before the first status). */
        readonly statusSequenceId: bigint | null;
      } | null;
    };

/** Anything the writer accepts. */
export type WriteOp = CreateOp | UpdateOp | DeleteOp | StatusOp;

/** The result type of an op type. Example: `WriteResultFor<UpdateOp>` is `UpdateResult`. */
export type WriteResultFor<O extends WriteOp> = O extends CreateOp
  ? CreateResult
  : O extends UpdateOp
    ? UpdateResult
    : O extends DeleteOp
      ? DeleteResult
      : StatusResult;

export type WriteResult = CreateResult | UpdateResult | DeleteResult | StatusResult;
