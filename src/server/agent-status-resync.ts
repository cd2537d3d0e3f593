// Status resync to agents (maestro-wire.md 3.3, MQTT mode): when the broker subscription is
// (re)established, every consumer gets status.resync_request events holding the server's status
// hashes, split under both bounds (hashes and bytes), consumers paced with bounded concurrency.

import { stringAttr } from "../cloudevents/attributes.ts";
import { manifestBundleEventType } from "../cloudevents/event-type.ts";
import { uuidV4 } from "../cloudevents/ids.ts";
import { EMPTY_STATUS_HASH } from "../cloudevents/status-hash.ts";
import { timestampNow } from "../cloudevents/time.ts";
import { Ext, JSON_CONTENT_TYPE, SPEC_VERSION, type CloudEvent, type JsonObject, type Timestamp } from "../cloudevents/types.ts";
import { assert } from "../assert.ts";
import type { Logger } from "../observability/logger.ts";
import type { MqttMetrics } from "../observability/mqtt-metrics.ts";
import type { AgentOutlet } from "./agent-outlet.ts";
import { currentStatusHash } from "./status-resync.ts";

/** One entry of `{"statusHashes":[…]}`. Example: `{ resourceID: "55c6…", statusHash: "6170…" }`. */
export interface StatusHashEntry {
  readonly resourceID: string;
  readonly statusHash: string;
}

/** Bounds of one request's hash list: entries, and bytes of its data JSON. */
export interface StatusResyncBatchLimits {
  readonly hashesMax: number;
  readonly dataBytesMax: number;
}

/** `{"statusHashes":[]}` */
const EMPTY_DATA_BYTES = 19;
const encoder = new TextEncoder();

function entryBytes(entry: StatusHashEntry): number {
  return Buffer.byteLength(JSON.stringify(entry));
}

/**
 * Splits hashes into the hash lists of successive requests: each at most `hashesMax` entries
 * and at most `dataBytesMax` bytes as `{"statusHashes":[…]}` JSON, in input order. No hashes
 * give one empty list (the agent then resends every status). An entry that cannot fit even
 * alone (a huge agent-sent hash) goes with an empty hash, which always differs, so the agent
 * resends that status instead of the request being refused. Pure.
 * Example: `statusResyncBatches(hashes, { hashesMax: 1000, dataBytesMax: 512 * 1024 - 4096 })`.
 */
export function statusResyncBatches(hashes: readonly StatusHashEntry[], limits: StatusResyncBatchLimits): StatusHashEntry[][] {
  assert(limits.hashesMax > 0, "a batch holds at least one hash");
  assert(limits.dataBytesMax > EMPTY_DATA_BYTES, "a batch has room for its envelope");
  const batches: StatusHashEntry[][] = [];
  let batch: StatusHashEntry[] = [];
  let bytes = EMPTY_DATA_BYTES;
  for (const original of hashes) {
    let entry = original;
    let size = entryBytes(entry);
    if (EMPTY_DATA_BYTES + size > limits.dataBytesMax) {
      entry = { resourceID: original.resourceID, statusHash: "" };
      size = entryBytes(entry);
      assert(EMPTY_DATA_BYTES + size <= limits.dataBytesMax, "a resource id fits one batch (resourceIdBytesMax)");
    }
    const separator = batch.length === 0 ? 0 : 1;
    if (batch.length === limits.hashesMax || bytes + separator + size > limits.dataBytesMax) {
      batches.push(batch);
      batch = [];
      bytes = EMPTY_DATA_BYTES;
    }
    bytes += (batch.length === 0 ? 0 : 1) + size;
    batch.push(entry);
  }
  if (batch.length > 0 || batches.length === 0) batches.push(batch);
  return batches;
}

/**
 * The status.resync_request for one consumer, as sdk-go's source builds it: source = source id,
 * clustername = consumer, originalsource "", data `{"statusHashes":[…]}`.
 * Example: `statusResyncRequestEvent("cluster1", "maestro", [], timestampNow())`.
 */
export function statusResyncRequestEvent(consumer: string, sourceId: string, hashes: readonly StatusHashEntry[], now: Timestamp): CloudEvent {
  return {
    specversion: SPEC_VERSION,
    id: uuidV4(),
    source: sourceId,
    type: manifestBundleEventType("status", "resync_request"),
    datacontenttype: JSON_CONTENT_TYPE,
    time: now,
    extensions: { [Ext.clusterName]: stringAttr(consumer), [Ext.originalSource]: stringAttr("") },
    data: encoder.encode(JSON.stringify({ statusHashes: hashes })),
  };
}

