// Every bound of the system in one place, each with the reason for its number. Relationships
// between limits are asserted at import time so a bad edit fails at start-up, not under load.

import { assert } from "./assert.ts";

/** gRPC max receive size, Maestro's default (`--grpc-max-receive-message-size`): 4 MiB. */
export const grpcReceiveBytesMax = 4 * 1024 * 1024;

/**
 * Largest REST request body we read (consumer POST/PATCH are tiny; 1 MiB leaves room for
 * thousands of labels and refuses a body meant to exhaust memory).
 */
export const httpBodyBytesMax = 1024 * 1024;

/** Maestro's `MAX_LIST_SIZE`: a negative size or one above it is clamped to it. */
export const listSizeMax = 65_500;
/** Page size when `size` is absent (Maestro's default). */
export const listSizeDefault = 100;

/** Longest `search` text accepted: far above any Go client query, far below abuse. */
export const searchTextBytesMax = 16 * 1024;
/** Deepest nesting of parentheses/not in a search; keeps the recursive parser's stack bounded. */
export const searchDepthMax = 64;
/** Most values in one `in (…)` list: each becomes a bound parameter. */
export const searchInValuesMax = 1_000;

/**
 * Batch writer: rows per flush. One flush is one transaction of multi-row statements; 1,000
 * rows of ~3 KB is ~3 MB of parameters, well under PostgreSQL's 1 GB message limit, and big
 * enough that a flush costs one round trip per statement kind instead of one per row.
 */
export const writeBatchRowsMax = 1_000;
/** Batch writer: payload bytes per flush, so a burst of 4 MiB bundles cannot build a 4 GB transaction. */
export const writeBatchBytesMax = 16 * 1024 * 1024;
/**
 * Batch writer: pending operations queued behind the in-flight flush. When full, submit()
 * rejects with Unavailable instead of growing without bound (the caller retries).
 */
export const writeQueueRowsMax = 100_000;

/** DB pool size for postgres.js (Maestro's `--db-max-open-connections` default is 50; we need few). */
export const dbPoolConnectionsMax = 10;

assert(writeBatchRowsMax > 0, "writeBatchRowsMax must be positive");
assert(writeBatchBytesMax >= grpcReceiveBytesMax, "one maximal gRPC message must fit in one batch");
assert(writeQueueRowsMax >= writeBatchRowsMax, "the queue must hold at least one full batch");
assert(listSizeDefault <= listSizeMax, "the default page must be within the maximum");
