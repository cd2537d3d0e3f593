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

/**
 * Deepest nesting the hand-written protobuf codec follows when skipping unknown group fields
 * (wire types 3/4). Our messages nest at most 5 deep (PublishRequest > CloudEvent > map entry > value >
 * Timestamp); 64 leaves room for odd-but-legal unknown groups while keeping recursion bounded.
 */
export const protobufGroupDepthMax = 64;

/**
 * Deepest JSON nesting the canonical (Go-compatible) JSON writer accepts. Kubernetes objects
 * nest ~15 levels; 1,000 keeps the recursive writer far from the JS stack limit (~10k frames)
 * and matches the order of Go's encoding/json nesting limit (10,000) without risking a crash.
 */
export const jsonDepthMax = 1_000;

/**
 * Kubernetes' total annotation size limit (apimachinery TotalAnnotationSizeLimitB, 256 KiB),
 * applied to each manifest's metadata.annotations exactly as Maestro's validation does.
 */
export const annotationsBytesMax = 256 * 1024;

assert(protobufGroupDepthMax > 0, "protobufGroupDepthMax must be positive");
assert(jsonDepthMax > 0, "jsonDepthMax must be positive");
assert(annotationsBytesMax < grpcReceiveBytesMax, "one manifest's annotations fit in one message");

/**
 * Deepest nesting of the JSON literal after `@>` in a search. Label selectors send a flat
 * object (depth 1); 32 leaves room for real manifest fragments and keeps our validation walk
 * and PostgreSQL's jsonb parser far from their stack limits.
 */
export const searchJsonDepthMax = 32;
/**
 * Most `->`/`->>` keys in one JSON path of a search. The Go client uses 3
 * (`payload->'metadata'->'labels'->>'k'`); 32 covers any manifest path we can imagine.
 */
export const searchJsonPathKeysMax = 32;
/**
 * Longest number literal compared with a number column. 64 characters hold any int8 or double
 * with room to spare, and keep PostgreSQL's numeric input (which refuses more than 16,383
 * fractional digits with a 500) out of reach.
 */
export const searchNumberCharsMax = 64;
/** Most comma-separated terms in `orderBy`: there are only ~11 orderable columns per table. */
export const orderByTermsMax = 32;

assert(searchDepthMax > 0, "searchDepthMax must be positive");
assert(searchInValuesMax > 0, "searchInValuesMax must be positive");
assert(searchInValuesMax < 65_535, "one in (...) list must fit PostgreSQL's bind-parameter limit");
assert(searchTextBytesMax < 65_535, "every bound parameter costs at least one byte of search text, so a search fits PostgreSQL's 65,535-parameter limit");

/**
 * Batch writer: payload bytes queued behind the in-flight flush. 100,000 rows of ~2.5 KB is
 * ~250 MB, so this is the bound that bites first when bundles are big (64 maximal 4 MiB
 * bundles); over it submit() rejects with Unavailable like a full row queue.
 */
export const writeQueueBytesMax = 256 * 1024 * 1024;
/**
 * Batch writer: attempts of one transaction that failed with a serialization failure or a
 * deadlock (40001/40P01) before it is split. Such failures come from concurrent writers on the
 * same rows (several server instances) and clear on retry; three covers a burst of contention.
 */
export const writeRetryAttemptsMax = 3;

assert(writeQueueBytesMax >= writeBatchBytesMax, "the write queue must hold at least one full batch of bytes");
assert(writeRetryAttemptsMax >= 1, "a transaction is attempted at least once");

/**
 * Wire attribute keys ("ce-resourceid", …) whose validated extension name the protobuf binding
 * caches. Real traffic uses ~15 distinct keys; 1,024 covers odd clients while a peer sending
 * random keys can only make the cache reset, never grow without bound.
 */
export const attributeKeyCacheMax = 1_024;
assert(attributeKeyCacheMax > 0, "attributeKeyCacheMax must be positive");
