// The pure rules of resource writes (DESIGN.md "Correctness rules"): create versions, optimistic
// spec updates, soft deletes, and which agent statuses are stored. No I/O: the batch writer reads
// the locked rows, asks these functions what to do, and writes only what they accept.

import { formatTimestampSeconds, timestampFromDate } from "../cloudevents/time.ts";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import { Errors, type MaestroError } from "../errors.ts";

/**
 * Version stored by a create: the event's `resourceversion` when non-zero, else 1.
 * Example: `createVersion(0) === 1`, `createVersion(7) === 7`.
 */
export function createVersion(requested: number): number {
  return requested === 0 ? 1 : requested;
}

/** What a spec update or delete needs to know about the stored row. */
export interface SpecState {
  readonly version: number;
  /** deleted_at is set: the resource is being deleted (soft delete). */
  readonly deleting: boolean;
}

/**
 * Checks a spec update against the locked row, in Maestro's order (`Update`): missing, then
 * deleting, then version (0 = no optimistic check). Returns the error, or null to apply it.
 * Example: `checkSpecUpdate("a", 2, { version: 3, deleting: false })` is Conflict
 * `the resource version is not the latest, the latest version: 3`.
 */
export function checkSpecUpdate(id: string, requestedVersion: number, current: SpecState | undefined): MaestroError | null {
  if (current === undefined) return Errors.resourceNotFound(id);
  if (current.deleting) return Errors.resourceUnderDeletion(id);
  if (requestedVersion !== 0 && requestedVersion !== current.version) return Errors.resourceVersionStale(current.version);
  return null;
}

/** Bits of a snowflake id (bwmarrin/snowflake, maestro-wire.md 2.5): 41 time, 10 node, 12 step. */
const snowflakeStepBits = 12n;
const snowflakeNodeMask = 0x3ffn;

/** The node id (bits 12-21) of a snowflake sequence id. Example: `snowflakeNode(1n << 12n) === 1`. */
export function snowflakeNode(id: bigint): number {
  return Number((id >> snowflakeStepBits) & snowflakeNodeMask);
}

/** How an incoming status sequence id relates to the stored one. */
export type SequenceComparison = "newer" | "not-newer" | "other-node";

/**
 * Maestro's `compareSequenceIDs`: with nothing stored any id is newer; ids from different
 * nodes cannot be compared; otherwise (time, step) must be strictly greater, which for one
 * node is the same as the whole 64-bit id being greater.
 * Example: `compareSequenceIds(5n << 22n | 1n << 12n, null) === "newer"`.
 */
export function compareSequenceIds(incoming: bigint, stored: bigint | null): SequenceComparison {
  if (stored === null) return "newer";
  if (snowflakeNode(incoming) !== snowflakeNode(stored)) return "other-node";
  return incoming > stored ? "newer" : "not-newer";
}

/** What a status update needs to know about the stored row. */
export interface StatusState {
  readonly version: number;
  readonly consumerName: string;
  readonly statusSequenceId: bigint | null;
}

/** The parts of a status update the rules look at. */
export interface StatusInput {
  readonly id: string;
  readonly consumerName: string;
  readonly resourceVersion: number;
  readonly sequenceId: bigint;
  /** The status carries condition Deleted=True: the agent removed the manifests. */
  readonly deleted: boolean;
}

/** Why a status was not stored; none of these is an error for the agent. */
export type StatusIgnoreReason = "missing" | "stale-version" | "older-sequence" | "unchanged";

/** The decision for one status update. "store" may still end "unchanged" if the JSON is equal. */
export type StatusDecision =
  | { readonly action: "store" }
  | { readonly action: "delete" }
  | { readonly action: "ignore"; readonly reason: StatusIgnoreReason }
  | { readonly action: "reject"; readonly error: MaestroError };

/**
 * Decides a status update against the locked row, in Maestro's order (`handleStatusUpdate`,
 * `UpdateStatus`): missing row ignored; wrong consumer rejected; Deleted=True hard-deletes
 * whatever the version; then version must match and the sequence id must be newer.
 * Example: `decideStatus({ ...s, resourceVersion: 1 }, { version: 2, ... })` ignores "stale-version".
 */
export function decideStatus(input: StatusInput, current: StatusState | undefined): StatusDecision {
  if (current === undefined) return { action: "ignore", reason: "missing" };
  if (current.consumerName !== input.consumerName) {
    return { action: "reject", error: Errors.statusConsumerMismatch(input.consumerName, input.id) };
  }
  if (input.deleted) return { action: "delete" };
  if (input.resourceVersion !== current.version) return { action: "ignore", reason: "stale-version" };
  const comparison = compareSequenceIds(input.sequenceId, current.statusSequenceId);
  if (comparison === "other-node") return { action: "reject", error: Errors.sequenceNodeMismatch() };
  if (comparison === "not-newer") return { action: "ignore", reason: "older-sequence" };
  return { action: "store" };
}

/** The row times Maestro copies into the work metadata it hands out. */
export interface RowTimes {
  readonly createdAt: Date;
  /** deleted_at: set while the resource is being deleted. */
  readonly deletedAt: Date | null;
}

/**
 * The spec's work metadata as Maestro reads a resource (`syncTimestampsFromResourceMeta`):
 * creationTimestamp = created_at and, while deleting, deletionTimestamp = deleted_at (RFC 3339,
 * seconds), overriding what the source sent. A metadata value that is not an object is kept
 * as it is. The Go source client takes a watched work's timestamps from here: a DELETED event
 * without deletionTimestamp is what it never gets from Maestro.
 * Example: `workMetadataWithTimes({ name: "w" }, { createdAt, deletedAt: null })` ->
 * `{ name: "w", creationTimestamp: "2026-11-26T16:11:40Z" }`.
 */
export function workMetadataWithTimes(metadata: JsonValue, times: RowTimes): JsonValue {
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return metadata;
  const synced: JsonObject = { ...metadata, creationTimestamp: formatTimestampSeconds(timestampFromDate(times.createdAt)) };
  if (times.deletedAt !== null) synced.deletionTimestamp = formatTimestampSeconds(timestampFromDate(times.deletedAt));
  return synced;
}

/**
 * The status as stored and sent to sources: the agent's status event with its `metadata`
 * replaced by the spec payload's `metadata`, timestamps synced from the row, when the spec has
 * one (maestro-wire.md 7.3 step 3). The status write splices the same value into its JSON.
 * Example: `statusWithSpecMetadata({ id: "e", metadata: {} }, { metadata: { name: "w" } }, row)`.
 */
export function statusWithSpecMetadata(status: JsonObject, payload: JsonObject, times: RowTimes): JsonObject {
  if (!Object.hasOwn(payload, "metadata")) return status;
  const metadata = payload.metadata;
  if (metadata === undefined) return status;
  return { ...status, metadata: workMetadataWithTimes(metadata, times) };
}
