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

/**
 * Spec resync reads: consumers per query. Every agent resyncs when it (re)connects, so a connect
 * storm of 200,000 clusters would be 200,000 queries; coalesced, it is 200 queries of 1,000
 * bound parameters each (PostgreSQL allows 65,535).
 */
export const specResyncConsumersPerQuery = 1_000;
/** Spec resync reads in flight at once: leaves most of the pool to the writer and the REST API. */
export const specResyncQueriesInFlight = 2;

/** DB pool size for postgres.js (Maestro's `--db-max-open-connections` default is 50; we need few). */
export const dbPoolConnectionsMax = 10;

assert(writeBatchRowsMax > 0, "writeBatchRowsMax must be positive");
assert(writeBatchBytesMax >= grpcReceiveBytesMax, "one maximal gRPC message must fit in one batch");
assert(writeQueueRowsMax >= writeBatchRowsMax, "the queue must hold at least one full batch");
assert(listSizeDefault <= listSizeMax, "the default page must be within the maximum");
assert(specResyncQueriesInFlight < dbPoolConnectionsMax, "resync reads must leave pool connections to the writer");

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

/**
 * Longest resource id a source may publish. Go clients send 36-char UUIDs; 253 is the longest
 * Kubernetes object name, so anything longer is a mistake, and the id is a primary key.
 */
export const resourceIdBytesMax = 253;

/**
 * Source client: page size of the work list pager, Maestro Go client's `MaxListPageSize`. A
 * ManifestWork is ~3 KB, so one page is ~1.2 MB of JSON: big enough to list 10k works in 25
 * round trips, small enough that the server never builds a huge response.
 */
export const workListPageSizeMax = 400;
/**
 * Source client: most pages one list may fetch (400 x 2,500 = 1M works). Go loops until a short
 * page; the bound stops a server that always answers full pages from looping us forever.
 */
export const workListPagesMax = 2_500;
/**
 * Source client: summed JSON size of a work's manifests, sdk-go's ManifestValidator limit
 * (500 KiB); the client refuses bigger works before publishing, as the Go client does.
 */
export const workManifestsBytesMax = 500 * 1024;
/** Source client: first reconnect delay. Short, so a server restart costs ~0.5 s of stream. */
export const sourceReconnectDelayInitialMs = 500;
/**
 * Source client: longest reconnect delay. 30 s keeps a fleet of 10k sources reconnecting to a
 * restarted server at ~330 streams/s at worst, and one that was down comes back within 30 s.
 */
export const sourceReconnectDelayMaxMs = 30_000;
/** Source client: each failed attempt multiplies the delay by this (500 ms, 1 s, 2 s, ... 30 s). */
export const sourceReconnectFactor = 2;
/** Source client: fraction of each delay taken off at random, so sources do not reconnect in step. */
export const sourceReconnectJitter = 0.5;
/**
 * Source client: a stream that stayed up this long was healthy, so the next reconnect starts
 * from the first delay again (a server that accepts then drops at once keeps backing off).
 */
export const sourceReconnectResetAfterMs = 30_000;
/** Source client: Publish deadline. A create is answered after its group commit (few ms); 30 s is a stuck server. */
export const sourcePublishDeadlineMs = 30_000;
/** Source client: how many recent stream closes the connection keeps for diagnostics. */
export const sourceRecentClosesMax = 16;
/** Source client: REST request timeout; a 400-item page is ~1.2 MB, which a healthy server sends in well under 1 s. */
export const restRequestTimeoutMs = 30_000;

assert(workListPageSizeMax > 0, "workListPageSizeMax must be positive");
assert(workListPageSizeMax <= listSizeMax, "a client page must fit the server's page bound");
assert(workListPagesMax > 0, "workListPagesMax must be positive");
assert(workManifestsBytesMax < grpcReceiveBytesMax, "a valid work must fit one gRPC message");
assert(sourceReconnectDelayInitialMs > 0, "the first reconnect delay must be positive");
assert(sourceReconnectDelayInitialMs <= sourceReconnectDelayMaxMs, "the first delay is within the maximum");
assert(sourceReconnectFactor >= 1, "reconnect delays must not shrink");
assert(sourceReconnectJitter >= 0 && sourceReconnectJitter < 1, "jitter is a fraction below 1, so a delay stays positive");
assert(sourceRecentClosesMax > 0, "sourceRecentClosesMax must be positive");

