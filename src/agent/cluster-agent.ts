// The agent of one cluster: holds its works in memory, applies spec events in order, publishes
// status when it changes (sequence id, hash), resyncs on every (re)connect, answers status resync
// requests (MQTT mode), polls status feedback on each sync tick, and cleans up deleted works
// before reporting Deleted=True.

import { assert } from "../assert.ts";
import { readOptionalString } from "../cloudevents/attributes.ts";
import { MANIFEST_BUNDLE_DATA_TYPE, parseEventType, sameDataType, type EventType } from "../cloudevents/event-type.ts";
import type { ManifestBundleStatus, StatusResyncRequest } from "../cloudevents/manifest-bundle.ts";
import { parseStatusResyncRequest } from "../cloudevents/resync-codec.ts";
import type { SnowflakeGenerator } from "../cloudevents/snowflake.ts";
import { workStatusHash } from "../cloudevents/status-hash.ts";
import { Ext, type CloudEvent } from "../cloudevents/types.ts";
import type { Logger } from "../observability/logger.ts";
import { Reason, setConditions } from "./conditions.ts";
import { specResyncEvent, statusEvent } from "./status-events.ts";
import { WorkApplier } from "./work-applier.ts";
import { specChangeOf, type AgentWork, type SpecChange, type SpecIdentity } from "./work.ts";
import type { ClusterClient } from "./cluster-client.ts";
import type { ClusterLink, ClusterLinkHandlers } from "./cluster-link.ts";
import { DropStats } from "./drop-stats.ts";
import { statusResyncSelection } from "./status-resync.ts";

export interface ClusterAgentOptions {
  readonly clusterName: string;
  /** CE source of the agent's events (`--cloudevents-client-id`, default `<cluster>-work-agent`). */
  readonly agentId: string;
  readonly cluster: ClusterClient;
  readonly sequence: SnowflakeGenerator;
  readonly jsonRawBytesMax: number;
  readonly log: Logger;
  readonly now?: () => number;
  /** The process's drop counters (default: the agent's own). */
  readonly drops?: DropStats;
}

/** Counters for tests and metrics. */
export interface ClusterAgentStats {
  specsReceived: number;
  applies: number;
  statusesPublished: number;
  publishFailures: number;
  deleted: number;
  statusResyncRequests: number;
}

/**
 * One cluster's agent. Example:
 * `const agent = new ClusterAgent(options); agent.attach(link); agent.onEvent(event); await agent.idle();`
 */
export class ClusterAgent implements ClusterLinkHandlers {
  readonly works = new Map<string, AgentWork>();
  readonly stats: ClusterAgentStats = { specsReceived: 0, applies: 0, statusesPublished: 0, publishFailures: 0, deleted: 0, statusResyncRequests: 0 };
  readonly #applier: WorkApplier;
  readonly #drops: DropStats;
  #link: ClusterLink | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** The spec resync request of the last (re)connect was not accepted yet: sync ticks retry it. */
  #specResyncPending = false;

  constructor(private readonly options: ClusterAgentOptions) {
    this.#applier = new WorkApplier(options.cluster, { jsonRawBytesMax: options.jsonRawBytesMax, now: options.now });
    this.#drops = options.drops ?? new DropStats(options.log);
  }

  attach(link: ClusterLink): void {
    this.#link = link;
  }