/**
 * The hash the server holds for a resource (2.6): sha256("") without a status, else the agent's
 * statushash or the hash of the stored status data. Example: `serverStatusHash(null)` -> "e3b0…b855".
 */
export function serverStatusHash(status: JsonObject | null): string {
  return status === null ? EMPTY_STATUS_HASH : currentStatusHash(status);
}

/** A resource's stored status, cut to what its hash needs (`statushash`, else `data`). */
export interface StatusHashSource {
  readonly id: string;
  readonly status: JsonObject | null;
}

/** What a resync run needs. */
export interface AgentStatusResyncDeps {
  /** Consumer names after `after` (exclusive) in name order, at most `limit` (ConsumerRepository.namesAfter). */
  consumerNames(after: string | undefined, limit: number): Promise<string[]>;
  /** Each consumer's resources, in one query (ResourceRepository.statusHashSources). */
  statusSources(consumers: readonly string[]): Promise<Map<string, StatusHashSource[]>>;
  readonly outlet: AgentOutlet;
  readonly sourceId: string;
  readonly metrics: Pick<MqttMetrics, "resyncRun">;
  readonly log: Logger;
}

/** The run's bounds (limits.ts). */
export interface AgentStatusResyncLimits extends StatusResyncBatchLimits {
  readonly consumersPerQuery: number;
  readonly consumersInFlight: number;
}

/** Runs `work` over `items` with at most `concurrency` at once; stops taking new items once `stop()` is true. */
async function forEachBounded<T>(items: readonly T[], concurrency: number, stop: () => boolean, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Sends every consumer its status resync requests, once per (re)established subscription. A
 * new start() supersedes a run in progress, which stops at its next step; stop() ends it.
 * Example: `const resync = new AgentStatusResync(deps, limits); client.onConnect = () => resync.start();`
 */
export class AgentStatusResync {
  #generation = 0;
  #stopped = false;
  #running: Promise<void> = Promise.resolve();
  readonly totals = { runs: 0, consumers: 0, requests: 0 };

  constructor(
    private readonly deps: AgentStatusResyncDeps,
    private readonly limits: AgentStatusResyncLimits,
  ) {}

  /** Starts a run over all consumers (after the current one, which is superseded). */
  start(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    this.#running = this.#running.then(() => this.#run(generation));
  }

  /** Resolves when the current run (if any) has ended. */
  idle(): Promise<void> {
    return this.#running;
  }

  /** Ends any run at its next step and starts no more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation += 1;
    await this.#running;
  }

  async #run(generation: number): Promise<void> {
    const superseded = () => generation !== this.#generation;
    if (superseded()) return; // a later start() came before this run began
    const started = performance.now();
    try {
      const sent = await this.#pages(superseded);
      if (superseded()) {
        this.deps.metrics.resyncRun("superseded");
        return;
      }
      this.totals.runs += 1;
      this.deps.metrics.resyncRun("done");
      this.deps.log.info("status resync requests sent to agents", { ...sent, ms: Math.round(performance.now() - started) });
    } catch (err) {
      this.deps.metrics.resyncRun("failed");
      this.deps.log.warn("status resync to agents failed; the next reconnect retries", { error: err as Error });
    }
  }

  /** Walks the consumers page by page (keyset on name); returns what was sent. */
  async #pages(superseded: () => boolean): Promise<{ consumers: number; requests: number }> {
    const sent = { consumers: 0, requests: 0 };
    let after: string | undefined;
    for (;;) {
      const names = await this.deps.consumerNames(after, this.limits.consumersPerQuery);
      if (superseded() || names.length === 0) return sent;
      const sources = await this.deps.statusSources(names);
      if (superseded()) return sent;
      await forEachBounded(names, this.limits.consumersInFlight, superseded, async (name) => {
        const hashes = (sources.get(name) ?? []).map((s) => ({ resourceID: s.id, statusHash: serverStatusHash(s.status) }));
        const requests = statusResyncBatches(hashes, this.limits).map((batch) => statusResyncRequestEvent(name, this.deps.sourceId, batch, timestampNow()));
        await this.deps.outlet.sendPaced(name, requests);
        sent.consumers += 1;
        sent.requests += requests.length;
        this.totals.consumers += 1;
        this.totals.requests += requests.length;
      });
      if (names.length < this.limits.consumersPerQuery) return sent;
      after = names[names.length - 1];
    }
  }
}