/**
 * Fanout (src/server/streams): shards per stream registry. Keys (a source or a consumer name)
 * hash to a shard; each shard drains its own bounded queue once per event-loop turn. 16 is a
 * power of two well above the cores one process uses; an idle shard costs two empty arrays.
 */
export const streamShardCountDefault = 16;
/**
 * Fanout: deliveries (key, frame) waiting in one shard between two drains. A 1,000-row commit
 * adds at most 1,000; a shard queue past `streamShardFlushFrames` drains at once, so only a
 * delivery made while that shard is draining (re-entrant) can pile up to this bound. Over it
 * the key's streams are closed (ShardOverflow) and resync; the queue never grows further.
 */
export const streamShardQueueFramesMax = 50_000;
/**
 * Fanout: frame bytes waiting in one shard. 64 MiB is ~20,000 typical 3 KB events or 16
 * maximal 4 MiB ones; 16 shards bound the whole registry's shard backlog at 1 GiB.
 */
export const streamShardQueueBytesMax = 64 * 1024 * 1024;
/**
 * Fanout: a shard queue holding more than this many frames (or `streamShardFlushBytes`) is
 * drained synchronously inside deliver() instead of waiting for the next turn, so a producer
 * looping over a large resync does not have to yield for the shard to keep up (STYLE 20).
 */
export const streamShardFlushFrames = 4_096;
/** Fanout: the byte threshold of the early shard drain above (4 MiB: one maximal message). */
export const streamShardFlushBytes = 4 * 1024 * 1024;
/**
 * Per-stream outbound queue: frame bytes waiting for the transport. nats-server defaults to
 * 64 MB per client; our events are ~3 KB, so 8 MiB is ~2,800 events or two maximal 4 MiB
 * messages behind a full HTTP/2 window. Over it the stream is closed (SlowConsumerPendingBytes):
 * the client reconnects and resyncs instead of holding memory for everyone.
 */
export const streamPendingBytesMax = 8 * 1024 * 1024;
/**
 * Per-stream outbound queue: frames waiting for the transport. Maestro buffers 100 per stream
 * and blocks the sender; we never block, so this must cover a burst (a resync of a 10,000-work
 * cluster) at ~40 bytes of queue slot each (400 KB) plus the frames themselves.
 */
export const streamPendingFramesMax = 10_000;
/**
 * A stream whose transport has not drained for this long while we wait on it is closed
 * (WriteDeadline). Maestro clients expect a heartbeat every 10 s and give up after 20 s, so a
 * stream stalled for 60 s is a paused or dead peer that keepalive may not catch.
 */
export const streamWriteStallMsMax = 60_000;
/** Recent stream closes kept per registry for the admin view (STYLE 9): 256 records of ~200 B. */
export const streamCloseRecordsMax = 256;
/** One info line per close reason per 10 s at most; the others are counted and reported with it. */
export const streamCloseLogIntervalMs = 10_000;
/**
 * Per-key sent-frame counters kept for `grpc_server_message_sent_total{source}` (source
 * registry only). Sources are few; 10,000 bounds the label set if clients invent source names.
 */
export const streamKeyStatsMax = 10_000;