  /** Resolves when every queued operation has run and every queued status was sent. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#chain;
      const sends = [...this.works.values()].map((w) => w.sending).filter((p) => p !== undefined);
      if (sends.length === 0) return;
      await Promise.all(sends);
    }
  }

  /** Runs `step` after the operations queued before it (one cluster's changes apply in order). */
  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step).catch((err: unknown) => this.options.log.error("agent step failed", { cluster: this.options.clusterName, error: err as Error }));
  }

  /**
   * An event from the server: a manifestbundles spec event for this cluster, or a status resync
   * request (MQTT mode). Other data types and the agents' own status events are ignored; an
   * event for another cluster or one that cannot be decoded is dropped and counted.
   */
  onEvent(event: CloudEvent): void {
    let type: EventType;
    try {
      type = parseEventType(event.type);
    } catch (err) {
      this.#drops.drop("invalid", { cluster: this.options.clusterName, id: event.id, type: event.type, error: err as Error });
      return;
    }
    if (!sameDataType(type.dataType, MANIFEST_BUNDLE_DATA_TYPE)) return;
    if (type.subResource === "spec") this.#onSpec(event);
    else if (type.action === "resync_request") this.#onStatusResync(event);
  }

  #onSpec(event: CloudEvent): void {
    let change: SpecChange;
    try {
      const cluster = readOptionalString(event, Ext.clusterName);
      if (cluster !== undefined && cluster !== this.options.clusterName) {
        this.#drops.drop("cluster_mismatch", { cluster: this.options.clusterName, clustername: cluster, id: event.id, type: event.type });
        return;
      }
      change = specChangeOf(event);
    } catch (err) {
      this.#drops.drop("invalid", { cluster: this.options.clusterName, id: event.id, type: event.type, error: err as Error });
      return;
    }
    this.stats.specsReceived++;
    this.#enqueue(() => (change.kind === "delete" ? this.#delete(change) : this.#apply(change)));
  }

  /**
   * A status resync request (maestro-wire.md 3.3): re-send, as resync_response, the statuses
   * statusResyncSelection picks. An empty clustername (a broadcast) addresses every cluster.
   */
  #onStatusResync(event: CloudEvent): void {
    let request: StatusResyncRequest;
    try {
      const cluster = readOptionalString(event, Ext.clusterName);
      if (cluster !== undefined && cluster !== "" && cluster !== this.options.clusterName) {
        this.#drops.drop("cluster_mismatch", { cluster: this.options.clusterName, clustername: cluster, id: event.id, type: event.type });
        return;
      }
      if (event.data === undefined) throw new Error("the status resync request has no data");
      request = parseStatusResyncRequest(event.data);
    } catch (err) {
      this.#drops.drop("invalid", { cluster: this.options.clusterName, id: event.id, type: event.type, error: err as Error });
      return;
    }
    this.stats.statusResyncRequests++;
    // Queued behind the specs received before it, so it answers with the statuses they produced.
    this.#enqueue(async () => {
      for (const work of statusResyncSelection(this.works.values(), event.source, request)) {
        const status = work.status;
        assert(status !== undefined, "a selected work has a status");
        this.#queueStatus(work, status, "resync_response", true);
      }
    });
  }

  /**
   * After each (re)connect: ask for the specs that changed, then re-send every status. The link
   * says whether this is a reconnect; the agent resyncs either way (its works may have changed
   * while it was away, and the server may have lost what it did not acknowledge).
   */
  onConnected(_reconnected = false): void {
    this.#specResyncPending = true;
    this.#enqueue(async () => {
      await this.#sendSpecResync();
      for (const work of this.works.values()) {
        if (work.status && !work.deleting) this.#queueStatus(work, work.status, "resync_response", true);
      }
    });
  }

  /** Sends the spec resync request with the versions held now; a refusal leaves it pending. */
  async #sendSpecResync(): Promise<void> {
    const versions = [...this.works.values()].map((w) => ({ resourceID: w.id, resourceVersion: w.generation }));
    const sent = await this.#send(specResyncEvent(this.options.clusterName, this.options.agentId, versions));
    // A later (re)connect may have asked again meanwhile; its own step sends again anyway.
    if (sent) this.#specResyncPending = false;
  }

  /** The status-sync poll: retry a refused spec resync, refresh feedback, finish pending deletes, re-send unpublished statuses. */
  syncTick(): void {
    this.#enqueue(async () => {
      if (this.#specResyncPending && this.#link?.connected) await this.#sendSpecResync();
      for (const work of [...this.works.values()]) {
        if (work.deleting) await this.#finishDelete(work);
        else this.#queueStatus(work, await this.#applier.observe(work));
      }
    });
  }

  async #apply(change: Extract<SpecChange, { kind: "apply" }>): Promise<void> {
    const known = this.works.get(change.id);
    // A resync re-sends what we hold: the same generation is not applied again.
    if (known && (known.deleting || change.generation <= known.generation)) return;
    const work: AgentWork = known ?? {
      id: change.id, name: change.name, namespace: this.options.clusterName, generation: change.generation, bundle: change.bundle,
      specMetadata: change.specMetadata, originalSource: change.originalSource, deleting: false, applied: [], status: undefined, publishedHash: undefined,
    };
    Object.assign(work, { generation: change.generation, bundle: change.bundle, specMetadata: change.specMetadata, originalSource: change.originalSource });
    this.works.set(work.id, work);
    this.stats.applies++;
    this.#queueStatus(work, await this.#applier.apply(work));
  }

  async #delete(change: Extract<SpecChange, { kind: "delete" }>): Promise<void> {
    // A work deleted while this process was not running is unknown here: it applied nothing we
    // know of, so confirm the delete at once, or the server keeps it deleting forever.
    const work = this.works.get(change.id) ?? this.#placeholder(change);
    this.works.set(work.id, work);
    work.deleting = true;
    await this.#finishDelete(work);
  }

  #placeholder(identity: SpecIdentity): AgentWork {
    return {
      ...identity, namespace: this.options.clusterName, bundle: { manifests: [] },
      deleting: true, applied: [], status: undefined, publishedHash: undefined,
    };
  }

  async #finishDelete(work: AgentWork): Promise<void> {
    if (!(await this.#applier.cleanup(work))) return;
    const deleted = { type: "Deleted", status: "True", reason: Reason.manifestsDeleted, message: `The manifests are deleted from the cluster ${this.options.clusterName}` } as const;
    const status: ManifestBundleStatus = { conditions: setConditions(work.status?.conditions, [deleted], (this.options.now ?? Date.now)()) };
    // The final status goes after any status still queued for this work, and must be taken
    // before the work is forgotten: it is sent here and awaited, not queued.
    work.outbox = undefined;
    await work.sending;
    work.status = status;
    const hash = workStatusHash(status);
    if (await this.#send(statusEvent(work, status, hash, { agentId: this.options.agentId, sequenceId: this.options.sequence.next() }))) {
      work.publishedHash = hash;
      this.stats.statusesPublished++;
      this.works.delete(work.id);
      this.stats.deleted++;
    }
  }

  /**
   * Queues the work's status for the server when its hash changed (or `force`). Sends do not
   * hold up the cluster's next apply: each work has at most one status in flight and keeps only
   * the latest one waiting, so statuses of one work stay in order (rising sequence ids) and a
   * slow server costs memory per work, not per status.
   */
  #queueStatus(work: AgentWork, status: ManifestBundleStatus, action: "update_request" | "resync_response" = "update_request", force = false): void {
    work.status = status;
    const hash = workStatusHash(status);
    const latest = work.outbox?.hash ?? work.sendingHash ?? work.publishedHash;
    if (!force && hash === latest) return;
    work.outbox = { status, hash, action };
    work.sending ??= this.#sendQueued(work);
  }

  async #sendQueued(work: AgentWork): Promise<void> {
    try {
      for (let next = work.outbox; next !== undefined; next = work.outbox) {
        work.outbox = undefined;
        work.sendingHash = next.hash;
        const event = statusEvent(work, next.status, next.hash, { agentId: this.options.agentId, sequenceId: this.options.sequence.next(), action: next.action });
        const ok = await this.#send(event);
        work.sendingHash = undefined;
        // A failed send leaves publishedHash behind: the next sync tick queues the status again.
        if (ok) {
          work.publishedHash = next.hash;
          this.stats.statusesPublished++;
        }
      }
    } finally {
      work.sending = undefined;
    }
  }

  async #send(event: CloudEvent): Promise<boolean> {
    const link = this.#link;
    if (!link?.connected) return false;
    try {
      await link.publish(event);
      return true;
    } catch (err) {
      this.stats.publishFailures++;
      this.options.log.warn("publish failed", { cluster: this.options.clusterName, type: event.type, error: err as Error });
      return false;
    }
  }
}
