// Fanout after commit: turns a committed spec change into one encoded spec event for the
// consumer's agent streams, and a committed status into one encoded status event for every
// stream of the owning source. Each event is encoded once, whatever the number of streams.

import { encodeCloudEvent } from "../cloudevents/ocm-binding.ts";
import { cloudEventFromStoredPayload } from "../cloudevents/json-codec.ts";
import { timestampNow } from "../cloudevents/time.ts";
import type { JsonObject, JsonValue } from "../cloudevents/types.ts";
import type { SpecRow, StatusRow } from "../store/resource-repository.ts";
import { agentSpecEvent, unknownResourceDeleteEvent, type AgentSpecAction, type SpecSnapshot } from "./spec-events.ts";
import { sourceStatusEvent } from "./status-events.ts";
import type { StreamRegistry } from "./streams/mod.ts";

/** Counters of what was handed to the registries. */
export interface DeliveryStats {
  specEvents: number;
  statusEvents: number;
  specSkippedNoAgent: number;
}

/**
 * Encodes and hands events to the stream registries.
 * Example: `delivery.spec(snapshot, "create_request")` after the create committed.
 */
export class Delivery {
  readonly stats: DeliveryStats = { specEvents: 0, statusEvents: 0, specSkippedNoAgent: 0 };

  constructor(
    private readonly agents: StreamRegistry,
    private readonly sources: StreamRegistry,
    /** CE source of spec events to agents (`--source-id`, "maestro"). */
    private readonly sourceId: string,
  ) {}

  /** Sends a resource's spec to its consumer's agent streams (nothing when none is connected). */
  spec(snapshot: SpecSnapshot, action: AgentSpecAction): void {
    if (!this.agents.has(snapshot.consumerName)) {
      this.stats.specSkippedNoAgent += 1;
      return;
    }
    const event = agentSpecEvent(snapshot, action, this.sourceId, timestampNow());
    this.agents.deliver(snapshot.consumerName, encodeCloudEvent(event));
    this.stats.specEvents += 1;
  }

  /** Sends a stored resource row's spec (resync, redelivery). */
  specRow(row: SpecRow, action: AgentSpecAction): void {
    this.spec(snapshotOfRow(row), action);
  }

  /**
   * Sends many specs to one cluster (a resync answer, a redelivery), paced so that a large batch
   * never trips the slow-consumer close: events are encoded lazily and handed over in chunks,
   * each once the previous one reached the transport. `unknownIds` get the delete of 3.1.
   * Resolves when everything is handed over (or no agent stream is left).
   */
  async specsPaced(clusterName: string, specs: readonly { row: SpecRow; action: AgentSpecAction }[], unknownIds: readonly string[] = []): Promise<void> {
    if (!this.agents.has(clusterName)) {
      this.stats.specSkippedNoAgent += specs.length + unknownIds.length;
      return;
    }
    const sourceId = this.sourceId;
    function* frames(): Generator<Uint8Array> {
      for (const { row, action } of specs) yield encodeCloudEvent(agentSpecEvent(snapshotOfRow(row), action, sourceId, timestampNow()));
      for (const id of unknownIds) yield encodeCloudEvent(unknownResourceDeleteEvent(id, clusterName, timestampNow()));
    }
    this.stats.specEvents += await this.agents.deliverPaced(clusterName, frames());
  }

  /** Sends many statuses to one source's streams (a status resync answer), paced likewise. */
  async statusesPaced(source: string, rows: readonly StatusRow[]): Promise<void> {
    if (!this.sources.has(source)) return;
    function* frames(): Generator<Uint8Array> {
      for (const row of rows) yield encodeCloudEvent(sourceStatusEvent(row.status, row.specBundle));
    }
    this.stats.statusEvents += await this.sources.deliverPaced(source, frames());
  }

  /** Sends a stored status (spec metadata applied) with its spec bundle to the source's streams. */
  status(source: string, storedStatus: JsonObject, specBundle: JsonValue | undefined): void {
    if (!this.sources.has(source)) return;
    this.sources.deliver(source, encodeCloudEvent(sourceStatusEvent(storedStatus, specBundle)));
    this.stats.statusEvents += 1;
  }
}

/** A spec snapshot from a stored row; the payload is turned back into the source's event. */
export function snapshotOfRow(row: SpecRow): SpecSnapshot {
  return {
    id: row.id,
    consumerName: row.consumerName,
    version: row.version,
    createdAt: row.createdAt,
    deletedAt: row.deletedAt,
    event: cloudEventFromStoredPayload(row.payload),
  };
}