assert(streamShardCountDefault > 0, "streamShardCountDefault must be positive");
assert(streamShardFlushFrames <= streamShardQueueFramesMax, "the early shard drain triggers before the shard queue is full");
assert(streamShardFlushBytes <= streamShardQueueBytesMax, "the early shard drain triggers before the shard byte bound");
assert(streamShardQueueBytesMax >= 4 * grpcReceiveBytesMax, "a shard queue holds several maximal messages");
assert(streamPendingBytesMax >= 2 * grpcReceiveBytesMax, "a stream can queue two maximal messages behind a full transport");
assert(streamPendingFramesMax > 0, "streamPendingFramesMax must be positive");
assert(streamCloseRecordsMax > 0, "streamCloseRecordsMax must be positive");
assert(streamWriteStallMsMax > 20_000, "a stalled stream outlives the clients' 20 s heartbeat timeout");
/** Source client: how long connectSourceWorkClient waits for the first subscription (Go's client fails fast too). */
export const sourceSubscribeTimeoutMs = 10_000;
assert(sourceSubscribeTimeoutMs > 0, "sourceSubscribeTimeoutMs must be positive");

/**
 * Attempts of the work client's REST re-list after a (re)subscribe before it gives up and
 * reports: with the reconnect backoff (0.5 s doubling) six attempts span ~15 s, longer than a
 * server takes to start its REST listener.
 */
export const relistAttemptsMax = 6;

/**
 * Longest wait for one Subscribe stream to hand a paced chunk (a quarter of its pending bound,
 * ~2 MiB) to the transport during a resync or redelivery. A healthy client takes 2 MiB in
 * milliseconds; one that cannot in 2 s is a slow consumer, closed so the others go on.
 */
export const streamPacedFlushWaitMsMax = 2_000;
assert(streamPacedFlushWaitMsMax < streamWriteStallMsMax, "a paced wait gives up before the write deadline");

/**
 * Kubernetes client (src/agent/kube): longest wait for one API request, response included.
 * kube-apiserver ends every non-watch request itself at 60 s (`--request-timeout` default), so
 * 65 s lets the server's own Timeout Status arrive first and still frees a request stuck on a
 * dead TCP connection, which would otherwise hold a work's apply forever.
 */
export const kubeRequestTimeoutMs = 65_000;
/**
 * Kubernetes client: largest response body read. etcd refuses values over 1.5 MiB
 * (`--max-request-bytes`), so one object is at most ~3 MiB as indented JSON, and the largest
 * discovery document (core/v1, ~60 resources) is ~40 KB; 16 MiB is 5x headroom while a
 * runaway or hostile response cannot exhaust the agent's memory.
 */
export const kubeResponseBytesMax = 16 * 1024 * 1024;
/**
 * Kubernetes client: a kind missing from a cached discovery document refetches that document
 * only when the copy is older than this. A bundle naming an unknown kind would otherwise cost
 * one discovery round trip per resolve; 1 s still finds a just-installed CRD on the next retry.
 */
export const kubeDiscoveryMissRefreshMsMin = 1_000;
/**
 * Kubernetes client: group-versions kept in the discovery cache. A large cluster serves
 * ~100-300 (OpenShift ~300); 1,024 holds them all while misspelled apiVersions in manifests
 * (cached as absent) cannot grow the cache without bound.
 */
export const kubeDiscoveryGroupVersionsMax = 1_024;
/** Kubernetes client: longest error message kept from a response (a Status message is ~100 B-2 KB). */
export const kubeErrorMessageBytesMax = 4 * 1024;

assert(kubeRequestTimeoutMs > 60_000, "the client outwaits kube-apiserver's own 60 s request timeout");
assert(kubeResponseBytesMax >= 4 * 1024 * 1024, "a maximal object (1.5 MiB in etcd) fits in one response as JSON");
assert(kubeDiscoveryMissRefreshMsMin >= 0, "kubeDiscoveryMissRefreshMsMin must not be negative");
assert(kubeDiscoveryGroupVersionsMax >= 300, "the cache holds every group-version of a large cluster");
assert(kubeErrorMessageBytesMax > 0, "kubeErrorMessageBytesMax must be positive");

/**
 * Simulated cluster (src/agent/simulated): how long a workload takes to become ready after a
 * spec change. Real Deployments of small images become Available in 2-10 s; 2 s keeps load
 * tests realistic (statuses change after the first status sync) without slowing tests, which
 * inject a clock anyway.
 */
export const simulatedReadyDelayMsDefault = 2_000;
/** Simulated cluster: nodes a DaemonSet schedules on. Three is the usual small HA cluster. */
export const simulatedNodeCountDefault = 3;
/**
 * Simulated cluster: largest stored object (its JSON). The API server refuses request bodies
 * over 3 MiB (`--max-request-bytes` default); the agent accepts manifests up to 1 MiB
 * (MaxJSONRawLength), so every manifest it can receive fits.
 */
export const simulatedObjectBytesMax = 3 * 1024 * 1024;
/**
 * Simulated cluster: most objects one simulated cluster holds. A cluster with 10,000 works of
 * 5 manifests is 50,000 objects (~40 MB of JSON); past that a load test has a runaway loop, and
 * create/apply fail with Forbidden (like an exceeded quota) instead of eating the process.
 */
export const simulatedClusterObjectsMax = 50_000;

assert(simulatedReadyDelayMsDefault >= 0, "a ready delay cannot be negative");
assert(simulatedNodeCountDefault > 0, "a cluster has at least one node");
assert(simulatedObjectBytesMax >= 1024 * 1024, "every manifest the agent accepts (1 MiB) fits one simulated object");
assert(simulatedClusterObjectsMax > 0, "simulatedClusterObjectsMax must be positive");

/**
 * Agent status feedback (src/agent/feedback): compiled JSONPath templates kept in the cache.
 * A work carries a handful of paths and fleets share them (the 9 well-known ones plus a few
 * custom ones), so 1,024 entries hold every path in use; a source inventing paths can only
 * make the cache reset, never grow it without bound.
 */
export const jsonPathCacheEntriesMax = 1_024;
/**
 * Longest template the JSONPath cache stores (longer ones are compiled on every use, with the
 * same result). Real feedback paths are under 100 characters; with this cap the cache holds at
 * most ~1 MiB of keys plus their trees instead of 1,024 copies of a 4 MiB hostile string.
 */
export const jsonPathCacheTemplateCharsMax = 1_024;
/**
 * Deepest nesting of sub-expressions (union members, `['key']`, filter sides) the JSONPath
 * parser follows. Real paths nest 2 levels (`[?(@.a=='x')]` inside a field chain); 32 keeps the
 * recursive parser far from the JS stack limit while a hostile path fails with a syntax error.
 */
export const jsonPathNestingMax = 32;
/**
 * Most values one JSONPath evaluation may hold in one step. The largest object the API server
 * stores is ~1.5 MiB (etcd's request limit) and every JSON value takes >= 2 bytes (`0,`), so an
 * honest path (even `..` or `[*]` over a huge list) yields < 800,000 values; only chained unions
 * (`[0,0,0][0,0,0]…`) multiply past it, and they fail with an evaluation error instead of
 * exhausting memory. 1M references are ~8 MB, a bounded cost for one rejected path.
 */
export const jsonPathResultsMax = 1_048_576;

assert(jsonPathCacheEntriesMax > 0, "jsonPathCacheEntriesMax must be positive");
assert(jsonPathCacheTemplateCharsMax > 0, "jsonPathCacheTemplateCharsMax must be positive");
assert(jsonPathNestingMax >= 4, "a filter inside a union inside a field chain must parse");
assert(jsonPathResultsMax > 0, "jsonPathResultsMax must be positive");

/**
 * MQTT transport (src/transport/mqtt): largest PUBLISH packet we send. Maestro's dev broker and
 * resync batches stay under 512 KiB (maestro-wire.md 3.3, 4.1), and a work's manifests are at
 * most 500 KiB (`workManifestsBytesMax`), so a spec event of a valid work plus ~12 KiB of
 * attributes fits. A bigger event is refused before it reaches the broker, with a typed error.
 */
export const mqttPacketBytesMax = 512 * 1024;
/**
 * MQTT: largest packet we accept (advertised as Maximum Packet Size in CONNECT, so the broker
 * never sends more). Go Maestro puts no cap on what it publishes; 4 MiB is the gRPC receive
 * bound, so an event that can arrive over gRPC can arrive over MQTT too.
 */
export const mqttReceivePacketBytesMax = grpcReceiveBytesMax;
/**
 * MQTT: QoS 1 publishes sent and awaiting PUBACK, per connection. The broker's Receive Maximum
 * (CONNACK) lowers it; AWS IoT allows 100 unacknowledged messages per connection. 100 in flight
 * at a 1 ms loopback round trip is ~100k PUBACKs/s, far above the store's ~23k rows/s wall.
 */
export const mqttPublishInflightMax = 100;
/**
 * MQTT: publishes waiting behind the in-flight window or for a reconnect. A spec resync of a
 * 10,000-work cluster queues 10,000 events (like `streamPendingFramesMax`); past this bound a
 * publish rejects at once (PublishQueueFull) and the caller's resync covers it later.
 */
export const mqttPublishQueueMax = 10_000;
/** MQTT: bytes waiting in that queue: 64 MiB is ~20,000 typical 3 KB events or 128 maximal packets. */
export const mqttPublishQueueBytesMax = 64 * 1024 * 1024;
/**
 * MQTT: a publish not acknowledged within this time (queued during an outage, or sent and never
 * PUBACKed) rejects with PublishTimeout. 30 s matches the source client's Publish deadline and
 * outlasts a broker restart (~1-5 s) plus the reconnect period.
 */
export const mqttPublishTimeoutMs = 30_000;
/** MQTT: how often queued and in-flight publishes are checked against their deadline (one timer per client). */
export const mqttPublishExpiryCheckMs = 1_000;
/**
 * MQTT: delay between reconnect attempts (mqtt.js `reconnectPeriod`, fixed, no backoff). Each
 * client adds up to `mqttReconnectJitter` of it at random, so 10,000 agents behind a restarted
 * broker spread their reconnects over 1-1.5 s instead of arriving in one burst.
 */
export const mqttReconnectPeriodMs = 1_000;
/** MQTT: fraction of the reconnect period added at random per client (see above). */
export const mqttReconnectJitter = 0.5;
/** MQTT: wait before re-trying a subscription the broker refused after a reconnect (an ACL being fixed). */
export const mqttResubscribeRetryMs = 5_000;
/** MQTT: longest wait for a graceful DISCONNECT on close() before the socket is destroyed. */
export const mqttCloseTimeoutMs = 2_000;

assert(mqttPacketBytesMax > workManifestsBytesMax, "a spec event of a valid work fits one MQTT packet");
assert(mqttReceivePacketBytesMax >= mqttPacketBytesMax, "we accept every packet we would send");
assert(mqttReceivePacketBytesMax <= 268_435_455, "MQTT's variable byte integer caps a packet at 256 MiB");
assert(mqttPublishInflightMax >= 1 && mqttPublishInflightMax <= 65_535, "the in-flight window fits MQTT's 16-bit packet ids and Receive Maximum");
assert(mqttPublishQueueMax >= mqttPublishInflightMax, "the queue holds at least one full window");
assert(mqttPublishQueueBytesMax >= 16 * mqttPacketBytesMax, "the queue holds several maximal packets");
assert(mqttPublishExpiryCheckMs < mqttPublishTimeoutMs, "deadlines are checked several times per timeout");
assert(mqttReconnectPeriodMs > 0, "mqtt.js reconnects only with a positive period");
assert(mqttReconnectJitter >= 0 && mqttReconnectJitter < 1, "jitter is a fraction below 1");
assert(mqttPublishTimeoutMs > mqttReconnectPeriodMs * (1 + mqttReconnectJitter), "a publish outlives at least one reconnect attempt");

/**
 * MQTT server mode: status hashes in one status.resync_request to an agent. Maestro sends its
 * hashes in batches of 1,000 (maestro-wire.md 3.3); an entry is ~110 bytes for a UUID id, so a
 * full batch is ~110 KB of JSON, well under the byte bound below.
 */
export const mqttStatusResyncHashesPerRequestMax = 1_000;
/**
 * MQTT server mode: largest status.resync_request, data plus envelope. Maestro refuses a batch
 * whose JSON CloudEvent exceeds 512 KiB, the dev broker's packet bound; we split instead.
 */
export const mqttStatusResyncRequestBytesMax = 512 * 1024;
/**
 * MQTT server mode: room kept in one request for everything but the hash list: topic, the ce-*
 * user properties (~300 B), content type and packet framing. 4 KiB is 10x what they take.
 */
export const mqttStatusResyncEnvelopeBytesMax = 4 * 1024;
/**
 * MQTT server mode: consumers whose names and status hashes one status-resync query reads.
 * As with spec resync reads, 1,000 bound parameters per query keeps a 200,000-consumer fleet at
 * 200 queries per broker reconnect.
 */
export const mqttStatusResyncConsumersPerQuery = 1_000;
/**
 * MQTT server mode: consumers whose status resync requests are in flight at once (Maestro runs
 * 10 workers). At a 1 ms loopback PUBACK that is ~16,000 consumers/s; at AWS IoT's ~20 ms it
 * is ~800/s, so 10,000 consumers take ~13 s without ever flooding the publish queue.
 */
export const mqttStatusResyncConsumersInFlight = 16;
/**
 * MQTT server mode: publishes of paced sends (spec resync answers, redelivery, status resync
 * requests) awaiting PUBACK at once, shared by all of them. A tenth of the client's publish
 * queue, so a resync storm of 10,000 agents leaves the queue to the hot path's new specs.
 */
export const mqttPacedPublishesInFlightMax = 1_000;
/** MQTT server mode: one warning per drop or publish-failure reason per 10 s; the rest are counted. */
export const mqttWarnIntervalMs = 10_000;

assert(mqttStatusResyncHashesPerRequestMax > 0, "a status resync request holds at least one hash");
assert(mqttStatusResyncRequestBytesMax <= mqttPacketBytesMax, "a status resync request fits one MQTT packet we may send");
assert(mqttStatusResyncEnvelopeBytesMax < mqttStatusResyncRequestBytesMax / 2, "most of a status resync request is its hash list");
assert(
  mqttStatusResyncEnvelopeBytesMax + 32 + resourceIdBytesMax + 64 < mqttStatusResyncRequestBytesMax,
  "one hash entry of the longest resource id always fits one request",
);
assert(mqttStatusResyncConsumersPerQuery > 0 && mqttStatusResyncConsumersPerQuery < 65_535, "one query's names fit PostgreSQL's bind-parameter limit");
assert(mqttStatusResyncConsumersInFlight > 0, "mqttStatusResyncConsumersInFlight must be positive");
assert(mqttPacedPublishesInFlightMax > 0, "mqttPacedPublishesInFlightMax must be positive");
assert(mqttPacedPublishesInFlightMax <= mqttPublishQueueMax / 2, "paced sends leave at least half the publish queue to the hot path");
assert(mqttWarnIntervalMs > 0, "mqttWarnIntervalMs must be positive");

/**
 * Agent (src/agent): a dropped incoming message (malformed, for an unknown cluster, for another
 * cluster) is counted every time but logged as a warning at most once per reason per this
 * interval, with the count since the last warning: a broker full of junk cannot flood the log.
 */
export const agentDropLogIntervalMs = 10_000;
/**
 * MQTT agent: simulated clusters sharing one MQTT connection. The client subscribes all of a
 * connection's topics in one SUBSCRIBE on every reconnect; 2,000 topic filters of at most
 * `mqttAgentTopicBytesMax` bytes (+3 bytes of length and options each) make ~506 KB, under the
 * 512 KiB packet size Maestro's brokers are set up for (`mqttPacketBytesMax`).
 */
export const mqttAgentClustersPerConnectionMax = 2_000;
/** MQTT agent: longest topic the agent subscribes or publishes to (Maestro's are ~50 bytes). */
export const mqttAgentTopicBytesMax = 250;

assert(agentDropLogIntervalMs > 0, "agentDropLogIntervalMs must be positive");
assert(mqttAgentClustersPerConnectionMax * (mqttAgentTopicBytesMax + 3) + 16 <= mqttPacketBytesMax, "one connection's SUBSCRIBE fits one MQTT packet");
